//! Mixed-workload load generator for a running Olive server (used by `scripts/loadtest`).
//!
//!   cargo run --release -p olive --example loadgen -- \
//!       --base http://127.0.0.1:18090 --token-file DATA/demo-token.txt --server-pid PID
//!
//! `--clients` virtual clients (one keep-alive HTTP/1.1 connection each) send requests one after
//! another, in rotation: create a case (`POST /api/v1/cases`), list the first page
//! (`GET /api/v1/cases?limit=25`), get a case (`GET /api/v1/cases/{id}`, a random id from the
//! cases the generator has seen: a few thousand read from the list before the start, plus every
//! case created since) and complete a step (`POST /api/v1/cases/{id}/steps/{step}/complete`, the
//! first pending non-verify step of the oldest case this client created). Each client starts the
//! rotation at a different place, so the mix is 25 % of each at every moment.
//!
//! First `--warmup` seconds of the same load, not counted in the latencies; then `--duration`
//! seconds measured. Prints per-operation and overall p50/p90/p99/max, throughput, non-2xx
//! responses (by status) and transport errors, and the server's RSS (`VmRSS` of `--server-pid`)
//! before the measured load, every `--sample-every` seconds during it, right after it and after
//! `--idle-after` seconds of rest. Exit status 1 if any request failed (warm-up included), 2 if the
//! setup failed. Sends traffic only to `--base`, which must be a loopback address.

use anyhow::{Context, Result, bail};
use clap::Parser;
use rand::Rng;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// server base URL (loopback only), e.g. http://127.0.0.1:18090
    #[arg(long)]
    base: String,
    /// file holding an API token (the demo owner's: `DATA_DIR/demo-token.txt`)
    #[arg(long)]
    token_file: PathBuf,
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// measured seconds
    #[arg(long, default_value_t = 60)]
    duration: u64,
    /// seconds of the same load before measuring
    #[arg(long, default_value_t = 10)]
    warmup: u64,
    /// seconds between RSS samples during the measured load
    #[arg(long, default_value_t = 10)]
    sample_every: u64,
    /// seconds of rest after the load before the last RSS sample
    #[arg(long, default_value_t = 10)]
    idle_after: u64,
    /// the server's process id, for RSS and CPU samples
    #[arg(long)]
    server_pid: Option<u32>,
    /// location for new cases: the first whose name contains this
    #[arg(long, default_value = "Harbour Dental")]
    location_name: String,
    /// defect code for new cases
    #[arg(long, default_value = "long-wait")]
    defect: String,
    /// case ids to read from the list before the start, as targets for gets
    #[arg(long, default_value_t = 3000)]
    preload: usize,
    /// tokio worker threads of the generator
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// per-request timeout in seconds (a timeout counts as a transport error)
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Op {
    Create,
    List,
    Get,
    Complete,
}

const OPS: [Op; 4] = [Op::Create, Op::List, Op::Get, Op::Complete];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::List => "list",
            Op::Get => "get",
            Op::Complete => "complete_step",
        }
    }
}

#[derive(Clone, Copy)]
enum Outcome {
    Ok,
    Status(u16),
    Transport,
}

struct Sample {
    op: Op,
    /// when the request was sent, from the start of the run
    sent: Duration,
    latency_us: u64,
    outcome: Outcome,
    /// a complete_step turn that found no pending step and created a case instead
    substituted: bool,
}

/// What the clients share.
struct Shared {
    base: String,
    token: String,
    create_body: String,
    /// case ids that gets pick from
    pool: Mutex<Vec<String>>,
    /// set when clients must stop sending
    stop: AtomicBool,
    /// requests finished and failed so far (for the interval lines)
    done: AtomicU64,
    failed: AtomicU64,
    /// error messages printed so far (at most MAX_PRINTED)
    printed: AtomicU64,
}

const MAX_PRINTED: u64 = 20;

