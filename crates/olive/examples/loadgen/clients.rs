//! The virtual clients and what they share: the operations, their samples, and the requests they send.

use anyhow::{Context, Result, bail};
use rand::Rng;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(super) enum Op {
    Create,
    List,
    Get,
    Complete,
}

const OPS: [Op; 4] = [Op::Create, Op::List, Op::Get, Op::Complete];

impl Op {
    pub(super) fn name(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::List => "list",
            Op::Get => "get",
            Op::Complete => "complete_step",
        }
    }
}

#[derive(Clone, Copy)]
pub(super) enum Outcome {
    Ok,
    Status(u16),
    Transport,
}

pub(super) struct Sample {
    pub(super) op: Op,
    /// when the request was sent, from the start of the run
    pub(super) sent: Duration,
    pub(super) latency_us: u64,
    pub(super) outcome: Outcome,
    /// a complete_step turn that found no pending step and created a case instead
    pub(super) substituted: bool,
}

/// What the clients share.
pub(super) struct Shared {
    pub(super) base: String,
    pub(super) token: String,
    pub(super) create_body: String,
    /// case ids that gets pick from
    pub(super) pool: Mutex<Vec<String>>,
    /// set when clients must stop sending
    pub(super) stop: AtomicBool,
    /// requests finished and failed so far (for the interval lines)
    pub(super) done: AtomicU64,
    pub(super) failed: AtomicU64,
    /// error messages printed so far (at most MAX_PRINTED)
    pub(super) printed: AtomicU64,
}

const MAX_PRINTED: u64 = 20;

impl Shared {
    fn report(&self, msg: String) {
        if self.printed.fetch_add(1, Ordering::Relaxed) < MAX_PRINTED {
            eprintln!("[loadgen] {msg}");
        }
    }
}

pub(super) fn client(timeout: u64) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(timeout))
        .build()?)
}

pub(super) async fn get_json(c: &reqwest::Client, sh: &Shared, path: &str) -> Result<Value> {
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
pub(super) async fn preload(c: &reqwest::Client, sh: &Shared, n: usize) -> Result<Vec<String>> {
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

/// One virtual client: its own connection, its own cases with pending steps.
pub(super) async fn virtual_client(
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
