//! `GET /api/v1/ready`: may this instance take traffic? Yes when the database answers, its schema has
//! every migration this binary carries, and the background worker of this process (when it runs one)
//! has gone through a pass recently. Otherwise 503 `not_ready` with the first reason.

use crate::error::{ApiResult, AppError, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The worker running in this process, as readiness sees it.
#[derive(Clone)]
pub struct WorkerProbe {
    /// wall-clock Unix milliseconds of the worker's last completed pass (0: none yet), see
    /// `olive_jobs::Worker::heartbeat`
    heartbeat: Arc<AtomicI64>,
    /// longest silence that still counts as ticking
    window: Duration,
}

impl WorkerProbe {
    pub fn new(heartbeat: Arc<AtomicI64>, window: Duration) -> WorkerProbe {
        WorkerProbe { heartbeat, window }
    }

    /// Since the worker's last pass (None: it has not completed one yet).
    pub fn silence(&self) -> Option<Duration> {
        match self.heartbeat.load(Ordering::Relaxed) {
            0 => None,
            at => {
                let ms = (Timestamp::now().as_millisecond() - at).max(0);
                Some(Duration::from_millis(ms as u64))
            }
        }
    }

    /// Why the worker does not count as ticking, if it does not.
    fn problem(&self) -> Option<String> {
        match self.silence() {
            None => Some("the background worker has not completed a tick yet".into()),
            Some(s) if s > self.window => Some(format!(
                "the background worker has not ticked for {}s (allowed: {}s)",
                s.as_secs(),
                self.window.as_secs_f64()
            )),
            Some(_) => None,
        }
    }
}

/// How long the readiness check waits for the database.
const DB_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Serialize, utoipa::ToSchema)]
pub struct Ready {
    /// always `ready`
    pub status: &'static str,
    /// whether this process runs the background worker (its ticks were checked)
    pub worker: bool,
}

fn not_ready(reason: impl Into<String>) -> AppError {
    AppError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", reason)
}

/// Readiness: the database reachable, its migrations applied, this process's worker ticking (no authentication).
#[utoipa::path(get, path = "/api/v1/ready", tag = "system", responses((status = 200, body = Ready), (status = 503, description = "not ready: `not_ready` with the reason", body = ErrorBody)))]
pub async fn ready(State(st): State<AppState>) -> ApiResult<Json<Ready>> {
    let pending = tokio::time::timeout(DB_TIMEOUT, async {
        st.store.ping().await?;
        st.store.pending_migrations().await
    })
    .await;
    match pending {
        Err(_) => return Err(not_ready("the database did not answer in time")),
        Ok(Err(_)) => return Err(not_ready("the database is not reachable")),
        Ok(Ok(p)) if !p.is_empty() => {
            return Err(not_ready(format!(
                "{} database migration(s) are not applied (run `olive migrate`)",
                p.len()
            )));
        }
        Ok(Ok(_)) => {}
    }
    if let Some(problem) = st.observe.worker.as_ref().and_then(WorkerProbe::problem) {
        return Err(not_ready(problem));
    }
    Ok(Json(Ready {
        status: "ready",
        worker: st.observe.worker.is_some(),
    }))
}
