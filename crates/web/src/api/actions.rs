//! Case action endpoints: steps, gestures, handoffs, verification, close, reopen, cancel, notes.

use crate::api::cases::{created, idempotency_key};
use crate::auth::Auth;
use crate::error::{
    ApiJson, ApiPath, ApiResult, BadInput, ErrorBody, JsonBody, OptionalBody, OptionalJson,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use olive_domain::gesture::GestureStatus;
use olive_domain::wording::Finding;
use olive_storage::actions::{
    CloseCase, Decision, NewGesture, NewHandoff, NewNote, Reason, StepAction, Verification,
};
use olive_storage::views::{CaseDetail, GestureView};
use serde::Serialize;

type CaseAndItem = ApiPath<(String, String)>;

/// Mark a step done.
#[utoipa::path(post, path = "/api/v1/cases/{key}/steps/{step_id}/complete", tag = "steps", params(("key" = String, Path), ("step_id" = String, Path)), request_body(content = StepAction, description = "optional note"),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), OptionalBody), security(("bearer" = [])))]
pub async fn complete_step(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath((key, step)): CaseAndItem,
    OptionalJson(body): OptionalJson<StepAction>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(
        st.store
            .step_action(&a, &key, &step, false, body, st.now())
            .await?,
    ))
}

/// Skip a step (a reason is required).
#[utoipa::path(post, path = "/api/v1/cases/{key}/steps/{step_id}/skip", tag = "steps", params(("key" = String, Path), ("step_id" = String, Path)), request_body = StepAction,
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn skip_step(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath((key, step)): CaseAndItem,
    ApiJson(body): ApiJson<StepAction>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(
        st.store
            .step_action(&a, &key, &step, true, body, st.now())
            .await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GestureCreated {
    pub gesture: GestureView,
    pub case: CaseDetail,
}

/// Give a gesture: approved at once within your remaining authority, otherwise `pending_approval`.
#[utoipa::path(post, path = "/api/v1/cases/{key}/gestures", tag = "gestures", params(("key" = String, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = NewGesture,
    responses((status = 201, body = GestureCreated), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn give_gesture(
    State(st): State<AppState>,
    Auth(a): Auth,
    headers: HeaderMap,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<NewGesture>,
) -> ApiResult<Response> {
    let idem = idempotency_key(&headers)?;
    let (case, gid, new) = st
        .store
        .give_gesture(&a, &key, body, idem.as_deref(), st.now())
        .await?;
    let gesture = case
        .gestures
        .iter()
        .find(|g| g.id == gid)
        .cloned()
        .ok_or_else(|| crate::error::AppError::not_found("gesture"))?;
    Ok(created(
        format!("/api/v1/cases/{}/gestures/{}", case.summary.id, gid),
        GestureCreated { gesture, case },
        new,
    ))
}

async fn gesture_to(
    st: AppState,
    a: Auth,
    key: String,
    gid: String,
    to: GestureStatus,
    body: Decision,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(
        st.store
            .gesture_action(&a.0, &key, &gid, to, body, st.now())
            .await?,
    ))
}

/// Approve a pending gesture (managers up to their own per-case limit; admins any).
#[utoipa::path(post, path = "/api/v1/cases/{key}/gestures/{gesture_id}/approve", tag = "gestures", params(("key" = String, Path), ("gesture_id" = String, Path)), request_body(content = Decision, description = "optional note"),
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), OptionalBody), security(("bearer" = [])))]
pub async fn approve_gesture(
    State(st): State<AppState>,
    a: Auth,
    ApiPath((key, g)): CaseAndItem,
    OptionalJson(body): OptionalJson<Decision>,
) -> ApiResult<Json<CaseDetail>> {
    gesture_to(st, a, key, g, GestureStatus::Approved, body).await
}

/// Decline a pending gesture.
#[utoipa::path(post, path = "/api/v1/cases/{key}/gestures/{gesture_id}/decline", tag = "gestures", params(("key" = String, Path), ("gesture_id" = String, Path)), request_body(content = Decision, description = "optional note"),
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), OptionalBody), security(("bearer" = [])))]
pub async fn decline_gesture(
    State(st): State<AppState>,
    a: Auth,
    ApiPath((key, g)): CaseAndItem,
    OptionalJson(body): OptionalJson<Decision>,
) -> ApiResult<Json<CaseDetail>> {
    gesture_to(st, a, key, g, GestureStatus::Declined, body).await
}

/// Mark an approved gesture sent.
#[utoipa::path(post, path = "/api/v1/cases/{key}/gestures/{gesture_id}/sent", tag = "gestures", params(("key" = String, Path), ("gesture_id" = String, Path)), request_body(content = Decision, description = "optional; `address`: the delivery address, required when the gesture needs one and the case has none (422 naming `address` otherwise)"),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), BadInput, OptionalBody), security(("bearer" = [])))]
pub async fn mark_sent(
    State(st): State<AppState>,
    a: Auth,
    ApiPath((key, g)): CaseAndItem,
    OptionalJson(body): OptionalJson<Decision>,
) -> ApiResult<Json<CaseDetail>> {
    gesture_to(st, a, key, g, GestureStatus::Sent, body).await
}

