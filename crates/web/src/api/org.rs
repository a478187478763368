//! Organisation endpoints: health, locations, staff, authority limits, approvals queue, stats.

use crate::auth::Auth;
use crate::error::{
    ApiJson, ApiPath, ApiQuery, ApiResult, BadInput, ErrorBody, JsonBody, Unauthorized,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use olive_storage::stats::StatsFilter;
use olive_storage::views::{GestureView, LimitView, LocationView, StaffView, Stats};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub database: &'static str,
    pub version: &'static str,
}

/// Liveness and database reachability (no authentication).
#[utoipa::path(get, path = "/api/v1/health", tag = "system", responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
pub async fn health(State(st): State<AppState>) -> ApiResult<Json<Health>> {
    st.store.list_playbooks().await.map_err(|_| {
        crate::error::AppError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is not reachable",
        )
    })?;
    let database = match st.store.db().backend() {
        olive_storage::Backend::Sqlite => "sqlite",
        olive_storage::Backend::Postgres => "postgres",
    };
    Ok(Json(Health {
        status: "ok",
        database,
        version: env!("CARGO_PKG_VERSION"),
    }))
}

/// Locations the caller works at (admins: all).
#[utoipa::path(get, path = "/api/v1/locations", tag = "organisation", responses((status = 200, body = Vec<LocationView>), Unauthorized), security(("bearer" = [])))]
pub async fn list_locations(
    State(st): State<AppState>,
    Auth(a): Auth,
) -> ApiResult<Json<Vec<LocationView>>> {
    Ok(Json(st.store.list_locations(&a).await?))
}

/// One location.
#[utoipa::path(get, path = "/api/v1/locations/{id}", tag = "organisation", params(("id" = String, Path)), responses((status = 200, body = LocationView), (status = 404, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn get_location(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<LocationView>> {
    Ok(Json(st.store.get_location(&a, &id).await?))
}

/// Staff at the caller's locations.
#[utoipa::path(get, path = "/api/v1/staff", tag = "organisation", responses((status = 200, body = Vec<StaffView>), Unauthorized), security(("bearer" = [])))]
pub async fn list_staff(
    State(st): State<AppState>,
    Auth(a): Auth,
) -> ApiResult<Json<Vec<StaffView>>> {
    Ok(Json(st.store.list_staff(&a).await?))
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "organisation", responses((status = 200, body = StaffView), Unauthorized), security(("bearer" = [])))]
pub async fn me(State(st): State<AppState>, Auth(a): Auth) -> ApiResult<Json<StaffView>> {
    Ok(Json(st.store.staff_view(&a.staff_id).await?))
}

/// Authority limits per role at a location.
#[utoipa::path(get, path = "/api/v1/locations/{id}/limits", tag = "organisation", params(("id" = String, Path)), responses((status = 200, body = Vec<LimitView>), (status = 404, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn get_limits(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<LimitView>>> {
    Ok(Json(st.store.limits(&a, &id).await?))
}

/// Set authority limits (managers: front desk and team members; admins: managers too).
#[utoipa::path(put, path = "/api/v1/locations/{id}/limits", tag = "organisation", params(("id" = String, Path)), request_body = Vec<LimitView>,
    responses((status = 200, body = Vec<LimitView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn put_limits(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<Vec<LimitView>>,
) -> ApiResult<Json<Vec<LimitView>>> {
    Ok(Json(st.store.set_limits(&a, &id, &body).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingApproval {
    pub case_id: String,
    /// e.g. `C-1042`
    pub case_ref: String,
    pub gesture: GestureView,
}

/// Gestures waiting for a manager's approval at the caller's locations.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "gestures", responses((status = 200, body = Vec<PendingApproval>), Unauthorized), security(("bearer" = [])))]
pub async fn approvals(
    State(st): State<AppState>,
    Auth(a): Auth,
) -> ApiResult<Json<Vec<PendingApproval>>> {
    let items = st.store.pending_gestures(&a, st.now()).await?;
    Ok(Json(
        items
            .into_iter()
            .map(|(case_id, case_ref, gesture)| PendingApproval {
                case_id,
                case_ref,
                gesture,
            })
            .collect(),
    ))
}

/// Counts by stage and defect, overdue, handoffs, gesture totals, recovered rate, median minutes to first action.
#[utoipa::path(get, path = "/api/v1/stats", tag = "stats", params(StatsFilter), responses((status = 200, body = Stats), (status = 404, description = "`location_id` is not one of your locations", body = ErrorBody), (status = 422, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn stats(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiQuery(f): ApiQuery<StatsFilter>,
) -> ApiResult<Json<Stats>> {
    Ok(Json(st.store.stats(&a, &f, st.now()).await?))
}
