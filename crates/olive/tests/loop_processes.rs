//! The loop across real processes: two `olive worker`s on one PostgreSQL database deliver every message
//! once between them, and `kill -9` of `olive serve` while cases and messages flow loses nothing.

#[path = "../../jobs/tests/common/mod.rs"]
mod common;

use common::{Receiver, SmtpSink, free_port};
use jiff::Timestamp;
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::testing::{Fixture, fresh_url};
use olive_storage::webhooks::NewWebhook;
use olive_storage::{LoopConfig, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn olive(args: &[&str], url: &str, extra: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_olive"));
    cmd.args(args)
        .env("DATABASE_URL", url)
        .env("OLIVE_WEBHOOK_ALLOW_PRIVATE", "1")
        .env("OLIVE_WORKER_TICK_MS", "20")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.spawn().expect("run olive")
}

async fn open(url: &str) -> Store {
    Store::open(url)
        .await
        .unwrap()
        .with_loop_config(LoopConfig {
            allow_private_webhooks: true,
            ..LoopConfig::default()
        })
}

fn new_case(location: &str, n: usize) -> NewCase {
    NewCase {
        location_id: location.into(),
        defect: "appointment-not-in-book".into(),
        stage: None,
        customer: CustomerInput {
            name: format!("Customer {n}"),
            phone: None,
            email: None,
            address: None,
        },
        description: "load".into(),
        severity: None,
    }
}

/// The `data.case_id` of each accepted `case.created` delivery, with how often it arrived.
fn created_counts(rx: &Receiver) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for d in rx.accepted("case.created") {
        let v: serde_json::Value = serde_json::from_str(&d.body).unwrap();
        *m.entry(v["data"]["case_id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    m
}

async fn wait_for(what: &str, secs: u64, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_on_postgres_deliver_each_message_once() {
    let url = fresh_url(true).await.expect("PostgreSQL on 127.0.0.1:5432");
    let fx = Fixture::new(open(&url).await).await.unwrap();
    let rx = Receiver::start(0).await;
    let smtp = SmtpSink::start();
    fx.store
        .create_webhook(
            fx.actor("dental_manager"),
            &fx.dental,
            NewWebhook {
                url: rx.url.clone(),
                events: vec!["case.created".into()],
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    let env = [
        ("OLIVE_SMTP_HOST", "127.0.0.1".to_string()),
        ("OLIVE_SMTP_PORT", smtp.port.to_string()),
        // Small batches, so the two workers keep claiming side by side.
        ("OLIVE_WORKER_BATCH", "5".to_string()),
    ];
    let mut workers = [
        olive(&["worker"], &url, &env),
        olive(&["worker"], &url, &env),
    ];
    let cases = 120;
    for n in 0..cases {
        let who = if n % 2 == 0 {
            "dental_front"
        } else {
            "dental_team"
        };
        fx.store
            .create_case(
                fx.actor(who),
                new_case(&fx.dental, n),
                None,
                Timestamp::now(),
            )
            .await
            .unwrap();
    }
    let store = fx.store.clone();
    // Settled: the same answer twice, half a second apart (a tick may be between two reads).
    let mut settled = 0;
    wait_for("every message delivered", 90, async || {
        tokio::time::sleep(Duration::from_millis(400)).await;
        let jobs = store.job_counts().await.unwrap();
        let counts = store.outbox_counts().await.unwrap();
        created_counts(&rx).len() == cases
            && !counts
                .iter()
                .any(|(status, n)| status == "pending" && *n > 0)
            && !jobs.iter().any(|(_, status, _)| status == "queued")
            && {
                settled += 1;
                settled >= 2
            }
    })
    .await;
    for w in &mut workers {
        w.kill().unwrap();
        w.wait().unwrap();
    }
    let created = created_counts(&rx);
    assert_eq!(created.len(), cases);
    assert!(
        created.values().all(|n| *n == 1),
        "a webhook delivered twice: {created:?}"
    );
    let mails = smtp.mails();
    let ids: BTreeSet<_> = mails.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), mails.len(), "an email delivered twice");
    let emails_queued: i64 = fx
        .store
        .outbox_counts()
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum::<i64>()
        - cases as i64;
    assert_eq!(
        mails.len() as i64,
        emails_queued,
        "every queued email arrived once"
    );
    // Every reminder was queued once per step and kind, and ran once.
    for (kind, status, n) in fx.store.job_counts().await.unwrap() {
        assert_eq!(status, "done", "{kind} {status} {n}");
    }
    eprintln!(
        "two workers: {} webhooks, {} emails, each once",
        created.len(),
        mails.len()
    );
}

/// `olive serve` on SQLite with cases created by HTTP clients; killed with SIGKILL twice mid-stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_while_messages_flow_loses_nothing() {
    let url = fresh_url(false).await.unwrap();
    let fx = Fixture::new(open(&url).await).await.unwrap();
    let rx = Receiver::start(0).await;
    fx.store
        .create_webhook(
            fx.actor("dental_manager"),
            &fx.dental,
            NewWebhook {
                url: rx.url.clone(),
                events: vec!["case.created".into()],
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    let token = fx
        .store
        .create_token(
            &fx.actor("dental_front").staff_id,
            "crash",
            None,
            Timestamp::now(),
        )
        .await
        .unwrap()
        .token;
    let dental = fx.dental.clone();
    fx.store.db().close().await;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    // A short lease: messages claimed by the killed process come due again a second later.
    let env = [("OLIVE_OUTBOX_LEASE_MS", "1000".to_string())];
    let serve = || olive(&["serve", "--addr", &addr], &url, &env);
    let http = reqwest::Client::new();
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut server = serve();
    for round in 0..3 {
        wait_for("the server", 30, async || {
            http.get(format!("http://{addr}/api/v1/health"))
                .send()
                .await
                .is_ok()
        })
        .await;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut clients = Vec::new();
        for c in 0..4 {
            let (http, acked, stop, token, dental, addr) = (
                http.clone(),
                acked.clone(),
                stop.clone(),
                token.clone(),
                dental.clone(),
                addr.clone(),
            );
            clients.push(tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    n += 1;
                    let res = http
                        .post(format!("http://{addr}/api/v1/cases"))
                        .bearer_auth(&token)
                        .json(
                            &serde_json::to_value(new_case_json(
                                &dental,
                                round * 100_000 + c * 10_000 + n,
                            ))
                            .unwrap(),
                        )
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status() == 201 => {
                            let v: serde_json::Value = r.json().await.unwrap();
                            acked
                                .lock()
                                .unwrap()
                                .push(v["id"].as_str().unwrap().to_string());
                        }
                        Ok(r) => panic!("unexpected {}", r.status()),
                        Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        if round < 2 {
            server.kill().unwrap(); // SIGKILL
            server.wait().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for c in clients {
            c.await.unwrap();
        }
        if round < 2 {
            server = serve();
        }
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50, "only {} cases were created", acked.len());
    wait_for(
        "a case.created delivery for every acknowledged case",
        90,
        async || {
            let got = created_counts(&rx);
            acked.iter().all(|id| got.contains_key(id))
        },
    )
    .await;
    server.kill().unwrap();
    server.wait().unwrap();
    let store = open(&url).await;
    assert_eq!(store.db().integrity_check().await.unwrap(), "ok");
    let got = created_counts(&rx);
    let admin = fx.actor("admin");
    for id in &acked {
        let case = store.get_case(admin, id, Timestamp::now()).await.unwrap();
        assert_eq!(case.steps.len(), 6, "case {id} is whole");
    }
    let repeats: usize = got.values().map(|n| n - 1).sum();
    eprintln!(
        "kill -9 twice: {} cases acknowledged, all delivered; {repeats} repeated deliveries (at least once)",
        acked.len()
    );
}

fn new_case_json(location: &str, n: usize) -> serde_json::Value {
    serde_json::json!({
        "location_id": location,
        "defect": "appointment-not-in-book",
        "customer": {"name": format!("Customer {n}")},
        "description": "crash test"
    })
}
