//! Two `olive serve` instances on one PostgreSQL database behind Debian's nginx as a round-robin
//! balancer: sign-in, CSRF and PIN switching work whichever instance answers; a manager's page served
//! through the balancer shows the live alert for a request made on the other instance within 5 s; the
//! audit and the sign-in limits see the address nginx forwards, and a forged X-Forwarded-For is not
//! believed. nginx comes from Debian's packages (`scripts/test` installs it).

#[path = "../../jobs/tests/common/mod.rs"]
mod common;

use common::free_port;
use jiff::Timestamp;
use olive_storage::Store;
use olive_storage::testing::{Fixture, fresh_url};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Killed(Vec<Child>);

impl Drop for Killed {
    /// SIGTERM first, so nginx's master takes its workers with it (a SIGKILLed master leaves them
    /// running on their port); SIGKILL whatever is still there after 5 s.
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
        }
        for c in &mut self.0 {
            let start = Instant::now();
            while matches!(c.try_wait(), Ok(None)) && start.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn nginx_binary() -> String {
    for p in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if std::path::Path::new(p).exists() {
            return p.into();
        }
    }
    panic!(
        "nginx is not installed: scripts/test installs Debian's nginx-light (apt-get install nginx-light)"
    );
}

/// A browser from a loopback address of its own, with its cookies.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<String>,
}

impl Browser {
    fn new(base: &str, from: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .local_address(from.parse::<IpAddr>().unwrap())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.into(),
            cookies: Vec::new(),
        }
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_string();
            let name = pair.split('=').next().unwrap().to_string();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookies.join("; "))
            .send()
            .await
            .unwrap();
        self.keep(&res);
        (res.status(), res.text().await.unwrap())
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)], xff: Option<&str>) -> StatusCode {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookies.join("; "))
            .form(form);
        if let Some(x) = xff {
            req = req.header("x-forwarded-for", x);
        }
        let res = req.send().await.unwrap();
        self.keep(&res);
        res.status()
    }

    async fn csrf(&mut self, path: &str) -> String {
        let (_, body) = self.get(path).await;
        let at = body.find("name=\"_csrf\" value=\"").expect("a form") + 20;
        body[at..at + 64].to_string()
    }
}

