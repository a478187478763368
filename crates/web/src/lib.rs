//! Olive's HTTP layer: the JSON API (axum + utoipa), error mapping, authentication, serving.

pub mod access;
pub mod api;
pub mod auth;
pub mod client;
pub mod error;
pub mod observe;
pub mod ratelimit;
pub mod state;
pub mod stop;
pub mod ui;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
pub use state::AppState;
pub use stop::Stop;
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
        // Outside the panic catcher, so a panic is counted and logged as the 500 it becomes; inside
        // the client layer, whose word on a trusted proxy decides whether an X-Request-Id is taken.
        .layer(axum::middleware::from_fn(observe::track))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client::client_layer,
        ))
        .with_state(state)
}

/// Serve until `stop` is raised; then stop accepting and finish the requests in flight, for at most
/// `grace` (or until `stop` is raised a second time).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    stop: Stop,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    let server = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(stop.wait());
    let deadline = async {
        stop.wait().await;
        tokio::select! {
            _ = tokio::time::sleep(grace) => tracing::warn!("grace period over: closing the connections still open"),
            _ = stop.forced() => tracing::warn!("stopping now"),
        }
    };
    tokio::select! {
        r = server => r,
        _ = deadline => Ok(()),
    }
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
