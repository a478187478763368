//! Logs (human text or JSON lines, `OLIVE_LOG_FORMAT`), the metrics listener (`--metrics-addr`) and
//! the worker's readiness window.

use crate::settings::Settings;
use anyhow::{Context, Result};
use olive_web::AppState;
use std::io::IsTerminal;
use std::time::Duration;
use tracing_subscriber::EnvFilter;

/// Log to stderr: `OLIVE_LOG` filters (default `olive=info,olive_web=info,warn`), `OLIVE_LOG_FORMAT`
/// chooses `text` (the default) or `json` (one object a line, with the request's span fields).
pub fn init_logs(settings: &Settings) -> Result<()> {
    let filter = match &settings.log_filter {
        Some(f) => {
            EnvFilter::try_new(f).with_context(|| format!("OLIVE_LOG: '{f}' is not a filter"))?
        }
        None => EnvFilter::new("olive=info,olive_web=info,warn"),
    };
    // Colours only on a terminal: not in files, journald or a log collector.
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    if settings.log_json {
        fmt.json().init();
    } else {
        fmt.init();
    }
    Ok(())
}

/// Bind the metrics address and serve `/metrics` there (no authentication) until shutdown; installs
/// the recorder. Also installs it when `OLIVE_METRICS_TOKEN` serves the page on the main address.
pub async fn metrics(addr: Option<&str>, state: &AppState) -> Result<()> {
    if addr.is_none() && state.observe.metrics_token.is_none() {
        return Ok(());
    }
    olive_web::observe::metrics::install();
    let Some(addr) = addr else { return Ok(()) };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the metrics address {addr}"))?;
    tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = olive_web::observe::metrics::serve(listener, state).await {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    });
    Ok(())
}

/// How long the worker may go without completing a pass and still count as ticking: three ticks, or
/// a lease (a round of deliveries to slow receivers may take that long), at least a second.
pub fn worker_window(cfg: &olive_jobs::WorkerConfig) -> Duration {
    (cfg.tick * 3)
        .max(cfg.lease.unsigned_abs())
        .max(Duration::from_secs(1))
}