async fn wait_up(addr: &str) {
    let http = reqwest::Client::new();
    let start = Instant::now();
    while !http
        .get(format!("http://{addr}/api/v1/health"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{addr} did not come up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_behind_nginx() {
    let nginx = nginx_binary();
    let url = fresh_url(true).await.unwrap();
    let fx = Fixture::new(Store::open(&url).await.unwrap())
        .await
        .unwrap();
    for who in ["dental_front", "dental_manager"] {
        let id = &fx.actor(who).staff_id;
        fx.store.set_password(id, "correct horse").await.unwrap();
    }
    fx.store
        .set_pin(&fx.actor("dental_front").staff_id, "2468")
        .await
        .unwrap();
    let token = |who: &str| {
        let (store, id) = (fx.store.clone(), fx.actor(who).staff_id.clone());
        async move {
            store
                .create_token(&id, "lb", None, Timestamp::now())
                .await
                .unwrap()
                .token
        }
    };
    let (front_token, admin_token) = (token("dental_front").await, token("admin").await);

    let instances: Vec<String> = (0..2)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    let mut children = Killed(Vec::new());
    for addr in &instances {
        children.0.push(
            Command::new(env!("CARGO_BIN_EXE_olive"))
                .args(["serve", "--addr", addr])
                .env("DATABASE_URL", &url)
                .env("OLIVE_TRUSTED_PROXIES", "127.0.0.1")
                .env("OLIVE_INSECURE_COOKIES", "1")
                .env("OLIVE_WORKER_TICK_MS", "200")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    let dir = std::env::temp_dir().join(format!("olive-nginx-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let lb = format!("127.0.0.1:{}", free_port());
    let d = dir.display();
    let conf = format!(
        "daemon off; worker_processes 1; pid {d}/nginx.pid; error_log {d}/error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{ access_log off; client_body_temp_path {d}/body; proxy_temp_path {d}/proxy;\n\
           fastcgi_temp_path {d}/fcgi; uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;\n\
           upstream olive {{ server {}; server {}; }}\n\
           server {{ listen {lb}; location / {{ proxy_pass http://olive; proxy_set_header Host $host;\n\
             proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
             proxy_set_header X-Forwarded-Proto $scheme; }} }} }}\n",
        instances[0], instances[1]
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    children.0.push(
        Command::new(&nginx)
            .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    for addr in instances.iter().chain([&lb]) {
        wait_up(addr).await;
    }
    let base = format!("http://{lb}");

    // The manager signs in through the balancer, from her own address, with a forged header.
    let mut m = Browser::new(&base, "127.0.0.2");
    let st = m
        .post(
            "/login",
            &[("login", "dental-manager"), ("password", "correct horse")],
            Some("203.0.113.9"),
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    // Her session works on both instances (round robin: consecutive requests alternate).
    for _ in 0..4 {
        let (st, page) = m.get("/my").await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            page.contains("dental manager") || page.contains("Dental Manager"),
            "signed in on every instance"
        );
    }
    // CSRF: the form comes from one instance, the post goes to the other.
    let csrf = m.csrf("/settings").await;
    let st = m
        .post(
            "/settings/device",
            &[
                ("_csrf", &csrf),
                ("location_id", &fx.dental),
                ("name", "Desk tablet"),
            ],
            None,
        )
        .await;
    assert_eq!(
        st,
        StatusCode::SEE_OTHER,
        "the CSRF token is good on the other instance"
    );
    // PIN switching on the shared device, whichever instance answers, twice.
    let fd = fx.actor("dental_front").staff_id.clone();
    for _ in 0..2 {
        let st = m
            .post("/switch", &[("staff_id", &fd), ("pin", "2468")], None)
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "PIN switch through the balancer");
        let (st, _) = m.get("/my").await;
        assert_eq!(st, StatusCode::OK);
    }
    // Back as the manager, watching her page's live alert through the balancer.
    let mut m = Browser::new(&base, "127.0.0.2");
    m.post(
        "/login",
        &[("login", "dental-manager"), ("password", "correct horse")],
        None,
    )
    .await;
    let (_, quiet) = m.get("/ui/alerts").await;
    assert!(!quiet.contains("waiting for your approval"), "{quiet}");

    // The receptionist asks for $300 flowers on the second instance directly.
    let api = reqwest::Client::new();
    let direct = format!("http://{}", instances[1]);
    let case: Value = api
        .post(format!("{direct}/api/v1/cases"))
        .bearer_auth(&front_token)
        .json(&json!({"location_id": fx.dental, "defect": "appointment-not-in-book", "customer": {"name": "Priya Shah"}, "description": "card for a slot not in the book"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = case["ref"].as_str().unwrap();
    let g = api
        .post(format!("{direct}/api/v1/cases/{key}/gestures"))
        .bearer_auth(&front_token)
        .json(&json!({"kind": "flowers", "value_cents": 30000, "note": "to the home"}))
        .send()
        .await
        .unwrap();
    assert_eq!(g.status(), StatusCode::CREATED);
    let asked = Instant::now();
    loop {
        let (_, alert) = m.get("/ui/alerts").await;
        if alert.contains("waiting for your approval") && alert.contains(key) {
            break;
        }
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "no live alert within 5 s: {alert}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!(
        "live alert through the balancer after {:?}",
        asked.elapsed()
    );

    // Sign-in limits count the client nginx forwards, not nginx: a guesser at 127.0.0.4 is stopped
    // (each instance keeps its own count, so within twice the burst) while 127.0.0.5 is not.
    let mut guesser = Browser::new(&base, "127.0.0.4");
    let mut tries = 0;
    loop {
        tries += 1;
        let login = format!("guess{tries}@example.com");
        let st = guesser
            .post(
                "/login",
                &[("login", &login), ("password", "wrong wrong")],
                None,
            )
            .await;
        if st == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        assert!(tries <= 22, "never limited");
    }
    let mut other = Browser::new(&base, "127.0.0.5");
    let st = other
        .post(
            "/login",
            &[
                ("login", "someone@example.com"),
                ("password", "wrong wrong"),
            ],
            None,
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "another client behind the same proxy is not limited"
    );
    // An untrusted peer's own X-Forwarded-For is ignored.
    let mut sneaky = Browser::new(&format!("http://{}", instances[0]), "127.0.0.3");
    sneaky
        .post(
            "/login",
            &[("login", "dental-front"), ("password", "wrong wrong")],
            Some("203.0.113.10"),
        )
        .await;

    // The audit trail has the addresses nginx forwarded and the untrusted peer's own.
    let audit: Value = api
        .get(format!("{base}/api/v1/audit?action=auth.&limit=200"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = audit["items"].as_array().unwrap();
    let ips: std::collections::BTreeSet<&str> =
        items.iter().filter_map(|e| e["ip"].as_str()).collect();
    assert!(
        ips.contains("127.0.0.2") && ips.contains("127.0.0.4") && ips.contains("127.0.0.3"),
        "{ips:?}"
    );
    assert!(
        !ips.iter().any(|ip| ip.starts_with("203.0.113.")),
        "a forged address was believed: {ips:?}"
    );
    assert!(
        !ips.contains("127.0.0.1"),
        "nginx's own address in the audit: {ips:?}"
    );
    assert!(
        items
            .iter()
            .any(|e| e["action"] == "auth.pin_switch" && e["ip"] == "127.0.0.2")
    );
    drop(children);
    let _ = std::fs::remove_dir_all(&dir);
}
