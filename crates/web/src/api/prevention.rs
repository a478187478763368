//! Prevention actions over the API: the list per defect at the caller's locations (cases, root causes
//! given at closing, the action and its state), and managers' changes (owner, due date, status, notes).

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, BadInput, ErrorBody, JsonBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use olive_storage::prevention::{PreventionFilter, PreventionUpdate, PreventionView};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PreventionQuery {
    /// one of your locations (default: all of them)
    pub location_id: Option<String>,
    /// `open` (open and in progress), `done` or `all` (default)
    pub status: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PreventionList {
    pub items: Vec<PreventionView>,
}

/// Prevention actions at your locations, open ones first: per defect and location, the cases the
/// action collects, the root causes given when they were closed, and the action (owner, due, status, notes).
#[utoipa::path(get, path = "/api/v1/prevention", tag = "prevention", params(PreventionQuery),
    responses((status = 200, body = PreventionList), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiQuery(q): ApiQuery<PreventionQuery>,
) -> ApiResult<Json<PreventionList>> {
    let items = st
        .store
        .list_prevention(
            &a,
            PreventionFilter {
                location_id: q.location_id,
                status: q.status,
            },
        )
        .await?;
    Ok(Json(PreventionList { items }))
}

/// Assign (owner, due date), update or close a prevention action (managers and admins). Closing
/// (`status: done`) needs notes saying what was changed; a done action can no longer change (409).
#[utoipa::path(post, path = "/api/v1/prevention/{id}", tag = "prevention", params(("id" = String, Path)), request_body = PreventionUpdate,
    responses((status = 200, body = PreventionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PreventionUpdate>,
) -> ApiResult<Json<PreventionView>> {
    Ok(Json(
        st.store.update_prevention(&a, &id, body, st.now()).await?,
    ))
}
