//! API tokens (create with a name and expiry, list with last use, revoke) and changing one's password.

use crate::api::cases::created;
use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, BadInput, ErrorBody, JsonBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use olive_storage::tokens::{CreatedToken, NewToken, PasswordChange, TokenView};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    /// whose tokens (admins only; default: yours)
    pub staff_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenView>,
}

/// Your API tokens (admins: anyone's with `staff_id`), newest first; secrets are never listed.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "organisation", params(TokenQuery),
    responses((status = 200, body = TokenList), (status = 403, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> ApiResult<Json<TokenList>> {
    let items = st.store.list_tokens(&a, q.staff_id.as_deref()).await?;
    Ok(Json(TokenList { items }))
}

/// Create a token for yourself; the answer holds the secret, shown this once (only its hash is stored).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "organisation", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<Response> {
    let t = st.store.issue_token(&a, body, st.now()).await?;
    Ok(created("/api/v1/tokens".into(), t, true))
}

/// Revoke a token (yours, or anyone's for an admin). It stops working at once on this server and
/// within a few seconds on others.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "organisation", params(("id" = String, Path)),
    responses((status = 200, body = TokenView), (status = 404, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn revoke(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<TokenView>> {
    Ok(Json(st.store.revoke_token(&a, &id, st.now()).await?))
}

/// Change your password; all your web sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "organisation", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn change_password(
    State(st): State<AppState>,
    crate::ratelimit::ClientIp(ip): crate::ratelimit::ClientIp,
    Auth(a): Auth,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    if let Err(wait) = st.limits.login(ip, &format!("id:{}", a.staff_id)) {
        return Err(crate::error::AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many attempts; wait {} seconds", wait.seconds()),
        ));
    }
    st.store.change_password(&a, body, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
