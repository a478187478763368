//! Readiness and request ids against a real server: `GET /api/v1/ready` answers 503 `not_ready` with the
//! reason while this process's worker has not ticked (never started, or stopped), when a migration is
//! missing and when the PostgreSQL database is gone; an incoming `X-Request-Id` is taken only from a
//! trusted proxy (`OLIVE_TRUSTED_PROXIES`); `/metrics` on the main address needs its token.

use jiff::Timestamp;
use olive_domain::proxy::TrustedProxies;
use olive_jobs::{Worker, WorkerConfig};
use olive_storage::Store;
use olive_storage::testing::{fresh_store, fresh_url, pg_admin_url};
use olive_web::AppState;
use olive_web::observe::ready::WorkerProbe;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Serve `app` on a loopback port; its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    base
}

async fn ready(base: &str) -> (StatusCode, Value) {
    let res = reqwest::get(format!("{base}/api/v1/ready")).await.unwrap();
    let st = res.status();
    (st, res.json().await.unwrap())
}

/// Poll readiness until it answers `want` (at most 10 s); the last body.
async fn until(base: &str, want: StatusCode) -> Value {
    let start = Instant::now();
    loop {
        let (st, body) = ready(base).await;
        if st == want {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still {st}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_not_ready(body: &Value, reason: &str) {
    assert_eq!(body["error"]["code"], "not_ready", "{body}");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains(reason), "{msg}");
}

#[tokio::test]
async fn ready_follows_the_worker() {
    let store = fresh_store(false).await.unwrap();
    let cfg = WorkerConfig {
        tick: Duration::from_millis(50),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(store.clone(), cfg, Arc::new(Timestamp::now)).unwrap();
    let mut state = AppState::new(store);
    state.observe.worker = Some(WorkerProbe::new(
        worker.heartbeat(),
        Duration::from_millis(500),
    ));
    let base = serve(olive_web::app(state)).await;

    // Not started: not ready.
    let (st, body) = ready(&base).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_not_ready(&body, "has not completed a tick yet");

    // Running: ready, and says it checked the worker.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    let body = until(&base, StatusCode::OK).await;
    assert_eq!(body, serde_json::json!({"status": "ready", "worker": true}));

    // Stopped: not ready once its ticks are overdue.
    stop.send(()).unwrap();
    run.await.unwrap();
    let body = until(&base, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_not_ready(&body, "has not ticked for");
}

#[tokio::test]
async fn ready_without_a_worker_checks_the_database_and_migrations() {
    let url = fresh_url(false).await.unwrap();
    let store = Store::open(&url).await.unwrap();
    let base = serve(olive_web::app(AppState::new(store))).await;
    let (st, body) = ready(&base).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["worker"], false);

    // The schema lacks the newest migration this binary carries.
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    c.close().await.unwrap();
    let (st, body) = ready(&base).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_not_ready(&body, "1 database migration(s) are not applied");
}

#[tokio::test]
async fn ready_fails_when_the_postgres_database_is_gone() {
    let url = fresh_url(true).await.unwrap();
    let store = Store::open(&url).await.unwrap();
    let base = serve(olive_web::app(AppState::new(store))).await;
    assert_eq!(ready(&base).await.0, StatusCode::OK);

    let name = url.rsplit('/').next().unwrap().to_string();
    let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();

    let (st, body) = ready(&base).await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_not_ready(&body, "the database");
}

#[tokio::test]
async fn request_ids_come_from_trusted_proxies_only() {
    let store = fresh_store(false).await.unwrap();
    let state = AppState::new(store);
    let direct = serve(olive_web::app(state.clone())).await;
    // The same server behind a reverse proxy on this machine (`OLIVE_TRUSTED_PROXIES=127.0.0.1`).
    let mut behind = state;
    behind.proxies = Arc::new(TrustedProxies::parse("127.0.0.1").unwrap());
    let proxied = serve(olive_web::app(behind)).await;
    let http = reqwest::Client::new();
    let id_of = async |base: &str, sent: Option<&str>| {
        let mut req = http.get(format!("{base}/api/v1/health"));
        if let Some(s) = sent {
            req = req.header("x-request-id", s);
        }
        let res = req.send().await.unwrap();
        res.headers()["x-request-id"].to_str().unwrap().to_string()
    };
    let fresh = id_of(&direct, None).await;
    assert!(uuid::Uuid::parse_str(&fresh).is_ok(), "{fresh}");
    assert_ne!(id_of(&direct, None).await, fresh, "a new id per request");
    let chosen = id_of(&direct, Some("lb-4711")).await;
    assert!(
        uuid::Uuid::parse_str(&chosen).is_ok(),
        "a client's id is not taken: {chosen}"
    );
    assert_eq!(id_of(&proxied, Some("lb-4711")).await, "lb-4711");
    let odd = id_of(&proxied, Some("two words")).await;
    assert!(uuid::Uuid::parse_str(&odd).is_ok(), "{odd}");
}

#[tokio::test]
async fn metrics_on_the_main_address_need_the_token() {
    let store = fresh_store(false).await.unwrap();
    let mut state = AppState::new(store);
    let without = serve(olive_web::app(state.clone())).await;
    let res = reqwest::get(format!("{without}/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    olive_web::observe::metrics::install();
    state.observe.metrics_token = Some("obs-test-token".into());
    let base = serve(olive_web::app(state)).await;
    reqwest::get(format!("{base}/api/v1/health")).await.unwrap();
    let http = reqwest::Client::new();
    let res = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let res = http
        .get(format!("{base}/metrics"))
        .bearer_auth("obs-test-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(
            r#"olive_http_requests_total{method="GET",route="/api/v1/health",status="200"}"#
        ),
        "{page}"
    );
    assert!(page.contains("olive_database_reachable 1"), "{page}");
}
