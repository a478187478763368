//! The case page's forms: case-level actions, step, gesture and hand-off answers, and what follows each (redirect or the page with errors).

use super::render;
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::parse_money;
use crate::ui::session::Posted;
use crate::ui::urlencode;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use olive_domain::case::{CloseOutcome, RootCause, VerificationMethod};
use olive_domain::gesture::GestureStatus;
use olive_domain::playbook::Severity;
use olive_domain::wording::capitalise_first;
use olive_storage::StoreError;
use olive_storage::actions::{
    CloseCase, Decision, NewGesture, NewHandoff, NewNote, Reason, StepAction, Verification,
};
use olive_storage::auth::WebSession;
use olive_storage::cases::{CaseEdit, CustomerInput};
use std::collections::BTreeMap;

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
            let mut errors: BTreeMap<String, String> = if form == "_" || form == "edit" {
                fields
                    .iter()
                    .map(|(k, v)| (k.replace("value_cents", "value"), capitalise_first(v)))
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
                errors.insert(form.to_string(), capitalise_first(&text));
            } else if form == "edit" {
                // The details stay open, with the summary on top and each message under its field.
                errors.insert(form.to_string(), capitalise_first(&message));
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
            let errors = BTreeMap::from([(
                if matches!(form, "close" | "reopen" | "decline")
                    || form.starts_with("skip:")
                    || form.starts_with("step:")
                {
                    form
                } else {
                    "_"
                }
                .to_string(),
                capitalise_first(&e.to_string()),
            )]);
            let page = render(st, web, key, errors, values, None).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
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
                    preferred_name: opt(f.get("preferred_name")),
                    phone: opt(f.get("customer_phone")),
                    email: opt(f.get("customer_email")),
                    address: opt(f.get("customer_address")),
                }),
                severity: Severity::parse(&get("severity")),
                fields: Some(super::words::typed_fields(&f)).filter(|m| !m.is_empty()),
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
                        step_id: opt(f.get("step_id")),
                    },
                    f.get("submission")
                        .filter(|v| !v.is_empty())
                        .map(|v| format!("web-{v}"))
                        .as_deref(),
                    now,
                )
                .await
                .map(|(c, gid, _)| {
                    let g = c.gestures.iter().find(|g| g.id == gid);
                    match g.map(|g| (g.status, g.pending_reason.clone())) {
                        Some((GestureStatus::PendingApproval, why)) => format!(
                            "{} They see it now.",
                            why.unwrap_or_else(|| "Sent to a manager for approval.".into())
                        ),
                        _ if f.contains_key("step_id") => {
                            "Gesture recorded and the step is done — it's within your authority."
                                .into()
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
    let step_form = opt(f.get("step_id")).map(|id| format!("step:{id}"));
    let form = match action.as_str() {
        "close" => "close",
        "edit" => "edit",
        "reopen" | "cancel" => "reopen",
        "follow-up" => "follow-up",
        "erase" => "erase",
        "gestures" => step_form.as_deref().unwrap_or("_"),
        _ => "_",
    };
    finish(&st, &web, &key, res, form, f).await
}

/// Edit errors belong to the edit form as a whole.
fn flatten(e: StoreError, form: &str) -> StoreError {
    match e {
        // The form's message, and each field's beside its input.
        StoreError::Validation {
            message,
            mut fields,
        } => {
            fields.insert(form.to_string(), message.clone());
            StoreError::Validation { fields, message }
        }
        other => other,
    }
}

pub async fn step(
    State(st): State<AppState>,
    Path((key, id, action)): Path<(String, String, String)>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let (web, now) = (&p.web, st.now());
    let skip = match action.as_str() {
        "complete" => false,
        "skip" => true,
        // Taking a step, or a manager giving it to someone: not a hand-off.
        "claim" | "assign" => {
            let res = if action == "claim" {
                st.store.claim_step(&web.actor, &key, &id, now).await
            } else {
                let to = p.form.get("staff_id").map(String::as_str);
                st.store.assign_step(&web.actor, &key, &id, to, now).await
            };
            let res = res.map(|d| {
                let step = d.steps.iter().find(|s| s.id == id);
                match step.and_then(|s| s.assignee.as_ref()) {
                    Some(a) if a.id == web.actor.staff_id => "The step is yours.".to_string(),
                    Some(a) => format!("The step is {}'s.", a.name),
                    None => "The step is back in the queue.".to_string(),
                }
            });
            return finish(&st, web, &key, res, &format!("step:{id}"), p.form.clone()).await;
        }
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
        format!("step:{id}")
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
                address: p.form.get("address").cloned(),
            },
            st.now(),
        )
        .await
        .map(|_| format!("Gesture {}.", to.as_str().replace('_', " ")));
    // A decline without its reason: the message goes beside that gesture's reason box.
    let form = if to == GestureStatus::Declined {
        format!("gdecline:{id}")
    } else {
        "_".to_string()
    };
    finish(&st, &p.web, &key, res, &form, p.form).await
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
