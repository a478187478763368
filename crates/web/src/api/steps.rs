//! Who does a step: taking one from a role's queue, and a manager giving one to someone. Neither
//! is a hand-off of the case.

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiResult, BadInput, ErrorBody, JsonBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use olive_storage::views::CaseDetail;
use serde::Deserialize;

/// Take a step: it becomes mine (not a hand-off). For someone who holds the step's role at the
/// case's location, or a manager; 409 when someone else has already taken it.
#[utoipa::path(post, path = "/api/v1/cases/{key}/steps/{step_id}/claim", tag = "steps", params(("key" = String, Path), ("step_id" = String, Path)),
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn claim_step(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath((key, step)): ApiPath<(String, String)>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(st.store.claim_step(&a, &key, &step, st.now()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignStep {
    /// who does the step: someone at the location who holds its role, or a manager there; null
    /// returns it to its role's queue
    pub staff_id: Option<String>,
}

/// A manager gives a step to someone (or, with `staff_id` null, back to its role's queue). Not a
/// hand-off of the case.
#[utoipa::path(post, path = "/api/v1/cases/{key}/steps/{step_id}/assign", tag = "steps", params(("key" = String, Path), ("step_id" = String, Path)), request_body = AssignStep,
    responses((status = 200, body = CaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn assign_step(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath((key, step)): ApiPath<(String, String)>,
    ApiJson(b): ApiJson<AssignStep>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(
        st.store
            .assign_step(&a, &key, &step, b.staff_id.as_deref(), st.now())
            .await?,
    ))
}
