//! The case page: customer, protocol checklist with due times, gestures within authority, hand-off, notes, verification, timeline.

mod actions;
mod assign;
mod gesture_forms;
mod print;
mod timeline;
mod wording;
pub(crate) mod words;

pub use actions::{act, gesture, handoff, step};
pub use print::{PrintPage, print};
pub use wording::{FindingsFragment, WordingForm, wording};

use super::session::Web;
use super::{Nav, local, money, relative_due};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use jiff::Timestamp;
use olive_domain::gesture::GestureStatus;
use olive_domain::playbook::Severity;
use olive_storage::auth::WebSession;
use olive_storage::views::{CaseDetail, HandoffStatus, HandoffView};
use serde::Deserialize;
use std::collections::BTreeMap;
use timeline::{event_text, status_text};

pub struct StepRow {
    pub id: String,
    pub position: i64,
    pub title: String,
    pub kind: &'static str,
    /// whom the step is for ("Dentist"), and whose it is now
    pub owner_role: String,
    pub who: assign::StepWho,
    pub pending: bool,
    pub overdue: bool,
    pub soon: bool,
    pub due_text: String,
    pub done_text: String,
    /// what to say to the customer, rendered for this case
    pub say: Option<words::Script>,
    /// what reaches them in writing (a card, the follow-up)
    pub write: Option<words::Script>,
    pub skip_error: Option<String>,
    /// the message beside the step after a refused action on it (recording its gesture, ticking it)
    pub step_error: Option<String>,
    /// on a pending gesture step: the form that records its gesture
    pub gesture: Option<gesture_forms::StepGesture>,
}

pub struct GestureRow {
    pub id: String,
    pub kind_name: String,
    pub value_text: String,
    pub status: &'static str,
    pub given_by: String,
    /// who asked or gave, who decided, when and why, escalation (issue 19)
    pub story: super::decisions::GestureStory,
    /// why the last decline of this gesture was refused (no reason given)
    pub decline_error: Option<String>,
    pub can_decide: bool,
    pub printable: bool,
    pub is_flowers: bool,
    /// marking it sent asks for the delivery address first (the case has none)
    pub asks_address: bool,
    /// while it waits for a manager: the limit that sent it there
    pub pending_reason: Option<String>,
}

pub struct HistoryRow {
    pub reference: String,
    pub defect: olive_storage::views::DefectRef,
    pub status_text: String,
    pub when: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "case.html")]
