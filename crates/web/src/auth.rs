//! Bearer-token authentication: the `Auth` extractor turns `Authorization: Bearer …` into an `Actor`,
//! within the API's per-address and per-token rate limits.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use olive_storage::Actor;

/// The authenticated caller.
pub struct Auth(pub Actor);

/// 429 `rate_limited` with `Retry-After`, in the API's error shape.
pub fn rate_limited(wait: crate::ratelimit::TooMany) -> Response {
    let mut r = AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; try again in {} seconds", wait.seconds()),
    )
    .into_response();
    if let Ok(v) = wait.seconds().to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let ip = crate::client::client_addr(parts);
        state.limits.api_address(ip).map_err(rate_limited)?;
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| AppError::unauthorized().into_response())?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(|| AppError::unauthorized().into_response())?;
        let mut actor = state
            .store
            .authenticate(token, state.now())
            .await
            .map_err(|e| AppError::from(e).into_response())?
            .ok_or_else(|| AppError::unauthorized().into_response())?;
        if let Some(id) = &actor.origin.credential {
            state.limits.api_token(id).map_err(rate_limited)?;
        }
        actor.origin.ip = ip.map(|ip| ip.to_string());
        Ok(Auth(actor))
    }
}
