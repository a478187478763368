//! Bearer-token authentication: the `Auth` extractor turns `Authorization: Bearer …` into an `Actor`.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use olive_storage::Actor;

/// The authenticated caller.
pub struct Auth(pub Actor);

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(AppError::unauthorized)?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(AppError::unauthorized)?;
        let mut actor = state
            .store
            .authenticate(token, state.now())
            .await?
            .ok_or_else(AppError::unauthorized)?;
        actor.origin.ip = crate::ratelimit::client_ip(parts);
        Ok(Auth(actor))
    }
}
