//! "Your settings" on the settings page: the signed-in person's own choices (the monthly report
//! email), saved through the same store call as `PUT /api/v1/me/settings` (audited).

use super::session::Posted;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use olive_storage::me::MySettings;
use std::collections::BTreeMap;

/// Save the checkbox "Email me the monthly report" (absent from the form when unticked).
pub async fn save(
    State(st): State<AppState>,
    p: Posted<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let mine = MySettings {
        monthly_report: p.form.contains_key("monthly_report"),
    };
    st.store
        .set_my_settings(&p.web.actor, mine, st.now())
        .await?;
    let location: String = p
        .form
        .get("location_id")
        .map(|l| {
            l.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect()
        })
        .unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/settings?location={location}&done=Your+settings+saved."
    ))
    .into_response())
}
