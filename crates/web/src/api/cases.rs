//! Case endpoints: create (idempotent), list, get, edit, customer history.

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, BadInput, ErrorBody, JsonBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use olive_storage::cases::{CaseEdit, CaseFilter, NewCase};
use olive_storage::views::{CaseDetail, CaseSummary, Page};

pub(crate) fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let v = v
                .to_str()
                .ok()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= 200)
                .ok_or_else(|| {
                    crate::error::AppError::new(
                        StatusCode::BAD_REQUEST,
                        "bad_idempotency_key",
                        "Idempotency-Key must be 1 to 200 visible ASCII characters",
                    )
                })?;
            Ok(Some(v.to_string()))
        }
    }
}

/// `If-Match: "N"` (a case's `ETag`, its version): a change made to a case that changed since is
/// refused as 409 `stale` before anything is written. Absent or `*`: no check.
pub(crate) fn if_match(headers: &HeaderMap) -> ApiResult<Option<i64>> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    // A weak tag never matches (If-Match compares strongly): it is refused as stale.
    if text.starts_with("W/") {
        return Ok(Some(-1));
    }
    text.trim_matches('"')
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| {
            crate::error::AppError::new(
                StatusCode::BAD_REQUEST,
                "bad_if_match",
                "If-Match must be a case's ETag, such as \"7\"",
            )
            .field("If-Match", "a case's ETag, such as \"7\"")
        })
}

/// A case with its version as its `ETag` (send it back as `If-Match` to change it safely). The version
/// is read before the case, so the tag is never newer than the body it comes with: a change made in
/// between makes the next `If-Match` stale rather than overwriting what the client did not see.
pub(crate) async fn tagged(
    st: &AppState,
    actor: &olive_storage::Actor,
    key: &str,
) -> ApiResult<Response> {
    let v = st.store.case_version(actor, key).await?;
    let case = st.store.get_case(actor, key, st.now()).await?;
    let tag = format!("\"{}\"", v.version);
    Ok(([(header::ETAG, tag)], Json(case)).into_response())
}

/// 201 with a Location header for a new resource; 200 for a replayed idempotent request.
pub(crate) fn created<T: serde::Serialize>(location: String, body: T, new: bool) -> Response {
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, [(header::LOCATION, location)], Json(body)).into_response()
}

/// Log a defect as a case. The caller reports it and owns it.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "retry-safe creation")),
    responses((status = 201, body = CaseDetail), (status = 200, description = "replayed idempotent request", body = CaseDetail),
        (status = 400, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody),
    security(("bearer" = [])))]
pub async fn create_case(
    State(st): State<AppState>,
    Auth(actor): Auth,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewCase>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let (case, new) = st
        .store
        .create_case(&actor, body, key.as_deref(), st.now())
        .await?;
    Ok(created(
        format!("/api/v1/cases/{}", case.summary.id),
        case,
        new,
    ))
}

/// Cases at the caller's locations, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseFilter),
    responses((status = 200, body = Page<CaseSummary>), (status = 400, body = ErrorBody), (status = 404, description = "`location_id` is not one of your locations", body = ErrorBody), (status = 422, body = ErrorBody), BadInput),
    security(("bearer" = [])))]
pub async fn list_cases(
    State(st): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(f): ApiQuery<CaseFilter>,
) -> ApiResult<Json<Page<CaseSummary>>> {
    Ok(Json(st.store.list_cases(&actor, &f, st.now()).await?))
}

/// One case with its steps, gestures, handoffs, verifications and timeline. `key` is a UUID or `C-1042`.
/// Its `ETag` is the case's version: send it back as `If-Match` when changing the case.
#[utoipa::path(get, path = "/api/v1/cases/{key}", tag = "cases", params(("key" = String, Path)),
    responses((status = 200, body = CaseDetail, headers(("ETag" = String, description = "the case's version"))), (status = 404, body = ErrorBody), BadInput),
    security(("bearer" = [])))]
pub async fn get_case(
    State(st): State<AppState>,
    Auth(actor): Auth,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<Response> {
    tagged(&st, &actor, &key).await
}

/// Edit description, customer details or severity (recorded on the timeline). With `If-Match`, a case
/// changed since that version is refused (409 `stale`) and nothing is written.
#[utoipa::path(patch, path = "/api/v1/cases/{key}", tag = "cases",
    params(("key" = String, Path), ("If-Match" = Option<String>, Header, description = "the case's ETag when it was read")),
    request_body = CaseEdit,
    responses((status = 200, body = CaseDetail, headers(("ETag" = String, description = "the case's new version"))), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody),
    security(("bearer" = [])))]
pub async fn edit_case(
    State(st): State<AppState>,
    Auth(actor): Auth,
    headers: HeaderMap,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<CaseEdit>,
) -> ApiResult<Response> {
    let version = if_match(&headers)?;
    let case = st
        .store
        .edit_case_at(&actor, &key, body, version, st.now())
        .await?;
    tagged(&st, &actor, &case.summary.id).await
}

/// The same customer's other cases (matched by phone or email).
#[utoipa::path(get, path = "/api/v1/cases/{key}/history", tag = "cases", params(("key" = String, Path)),
    responses((status = 200, body = Vec<CaseSummary>), (status = 404, body = ErrorBody), BadInput),
    security(("bearer" = [])))]
pub async fn customer_history(
    State(st): State<AppState>,
    Auth(actor): Auth,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<Json<Vec<CaseSummary>>> {
    Ok(Json(
        st.store.customer_history(&actor, &key, st.now()).await?,
    ))
}
