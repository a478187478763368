//! Observability of the HTTP layer: a request id and a log span per request, request metrics by route
//! template, the `/metrics` page (`metrics`) and the readiness check (`ready`).
//!
//! Nothing here logs a raw URI: paths carry secrets (the follow-up token in `/f/{token}`) and query
//! strings personal data (`?q=<phone>`). A request is logged by its route template (axum's
//! `MatchedPath`), its method, status and duration.

pub mod metrics;
pub mod ready;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

/// What the state carries for observability.
#[derive(Clone, Default)]
pub struct Observe {
    /// `OLIVE_METRICS_TOKEN`: serve `/metrics` on the main address to bearers of this token
    pub metrics_token: Option<String>,
    /// the background worker of this process, when it runs one (readiness checks its ticks)
    pub worker: Option<ready::WorkerProbe>,
}

/// Request extension: the id of this request, also in the `X-Request-Id` response header and in the
/// `request_id` field of every log line of the request.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub const REQUEST_ID: &str = "x-request-id";

/// An id a proxy may hand on: 1 to 128 letters, digits and `-_.:` (nothing that could forge a log line).
fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The request's id: the `X-Request-Id` of a trusted proxy (`OLIVE_TRUSTED_PROXIES`, found by
/// `client::client_layer`) when it is acceptable, else a new UUID. A client's own is ignored: anyone
/// could otherwise choose the id of their request's log lines.
fn request_id(req: &Request) -> String {
    let trusted = req
        .extensions()
        .get::<olive_domain::proxy::Client>()
        .is_some_and(|c| c.via_trusted_proxy);
    if trusted
        && let Some(id) = req
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|v| acceptable(v))
    {
        return id.to_string();
    }
    uuid::Uuid::now_v7().to_string()
}

/// The label a request is counted and logged under: its route template, or `unmatched` (no route).
fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string())
}

/// The method as a label: the standard ones, else `other` (a client inventing methods must not
/// create new series).
fn method_of(req: &Request) -> &'static str {
    use axum::http::Method;
    match *req.method() {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Requests being handled right now (`olive_http_requests_in_flight`); one less when dropped, so a
/// request whose client went away still counts out.
struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        ::metrics::gauge!("olive_http_requests_in_flight").increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        ::metrics::gauge!("olive_http_requests_in_flight").decrement(1.0);
    }
}

/// The outermost layer: gives the request its id and span, logs one line when it is answered, counts
/// it (`olive_http_requests_total`, `olive_http_request_duration_seconds`) and returns the id.
pub async fn track(mut req: Request, next: Next) -> Response {
    let id = request_id(&req);
    let route = route_of(&req);
    let method = method_of(&req).to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    // At ERROR level so that any filter letting a line through also keeps its request's span: the
    // level of a span only decides whether it is recorded, it is not printed.
    let span = tracing::error_span!("request", request_id = %id, method = %method, route = %route);
    let start = Instant::now();
    let in_flight = InFlight::start();
    let mut res = next.run(req).instrument(span.clone()).await;
    drop(in_flight);
    let secs = start.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    ::metrics::counter!("olive_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    ::metrics::histogram!("olive_http_request_duration_seconds", "method" => method, "route" => route)
        .record(secs);
    span.in_scope(|| {
        tracing::info!(
            status,
            duration_ms = (secs * 1000.0 * 10.0).round() / 10.0,
            "answered"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_accepted() {
        assert!(acceptable("3f2b-11ee:lb.7_x"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("id\nforged line"));
        assert!(!acceptable("\"quoted\""));
        assert!(!acceptable(&"a".repeat(129)));
    }
}