pub struct CasePage {
    nav: Nav,
    key: String,
    c: CaseDetail,
    status: &'static str,
    status_text: String,
    severity: &'static str,
    severity_options: Vec<(&'static str, bool)>,
    location_name: String,
    stage_name: String,
    active: bool,
    steps: Vec<StepRow>,
    gestures: Vec<GestureRow>,
    gesture_kinds: Vec<(String, String, String)>,
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
}

pub async fn render(
    st: &AppState,
    web: &WebSession,
    key: &str,
    errors: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    flash: Option<String>,
) -> Result<CasePage, AppError> {
    let now = st.now();
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
    let status = c.summary.status.as_str();
    let active = c.summary.status.is_active();
    let people = st.store.list_staff(&web.actor).await?;
    let steps = c
        .steps
        .iter()
        .map(|s| {
            let due: Timestamp = s.due_at.parse().unwrap_or(now);
            let (due_text, overdue, soon) = relative_due(due, now, &tz);
            let pending = s.status == olive_domain::case::StepStatus::Pending;
            StepRow {
                skip_error: errors.get(&format!("skip:{}", s.id)).cloned(),
                step_error: errors.get(&format!("step:{}", s.id)).cloned(),
                gesture: gesture_forms::step_gesture(s, &playbook),
                id: s.id.clone(),
                position: s.position,
                title: s.title.clone(),
                kind: s.kind.as_str(),
                owner_role: s.owner_label.clone(),
                who: assign::step_who(s, &web.actor, &loc.id, &people, can_approve && pending),
                pending,
                overdue: overdue && active,
                soon,
                due_text,
                done_text: format!(
                    "{} by {} · {}{}",
                    s.status.as_str(),
                    s.done_by.as_ref().map(|p| p.name.as_str()).unwrap_or("—"),
                    s.done_at
                        .as_deref()
                        .map(|t| local(t, &tz))
                        .unwrap_or_default(),
                    s.skip_reason
                        .as_ref()
                        .map(|r| format!(" — {r}"))
                        .unwrap_or_default()
                ),
                say: s.say.as_ref().map(words::Script::from_view),
                write: s.write.as_ref().map(words::Script::from_view),
            }
        })
        .collect();
    let gestures = c
        .gestures
        .iter()
        .map(|g| {
            let kind = playbook.gesture(&g.kind);
            GestureRow {
                id: g.id.clone(),
                kind_name: kind.map_or_else(|| g.kind.clone(), |k| k.name.clone()),
                value_text: money(g.value_cents, &g.currency),
                status: g.status.as_str(),
                given_by: g.given_by.name.clone(),
                story: super::decisions::story(g, &tz),
                decline_error: errors.get(&format!("gdecline:{}", g.id)).cloned(),
                can_decide: g.status == GestureStatus::PendingApproval
                    && can_approve
                    && (g.given_by.id != web.actor.staff_id || web.actor.is_admin),
                printable: g.status != GestureStatus::Declined
                    && g.status != GestureStatus::PendingApproval,
                is_flowers: g.kind.contains("flower"),
                asks_address: gesture_forms::asks_address(&c, &g.kind, g.status, &playbook),
                pending_reason: g.pending_reason.clone(),
            }
        })
        .collect();
    let remaining_text = gesture_forms::remaining_text(&c);
    let name_of = |id: &str| {
        people
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
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
    let handoffs = c
        .handoffs
        .iter()
        .map(|h| match h.status {
            HandoffStatus::Proposed => format!(
                "Waiting for {} to accept (from {}): “{}”. Until then the case stays with {}.",
                h.to.name, h.from.name, h.reason, c.summary.owner.name
            ),
            HandoffStatus::Accepted => {
                format!("{} → {} (accepted): “{}”", h.from.name, h.to.name, h.reason)
            }
            HandoffStatus::Declined => format!(
                "{} declined it: “{}”",
                h.to.name,
                h.decline_reason.clone().unwrap_or_default()
            ),
        })
        .collect();
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
            status_text: status_text(h.status.as_str(), h.outcome),
            when: local(&h.created_at, &tz),
            reference: h.reference,
            defect: h.defect,
        })
        .collect();
    let timeline = c
        .timeline
        .iter()
        .rev()
        .map(|e| {
            let (what, detail) = event_text(e);
            (
                format!(
                    "{} · {}",
                    local(&e.at, &tz),
                    e.actor
                        .as_ref()
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| name_of(""))
                ),
                what,
                detail,
            )
        })
        .collect();
    let follow_ups = c
        .follow_ups
        .iter()
        .map(|f| {
            let what = match f.state.as_str() {
                "answered" => format!(
                    "answered: {} of 5, {}",
                    f.rating.unwrap_or(0),
                    if f.would_return == Some(true) {
                        "would come back"
                    } else {
                        "would not come back"
                    }
                ),
                "unanswered" => "no answer in time: call to verify".to_string(),
                "expired" => "the link expired without an answer".to_string(),
                _ => format!(
                    "waiting for the {}'s answer (link valid until {})",
                    c.customer_noun,
                    local(&f.expires_at, &tz)
                ),
            };
            (local(&f.sent_at, &tz), what)
        })
        .collect();
    let follow_up_blocked = if !c.summary.status.is_active() {
        Some("The case is finished.".to_string())
    } else if c.customer_opted_out {
        Some(format!(
            "The {} asked not to be contacted again: verify in person, or by a call they expect.",
            c.customer_noun
        ))
    } else if c.summary.customer.email.is_none() {
        Some(format!(
            "Add the {}'s email ({}, above) to send a follow-up.",
            c.customer_noun,
            olive_domain::wording::capitalise_first(&c.customer_noun)
        ))
    } else {
        None
    };
    let follow_up_draft = if follow_up_blocked.is_none() {
        st.store
            .followup_draft(&web.actor, key)
            .await
            .unwrap_or_default()
    } else {
        String::new()
    };
    let escalated = c.summary.escalated_at.as_deref().map(|e| local(e, &tz));
    let answer_banner = answer_banner(&c);
    let prevention = st
        .store
        .prevention_of_case(&web.actor, &c.summary.id)
        .await?
        .map(|a| prevention_line(&a));
    let severity = c.summary.severity.as_str();
    Ok(CasePage {
        answer_banner,
        prevention,
        follow_ups,
        follow_up_blocked,
        follow_up_draft,
        escalated,
        nav: Nav::new(web, "cases"),
        key: c.summary.reference.clone(),
        status,
        status_text: status_text(status, c.summary.outcome),
        severity,
        severity_options: [Severity::Minor, Severity::Major, Severity::Critical]
            .iter()
            .map(|s| (s.as_str(), s.as_str() == severity))
            .collect(),
        location_name: loc.name.clone(),
        stage_name: playbook
            .stage(&c.summary.stage)
            .map_or_else(|| c.summary.stage.clone(), |s| s.name.clone()),
        active,
        steps,
        gestures,
        gesture_kinds: gesture_forms::kinds(&playbook, &c.currency),
        currency: c.currency.clone(),
        remaining_text,
        handoffs,
        offered_to_me,
        can_hand_off: c.summary.owner.id == web.actor.staff_id || can_approve,
        colleagues,
        noun,
        noun_lower,
        fields,
        history,
        timeline,
        errors,
        values,
        flash,
        submission: uuid::Uuid::now_v7().to_string(),
        c,
    })
}

