//! The client's address and scheme behind a trusted reverse proxy (`OLIVE_TRUSTED_PROXIES`), found
//! once per request by `domain::proxy` and read by rate limits, the audit trail and HSTS.

use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, request::Parts};
use axum::middleware::Next;
use axum::response::Response;
use olive_domain::proxy::{Client, ProxyHeaders};
use std::net::{IpAddr, SocketAddr};

/// `Strict-Transport-Security` sent on every answer to a client that used HTTPS.
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

fn all<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

/// Works out the `Client` of a request (an extension for the handlers), and adds HSTS to the answer
/// when the client came over HTTPS as a trusted proxy says.
pub async fn client_layer(State(st): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let client = peer.map(|peer| {
        let h = req.headers();
        st.proxies.client(
            peer,
            &ProxyHeaders {
                forwarded: all(h, "forwarded"),
                x_forwarded_for: all(h, "x-forwarded-for"),
                x_forwarded_proto: h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()),
            },
        )
    });
    if let Some(c) = client {
        req.extensions_mut().insert(c);
    }
    let mut res = next.run(req).await;
    if client.is_some_and(|c| c.https) {
        res.headers_mut()
            .insert("strict-transport-security", HeaderValue::from_static(HSTS));
    }
    res
}

/// The client's address: as a trusted proxy forwards it, otherwise the connection's.
pub fn client_addr(parts: &Parts) -> Option<IpAddr> {
    parts.extensions.get::<Client>().map(|c| c.ip).or_else(|| {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
    })
}

/// Whether the request came through one of the trusted proxies.
pub fn via_trusted_proxy(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<Client>()
        .is_some_and(|c| c.via_trusted_proxy)
}
