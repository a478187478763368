//! The `/metrics` page in the Prometheus text format: what `metrics::counter!` and friends recorded
//! anywhere in the process (requests here, database contention in storage, deliveries in the worker),
//! plus gauges read from the store when the page is scraped (pools, outbox backlog, overdue jobs).
//!
//! Two ways to serve it (`docs/operations.md`): on a separate address of its own (`olive serve
//! --metrics-addr`, no authentication: keep it on loopback or a private network), or on the main
//! address behind a bearer token (`OLIVE_METRICS_TOKEN`). Without a token `/metrics` on the main
//! address is an unknown route.

use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Seconds: request durations.
const LATENCY: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Seconds: how late a job ran, from a tick's length up to hours of downtime.
const LAG: &[f64] = &[
    0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 14400.0,
];

/// Install the process-wide Prometheus recorder (once; later calls return the same handle). Until it is
/// installed every `metrics::` call is a no-op. A thread drains histogram samples every 5 seconds so
/// memory stays flat when nobody scrapes.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("olive_http_request_duration_seconds".into()),
                LATENCY,
            )
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full("olive_job_lag_seconds".into()), LAG)
            })
            .expect("non-empty bucket lists")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only when another recorder was installed first; this handle then stays empty.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        let upkeep = handle.clone();
        std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            })
            .expect("start the metrics upkeep thread");
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "olive_http_requests_total",
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(
        "olive_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method and route template"
    );
    describe_gauge!(
        "olive_http_requests_in_flight",
        "HTTP requests being handled right now"
    );
    describe_counter!(
        "olive_db_contention_errors_total",
        "Database errors from contention (busy, serialization, deadlock, pool_timeout); Olive retries no transaction itself"
    );
    describe_gauge!("olive_db_pool_size", "Open database connections, by pool");
    describe_gauge!("olive_db_pool_idle", "Idle database connections, by pool");
    describe_gauge!(
        "olive_database_reachable",
        "1 when the last scrape could query the database"
    );
    describe_gauge!(
        "olive_outbox_pending",
        "Outbox messages waiting for delivery, by channel"
    );
    describe_gauge!(
        "olive_outbox_oldest_pending_age_seconds",
        Unit::Seconds,
        "Age of the oldest waiting outbox message, by channel"
    );
    describe_counter!(
        "olive_outbox_attempts_total",
        "Delivery attempts by channel, event and outcome (delivered, failed)"
    );
    describe_counter!(
        "olive_alerts_sent_total",
        "Reminder, overdue and escalation emails (digests) delivered"
    );
    describe_histogram!(
        "olive_job_lag_seconds",
        Unit::Seconds,
        "How late jobs ran after their run time"
    );
    describe_gauge!(
        "olive_jobs_overdue",
        "Queued jobs whose run time has passed"
    );
    describe_gauge!(
        "olive_jobs_overdue_oldest_seconds",
        Unit::Seconds,
        "How far past its run time the most overdue queued job is"
    );
    describe_gauge!(
        "olive_worker_last_tick_age_seconds",
        Unit::Seconds,
        "Seconds since this process's worker last completed a pass (absent without a worker)"
    );
}

/// Bound on the store reads of one scrape.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(3);

/// Set the gauges read from the store and the worker, then render everything recorded.
pub async fn render(st: &AppState) -> String {
    let handle = install();
    let now = st.now();
    for p in st.store.pool_use() {
        metrics::gauge!("olive_db_pool_size", "pool" => p.pool).set(p.open as f64);
        metrics::gauge!("olive_db_pool_idle", "pool" => p.pool).set(p.idle as f64);
    }
    let reads = async {
        let backlog = st.store.outbox_backlog(now).await?;
        let overdue = st.store.overdue_jobs(now).await?;
        Ok::<_, olive_storage::StoreError>((backlog, overdue))
    };
    match tokio::time::timeout(SCRAPE_TIMEOUT, reads).await {
        Ok(Ok((backlog, overdue))) => {
            metrics::gauge!("olive_database_reachable").set(1.0);
            // Both channels every time: a drained backlog reads 0, not its last value.
            for channel in ["email", "webhook"] {
                let b = backlog.iter().find(|b| b.channel == channel);
                metrics::gauge!("olive_outbox_pending", "channel" => channel)
                    .set(b.map_or(0.0, |b| b.pending as f64));
                metrics::gauge!("olive_outbox_oldest_pending_age_seconds", "channel" => channel)
                    .set(b.map_or(0.0, |b| b.oldest_age_secs));
            }
            metrics::gauge!("olive_jobs_overdue").set(overdue.jobs as f64);
            metrics::gauge!("olive_jobs_overdue_oldest_seconds").set(overdue.oldest_secs);
        }
        _ => metrics::gauge!("olive_database_reachable").set(0.0),
    }
    if let Some(w) = &st.observe.worker
        && let Some(age) = w.silence()
    {
        metrics::gauge!("olive_worker_last_tick_age_seconds").set(age.as_secs_f64());
    }
    handle.run_upkeep();
    handle.render()
}

fn text(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

fn digest(v: &[u8]) -> [u8; 32] {
    Sha256::digest(v).into()
}

/// `GET /metrics` on the main address: only with `OLIVE_METRICS_TOKEN` set, and only for
/// `Authorization: Bearer <that token>` (compared as SHA-256 digests, so in constant time).
pub async fn page(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = &st.observe.metrics_token else {
        return AppError::new(StatusCode::NOT_FOUND, "not_found", "no such route").into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if digest(given.trim().as_bytes()) != digest(token.as_bytes()) {
        return AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send Authorization: Bearer <OLIVE_METRICS_TOKEN>",
        )
        .into_response();
    }
    text(render(&st).await)
}

/// The metrics address's whole application: `GET /metrics`, no authentication.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(st): State<AppState>| async move { text(render(&st).await) }),
        )
        .fallback(|| async {
            AppError::new(StatusCode::NOT_FOUND, "not_found", "no such route").into_response()
        })
        .with_state(state)
}

/// Serve `router` on its own listener until Ctrl-C / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    install();
    axum::serve(listener, router(state))
        .with_graceful_shutdown(crate::shutdown_signal())
        .await
}
