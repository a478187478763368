//! Erasing a customer's personal data from a case on request (managers of its location and admins).

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use olive_storage::privacy::{EraseRequest, Erasure};

/// Erase the customer's name, phone, email and address from a case, with the description, what they
/// said and every mention of them in notes, the timeline, My work and messages. Counts, stages, defects,
/// gesture values and times stay. The reason is required and goes on the timeline (`redacted`).
#[utoipa::path(post, path = "/api/v1/cases/{key}/erase", tag = "cases", params(("key" = String, Path)), request_body = EraseRequest,
    responses((status = 200, body = Erasure), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn erase_case(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(key): ApiPath<String>,
    ApiJson(body): ApiJson<EraseRequest>,
) -> ApiResult<Json<Erasure>> {
    Ok(Json(st.store.erase_case(&a, &key, body, st.now()).await?))
}
