//! Benchmarks of the loop (`cargo bench -p olive-jobs --bench loop`): the scheduler tick with ~100,000
//! open steps (nothing due, and a burst coming due), and outbox throughput to a local webhook receiver.
//! Env: BENCH_CASES (default 17,000 cases ≈ 100,000 open steps), BENCH_MESSAGES (default 5,000),
//! BENCH_PG=0 to skip PostgreSQL.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Receiver, TestClock};
use jiff::Timestamp;
use jiff::civil::date;
use olive_jobs::{Worker, WorkerConfig};
use olive_storage::LoopConfig;
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::testing::{Fixture, fresh_store};
use olive_storage::webhooks::NewWebhook;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn syd(d: i8, h: i8, m: i8) -> Timestamp {
    date(2026, 12, d)
        .at(h, m, 0, 0)
        .in_tz("Australia/Sydney")
        .unwrap()
        .timestamp()
}

async fn fixture(pg: bool) -> Fixture {
    let store = fresh_store(pg).await.unwrap().with_loop_config(LoopConfig {
        allow_private_webhooks: true,
        ..LoopConfig::default()
    });
    Fixture::new(store).await.unwrap()
}

/// `n` cases at the dental practice, case `i` logged `spacing × i` after `start`, from 8 concurrent tasks.
async fn seed(fx: &Fixture, n: usize, start: Timestamp, spacing: jiff::SignedDuration) {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..8 {
        let (store, actor, loc) = (
            fx.store.clone(),
            fx.actor("dental_front").clone(),
            fx.dental.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for i in (w..n).step_by(8) {
                let input = NewCase {
                    location_id: loc.clone(),
                    defect: "appointment-not-in-book".into(),
                    stage: None,
                    customer: CustomerInput {
                        name: format!("Customer {i}"),
                        ..Default::default()
                    },
                    description: "bench".into(),
                    severity: None,
                    fields: Default::default(),
                    noticed_at: None,
                    done_steps: Vec::new(),
                };
                let at = start + spacing * i32::try_from(i).unwrap();
                store.create_case(&actor, input, None, at).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    eprintln!("  seeded {n} cases in {:.1} s", t.elapsed().as_secs_f64());
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(v[v.len() / 2]),
        ms(v[(v.len() * 95 / 100).min(v.len() - 1)]),
    )
}

async fn tick_cost(pg: bool, cases: usize) {
    let fx = fixture(pg).await;
    let start = syd(1, 9, 0); // a Tuesday
    seed(&fx, cases, start, jiff::SignedDuration::from_secs(2)).await;
    let clock = TestClock::new(start - jiff::SignedDuration::from_hours(2));
    let worker = Worker::new(fx.store.clone(), WorkerConfig::default(), clock.as_clock()).unwrap();
    let steps = cases * 6;
    // Steady state: nothing due in the next 15 minutes.
    let mut idle = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let r = worker.tick().await.unwrap();
        idle.push(t.elapsed());
        assert_eq!(r.jobs_run, 0);
    }
    let (idle_med, idle_p95) = stats(idle);
    // A burst: ten minutes in, the first steps of ~300 cases come due at once.
    clock.set(start + jiff::SignedDuration::from_mins(10));
    let t = Instant::now();
    let r = worker.tick().await.unwrap();
    let burst = t.elapsed();
    let backend = if pg { "PostgreSQL" } else { "SQLite" };
    println!(
        "| scheduler tick, {backend}, {steps} open steps | nothing due: median {idle_med:.2} ms, p95 {idle_p95:.2} ms | burst: {} steps → {} alert jobs → digests in {:.0} ms |",
        r.steps_scanned,
        r.jobs_run,
        burst.as_secs_f64() * 1000.0
    );
}

async fn outbox_throughput(pg: bool, messages: usize) {
    let fx = fixture(pg).await;
    let rx = Receiver::start(0).await;
    let now = syd(1, 9, 0);
    fx.store
        .create_webhook(
            fx.actor("dental_manager"),
            &fx.dental,
            NewWebhook {
                url: rx.url.clone(),
                events: vec!["case.created".into()],
            },
            now,
        )
        .await
        .unwrap();
    seed(&fx, messages, now, jiff::SignedDuration::ZERO).await;
    let cfg = WorkerConfig {
        allow_private_webhooks: true,
        ..WorkerConfig::default()
    };
    let worker = Worker::new(fx.store.clone(), cfg, TestClock::new(now).as_clock()).unwrap();
    let t = Instant::now();
    let (delivered, failed) = worker.deliver_all().await.unwrap();
    assert_eq!((delivered, failed), (messages, 0));
    let secs = t.elapsed().as_secs_f64();
    let backend = if pg { "PostgreSQL" } else { "SQLite" };
    println!(
        "| outbox → local webhook receiver, {backend} | {messages} signed POSTs in {secs:.2} s | {:.0} messages/s (16 at a time) |",
        messages as f64 / secs
    );
    assert_eq!(rx.accepted("case.created").len(), messages);
}

async fn run() {
    let cases = env("BENCH_CASES", 17_000);
    let messages = env("BENCH_MESSAGES", 5_000);
    let backends: &[bool] = if env("BENCH_PG", 1) == 0 {
        &[false]
    } else {
        &[false, true]
    };
    println!("| what | result | |\n|---|---|---|");
    for &pg in backends {
        tick_cost(pg, cases).await;
        outbox_throughput(pg, messages).await;
    }
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(run());
}
