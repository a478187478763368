//! A person's own settings over the API: `GET`/`PUT /api/v1/me/settings` (whether the monthly report
//! is emailed to them). Changes are audited.

use crate::auth::Auth;
use crate::error::{ApiJson, ApiResult, JsonBody, Unauthorized};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use olive_storage::me::MySettings;

/// Your own settings.
#[utoipa::path(get, path = "/api/v1/me/settings", tag = "organisation",
    responses((status = 200, body = MySettings), (status = 404, body = crate::error::ErrorBody), Unauthorized), security(("bearer" = [])))]
pub async fn get_settings(
    State(st): State<AppState>,
    Auth(a): Auth,
) -> ApiResult<Json<MySettings>> {
    Ok(Json(st.store.my_settings(&a).await?))
}

/// Change your own settings: `{"monthly_report": false}` stops the monthly report email.
#[utoipa::path(put, path = "/api/v1/me/settings", tag = "organisation", request_body = MySettings,
    responses((status = 200, body = MySettings), (status = 404, body = crate::error::ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn put_settings(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiJson(body): ApiJson<MySettings>,
) -> ApiResult<Json<MySettings>> {
    Ok(Json(st.store.set_my_settings(&a, body, st.now()).await?))
}
