//! A gesture's card laid out to print, or its flowers order sheet.

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
    /// blanks still to fill: the card is not ready to print
    blanks: Vec<String>,
    /// the business's word for the customer ("patient")
    noun: String,
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
    let first_name = c
        .summary
        .customer
        .preferred_name
        .as_deref()
        .and_then(olive_domain::followup::greeting_name)
        .or_else(|| olive_domain::followup::greeting_name(&c.summary.customer.name))
        .unwrap_or_else(|| playbook.playbook.greeting_fallback.clone());
    let staff_first = olive_domain::followup::first_name(&web.actor.name);
    // The card's words: the note typed with the gesture, else the step's written words (a case
    // logged before steps had them: its one script).
    let step = c
        .steps
        .iter()
        .find(|s| g.step_id.as_deref() == Some(s.id.as_str()))
        .or_else(|| {
            c.steps
                .iter()
                .find(|s| s.gesture_code.as_deref() == Some(g.kind.as_str()))
        });
    let template = if !g.note.is_empty() {
        g.note.clone()
    } else {
        step.and_then(|s| s.write.as_ref().or(s.say.as_ref()))
            .map(|w| w.template.clone())
            .unwrap_or_default()
    };
    // A message that signs itself gets no second sign-off.
    let signed = ["{me}", "{staff}", "{provider}", "{owner}", "[your name]"]
        .iter()
        .any(|t| template.contains(t))
        || template.to_lowercase().contains("regards");
    let rendered = st
        .store
        .render_for_case(&web.actor, &key, &template)
        .await?;
    let message = rendered.text;
    let findings = st.store.wording_checker_for(&loc.id).await?.check(&message);
    Ok(PrintPage {
        nav: Nav::new(&web, "cases"),
        key: c.summary.reference.clone(),
        flowers: g.kind.contains("flower"),
        business: loc.name.clone(),
        customer: c.summary.display_name.clone(),
        first_name,
        blanks: rendered.blanks,
        noun: playbook.playbook.customer_noun.clone(),
        address: c.summary.customer.address.clone().unwrap_or_default(),
        phone: c.summary.customer.phone.clone().unwrap_or_default(),
        message: message.clone(),
        gesture_name: playbook
            .gesture(&g.kind)
            .map_or_else(|| g.kind.clone(), |k| k.name.clone()),
        value: money(g.value_cents, &g.currency),
        greeted: message.starts_with("Dear ") || message.starts_with("Hi "),
        staff_first,
        signed,
        findings,
    })
}