#[derive(Deserialize)]
pub struct PageQuery {
    logged: Option<String>,
    done: Option<String>,
}

pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Path(key): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<CasePage, AppError> {
    let flash = if q.logged.is_some() {
        Some(
            "Logged. This case is yours until you hand it off — follow the steps below."
                .to_string(),
        )
    } else {
        q.done.map(|d| d.chars().take(200).collect())
    };
    render(&st, &web, &key, BTreeMap::new(), BTreeMap::new(), flash).await
}

/// What staff must see first: the customer's latest answer when it was poor, and whether they asked
/// not to be contacted again.
/// Where the process fix for this case's defect stands, and the link to it on the Prevention page.
fn prevention_line(a: &olive_storage::prevention::PreventionSummary) -> (String, String) {
    use olive_domain::prevention::PreventionStatus;
    let state = match a.status {
        PreventionStatus::Open => "open",
        PreventionStatus::InProgress => "in progress",
        PreventionStatus::Done => "done",
    };
    let owner = a.owner.as_ref().map_or_else(
        || "nobody owns it yet".to_string(),
        |o| format!("owner {}", o.name),
    );
    let due = a
        .due_on
        .as_deref()
        .map(|d| format!(", due {d}"))
        .unwrap_or_default();
    let n = a.cases;
    let text = format!(
        "Fixing the process behind this defect is a prevention action of its own ({state}: {owner}{due}; {n} case{} so far). Closing this case does not wait for it.",
        if n == 1 { "" } else { "s" }
    );
    let link = format!("/prevention?status=all#pa-{}", a.id);
    (link, text)
}

fn answer_banner(c: &olive_storage::views::CaseDetail) -> Option<String> {
    let poor = c
        .follow_ups
        .iter()
        .rev()
        .find(|f| f.state == "answered")
        .and_then(|f| {
            let rating = u8::try_from(f.rating?).ok()?;
            let comment = f.comment.clone().unwrap_or_default();
            let answer =
                olive_domain::followup::Answer::new(rating, f.would_return?, &comment).ok()?;
            (!answer.is_recovered()).then(|| {
                let mut s = format!(
                    "The customer answered {rating} of 5{}",
                    if answer.would_return {
                        ""
                    } else {
                        " and would not come back"
                    }
                );
                if !comment.trim().is_empty() {
                    s.push_str(&format!(": \u{201c}{}\u{201d}", comment.trim()));
                }
                s.push('.');
                s
            })
        });
    let opted = c
        .customer_opted_out
        .then_some("They asked not to be contacted again: do not call or email them about this.");
    match (poor, opted) {
        (None, None) => None,
        (Some(p), None) => Some(p),
        (None, Some(o)) => Some(o.to_string()),
        (Some(p), Some(o)) => Some(format!("{p} {o}")),
    }
}