impl Shared {
    fn report(&self, msg: String) {
        if self.printed.fetch_add(1, Ordering::Relaxed) < MAX_PRINTED {
            eprintln!("[loadgen] {msg}");
        }
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("[loadgen] runtime: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match rt.block_on(run(args)) {
        Ok(0) => std::process::ExitCode::SUCCESS,
        Ok(_) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("[loadgen] setup failed: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn client(timeout: u64) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(timeout))
        .build()?)
}

fn check_loopback(base: &str) -> Result<()> {
    let rest = base
        .strip_prefix("http://")
        .context("--base must start with http://")?;
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default().to_string(),
        None => host.split(':').next().unwrap_or_default().to_string(),
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        bail!("--base must be a loopback address (127.0.0.0/8, ::1, localhost), not {host}");
    }
    Ok(())
}

async fn get_json(c: &reqwest::Client, sh: &Shared, path: &str) -> Result<Value> {
    let r = c
        .get(format!("{}{path}", sh.base))
        .bearer_auth(&sh.token)
        .send()
        .await
        .with_context(|| format!("GET {path}"))?;
    let status = r.status();
    let body = r.bytes().await?;
    if !status.is_success() {
        bail!("GET {path}: {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(serde_json::from_slice(&body)?)
}

/// Read up to `n` case ids from the list, newest first.
async fn preload(c: &reqwest::Client, sh: &Shared, n: usize) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    while ids.len() < n {
        let mut path = "/api/v1/cases?limit=100".to_string();
        if let Some(cur) = &cursor {
            path.push_str("&cursor=");
            for b in cur.bytes() {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    path.push(b as char);
                } else {
                    path.push_str(&format!("%{b:02X}"));
                }
            }
        }
        let page = get_json(c, sh, &path).await?;
        let items = page["items"].as_array().context("no items in the list")?;
        ids.extend(
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string)),
        );
        match page["next_cursor"].as_str() {
            Some(cur) if !items.is_empty() => cursor = Some(cur.to_string()),
            _ => break,
        }
    }
    ids.truncate(n);
    Ok(ids)
}

/// The server's resident memory in KiB: `VmRSS` and its parts (`RssAnon`, `RssFile`, `RssShmem`).
fn rss_kib(pid: Option<u32>) -> Option<[u64; 4]> {
    let s = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some([
        field("VmRSS:")?,
        field("RssAnon:")?,
        field("RssFile:")?,
        field("RssShmem:")?,
    ])
}

/// `VmRSS` in MiB, with its parts.
fn rss_text(r: Option<[u64; 4]>) -> String {
    let m = |k: u64| k as f64 / 1024.0;
    r.map_or("n/a".into(), |[all, anon, file, shmem]| {
        format!(
            "{:.1} MiB (anon {:.1}, file {:.1}, shmem {:.1})",
            m(all),
            m(anon),
            m(file),
            m(shmem)
        )
    })
}

/// CPU time of the server (utime + stime) in clock ticks.
fn proc_ticks(pid: Option<u32>) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // fields after the command name, which is in parentheses and may hold spaces
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Busy clock ticks of the whole machine (user, nice, system, irq, softirq, steal).
fn busy_ticks() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/stat").ok()?;
    let f: Vec<u64> = s
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    Some(f.first()? + f.get(1)? + f.get(2)? + f.get(5)? + f.get(6)? + f.get(7)?)
}

const CLK_TCK: f64 = 100.0;

/// CPUs of the machine (not of this process, which may be pinned to one).
fn cpus() -> usize {
    std::fs::read_to_string("/proc/stat").map_or(0, |s| {
        s.lines()
            .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
            .count()
    })
}

