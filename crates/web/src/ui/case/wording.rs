//! The live wording check under a text box (htmx).

use crate::error::AppError;
use crate::state::AppState;
use crate::ui::session::Posted;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use olive_domain::wording::{Finding, fitted_suggestion};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub struct WordingForm {
    #[serde(default)]
    target: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    location: String,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "findings.html")]
pub struct FindingsFragment {
    target: String,
    text_empty: bool,
    /// Each finding with its suggestion fitted to the sentence (what "Use suggestion" puts in).
    findings: Vec<(Finding, String)>,
}

/// htmx: the live wording check under a text box (the box's own field is sent with `target` naming it).
pub async fn wording(
    State(st): State<AppState>,
    p: Posted<WordingForm>,
) -> Result<FindingsFragment, AppError> {
    let f = p.form;
    // htmx posts the whole form; `field` names the text box being checked.
    let text = f.rest.get(&f.field).cloned().unwrap_or_default();
    let checker = if !f.location.is_empty() && p.web.actor.role_at(&f.location).is_some() {
        st.store.wording_checker_for(&f.location).await?
    } else {
        olive_storage::Store::built_in_checker()
    };
    let target: String = f
        .target
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Ok(FindingsFragment {
        target,
        text_empty: text.trim().is_empty(),
        findings: checker
            .check(&text)
            .into_iter()
            .map(|f| {
                let fitted = fitted_suggestion(&text, &f);
                (f, fitted)
            })
            .collect(),
    })
}
