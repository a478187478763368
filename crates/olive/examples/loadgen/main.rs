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

mod clients;
mod procfs;
mod stats;

use anyhow::{Context, Result, bail};
use clap::Parser;
use clients::{Op, Shared, client, get_json, preload, virtual_client};
use procfs::{CLK_TCK, busy_ticks, cpus, proc_ticks, rss_kib, rss_text};
use stats::Stats;
use std::collections::BTreeMap;
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
