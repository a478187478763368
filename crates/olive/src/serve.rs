//! `olive serve` and the demo's server: the web settings (trusted proxies, API limits, shutdown
//! grace) and the server with its worker, stopped gracefully.

use crate::settings::Settings;
use anyhow::{Context, Result};
use clap::Args;
use jiff::Timestamp;
use olive_domain::proxy::TrustedProxies;
use olive_storage::Store;
use std::time::Duration;

/// How the web server behaves in front of its clients.
#[derive(Args, Clone, Debug)]
pub struct WebArgs {
    /// addresses and CIDR ranges of reverse proxies whose Forwarded / X-Forwarded-For / X-Forwarded-Proto
    /// headers are believed (e.g. "127.0.0.1,::1"); empty: none
    #[arg(long, env = "OLIVE_TRUSTED_PROXIES", default_value = "", value_parser = TrustedProxies::parse)]
    pub trusted_proxies: TrustedProxies,
    /// API requests per minute for one token (0: no limit)
    #[arg(long, env = "OLIVE_API_RATE_PER_TOKEN", default_value_t = 6000)]
    pub api_rate_per_token: u32,
    /// API requests per minute from one client address (0: no limit)
    #[arg(long, env = "OLIVE_API_RATE_PER_ADDRESS", default_value_t = 12000)]
    pub api_rate_per_address: u32,
    /// seconds to let requests in flight and the worker's pass finish after SIGTERM or Ctrl-C
    #[arg(long, env = "OLIVE_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
    /// also serve Prometheus metrics at http://<this address>/metrics (no authentication)
    #[arg(long, env = "OLIVE_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
}

/// The web layer's state with the settings' cookie and metrics choices.
pub fn web_state(store: Store, settings: &Settings) -> olive_web::AppState {
    let mut state = olive_web::AppState::new(store);
    state.secure_cookies = settings.secure_cookies;
    state.observe.metrics_token = settings.metrics_token.clone();
    state
}

/// Serve on `addr` until a stop signal; `worker` runs the background worker in this process.
pub async fn serve(
    store: Store,
    settings: &Settings,
    addr: &str,
    web: &WebArgs,
    demo: bool,
    worker: bool,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!("serving on http://{}", listener.local_addr()?);
    let mut state = web_state(store, settings);
    // The demo is served over plain http on this machine: its cookies cannot be Secure.
    if demo {
        state.secure_cookies = false;
    }
    state.proxies = std::sync::Arc::new(web.trusted_proxies.clone());
    state.limits = std::sync::Arc::new(olive_web::ratelimit::RateLimits::new(
        olive_web::ratelimit::LimitConfig {
            api_per_token: web.api_rate_per_token,
            api_per_address: web.api_rate_per_address,
            ..Default::default()
        },
    ));
    // Other instances on the same PostgreSQL database: their changes clear this one's caches at once.
    let _listening = state.store.follow_other_instances();
    let stop = olive_web::Stop::on_signals();
    let worker = if worker {
        let cfg = settings.worker.clone();
        let window = crate::observe::worker_window(&cfg);
        let w = olive_jobs::Worker::new(
            state.store.clone(),
            cfg,
            std::sync::Arc::new(Timestamp::now),
        )
        .map_err(anyhow::Error::msg)?;
        state.observe.worker = Some(olive_web::observe::ready::WorkerProbe::new(
            w.heartbeat(),
            window,
        ));
        let stopped = stop.clone();
        Some(tokio::spawn(async move { w.run(stopped.wait()).await }))
    } else {
        None
    };
    crate::observe::metrics(web.metrics_addr.as_deref(), &state).await?;
    let grace = Duration::from_secs(web.shutdown_grace_secs);
    olive_web::serve(listener, state, stop.clone(), grace).await?;
    if let Some(w) = worker {
        // The worker finishes the pass it is in; a second signal or the grace period ends the wait.
        tokio::select! {
            _ = w => tracing::info!("worker stopped"),
            _ = stop.forced() => tracing::warn!("stopping now: the worker's pass was cut short"),
            _ = tokio::time::sleep(grace) => tracing::warn!("the worker's pass outlasted the grace period"),
        }
    }
    tracing::info!("stopped");
    Ok(())
}