/// Mark a gesture delivered.
#[utoipa::path(post, path = "/api/v1/cases/{key}/gestures/{gesture_id}/delivered", tag = "gestures", params(("key" = String, Path), ("gesture_id" = String, Path)), request_body(content = Decision, description = "optional; `address`: the delivery address, required when the gesture needs one and the case has none (422 naming `address` otherwise)"),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), BadInput, OptionalBody), security(("bearer" = [])))]
pub async fn mark_delivered(
    State(st): State<AppState>,
    a: Auth,
    ApiPath((key, g)): CaseAndItem,
    OptionalJson(body): OptionalJson<Decision>,
) -> ApiResult<Json<CaseDetail>> {
    gesture_to(st, a, key, g, GestureStatus::Delivered, body).await
}

/// Propose handing the case to someone else (reason required). It stays yours until they accept.
#[utoipa::path(post, path = "/api/v1/cases/{key}/handoffs", tag = "handoffs", params(("key" = String, Path)), request_body = NewHandoff,
    responses((status = 201, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn propose_handoff(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<NewHandoff>,
) -> ApiResult<Response> {
    let case = st.store.propose_handoff(&a, &key, body, st.now()).await?;
    let hid = case
        .handoffs
        .iter()
        .rev()
        .find(|h| h.status == olive_storage::views::HandoffStatus::Proposed)
        .map(|h| h.id.clone())
        .unwrap_or_default();
    Ok(created(
        format!("/api/v1/cases/{}/handoffs/{hid}", case.summary.id),
        case,
        true,
    ))
}

/// Accept a handoff offered to you: the case becomes yours.
#[utoipa::path(post, path = "/api/v1/cases/{key}/handoffs/{handoff_id}/accept", tag = "handoffs", params(("key" = String, Path), ("handoff_id" = String, Path)),
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn accept_handoff(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath((key, h)): CaseAndItem,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(
        st.store
            .answer_handoff(&a, &key, &h, true, Reason::default(), st.now())
            .await?,
    ))
}

/// Decline a handoff offered to you (reason required).
#[utoipa::path(post, path = "/api/v1/cases/{key}/handoffs/{handoff_id}/decline", tag = "handoffs", params(("key" = String, Path), ("handoff_id" = String, Path)), request_body = Reason,
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn decline_handoff(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath((key, h)): CaseAndItem,
    ApiJson(body): ApiJson<Reason>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(
        st.store
            .answer_handoff(&a, &key, &h, false, body, st.now())
            .await?,
    ))
}

/// Record what the customer said when the recovery was checked. With `If-Match`, a case changed
/// since that version is refused (409 `stale`) and nothing is written.
#[utoipa::path(post, path = "/api/v1/cases/{key}/verify", tag = "cases",
    params(("key" = String, Path), ("If-Match" = Option<String>, Header, description = "the case's ETag when it was read")),
    request_body = Verification,
    responses((status = 200, body = CaseDetail, headers(("ETag" = String, description = "the case's new version"))), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn verify(
    State(st): State<AppState>,
    Auth(a): Auth,
    headers: HeaderMap,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<Verification>,
) -> ApiResult<Response> {
    let version = super::cases::if_match(&headers)?;
    let case = st
        .store
        .verify_at(&a, &key, body, version, st.now())
        .await?;
    super::cases::tagged(&st, &a, &case.summary.id).await
}

/// Close with an outcome and a root cause (`recovered` requires a satisfied verification). With
/// `If-Match`, a case changed since that version is refused (409 `stale`) and nothing is written.
#[utoipa::path(post, path = "/api/v1/cases/{key}/close", tag = "cases",
    params(("key" = String, Path), ("If-Match" = Option<String>, Header, description = "the case's ETag when it was read")),
    request_body = CloseCase,
    responses((status = 200, body = CaseDetail, headers(("ETag" = String, description = "the case's new version"))), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn close(
    State(st): State<AppState>,
    Auth(a): Auth,
    headers: HeaderMap,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<CloseCase>,
) -> ApiResult<Response> {
    let version = super::cases::if_match(&headers)?;
    let case = st.store.close_at(&a, &key, body, version, st.now()).await?;
    super::cases::tagged(&st, &a, &case.summary.id).await
}

/// Reopen a closed case (reason required); adds a fix step and a new verification.
#[utoipa::path(post, path = "/api/v1/cases/{key}/reopen", tag = "cases", params(("key" = String, Path)), request_body = Reason,
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn reopen(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<Reason>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(st.store.reopen(&a, &key, body, st.now()).await?))
}

/// Cancel a case logged by mistake (reason required).
#[utoipa::path(post, path = "/api/v1/cases/{key}/cancel", tag = "cases", params(("key" = String, Path)), request_body = Reason,
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn cancel(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<Reason>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(st.store.cancel(&a, &key, body, st.now()).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoteAdded {
    pub findings: Vec<Finding>,
    pub case: CaseDetail,
}

/// Add a note; a customer-facing note comes back with wording findings.
#[utoipa::path(post, path = "/api/v1/cases/{key}/notes", tag = "cases", params(("key" = String, Path)), request_body = NewNote,
    responses((status = 201, body = NoteAdded), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn add_note(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<NewNote>,
) -> ApiResult<Response> {
    let (case, findings) = st.store.add_note(&a, &key, body, st.now()).await?;
    Ok(created(
        format!("/api/v1/cases/{}", case.summary.id),
        NoteAdded { findings, case },
        true,
    ))
}
