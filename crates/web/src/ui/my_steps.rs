//! The steps on My work: mine and my roles' unclaimed ones, each taken or ticked in place.

use super::manage::Zones;
use super::relative_due;
use super::session::{Posted, Web};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use olive_domain::wording::capitalise_first;
use olive_storage::StoreError;
use olive_storage::actions::StepAction;
use olive_storage::auth::WebSession;
use olive_storage::views::{CaseDetail, MyStep};
use std::collections::BTreeMap;

/// One step as My work shows it.
#[derive(Template, WebTemplate)]
#[template(path = "my_step.html")]
pub struct StepRow {
    pub case_id: String,
    pub step_id: String,
    pub case_ref: String,
    pub customer: String,
    pub location: String,
    pub title: String,
    /// "Dentist", "Server"
    pub owner_label: String,
    pub severity: &'static str,
    /// "Major", for a person
    pub severity_label: &'static str,
    pub due_text: String,
    pub overdue: bool,
    /// mine (else waiting in my role's queue, or someone else's after I looked)
    pub mine: bool,
    /// who has it, when it is not mine
    pub holder: Option<String>,
    pub done: bool,
    /// what just happened, said beside the step
    pub message: Option<String>,
    /// why the last action was refused, beside the step
    pub error: Option<String>,
    /// the form token, for a browser without scripts
    pub csrf: String,
}

pub fn rows(steps: &[MyStep], web: &WebSession, now: Timestamp, zones: &Zones) -> Vec<StepRow> {
    steps.iter().map(|s| row(s, web, now, zones)).collect()
}

fn row(s: &MyStep, web: &WebSession, now: Timestamp, zones: &Zones) -> StepRow {
    let actor = &web.actor;
    let due: Timestamp = s.due_at.parse().unwrap_or(now);
    let tz = actor
        .roles
        .first()
        .and_then(|(l, _)| zones.get(l).cloned())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let (due_text, overdue, _) = relative_due(due, now, &tz);
    let mine = s.assignee.as_ref().is_some_and(|a| a.id == actor.staff_id);
    StepRow {
        case_id: s.case_id.clone(),
        step_id: s.step_id.clone(),
        case_ref: s.case_ref.clone(),
        customer: s.customer.clone(),
        location: s.location.clone(),
        title: s.title.clone(),
        owner_label: s.owner_label.to_lowercase(),
        severity: s.severity.as_str(),
        severity_label: s.severity.label(),
        due_text,
        overdue,
        mine,
        holder: s
            .assignee
            .as_ref()
            .filter(|_| !mine)
            .map(|a| a.name.clone()),
        done: false,
        message: None,
        error: None,
        csrf: web.csrf.clone(),
    }
}

/// Take a step, or tick it done, from My work: the row comes back changed, in place.
pub async fn act(
    State(st): State<AppState>,
    Path((case_id, step_id, action)): Path<(String, String, String)>,
    p: Posted<BTreeMap<String, String>>,
) -> Result<StepRow, AppError> {
    let (actor, now) = (&p.web.actor, st.now());
    let res: Result<CaseDetail, StoreError> = match action.as_str() {
        "claim" => st.store.claim_step(actor, &case_id, &step_id, now).await,
        "complete" => {
            let a = StepAction {
                reason: None,
                note: None,
            };
            st.store
                .step_action(actor, &case_id, &step_id, false, a, now)
                .await
        }
        _ => return Err(AppError::not_found("action")),
    };
    let (message, error) = match &res {
        Ok(_) if action == "claim" => (Some("Yours now.".to_string()), None),
        Ok(_) => (Some("Done.".to_string()), None),
        Err(e @ (StoreError::Forbidden(_) | StoreError::Conflict { .. })) => {
            (None, Some(capitalise_first(&e.to_string())))
        }
        Err(StoreError::Validation { message, .. }) => (None, Some(capitalise_first(message))),
        Err(_) => (None, None),
    };
    let d = match res {
        Ok(d) => d,
        Err(
            StoreError::Forbidden(_) | StoreError::Conflict { .. } | StoreError::Validation { .. },
        ) => st.store.get_case(actor, &case_id, now).await?,
        Err(e) => return Err(e.into()),
    };
    let step = d
        .steps
        .iter()
        .find(|s| s.id == step_id)
        .ok_or_else(|| AppError::not_found("step"))?;
    let zones = super::manage::zones(&st.store.list_locations(actor).await?);
    let view = MyStep {
        step_id: step.id.clone(),
        case_id: d.summary.id.clone(),
        case_ref: d.summary.reference.clone(),
        customer: d.summary.display_name.clone(),
        location: String::new(),
        title: step.title.clone(),
        owner_role: step.owner_role,
        owner_label: step.owner_label.clone(),
        assignee: step.assignee.clone(),
        due_at: step.due_at.clone(),
        overdue: step.overdue,
        severity: d.summary.severity,
    };
    let mut r = row(&view, &p.web, now, &zones);
    r.location = st
        .store
        .location(&d.summary.location_id)
        .await
        .map(|l| l.name)
        .unwrap_or_default();
    r.done = step.status != olive_domain::case::StepStatus::Pending;
    r.message = message;
    r.error = error;
    Ok(r)
}

/// A severity code as a person reads it ("Major"); anything else as it is.
pub fn sev_label(code: &str) -> String {
    olive_domain::playbook::Severity::parse(code)
        .map_or_else(|| code.to_string(), |s| s.label().to_string())
}

/// A case status ("in progress" or "in_progress") as a person reads it; a label as it is.
pub fn status_label(code: &str) -> String {
    olive_domain::case::CaseStatus::parse(&code.replace(' ', "_"))
        .map_or_else(|| code.to_string(), |s| s.label().to_string())
}

/// My work as a page, or its sections only (htmx, its live update).
pub fn respond(page: super::manage::MyPage, hx: bool) -> Result<Response, AppError> {
    use askama::Template;
    if !hx {
        return Ok(page.into_response());
    }
    let html = page.as_content().render().map_err(render_error)?;
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::VARY, "HX-Request"),
        ],
        Html(html),
    )
        .into_response())
}

fn render_error(e: askama::Error) -> AppError {
    AppError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "render",
        format!("the page could not be drawn: {e}"),
    )
}

/// What My work polls: a short hash of what it would show now (a few dozen bytes); the page fetches
/// its sections again only when the hash changes.
pub async fn version(State(st): State<AppState>, Web(web): Web) -> Result<Response, AppError> {
    use askama::Template;
    use sha2::{Digest, Sha256};
    let page = super::manage::my_page(&st, &web).await?;
    let html = page.as_content().render().map_err(render_error)?;
    let h: String = Sha256::digest(html.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "h": h })),
    )
        .into_response())
}
