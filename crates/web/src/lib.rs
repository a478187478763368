//! Olive's HTTP layer: the JSON API (axum + utoipa), error mapping, authentication, serving.

pub mod access;
pub mod api;
pub mod auth;
pub mod error;
pub mod observe;
pub mod ratelimit;
pub mod state;
pub mod ui;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
pub use state::AppState;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_swagger_ui::SwaggerUi;

/// The whole application: API, OpenAPI document, Swagger UI, `/metrics` (with `OLIVE_METRICS_TOKEN`),
/// JSON 404s, panics caught as JSON 500s; every request with an id, a log span and metrics (`observe`).
pub fn app(state: AppState) -> Router {
    let (api, openapi) = api::router();
    Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
        .merge(ui::router())
        .route("/metrics", axum::routing::get(observe::metrics::page))
        .fallback(|| async {
            error::AppError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
                .into_response()
        })
        .method_not_allowed_fallback(|| async {
            error::AppError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "that method is not allowed here",
            )
            .into_response()
        })
        .layer(axum::middleware::from_fn(ui::security_headers))
        .layer(CatchPanicLayer::custom(|_| {
            error::AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on our side",
            )
            .into_response()
        }))
        .layer(axum::middleware::from_fn(observe::track))
        .with_state(state)
}

/// Serve until Ctrl-C / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
