//! Real peers for the loop tests: an SMTP server (aiosmtpd, in Python), an HTTP webhook receiver that
//! can fail its first requests, and a clock the test moves by hand.
#![allow(dead_code)]

/// The world a loop test runs in, and the `both!` macro.
#[macro_use]
pub mod world;
/// Multipart emails read back: their text and their attachments.
pub mod mime;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use jiff::Timestamp;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A clock that only moves when the test says so.
#[derive(Clone)]
pub struct TestClock(Arc<Mutex<Timestamp>>);

impl TestClock {
    pub fn new(at: Timestamp) -> TestClock {
        TestClock(Arc::new(Mutex::new(at)))
    }
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap() = at;
    }
    pub fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
    pub fn as_clock(&self) -> olive_jobs::Clock {
        let me = self.clone();
        Arc::new(move || me.now())
    }
}

/// A received email: headers we look at, the body, and the name the sender greeted the server with.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub body: String,
    /// every header line (unfolded), as `(name, value)`
    pub headers: Vec<(String, String)>,
    /// the HELO/EHLO name of the SMTP session that brought it
    pub ehlo: String,
}

impl Mail {
    /// The first header of this name (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// aiosmtpd on a free loopback port, writing each message to a folder.
pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let dir = std::env::temp_dir().join(format!("olive-smtp-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        // A free port can be taken by another test between choosing it and the sink binding it:
        // try again on a new one (the sink says "failed …" and exits).
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("python3")
                .arg(repo_root().join("tests/support/smtp_sink.py"))
                .arg(port.to_string())
                .arg(&dir)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("python3 with aiosmtpd (scripts/test installs it)");
            let mut line = String::new();
            use std::io::BufRead;
            std::io::BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            if line.trim() == "ready" {
                return SmtpSink { port, dir, child };
            }
            let _ = child.kill();
            let _ = child.wait();
            last = line;
        }
        panic!("the SMTP sink did not start: {last}");
    }

    pub fn config(&self) -> olive_jobs::SmtpConfig {
        olive_jobs::SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            starttls: false,
            username: None,
            password: None,
            from: "Olive <olive@olive.test>".into(),
            hello_name: "mx.olive.test".into(),
            message_domain: "olive.test".into(),
        }
    }

    /// Every message received so far, in order.
    pub fn mails(&self) -> Vec<Mail> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| {
                let mut m = parse_mail(&std::fs::read_to_string(p).unwrap());
                m.ehlo = std::fs::read_to_string(p.with_extension("ehlo")).unwrap_or_default();
                m
            })
            .collect()
    }

    /// Every message received so far as sent (the raw `.eml`), in order.
    pub fn raw(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    pub fn mails_to(&self, to: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.contains(to))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        Timestamp::now().as_nanosecond()
    )
}

/// Headers (unfolded) and a quoted-printable-decoded body.
fn parse_mail(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let head = head.replace("\n ", " ").replace("\n\t", " ");
    let headers: Vec<(String, String)> = head
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let encoding = header("Content-Transfer-Encoding").to_ascii_lowercase();
    let body = match encoding.as_str() {
        "quoted-printable" => decode_qp(body),
        "base64" => {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => body.to_string(),
    };
    Mail {
        to: header("To"),
        subject: header("Subject"),
        message_id: header("Message-ID"),
        body,
        headers,
        ehlo: String::new(),
    }
}

pub fn decode_qp(s: &str) -> String {
    let s = s.replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One request the receiver saw.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub event_id: String,
    pub event_type: String,
    pub attempt: String,
    pub signature: String,
    /// `Olive-Timestamp`
    pub timestamp: String,
    /// `Olive-Webhook-Id`
    pub webhook_id: String,
    pub body: String,
    pub answered: u16,
}

/// An HTTP server that records every POST and answers 500 to the first `fail_first` of them.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Vec<Delivery>>>,
    fail_first: Arc<AtomicUsize>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Receiver {
        let seen: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let fails = Arc::new(AtomicUsize::new(fail_first));
        let (s, f) = (seen.clone(), fails.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (s, f) = (s.clone(), f.clone());
                async move {
                    let fail = f
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    let status = if fail {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    };
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    s.lock().unwrap().push(Delivery {
                        event_id: h("olive-event-id"),
                        event_type: h("olive-event-type"),
                        attempt: h("olive-delivery-attempt"),
                        signature: h("olive-signature"),
                        timestamp: h("olive-timestamp"),
                        webhook_id: h("olive-webhook-id"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                        answered: status.as_u16(),
                    });
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver {
            url,
            seen,
            fail_first: fails,
        }
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.seen.lock().unwrap().clone()
    }

    /// Successful deliveries of one event type.
    pub fn accepted(&self, event_type: &str) -> Vec<Delivery> {
        self.deliveries()
            .into_iter()
            .filter(|d| d.answered == 200 && d.event_type == event_type)
            .collect()
    }

    pub fn fail_next(&self, n: usize) {
        self.fail_first.store(n, Ordering::SeqCst);
    }
}