/// One virtual client: its own connection, its own cases with pending steps.
async fn virtual_client(
    sh: Arc<Shared>,
    n: usize,
    start: Instant,
    timeout: u64,
) -> Result<Vec<Sample>> {
    let http = client(timeout)?;
    // own cases, oldest first: (case id, pending non-verify step ids by position)
    let mut mine: VecDeque<(String, VecDeque<String>)> = VecDeque::new();
    let mut samples = Vec::with_capacity(16_384);
    let mut turn = n;
    while !sh.stop.load(Ordering::Relaxed) {
        let turn_op = OPS[turn % OPS.len()];
        let mut op = turn_op;
        turn += 1;
        // the step to complete, if this client has one
        let mut target = None;
        if op == Op::Complete {
            while let Some((case, steps)) = mine.front_mut() {
                if let Some(step) = steps.pop_front() {
                    target = Some((case.clone(), step));
                    if steps.is_empty() {
                        mine.pop_front();
                    }
                    break;
                }
                mine.pop_front();
            }
            if target.is_none() {
                op = Op::Create;
            }
        }
        let req = match op {
            Op::Create => http
                .post(format!("{}/api/v1/cases", sh.base))
                .header("content-type", "application/json")
                .body(sh.create_body.clone()),
            Op::List => http.get(format!("{}/api/v1/cases?limit=25", sh.base)),
            Op::Get => {
                let id = {
                    let pool = sh.pool.lock().unwrap_or_else(|e| e.into_inner());
                    pool[rand::rng().random_range(0..pool.len())].clone()
                };
                http.get(format!("{}/api/v1/cases/{id}", sh.base))
            }
            Op::Complete => {
                let (case, step) = target.clone().unwrap_or_default();
                http.post(format!(
                    "{}/api/v1/cases/{case}/steps/{step}/complete",
                    sh.base
                ))
            }
        }
        .bearer_auth(&sh.token);
        let sent = start.elapsed();
        let t0 = Instant::now();
        let result = match req.send().await {
            Ok(r) => {
                let status = r.status();
                r.bytes().await.map(|b| (status, b))
            }
            Err(e) => Err(e),
        };
        let latency_us = t0.elapsed().as_micros() as u64;
        let outcome = match result {
            Ok((status, body)) if status.is_success() => {
                if op == Op::Create {
                    match parse_created(&body) {
                        Some((id, steps)) => {
                            sh.pool
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(id.clone());
                            if !steps.is_empty() {
                                mine.push_back((id, steps));
                            }
                        }
                        None => sh.report(format!(
                            "create answered {status} with an unexpected body: {}",
                            String::from_utf8_lossy(&body[..body.len().min(300)])
                        )),
                    }
                }
                Outcome::Ok
            }
            Ok((status, body)) => {
                let what = match (op, &target) {
                    (Op::Complete, Some((c, s))) => format!("complete_step {c}/{s}"),
                    _ => op.name().to_string(),
                };
                sh.report(format!(
                    "{what} at {:.1} s: {status}: {}",
                    sent.as_secs_f64(),
                    String::from_utf8_lossy(&body[..body.len().min(500)])
                ));
                Outcome::Status(status.as_u16())
            }
            Err(e) => {
                let mut msg = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    msg.push_str(&format!(": {s}"));
                    src = s.source();
                }
                sh.report(format!(
                    "{} at {:.1} s: transport error after {} ms ({}): {msg}",
                    op.name(),
                    sent.as_secs_f64(),
                    latency_us / 1000,
                    if e.is_timeout() {
                        "timeout"
                    } else if e.is_connect() {
                        "connect"
                    } else if e.is_body() {
                        "body"
                    } else {
                        "request"
                    }
                ));
                Outcome::Transport
            }
        };
        sh.done.fetch_add(1, Ordering::Relaxed);
        if !matches!(outcome, Outcome::Ok) {
            sh.failed.fetch_add(1, Ordering::Relaxed);
        }
        samples.push(Sample {
            op,
            sent,
            latency_us,
            outcome,
            substituted: turn_op == Op::Complete && op == Op::Create,
        });
    }
    Ok(samples)
}

/// The new case's id and its pending steps other than verification, by position.
fn parse_created(body: &[u8]) -> Option<(String, VecDeque<String>)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let id = v["id"].as_str()?.to_string();
    let mut steps: Vec<(i64, String)> = v["steps"]
        .as_array()?
        .iter()
        .filter(|s| s["status"] == "pending" && s["kind"] != "verify")
        .filter_map(|s| Some((s["position"].as_i64()?, s["id"].as_str()?.to_string())))
        .collect();
    steps.sort();
    Some((id, steps.into_iter().map(|(_, s)| s).collect()))
}

