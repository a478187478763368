//! A gesture's card laid out to print, or its flowers order sheet.

use super::personalise;
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::session::Web;
use crate::ui::{Nav, money};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use olive_domain::wording::Finding;

#[derive(Template, WebTemplate)]
#[template(path = "print.html")]
pub struct PrintPage {
    nav: Nav,
    key: String,
    flowers: bool,
    business: String,
    customer: String,
    first_name: String,
    address: String,
    phone: String,
    message: String,
    gesture_name: String,
    value: String,
    staff_first: String,
    signed: bool,
    greeted: bool,
    findings: Vec<Finding>,
}

/// A card laid out to print (the protocol's wording, personalised and wording-checked), or a flowers order sheet.
pub async fn print(
    State(st): State<AppState>,
    Web(web): Web,
    Path((key, id)): Path<(String, String)>,
) -> Result<PrintPage, AppError> {
    let c = st.store.get_case(&web.actor, &key, st.now()).await?;
    let g = c
        .gestures
        .iter()
        .find(|g| g.id == id)
        .ok_or_else(|| AppError::not_found("gesture"))?;
    let loc = st.store.location(&c.summary.location_id).await?;
    let playbook = st
        .store
        .playbook_at(&loc.playbook_code, loc.playbook_updated_at)
        .await?;
    let first_name = olive_domain::followup::first_name(&c.summary.customer.name);
    let staff_first = olive_domain::followup::first_name(&web.actor.name);
    let step_wording = c
        .steps
        .iter()
        .find(|s| s.gesture_code.as_deref() == Some(g.kind.as_str()))
        .map(|s| s.wording.clone())
        .unwrap_or_default();
    let message = if !g.note.is_empty() {
        g.note.clone()
    } else {
        step_wording
    };
    // A message that signs itself ({staff}) gets no second sign-off.
    let signed = message.contains("{staff}");
    let message = personalise(
        &message,
        &c.summary.customer.name,
        &loc.name,
        &web.actor.name,
    );
    let findings = st.store.wording_checker_for(&loc.id).await?.check(&message);
    Ok(PrintPage {
        nav: Nav::new(&web, "cases"),
        key: c.summary.reference.clone(),
        flowers: g.kind.contains("flower"),
        business: loc.name.clone(),
        customer: c.summary.customer.name.clone(),
        first_name,
        address: c.summary.customer.address.clone().unwrap_or_default(),
        phone: c.summary.customer.phone.clone().unwrap_or_default(),
        message: message.clone(),
        gesture_name: playbook
            .gesture(&g.kind)
            .map_or_else(|| g.kind.clone(), |k| k.name.clone()),
        value: money(g.value_cents, &g.currency),
        greeted: message.starts_with("Dear "),
        staff_first,
        signed,
        findings,
    })
}
