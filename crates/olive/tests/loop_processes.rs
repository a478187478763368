//! The loop across real processes: two `olive worker`s on one PostgreSQL database deliver every message
//! once between them, and `olive serve` on SQLite, killed with `kill -9` round after round while HTTP
//! clients create cases, comes back each time with the database intact and every acknowledged case whole.

#[path = "../../jobs/tests/common/mod.rs"]
mod common;

use common::{Receiver, SmtpSink, free_port};
use jiff::Timestamp;
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::testing::{Fixture, fresh_url};
use olive_storage::webhooks::NewWebhook;
use olive_storage::{Db, LoopConfig, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
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
            preferred_name: None,
        },
        description: "load".into(),
        severity: None,
        fields: Default::default(),
        noticed_at: None,
        done_steps: Vec::new(),
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

/// Rounds of `kill -9` in [`kill_9_while_messages_flow_loses_nothing`], and the HTTP clients creating
/// cases in each.
const CRASH_ROUNDS: usize = 3;
const CLIENTS: usize = 4;
/// How long the clients create cases before each kill, and how many they must have had acknowledged
/// by then (on a busy machine the round goes on until they have).
const LOAD_MS: u64 = 1500;
const MIN_ACKED_PER_ROUND: usize = 20;

/// A case creation `olive serve` answered with 201: the case id (from `Location`), the request body,
/// and the 201 body when it arrived whole.
#[derive(Clone)]
struct Acked {
    id: String,
    sent: serde_json::Value,
    created: Option<serde_json::Value>,
}