#[derive(Default)]
struct Stats {
    lat: Vec<u64>,
    non2xx: BTreeMap<u16, u64>,
    transport: u64,
}

impl Stats {
    fn add(&mut self, s: &Sample) {
        self.lat.push(s.latency_us);
        match s.outcome {
            Outcome::Ok => {}
            Outcome::Status(c) => *self.non2xx.entry(c).or_default() += 1,
            Outcome::Transport => self.transport += 1,
        }
    }
    fn errors(&self) -> u64 {
        self.non2xx.values().sum::<u64>() + self.transport
    }
    /// nearest-rank percentile in ms
    fn pct(&self, p: f64) -> f64 {
        if self.lat.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.lat.len() as f64).ceil().max(1.0) as usize;
        self.lat[rank.min(self.lat.len()) - 1] as f64 / 1000.0
    }
}

async fn run(args: Args) -> Result<i32> {
    check_loopback(&args.base)?;
    let token = std::fs::read_to_string(&args.token_file)
        .with_context(|| format!("reading {}", args.token_file.display()))?
        .trim()
        .to_string();
    let base = args.base.trim_end_matches('/').to_string();
    let mut sh = Shared {
        base,
        token,
        create_body: String::new(),
        pool: Mutex::new(Vec::new()),
        stop: AtomicBool::new(false),
        done: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        printed: AtomicU64::new(0),
    };
    let setup = client(args.timeout)?;
    let locations = get_json(&setup, &sh, "/api/v1/locations").await?;
    let loc = locations
        .as_array()
        .and_then(|ls| {
            ls.iter().find(|l| {
                l["name"]
                    .as_str()
                    .is_some_and(|n| n.contains(&args.location_name))
            })
        })
        .and_then(|l| l["id"].as_str())
        .with_context(|| format!("no location named like {:?}", args.location_name))?
        .to_string();
    sh.create_body = serde_json::json!({
        "location_id": loc,
        "defect": args.defect,
        "customer": {"name": "Load Test", "phone": "0400 000 222"},
        "description": "Mixed-workload load test.",
    })
    .to_string();
    let ids = preload(&setup, &sh, args.preload).await?;
    if ids.is_empty() {
        bail!("the list returned no cases to get");
    }
    eprintln!(
        "[loadgen] {} case ids preloaded for gets; location {loc}, defect {}",
        ids.len(),
        args.defect
    );
    *sh.pool.lock().unwrap_or_else(|e| e.into_inner()) = ids;
    drop(setup);

    let sh = Arc::new(sh);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..args.clients {
        tasks.spawn(virtual_client(sh.clone(), n, start, args.timeout));
    }
    let pid = args.server_pid;
    println!(
        "{} clients; warm-up {} s, then {} s measured",
        args.clients, args.warmup, args.duration
    );
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    let warm_failed = sh.failed.load(Ordering::Relaxed);
    let measure_from = start.elapsed();
    let mut rss = vec![("before (after warm-up)".to_string(), rss_kib(pid))];
    println!(
        "t=0 s (warm-up done: {} requests, {} failed)  RSS {}",
        sh.done.load(Ordering::Relaxed),
        warm_failed,
        rss_text(rss[0].1)
    );
    let (p0, b0, t0) = (proc_ticks(pid), busy_ticks(), Instant::now());
    let mut last_done = sh.done.load(Ordering::Relaxed);
    let mut elapsed = 0;
    while elapsed < args.duration {
        let step = args.sample_every.max(1).min(args.duration - elapsed);
        tokio::time::sleep(Duration::from_secs(step)).await;
        elapsed += step;
        let (done, failed) = (
            sh.done.load(Ordering::Relaxed),
            sh.failed.load(Ordering::Relaxed),
        );
        let r = rss_kib(pid);
        println!(
            "t={elapsed} s  {:.0} req/s over the last {step} s, {failed} failed so far  RSS {}",
            (done - last_done) as f64 / step as f64,
            rss_text(r)
        );
        rss.push((format!("during, t={elapsed} s"), r));
        last_done = done;
    }
    sh.stop.store(true, Ordering::Relaxed);
    let measure_to = start.elapsed();
    let (p1, b1, t1) = (proc_ticks(pid), busy_ticks(), Instant::now());
    let mut samples = Vec::new();
    while let Some(r) = tasks.join_next().await {
        samples.extend(r??);
    }
    rss.push(("after (load stopped)".into(), rss_kib(pid)));
    if args.idle_after > 0 {
        tokio::time::sleep(Duration::from_secs(args.idle_after)).await;
        rss.push((format!("after {} s idle", args.idle_after), rss_kib(pid)));
    }

    // --- summary ---
    let secs = (measure_to - measure_from).as_secs_f64();
    let mut per_op: BTreeMap<Op, Stats> = BTreeMap::new();
    let mut all = Stats::default();
    let mut warm = Stats::default();
    for s in &samples {
        if s.sent < measure_from {
            warm.add(s);
        } else {
            per_op.entry(s.op).or_default().add(s);
            all.add(s);
        }
    }
    for st in per_op.values_mut() {
        st.lat.sort_unstable();
    }
    all.lat.sort_unstable();
    println!();
    println!(
        "measured {:.1} s, {} clients ({} requests sent during warm-up, {} of them failed)",
        secs,
        args.clients,
        warm.lat.len(),
        warm.errors()
    );
    println!(
        "{:<14} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>9}",
        "op", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "non2xx", "transport"
    );
    let line = |name: &str, st: &Stats| {
        println!(
            "{:<14} {:>9} {:>8.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>9}",
            name,
            st.lat.len(),
            st.lat.len() as f64 / secs,
            st.pct(50.0),
            st.pct(90.0),
            st.pct(99.0),
            st.lat.last().copied().unwrap_or(0) as f64 / 1000.0,
            st.non2xx.values().sum::<u64>(),
            st.transport
        );
    };
    for (op, st) in &per_op {
        line(op.name(), st);
    }
    line("all", &all);
    let sub = samples
        .iter()
        .filter(|s| s.substituted && s.sent >= measure_from)
        .count();
    if sub > 0 {
        println!("({sub} complete_step turns had no pending step and created a case instead)");
    }
    for (op, st) in &per_op {
        for (code, n) in &st.non2xx {
            println!("  {}: {n} × HTTP {code}", op.name());
        }
    }
    if let (Some(p0), Some(p1)) = (p0, p1) {
        let wall = (t1 - t0).as_secs_f64();
        println!(
            "server CPU: {:.2} cores; whole machine: {:.2} of {} cores",
            (p1 - p0) as f64 / CLK_TCK / wall,
            b0.zip(b1)
                .map_or(0.0, |(a, b)| (b - a) as f64 / CLK_TCK / wall),
            cpus()
        );
    }
    println!("server RSS (VmRSS, with RssAnon, RssFile and RssShmem):");
    for (when, kib) in &rss {
        println!("  {when:<24} {}", rss_text(*kib));
    }
    let errors = all.errors() + warm.errors();
    println!(
        "LOADTEST_RESULT requests={} seconds={:.1} rps={:.1} p50_ms={:.2} p99_ms={:.2} errors={} warmup_errors={} rss_before_kib={} rss_after_kib={}",
        all.lat.len(),
        secs,
        all.lat.len() as f64 / secs,
        all.pct(50.0),
        all.pct(99.0),
        all.errors(),
        warm.errors(),
        rss[0].1.map_or(0, |r| r[0]),
        rss.last().and_then(|r| r.1).map_or(0, |r| r[0])
    );
    if errors > 0 {
        println!("FAILED: {errors} requests failed (see the messages above)");
        return Ok(1);
    }
    Ok(0)
}
