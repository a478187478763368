//! The case page's rows, one function per section: the protocol's steps, the gestures, the hand-offs,
//! the timeline and the follow-ups, each in the business's words (labels, never codes).

use super::assign;
use super::gesture_forms;
use super::timeline::event_text;
use super::words;
use crate::ui::{local, money, relative_due};
use jiff::Timestamp;
use olive_domain::case::StepStatus;
use olive_domain::gesture::GestureStatus;
use olive_domain::playbook::{Playbook, StepKind};
use olive_storage::Actor;
use olive_storage::views::{CaseDetail, HandoffStatus, StaffView};
use std::collections::BTreeMap;

pub struct StepRow {
    pub id: String,
    pub position: i64,
    pub title: String,
    /// what kind of step it is, in words ("Put it right")
    pub kind: String,
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
    /// the first step still to do that this person can tick: focus lands on its button after a step
    pub next: bool,
}

pub struct GestureRow {
    pub id: String,
    pub kind_name: String,
    pub value_text: String,
    /// "Waiting for approval", "Approved"
    pub status: &'static str,
    /// for the colour: the status's code as a CSS class only
    pub status_class: &'static str,
    pub approved: bool,
    pub sent: bool,
    /// who asked or gave, who decided, when and why, escalation (issue 19)
    pub story: crate::ui::decisions::GestureStory,
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

/// A step's kind in words.
pub fn kind_label(k: StepKind, noun: &str) -> String {
    match k {
        StepKind::Acknowledge => "Acknowledge".into(),
        StepKind::Fix => "Put it right".into(),
        StepKind::Gesture => "Gesture".into(),
        StepKind::FollowUp => "Follow up".into(),
        StepKind::Verify => format!("Check with the {noun}"),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn step_rows(
    c: &CaseDetail,
    playbook: &Playbook,
    actor: &Actor,
    location_id: &str,
    people: &[StaffView],
    can_approve: bool,
    errors: &BTreeMap<String, String>,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> Vec<StepRow> {
    let active = c.summary.status.is_active();
    let mut rows: Vec<StepRow> = c
        .steps
        .iter()
        .map(|s| {
            let due: Timestamp = s.due_at.parse().unwrap_or(now);
            let (due_text, overdue, soon) = relative_due(due, now, tz);
            let pending = s.status == StepStatus::Pending;
            StepRow {
                skip_error: errors.get(&format!("skip:{}", s.id)).cloned(),
                step_error: errors.get(&format!("step:{}", s.id)).cloned(),
                gesture: gesture_forms::step_gesture(s, playbook),
                id: s.id.clone(),
                position: s.position,
                title: s.title.clone(),
                kind: kind_label(s.kind, &c.customer_noun),
                owner_role: s.owner_label.clone(),
                who: assign::step_who(s, actor, location_id, people, can_approve && pending),
                pending,
                overdue: overdue && active,
                soon,
                due_text,
                done_text: format!(
                    "{} by {} · {}{}",
                    s.status.label().to_lowercase(),
                    s.done_by.as_ref().map(|p| p.name.as_str()).unwrap_or("—"),
                    s.done_at
                        .as_deref()
                        .map(|t| local(t, tz))
                        .unwrap_or_default(),
                    s.skip_reason
                        .as_ref()
                        .map(|r| format!(" — {r}"))
                        .unwrap_or_default()
                ),
                say: s.say.as_ref().map(words::Script::from_view),
                write: s.write.as_ref().map(words::Script::from_view),
                next: false,
            }
        })
        .collect();
    if active
        && let Some(n) = rows
            .iter_mut()
            .find(|r| r.pending && r.who.can_do && r.gesture.is_none())
    {
        n.next = true;
    }
    rows
}

pub fn gesture_rows(
    c: &CaseDetail,
    playbook: &Playbook,
    actor: &Actor,
    can_approve: bool,
    errors: &BTreeMap<String, String>,
    tz: &jiff::tz::TimeZone,
) -> Vec<GestureRow> {
    c.gestures
        .iter()
        .map(|g| {
            let kind = playbook.gesture(&g.kind);
            GestureRow {
                id: g.id.clone(),
                kind_name: kind.map_or_else(|| g.kind.clone(), |k| k.name.clone()),
                value_text: money(g.value_cents, &g.currency),
                status: g.status.label(),
                status_class: g.status.as_str(),
                approved: g.status == GestureStatus::Approved,
                sent: g.status == GestureStatus::Sent,
                story: crate::ui::decisions::story(g, tz),
                decline_error: errors.get(&format!("gdecline:{}", g.id)).cloned(),
                can_decide: g.status == GestureStatus::PendingApproval
                    && can_approve
                    && actor.role_at(&c.summary.location_id).is_some_and(|r| {
                        olive_domain::authority::may_decide(r, g.given_by.id == actor.staff_id)
                            .is_ok()
                    }),
                printable: g.status != GestureStatus::Declined
                    && g.status != GestureStatus::PendingApproval,
                is_flowers: g.kind.contains("flower"),
                asks_address: gesture_forms::asks_address(c, &g.kind, g.status, playbook),
                pending_reason: g.pending_reason.clone(),
            }
        })
        .collect()
}

/// One line per hand-off, in words.
pub fn handoff_lines(c: &CaseDetail) -> Vec<String> {
    c.handoffs
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
        .collect()
}

/// The timeline, newest first: (when · who, what, detail).
pub fn timeline_rows(c: &CaseDetail, tz: &jiff::tz::TimeZone) -> Vec<(String, String, String)> {
    c.timeline
        .iter()
        .rev()
        .map(|e| {
            let (what, detail) = event_text(e);
            (
                format!(
                    "{} · {}",
                    local(&e.at, tz),
                    e.actor.as_ref().map(|a| a.name.clone()).unwrap_or_default()
                ),
                what,
                detail,
            )
        })
        .collect()
}

/// (when, what) for each follow-up sent to the customer.
pub fn follow_up_rows(c: &CaseDetail, tz: &jiff::tz::TimeZone) -> Vec<(String, String)> {
    c.follow_ups
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
                    local(&f.expires_at, tz)
                ),
            };
            (local(&f.sent_at, tz), what)
        })
        .collect()
}

/// Why a follow-up cannot be emailed now (finished, opted out, no email).
pub fn follow_up_blocked(c: &CaseDetail) -> Option<String> {
    use olive_domain::followup::{Blocked, blocked};
    let why = blocked(
        c.summary.status.is_active(),
        c.customer_opted_out,
        c.summary.customer.email.is_some(),
    )?;
    Some(match why {
        Blocked::Finished => "The case is finished.".to_string(),
        Blocked::OptedOut => format!(
            "The {} asked not to be contacted again: verify in person, or by a call they expect.",
            c.customer_noun
        ),
        Blocked::NoEmail => format!(
            "Add the {}'s email (Edit details, above) to send a follow-up.",
            c.customer_noun
        ),
    })
}

/// The gesture form's card message: the protocol's written words for the gesture step (else the first
/// written words that are not the follow-up's), rendered for the case with its blanks left as they are.
pub fn card_message(c: &CaseDetail) -> String {
    let write = |s: &&olive_storage::views::StepView| s.write.is_some();
    c.steps
        .iter()
        .filter(write)
        .find(|s| s.kind == StepKind::Gesture)
        .or_else(|| {
            c.steps
                .iter()
                .filter(write)
                .find(|s| !matches!(s.kind, StepKind::Verify | StepKind::FollowUp))
        })
        .and_then(|s| s.write.as_ref())
        .map(|w| w.text.clone())
        .unwrap_or_default()
}
