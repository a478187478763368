//! The case page: customer, protocol checklist with due times, gestures within authority, hand-off, notes, verification, timeline.

use super::session::{Posted, Web};
use super::{Nav, local, money, parse_money, relative_due};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use olive_domain::case::{CloseOutcome, RootCause, VerificationMethod};
use olive_domain::gesture::GestureStatus;
use olive_domain::playbook::Severity;
use olive_domain::wording::Finding;
use olive_storage::StoreError;
use olive_storage::actions::{
    CloseCase, Decision, NewGesture, NewHandoff, NewNote, Reason, StepAction, Verification,
};
use olive_storage::auth::WebSession;
use olive_storage::cases::{CaseEdit, CustomerInput};
use olive_storage::views::{CaseDetail, HandoffStatus, HandoffView};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct StepRow {
    pub id: String,
    pub position: i64,
    pub title: String,
    pub kind: &'static str,
    pub owner_role: String,
    pub pending: bool,
    pub overdue: bool,
    pub soon: bool,
    pub due_text: String,
    pub done_text: String,
    pub wording: String,
    pub skip_error: Option<String>,
}

pub struct GestureRow {
    pub id: String,
    pub kind_name: String,
    pub value_text: String,
    pub status: &'static str,
    pub given_by: String,
    pub can_decide: bool,
    pub printable: bool,
    pub is_flowers: bool,
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
    history: Vec<HistoryRow>,
    timeline: Vec<(String, String, String)>,
    /// (when, what) for each follow-up sent to the customer
    follow_ups: Vec<(String, String)>,
    /// why a follow-up cannot be emailed now (no email, opted out, finished)
    follow_up_blocked: Option<String>,
    /// the message a follow-up would carry by default
    follow_up_draft: String,
    escalated: Option<String>,
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

/// Fill a wording's placeholders (see `olive_domain::followup::personalise`).
pub fn personalise(text: &str, customer: &str, business: &str, staff: &str) -> String {
    olive_domain::followup::personalise(
        text,
        &olive_domain::followup::Personal {
            customer,
            business,
            staff,
        },
    )
}

fn status_text(s: &str, outcome: Option<CloseOutcome>) -> String {
    match (s, outcome) {
        ("closed", Some(CloseOutcome::Recovered)) => "closed · recovered".into(),
        ("closed", Some(CloseOutcome::NotRecovered)) => "closed · not recovered".into(),
        (s, _) => s.replace('_', " "),
    }
}

fn event_text(e: &olive_storage::views::TimelineEntry) -> (String, String) {
    let d = &e.data;
    let s = |k: &str| {
        d.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let ev = serde_json::to_value(e.event)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let detail = match ev.as_str() {
        "step_completed" | "step_skipped" => format!(
            "{}{}",
            s("title"),
            if s("reason").is_empty() {
                String::new()
            } else {
                format!(" — {}", s("reason"))
            }
        ),
        "gesture_given" | "gesture_requested" | "gesture_approved" | "gesture_declined"
        | "gesture_sent" | "gesture_delivered" => {
            format!(
                "{} ({})",
                s("kind"),
                olive_domain::money::Cents(
                    d.get("value_cents").and_then(|v| v.as_i64()).unwrap_or(0)
                )
            )
        }
        "handoff_proposed" | "handoff_declined" | "reopened" | "cancelled" => s("reason"),
        "verified" => format!("“{}”", s("customer_said")),
        "closed" if s("root_cause").is_empty() => {
            format!(
                "{} · by the customer's answer",
                s("outcome").replace('_', " ")
            )
        }
        "closed" => format!(
            "{} · root cause {}",
            s("outcome").replace('_', " "),
            s("root_cause").replace('_', " ")
        ),
        "escalated" => format!("“{}” stayed overdue; the managers were told", s("step")),
        "follow_up_sent" => format!("by email: “{}”", s("message")),
        "follow_up_answered" => {
            let rating = d.get("rating").and_then(|v| v.as_i64()).unwrap_or(0);
            let back = d.get("would_return").and_then(|v| v.as_bool()) == Some(true);
            let comment = s("comment");
            format!(
                "{rating} of 5, {}{}",
                if back {
                    "would come back"
                } else {
                    "would not come back"
                },
                if comment.is_empty() {
                    String::new()
                } else {
                    format!(" — “{comment}”")
                }
            )
        }
        "follow_up_unanswered" => s("step"),
        "opted_out" => "the customer asked not to be contacted again".into(),
        "redacted" => format!("the customer's personal data was erased — {}", s("reason")),
        "note" => s("text"),
        "status_changed" => format!(
            "{} → {}",
            s("from").replace('_', " "),
            s("to").replace('_', " ")
        ),
        "edited" => d
            .get("changes")
            .and_then(|c| c.as_object())
            .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default(),
        _ => String::new(),
    };
    (ev.replace('_', " "), detail)
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
    let steps = c
        .steps
        .iter()
        .map(|s| {
            let due: Timestamp = s.due_at.parse().unwrap_or(now);
            let (due_text, overdue, soon) = relative_due(due, now, &tz);
            let pending = s.status == olive_domain::case::StepStatus::Pending;
            StepRow {
                skip_error: errors.get(&format!("skip:{}", s.id)).cloned(),
                id: s.id.clone(),
                position: s.position,
                title: s.title.clone(),
                kind: s.kind.as_str(),
                owner_role: s.owner_role.as_str().replace('_', " "),
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
                wording: personalise(
                    &s.wording,
                    &c.summary.customer.name,
                    &loc.name,
                    &web.actor.name,
                ),
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
                can_decide: g.status == GestureStatus::PendingApproval
                    && can_approve
                    && (g.given_by.id != web.actor.staff_id || web.actor.is_admin),
                printable: g.status != GestureStatus::Declined
                    && g.status != GestureStatus::PendingApproval,
                is_flowers: g.kind.contains("flower"),
            }
        })
        .collect();
    let remaining_text = match c.my_remaining_authority_cents {
        None => "You can give any gesture on this case without asking anyone.".to_string(),
        Some(0) => "You have used your authority on this case today; a bigger gesture goes to a manager for approval.".to_string(),
        Some(r) => format!("You can give up to {} on this case without asking anyone.", money(r, &c.currency)),
    };
    let people = st.store.list_staff(&web.actor).await?;
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
                    "waiting for the customer's answer (link valid until {})",
                    local(&f.expires_at, &tz)
                ),
            };
            (local(&f.sent_at, &tz), what)
        })
        .collect();
    let follow_up_blocked = if !c.summary.status.is_active() {
        Some("The case is finished.".to_string())
    } else if c.customer_opted_out {
        Some("The customer asked not to be contacted again: verify in person, or by a call they expect.".to_string())
    } else if c.summary.customer.email.is_none() {
        Some("Add the customer's email (Customer, above) to send a follow-up.".to_string())
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
    let severity = c.summary.severity.as_str();
    Ok(CasePage {
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
        gesture_kinds: playbook
            .gestures
            .iter()
            .map(|g| {
                (
                    g.code.clone(),
                    g.name.clone(),
                    money(g.typical_value_cents.0, &c.currency),
                )
            })
            .collect(),
        currency: c.currency.clone(),
        remaining_text,
        handoffs,
        offered_to_me,
        can_hand_off: c.summary.owner.id == web.actor.staff_id || can_approve,
        colleagues,
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
        q.done.map(|d| d.chars().take(120).collect())
    };
    render(&st, &web, &key, BTreeMap::new(), BTreeMap::new(), flash).await
}

/// After an action: back to the case page; on a validation error: the page again with the message next to the field.
async fn finish(
    st: &AppState,
    web: &WebSession,
    key: &str,
    res: Result<String, StoreError>,
    form: &str,
    values: BTreeMap<String, String>,
) -> Result<Response, AppError> {
    match res {
        Ok(flash) => {
            Ok(Redirect::to(&format!("/cases/{key}?done={}", urlencode(&flash))).into_response())
        }
        Err(StoreError::Validation { fields, message }) => {
            // A form with one box (skip, reopen, decline, edit) shows its message under that form;
            // the others show each message under its field.
            let mut errors: BTreeMap<String, String> = if form == "_" {
                fields
                    .iter()
                    .map(|(k, v)| (k.replace("value_cents", "value"), capital(v)))
                    .collect()
            } else {
                BTreeMap::new()
            };
            if errors.is_empty() {
                let text = if form == "_" {
                    message
                } else {
                    fields.into_values().next().unwrap_or(message)
                };
                errors.insert(form.to_string(), capital(&text));
            }
            let page = render(st, web, key, errors, values, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e @ (StoreError::Conflict { .. } | StoreError::Forbidden(_))) => {
            let status = if matches!(e, StoreError::Forbidden(_)) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::CONFLICT
            };
            let errors =
                BTreeMap::from([
                    (
                        if matches!(form, "close" | "reopen" | "decline")
                            || form.starts_with("skip:")
                        {
                            form
                        } else {
                            "_"
                        }
                        .to_string(),
                        capital(&e.to_string()),
                    ),
                ]);
            let page = render(st, web, key, errors, values, None).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn capital(m: &str) -> String {
    let mut c = m.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

type Fields = BTreeMap<String, String>;

fn opt(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Case-level actions: edit, gestures, handoffs, notes, verify, close, reopen, cancel.
pub async fn act(
    State(st): State<AppState>,
    Path((key, action)): Path<(String, String)>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let (web, f) = (p.web, p.form);
    let a = &web.actor;
    let now = st.now();
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let s = &st.store;
    let res: Result<String, StoreError> = match action.as_str() {
        "edit" => {
            let edit = CaseEdit {
                description: Some(get("description")),
                customer: Some(CustomerInput {
                    name: get("customer_name"),
                    phone: opt(f.get("customer_phone")),
                    email: opt(f.get("customer_email")),
                    address: opt(f.get("customer_address")),
                }),
                severity: Severity::parse(&get("severity")),
            };
            s.edit_case(a, &key, edit, now)
                .await
                .map(|_| "Details saved.".into())
                .map_err(|e| flatten(e, "edit"))
        }
        "gestures" => match parse_money(&get("value")) {
            None => Err(StoreError::field(
                "value",
                "enter an amount like 10 or 10.50",
            )),
            Some(cents) => s
                .give_gesture(
                    a,
                    &key,
                    NewGesture {
                        kind: get("kind"),
                        value_cents: cents,
                        note: get("note"),
                    },
                    f.get("submission")
                        .filter(|v| !v.is_empty())
                        .map(|v| format!("web-{v}"))
                        .as_deref(),
                    now,
                )
                .await
                .map(|(c, gid, _)| {
                    match c.gestures.iter().find(|g| g.id == gid).map(|g| g.status) {
                        Some(GestureStatus::PendingApproval) => {
                            "Sent to a manager for approval — they see it now.".into()
                        }
                        _ => "Gesture approved — it's within your authority.".into(),
                    }
                }),
        },
        "handoffs" => s
            .propose_handoff(
                a,
                &key,
                NewHandoff {
                    to: get("to"),
                    reason: get("reason"),
                },
                now,
            )
            .await
            .map(|_| "Hand-off proposed. The case stays with you until it is accepted.".into()),
        "notes" => s
            .add_note(
                a,
                &key,
                NewNote {
                    text: get("text"),
                    customer_facing: f.contains_key("customer_facing"),
                },
                now,
            )
            .await
            .map(|(_, findings)| {
                if findings.is_empty() {
                    "Note added.".into()
                } else {
                    format!(
                        "Note added — the wording check flagged “{}”.",
                        findings[0].excerpt
                    )
                }
            }),
        "verify" => {
            let method = match get("method").as_str() {
                "in_person" => VerificationMethod::InPerson,
                "customer_answer" => VerificationMethod::CustomerAnswer,
                _ => VerificationMethod::Phone,
            };
            s.verify(
                a,
                &key,
                Verification {
                    method,
                    customer_said: get("customer_said"),
                    satisfied: f.contains_key("satisfied"),
                },
                now,
            )
            .await
            .map(|_| "Verification recorded.".into())
        }
        "close" => {
            let outcome = if get("outcome") == "not_recovered" {
                CloseOutcome::NotRecovered
            } else {
                CloseOutcome::Recovered
            };
            let root_cause =
                serde_json::from_value::<RootCause>(serde_json::Value::String(get("root_cause")))
                    .unwrap_or(RootCause::Process);
            s.close(
                a,
                &key,
                CloseCase {
                    outcome,
                    root_cause,
                    prevention_note: opt(f.get("prevention_note")),
                },
                now,
            )
            .await
            .map(|_| "Case closed.".into())
        }
        "erase" => s
            .erase_case(
                a,
                &key,
                olive_storage::privacy::EraseRequest {
                    reason: get("reason"),
                },
                now,
            )
            .await
            .map(|_| "The customer's personal data was erased from this case.".into()),
        "follow-up" => s
            .send_followup(
                a,
                &key,
                olive_storage::followup::SendFollowUp {
                    message: opt(f.get("message")),
                },
                now,
            )
            .await
            .map(|_| "Follow-up queued: the customer gets an email with a link to answer.".into()),
        "reopen" => s
            .reopen(
                a,
                &key,
                Reason {
                    reason: get("reason"),
                },
                now,
            )
            .await
            .map(|_| "Case reopened.".into()),
        "cancel" => s
            .cancel(
                a,
                &key,
                Reason {
                    reason: get("reason"),
                },
                now,
            )
            .await
            .map(|_| "Case cancelled.".into()),
        _ => return Err(AppError::not_found("action")),
    };
    let form = match action.as_str() {
        "close" => "close",
        "edit" => "edit",
        "reopen" | "cancel" => "reopen",
        "follow-up" => "follow-up",
        "erase" => "erase",
        _ => "_",
    };
    finish(&st, &web, &key, res, form, f).await
}

/// Edit errors belong to the edit form as a whole.
fn flatten(e: StoreError, form: &str) -> StoreError {
    match e {
        StoreError::Validation { message, .. } => StoreError::Validation {
            fields: BTreeMap::from([(form.to_string(), message.clone())]),
            message,
        },
        other => other,
    }
}

pub async fn step(
    State(st): State<AppState>,
    Path((key, id, action)): Path<(String, String, String)>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let skip = match action.as_str() {
        "complete" => false,
        "skip" => true,
        _ => return Err(AppError::not_found("action")),
    };
    let a = StepAction {
        reason: p.form.get("reason").cloned(),
        note: p.form.get("note").cloned(),
    };
    let res = st
        .store
        .step_action(&p.web.actor, &key, &id, skip, a, st.now())
        .await
        .map(|_| if skip { "Step skipped." } else { "Step done." }.to_string());
    let form = if skip {
        format!("skip:{id}")
    } else {
        "_".to_string()
    };
    finish(&st, &p.web, &key, res, &form, p.form).await
}

pub async fn gesture(
    State(st): State<AppState>,
    Path((key, id, action)): Path<(String, String, String)>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let to = match action.as_str() {
        "approve" => GestureStatus::Approved,
        "decline" => GestureStatus::Declined,
        "sent" => GestureStatus::Sent,
        "delivered" => GestureStatus::Delivered,
        _ => return Err(AppError::not_found("action")),
    };
    let res = st
        .store
        .gesture_action(
            &p.web.actor,
            &key,
            &id,
            to,
            Decision {
                note: p.form.get("note").cloned(),
            },
            st.now(),
        )
        .await
        .map(|_| format!("Gesture {}.", to.as_str().replace('_', " ")));
    finish(&st, &p.web, &key, res, "_", p.form).await
}

pub async fn handoff(
    State(st): State<AppState>,
    Path((key, id, action)): Path<(String, String, String)>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let accept = match action.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::not_found("action")),
    };
    let r = Reason {
        reason: p.form.get("reason").cloned().unwrap_or_default(),
    };
    let res = st
        .store
        .answer_handoff(&p.web.actor, &key, &id, accept, r, st.now())
        .await
        .map(|_| {
            if accept {
                "The case is yours now."
            } else {
                "Hand-off declined."
            }
            .to_string()
        });
    finish(
        &st,
        &p.web,
        &key,
        res,
        if accept { "_" } else { "decline" },
        p.form,
    )
    .await
}

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
    let first_name = c
        .summary
        .customer
        .name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let staff_first = web
        .actor
        .name
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
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
    findings: Vec<Finding>,
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
        findings: checker.check(&text),
    })
}