/// A case's JSON (the API's `CaseDetail`) is the acknowledged one, whole: the fields that were sent, the
/// reference, creation time and steps of the 201, and one `created` entry on its timeline.
fn assert_intact(ack: &Acked, case: &serde_json::Value) {
    let id = &ack.id;
    assert_eq!(case["id"].as_str(), Some(id.as_str()), "case {id}: {case}");
    for (what, got, sent) in [
        ("location", "/location_id", "/location_id"),
        ("defect", "/defect/code", "/defect"),
        ("severity", "/severity", "/severity"),
        ("customer name", "/customer/name", "/customer/name"),
        ("description", "/description", "/description"),
    ] {
        let sent = ack.sent.pointer(sent).expect("the request has it");
        assert_eq!(case.pointer(got), Some(sent), "case {id}: {what}");
    }
    let steps = |c: &serde_json::Value| -> Vec<(serde_json::Value, serde_json::Value)> {
        c["steps"]
            .as_array()
            .map(|s| {
                s.iter()
                    .map(|s| (s["id"].clone(), s["title"].clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(!steps(case).is_empty(), "case {id} has no steps");
    if let Some(created) = &ack.created {
        assert_eq!(steps(case), steps(created), "case {id}: steps");
        for field in ["ref", "created_at"] {
            assert_eq!(case[field], created[field], "case {id}: {field}");
        }
    }
    let created_entries = case["timeline"]
        .as_array()
        .map_or(0, |t| t.iter().filter(|e| e["event"] == "created").count());
    assert_eq!(
        created_entries, 1,
        "case {id}: its `created` timeline entry"
    );
}

/// The request body for case `n`; severity and description vary, the description with non-ASCII text.
fn new_case_json(location: &str, n: usize) -> serde_json::Value {
    let severity = ["minor", "major", "critical"][n % 3];
    serde_json::json!({
        "location_id": location,
        "defect": "appointment-not-in-book",
        "customer": {"name": format!("Customer {n}")},
        "description": format!("crash test {n}: rendez-vous oublié ✓"),
        "severity": severity,
    })
}

/// HTTP clients creating cases on one `olive serve`, and every creation it acknowledged so far.
#[derive(Clone)]
struct Load {
    addr: String,
    token: String,
    location: String,
    acked: Arc<Mutex<Vec<Acked>>>,
}

/// Clients started by [`Load::start`].
struct Clients {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Clients {
    async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.unwrap();
        }
    }
}

impl Load {
    /// [`CLIENTS`] clients creating cases until stopped; a failed request (the server is down) is retried.
    fn start(&self, round: usize) -> Clients {
        let stop = Arc::new(AtomicBool::new(false));
        // A new connection pool each round: the last one's connections went with the killed server.
        let http = reqwest::Client::new();
        let tasks = (0..CLIENTS)
            .map(|c| {
                let (load, stop, http) = (self.clone(), stop.clone(), http.clone());
                tokio::spawn(async move {
                    let mut n = 0;
                    while !stop.load(Ordering::SeqCst) {
                        n += 1;
                        let body = new_case_json(&load.location, round * 100_000 + c * 10_000 + n);
                        match load.create(&http, &body).await {
                            Ok(Some(ack)) => load.acked.lock().unwrap().push(ack),
                            Ok(None) => tokio::time::sleep(Duration::from_millis(20)).await,
                            Err(status) => panic!("unexpected {status}"),
                        }
                    }
                })
            })
            .collect();
        Clients { stop, tasks }
    }

    /// POST one case: `Ok(Some)` on 201, `Ok(None)` when the server could not be reached or answer.
    async fn create(
        &self,
        http: &reqwest::Client,
        body: &serde_json::Value,
    ) -> Result<Option<Acked>, reqwest::StatusCode> {
        let Ok(res) = http
            .post(format!("http://{}/api/v1/cases", self.addr))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
        else {
            return Ok(None);
        };
        if res.status() != 201 {
            return Err(res.status());
        }
        let location = res.headers()["location"].to_str().unwrap().to_string();
        let id = location.rsplit('/').next().unwrap().to_string();
        // Killed between the status line and the end of the body: still acknowledged, by `Location`.
        let created: Option<serde_json::Value> = res.json().await.ok();
        if let Some(c) = &created {
            assert_eq!(c["id"].as_str(), Some(id.as_str()), "201 body and Location");
        }
        Ok(Some(Acked {
            id,
            sent: body.clone(),
            created,
        }))
    }

    async fn wait_until_up(&self) {
        let http = reqwest::Client::new();
        wait_for("the server", 30, async || {
            http.get(format!("http://{}/api/v1/health", self.addr))
                .send()
                .await
                .is_ok()
        })
        .await;
    }

    /// Fetch every case acknowledged so far from the server and check it is whole; how many there were.
    async fn check_acked(&self) -> usize {
        let http = reqwest::Client::new();
        let acked = self.acked.lock().unwrap().clone();
        for ack in &acked {
            let res = http
                .get(format!("http://{}/api/v1/cases/{}", self.addr, ack.id))
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "case {} after the restart", ack.id);
            assert_intact(ack, &res.json().await.unwrap());
        }
        acked.len()
    }
}

/// `PRAGMA integrity_check` through a connection of its own (no migrations), beside the running server.
async fn integrity(url: &str) -> String {
    let db = Db::connect(url).await.unwrap();
    let result = db.integrity_check().await.unwrap();
    db.close().await;
    result
}

/// `olive serve` on SQLite with cases created by [`CLIENTS`] HTTP clients, killed with SIGKILL mid-stream
/// [`CRASH_ROUNDS`] times. After each restart, before the clients resume, the database passes its
/// integrity check and every case acknowledged so far is whole; at the end every one of them has had
/// its `case.created` webhook at least once.
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
    fx.store.db().close().await;
    let load = Load {
        addr: format!("127.0.0.1:{}", free_port()),
        token,
        location: fx.dental.clone(),
        acked: Arc::default(),
    };
    // A short lease: messages claimed by the killed process come due again a second later.
    let env = [("OLIVE_OUTBOX_LEASE_MS", "1000".to_string())];
    let serve = || olive(&["serve", "--addr", &load.addr], &url, &env);
    let mut server = serve();
    load.wait_until_up().await;
    let mut before = 0;
    for round in 1..=CRASH_ROUNDS {
        let clients = load.start(round);
        let start = Instant::now();
        wait_for("cases acknowledged in this round", 60, async || {
            start.elapsed() >= Duration::from_millis(LOAD_MS)
                && load.acked.lock().unwrap().len() >= before + MIN_ACKED_PER_ROUND
        })
        .await;
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        clients.stop().await;
        server = serve();
        load.wait_until_up().await;
        let ok = integrity(&url).await;
        assert_eq!(ok, "ok", "integrity check after kill -9 number {round}");
        let checked = load.check_acked().await;
        eprintln!(
            "kill -9 round {round}/{CRASH_ROUNDS}: {checked} cases acknowledged so far ({} this round), \
             {checked} fetched after the restart and intact, integrity_check {ok}",
            checked - before
        );
        before = checked;
    }
    let acked = std::mem::take(&mut *load.acked.lock().unwrap());
    assert!(acked.len() > 50, "only {} cases were created", acked.len());
    wait_for(
        "a case.created delivery for every acknowledged case",
        90,
        async || {
            let got = created_counts(&rx);
            acked.iter().all(|a| got.contains_key(&a.id))
        },
    )
    .await;
    server.kill().unwrap();
    server.wait().unwrap();
    let store = open(&url).await;
    assert_eq!(store.db().integrity_check().await.unwrap(), "ok");
    let got = created_counts(&rx);
    let admin = fx.actor("admin");
    for ack in &acked {
        let case = store
            .get_case(admin, &ack.id, Timestamp::now())
            .await
            .unwrap();
        assert_eq!(case.steps.len(), 6, "case {} is whole", ack.id);
        assert_intact(ack, &serde_json::to_value(&case).unwrap());
    }
    let repeats: usize = got.values().map(|n| n - 1).sum();
    eprintln!(
        "kill -9 {CRASH_ROUNDS} times: {} cases acknowledged, all delivered; {repeats} repeated deliveries (at least once)",
        acked.len()
    );
}
