//! The case page: customer, protocol checklist with due times, gestures within authority, hand-off, notes, verification, timeline.
//!
//! `render` loads the case once; `rows` builds each section's rows; the template draws each section as a
//! partial (`case_*.html`) that an action answers in place (htmx), and that live updates re-fetch.

mod actions;
mod answers;
mod assign;
mod banners;
mod gesture_forms;
mod live;
mod print;
mod rows;
mod timeline;
mod wording;
pub(crate) mod words;

pub use actions::act;
pub use answers::{gesture, handoff, step};
pub use live::{is_hx, page, version};
pub use print::{PrintPage, print};
pub use wording::{FindingsFragment, WordingForm, wording};

use super::{Nav, local};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use olive_domain::playbook::Severity;
use olive_storage::auth::WebSession;
use olive_storage::views::{CaseDetail, HandoffStatus, HandoffView};
use rows::{GestureRow, StepRow};
use std::collections::BTreeMap;
use timeline::status_text;

pub struct HistoryRow {
    pub reference: String,
    pub defect: olive_storage::views::DefectRef,
    pub status_text: String,
    pub when: String,
}

/// The phone's action bar: the next step this person can tick.
pub struct BarStep {
    pub id: String,
    pub position: i64,
    pub title: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "case.html", blocks = ["content"])]
pub struct CasePage {
    nav: Nav,
    key: String,
    c: CaseDetail,
    /// the case's version when the page was drawn: each form carries it (a stale one is refused)
    version: i64,
    /// the section the last action belongs to: its message is said there ("steps", "gestures", …)
    section: String,
    status: &'static str,
    status_text: String,
    severity: &'static str,
    severity_label: &'static str,
    severity_options: Vec<(&'static str, &'static str, bool)>,
    location_name: String,
    stage_name: String,
    active: bool,
    steps: Vec<StepRow>,
    bar: Option<BarStep>,
    gestures: Vec<GestureRow>,
    gesture_kinds: Vec<(String, String, String, String)>,
    /// the gesture form's value, pre-filled with the first gesture's typical value
    gesture_value: String,
    /// the chosen gesture's typical value in words ("typically $60.00")
    gesture_hint: String,
    /// the gesture form's card message, pre-filled from the protocol's written words
    gesture_note: String,
    currency: String,
    remaining_text: String,
    handoffs: Vec<String>,
    offered_to_me: Option<HandoffView>,
    can_hand_off: bool,
    colleagues: Vec<(String, String)>,
    /// the business's word for the customer: as a heading ("Patient") and in a sentence ("patient")
    noun: String,
    noun_lower: String,
    /// the playbook's case fields (the dentist, the table, the appointment time)
    fields: Vec<words::FieldRow>,
    history: Vec<HistoryRow>,
    timeline: Vec<(String, String, String)>,
    /// (when, what) for each follow-up sent to the customer
    follow_ups: Vec<(String, String)>,
    /// why a follow-up cannot be emailed now (no email, opted out, finished)
    follow_up_blocked: Option<String>,
    /// the message a follow-up would carry by default
    follow_up_draft: String,
    escalated: Option<String>,
    /// a poor answer from the customer, or their opt-out, said at the top of the page
    answer_banner: Option<String>,
    /// the prevention action for this case's defect: (link, what it says)
    prevention: Option<(String, String)>,
    errors: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    flash: Option<String>,
    /// a one-off id for the gesture form, so a double tap gives one gesture
    submission: String,
}

impl CasePage {
    fn v(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }
    /// What was typed (after a failed submit), else the stored value.
    fn val(&self, k: &str, stored: &str) -> String {
        self.values
            .get(k)
            .cloned()
            .unwrap_or_else(|| stored.to_string())
    }
    /// The root causes a person may give, in words.
    fn root_causes(&self) -> Vec<(&'static str, String)> {
        vec![
            ("process", "Process".into()),
            ("communication", "Communication".into()),
            ("scheduling", "Scheduling".into()),
            ("product_clinical", "Product / clinical".into()),
            ("third_party", "Third party".into()),
            ("customer_side", format!("{} side", self.noun)),
        ]
    }
}

/// What an action leaves on the page: its section, its message or errors, and what was typed.
#[derive(Default)]
pub struct Outcome {
    pub section: String,
    pub errors: BTreeMap<String, String>,
    pub values: BTreeMap<String, String>,
    pub flash: Option<String>,
}

