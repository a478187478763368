//! Closing-the-loop endpoints: customer follow-ups, webhooks, the outbox, and "My work" notifications.

use crate::api::cases::created;
use crate::auth::Auth;
use crate::error::{
    ApiJson, ApiPath, ApiQuery, ApiResult, BadInput, ErrorBody, JsonBody, OptionalBody,
    OptionalJson, Unauthorized,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use olive_storage::followup::SendFollowUp;
use olive_storage::notify::NotificationView;
use olive_storage::outbox::OutboxView;
use olive_storage::views::CaseDetail;
use olive_storage::webhooks::{CreatedWebhook, NewWebhook, WebhookView};
use serde::{Deserialize, Serialize};

/// Send the customer "Did we make it right?" by email with a single-use link (wording-checked first).
#[utoipa::path(post, path = "/api/v1/cases/{key}/follow-up", tag = "follow-up", params(("key" = String, Path), ("Idempotency-Key" = Option<String>, Header, description = "retry-safe: a retry with the same key and body sends no second email")), request_body(content = SendFollowUp, description = "optional message; default: the verify step's wording"),
    responses((status = 201, body = CaseDetail), (status = 404, body = ErrorBody), (status = 409, description = "case finished or customer opted out", body = ErrorBody), (status = 422, description = "no customer email, the wording check flagged the message, or the Idempotency-Key was used with another body", body = ErrorBody), OptionalBody),
    security(("bearer" = [])))]
pub async fn send_follow_up(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(key): ApiPath<String>,
    headers: axum::http::HeaderMap,
    OptionalJson(body): OptionalJson<SendFollowUp>,
) -> ApiResult<Response> {
    let idem = crate::api::cases::idempotency_key(&headers)?;
    let (case, _link) = st
        .store
        .send_followup_once(&a, &key, body, idem.as_deref(), st.now())
        .await?;
    Ok(created(
        format!("/api/v1/cases/{}", case.summary.id),
        case,
        true,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// Webhook endpoints of a location (managers and admins).
#[utoipa::path(get, path = "/api/v1/locations/{id}/webhooks", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = WebhookList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn list_webhooks(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<WebhookList>> {
    Ok(Json(WebhookList {
        items: st.store.list_webhooks(&a, &id).await?,
    }))
}

/// Register a webhook endpoint; the answer carries its signing secret, shown this once.
#[utoipa::path(post, path = "/api/v1/locations/{id}/webhooks", tag = "webhooks", params(("id" = String, Path)), request_body = NewWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn create_webhook(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<Response> {
    let hook = st.store.create_webhook(&a, &id, body, st.now()).await?;
    let at = format!("/api/v1/locations/{id}/webhooks");
    Ok(created(at, hook, true))
}

/// Remove a webhook endpoint (its undelivered messages become dead).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn delete_webhook(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    st.store.delete_webhook(&a, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    /// `pending`, `delivered` or `dead`
    pub status: Option<String>,
    /// at most this many (default 50, max 500)
    pub limit: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OutboxList {
    pub items: Vec<OutboxView>,
}

/// Outgoing emails and webhook deliveries at your locations (managers and admins), newest first.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "webhooks", params(OutboxQuery),
    responses((status = 200, body = OutboxList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn list_outbox(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<OutboxList>> {
    let items = st
        .store
        .list_outbox(&a, q.status.as_deref(), q.limit.unwrap_or(50))
        .await?;
    Ok(Json(OutboxList { items }))
}

/// Queue a dead message again.
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn retry_outbox(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    st.store.retry_outbox(&a, &id, st.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationView>,
}

/// Your reminders, escalations and customer answers, newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "follow-up",
    responses((status = 200, body = NotificationList), Unauthorized), security(("bearer" = [])))]
pub async fn notifications(
    State(st): State<AppState>,
    Auth(a): Auth,
) -> ApiResult<Json<NotificationList>> {
    Ok(Json(NotificationList {
        items: st.store.notifications(&a, 50).await?,
    }))
}
