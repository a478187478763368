//! `olive worker`: only the background worker (reminders, escalations, follow-up timeouts, email and
//! webhooks), with its readiness on the metrics address.

use super::warn_defaults;
use crate::db::DbArgs;
use crate::settings::Settings;
use anyhow::Result;
use clap::Args;
use jiff::Timestamp;

#[derive(Args, Debug)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// serve Prometheus metrics at http://<this address>/metrics (no authentication)
    #[arg(long, env = "OLIVE_METRICS_ADDR")]
    pub metrics_addr: Option<String>,
}

pub async fn run(a: WorkerArgs, settings: Settings) -> Result<()> {
    let store = a.db.open(&settings).await?;
    warn_defaults(&settings);
    let cfg = settings.worker.clone();
    let window = crate::observe::worker_window(&cfg);
    let mut state = crate::serve::web_state(store.clone(), &settings);
    let worker = olive_jobs::Worker::new(store, cfg, std::sync::Arc::new(Timestamp::now))
        .map_err(anyhow::Error::msg)?;
    let probe = olive_web::observe::ready::WorkerProbe::new(worker.heartbeat(), window);
    state.observe.worker = Some(probe);
    crate::observe::metrics(a.metrics_addr.as_deref(), &state).await?;
    tracing::info!("worker running");
    worker.run(olive_web::shutdown_signal()).await;
    Ok(())
}
