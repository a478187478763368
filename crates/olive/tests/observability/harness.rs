//! The harness of `observability.rs`: a real `olive serve` on loopback with its stderr in a file, an
//! HTTP client that keeps every response's request id, and what must never be logged.

use reqwest::{Client, StatusCode};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "Tr0ub4dor-obs-9431";
pub const NEW_PASSWORD: &str = "Wombat-obs-Pass-5520";
pub const METRICS_TOKEN: &str = "metrics-obs-token-7791";

/// What the customer and staff tell Olive in these stories: none of it may reach a log line.
pub const PERSONAL: &[&str] = &[
    "Quentin Zarkovsky",
    "Zarkovsky",
    "0411 987 654",
    "0411987654",
    "411987654",
    "quentin.zarkovsky@example.org",
    "quentin.zarkovsky%40example.org",
    "77 Wombat Crescent",
    "Booked for the 9:15 hygiene slot",
    "Prefers a call after lunch",
    "A bunch of proteas to the house",
    "Lovely follow-up from the practice",
    PASSWORD,
    NEW_PASSWORD,
    METRICS_TOKEN,
];

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub metrics: String,
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Kept when a test failed, to read.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

impl Server {
    /// `olive serve` on loopback with the most verbose filter, stderr to a file.
    pub async fn start(url: &str, format: &str) -> Server {
        let (port, mport) = (free_port(), free_port());
        let log = std::env::temp_dir().join(format!(
            "olive-obs-{}-{format}.log",
            uuid::Uuid::now_v7().simple()
        ));
        let child = Command::new(env!("CARGO_BIN_EXE_olive"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--metrics-addr", &format!("127.0.0.1:{mport}")])
            .env("DATABASE_URL", url)
            .env("OLIVE_LOG", "trace")
            .env("OLIVE_LOG_FORMAT", format)
            .env("OLIVE_METRICS_TOKEN", METRICS_TOKEN)
            .env("OLIVE_INSECURE_COOKIES", "1")
            .env("OLIVE_WORKER_TICK_MS", "100")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("run olive serve");
        let s = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            metrics: format!("http://127.0.0.1:{mport}/metrics"),
            log,
        };
        let http = Client::new();
        let start = Instant::now();
        loop {
            let up = http.get(format!("{}/api/v1/ready", s.base)).send().await;
            if up.is_ok_and(|r| r.status() == StatusCode::OK) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "olive serve did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        s
    }
}

/// The HTTP side of the stories: every response's `X-Request-Id`, and the secrets the server handed out.
pub struct Client2 {
    pub http: Client,
    pub base: String,
    pub ids: Vec<String>,
    pub secrets: Vec<String>,
}

impl Client2 {
    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> (StatusCode, String) {
        let res = req.send().await.expect("request");
        let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
        self.ids.push(id);
        let st = res.status();
        for c in res.headers().get_all("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap();
            if let Some((_, v)) = pair.split_once('=')
                && v.len() >= 16
            {
                self.secrets.push(v.to_string());
            }
        }
        (st, res.text().await.unwrap())
    }

    pub async fn json(
        &mut self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let url = format!("{}{path}", self.base);
        let mut req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url),
        }
        .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let (st, text) = self.send(req).await;
        assert!(st.is_success(), "{method} {path}: {st} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// Drive the missing-appointment story and the staff's sign-in over HTTP; return the client.
pub async fn log_of(s: &Server, last_id: &str) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&s.log).unwrap();
        if text.contains(last_id) || start.elapsed() > Duration::from_secs(10) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn assert_nothing_personal(log: &str, secrets: &[String], what: &str) {
    for p in PERSONAL
        .iter()
        .map(|p| p.to_string())
        .chain(secrets.iter().cloned())
    {
        assert!(!log.contains(&p), "{what} contains '{p}'");
    }
}