pub async fn render(
    st: &AppState,
    web: &WebSession,
    key: &str,
    out: Outcome,
) -> Result<CasePage, AppError> {
    let now = st.now();
    // The version first: a change made while the page is read makes its forms stale, never fresher.
    let version = st.store.case_version(&web.actor, key).await?.version;
    let c = st.store.get_case(&web.actor, key, now).await?;
    // Opening the case clears its critical alert from this person's pages.
    st.store
        .clear_case_alerts(&web.actor, &c.summary.id, now)
        .await?;
    let loc = st.store.location(&c.summary.location_id).await?;
    let playbook = st
        .store
        .playbook_at(&loc.playbook_code, loc.playbook_updated_at)
        .await?;
    let tz = loc.tz.clone();
    let can_approve = web
        .actor
        .may(olive_domain::permission::Permission::Approve, &loc.id);
    let Outcome {
        section,
        errors,
        values,
        flash,
    } = out;
    let status = c.summary.status.as_str();
    let active = c.summary.status.is_active();
    let people = st.store.list_staff(&web.actor).await?;
    let steps = rows::step_rows(
        &c,
        &playbook,
        &web.actor,
        &loc.id,
        &people,
        can_approve,
        &errors,
        now,
        &tz,
    );
    let bar = steps.iter().find(|s| s.next).map(|s| BarStep {
        id: s.id.clone(),
        position: s.position,
        title: s.title.clone(),
    });
    let gestures = rows::gesture_rows(&c, &playbook, &web.actor, can_approve, &errors, &tz);
    let remaining_text = gesture_forms::remaining_text(&c);
    let colleagues = people
        .iter()
        .filter(|p| {
            p.active
                && p.id != c.summary.owner.id
                && (p.is_admin || p.locations.iter().any(|l| l.location_id == loc.id))
        })
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let staff_here: Vec<(String, String)> = people
        .iter()
        .filter(|p| p.active && p.locations.iter().any(|l| l.location_id == loc.id))
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    let fields = words::field_rows(&c.case_fields, &staff_here, &tz, &values, &errors);
    let (noun, noun_lower) = words::nouns(&c);
    let offered_to_me = c
        .handoffs
        .iter()
        .find(|h| h.status == HandoffStatus::Proposed && h.to.id == web.actor.staff_id)
        .cloned();
    let history = st
        .store
        .customer_history(&web.actor, key, now)
        .await?
        .into_iter()
        .map(|h| HistoryRow {
            status_text: status_text(h.status, h.outcome),
            when: local(&h.created_at, &tz),
            reference: h.reference,
            defect: h.defect,
        })
        .collect();
    let follow_up_blocked = rows::follow_up_blocked(&c);
    let follow_up_draft = if follow_up_blocked.is_none() {
        st.store
            .followup_draft(&web.actor, key)
            .await
            .unwrap_or_default()
    } else {
        String::new()
    };
    let prevention = st
        .store
        .prevention_of_case(&web.actor, &c.summary.id)
        .await?
        .map(|a| banners::prevention_line(&a));
    let gesture_kinds = gesture_forms::kinds(&playbook, &c.currency);
    // The value box holds the chosen gesture's typical value (what was typed, after a refusal there).
    let typed = |k: &str| {
        (section == "gestures")
            .then(|| values.get(k).cloned())
            .flatten()
    };
    let chosen = typed("kind")
        .or_else(|| gesture_kinds.first().map(|k| k.0.clone()))
        .unwrap_or_default();
    let chosen = gesture_kinds.iter().find(|k| k.0 == chosen);
    let gesture_value =
        typed("value").unwrap_or_else(|| chosen.map(|k| k.3.clone()).unwrap_or_default());
    let gesture_hint = chosen.map(|k| k.2.clone()).unwrap_or_default();
    let gesture_note = typed("note").unwrap_or_else(|| rows::card_message(&c));
    let severity = c.summary.severity;
    Ok(CasePage {
        answer_banner: banners::answer_banner(&c),
        prevention,
        follow_ups: rows::follow_up_rows(&c, &tz),
        follow_up_blocked,
        follow_up_draft,
        escalated: c.summary.escalated_at.as_deref().map(|e| local(e, &tz)),
        nav: Nav::new(web, "cases"),
        key: c.summary.reference.clone(),
        version,
        section,
        status,
        status_text: status_text(c.summary.status, c.summary.outcome),
        severity: severity.as_str(),
        severity_label: severity.label(),
        severity_options: [Severity::Minor, Severity::Major, Severity::Critical]
            .iter()
            .map(|s| (s.as_str(), s.label(), *s == severity))
            .collect(),
        location_name: loc.name.clone(),
        stage_name: playbook
            .stage(&c.summary.stage)
            .map_or_else(|| c.summary.stage.clone(), |s| s.name.clone()),
        active,
        steps,
        bar,
        gestures,
        gesture_kinds,
        gesture_value,
        gesture_hint,
        gesture_note,
        currency: c.currency.clone(),
        remaining_text,
        handoffs: rows::handoff_lines(&c),
        offered_to_me,
        can_hand_off: c.summary.owner.id == web.actor.staff_id || can_approve,
        colleagues,
        noun,
        noun_lower,
        fields,
        history,
        timeline: rows::timeline_rows(&c, &tz),
        errors,
        values,
        flash,
        submission: uuid::Uuid::now_v7().to_string(),
        c,
    })
}
