//! The case page's forms: case-level actions, step, gesture and hand-off answers, and what follows each (redirect or the page with errors).

use super::live::{is_hx, respond};
use super::{Outcome, render};
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::parse_money;
use crate::ui::session::Posted;
use crate::ui::urlencode;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use olive_domain::case::{CloseOutcome, RootCause, VerificationMethod};
use olive_domain::gesture::GestureStatus;
use olive_domain::playbook::Severity;
use olive_domain::wording::capitalise_first;
use olive_storage::StoreError;
use olive_storage::actions::{CloseCase, NewGesture, NewHandoff, NewNote, Reason, Verification};
use olive_storage::auth::WebSession;
use olive_storage::cases::{CaseEdit, CustomerInput};
use std::collections::BTreeMap;

/// How an action was asked: by htmx (answer with the sections) or a plain form (redirect or the page).
pub struct Asked<'a> {
    pub st: &'a AppState,
    pub web: &'a WebSession,
    pub key: &'a str,
    pub hx: bool,
    /// the section the form is in, where its message is said
    pub section: &'a str,
}

/// After an action: its section with the message (htmx), or back to the case page at that section; on a
/// refusal, the message next to the control that caused it, what was typed kept (422, 409, 403).
pub(super) async fn finish(
    a: Asked<'_>,
    res: Result<String, StoreError>,
    form: &str,
    values: BTreeMap<String, String>,
) -> Result<Response, AppError> {
    let Asked {
        st,
        web,
        key,
        hx,
        section,
    } = a;
    let out = |errors, values, flash| Outcome {
        section: section.to_string(),
        errors,
        values,
        flash,
    };
    match res {
        Ok(flash) if !hx => Ok(Redirect::to(&format!(
            "/cases/{key}?done={}&in={section}#case-{section}",
            urlencode(&flash)
        ))
        .into_response()),
        Ok(flash) => {
            let page = render(
                st,
                web,
                key,
                out(BTreeMap::new(), BTreeMap::new(), Some(flash)),
            )
            .await?;
            respond(page, hx, StatusCode::OK)
        }
        Err(StoreError::Conflict { code: "stale", .. }) => {
            // Nothing was written: the section as it is now, and who changed it.
            let last = st
                .store
                .case_version(&web.actor, key)
                .await
                .map(|v| super::live::last_change(&v))
                .unwrap_or_default();
            let text = if last.is_empty() {
                "Someone else changed this case while you were on it. Here it is as it is now — check and try again.".to_string()
            } else {
                format!(
                    "Someone else changed this case while you were on it ({last}). Here it is as it is now — check and try again."
                )
            };
            let at = if matches!(form, "edit" | "close" | "verify") {
                form
            } else {
                "_"
            };
            let errors = BTreeMap::from([(at.to_string(), text)]);
            let page = render(st, web, key, out(errors, BTreeMap::new(), None)).await?;
            let mut res = respond(page, hx, StatusCode::CONFLICT)?;
            res.headers_mut()
                .insert("x-olive-code", HeaderValue::from_static("stale"));
            Ok(res)
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
            let page = render(st, web, key, out(errors, values, None)).await?;
            respond(page, hx, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e @ (StoreError::Conflict { .. } | StoreError::Forbidden(_))) => {
            let status = crate::error::status_of(&e);
            let errors = BTreeMap::from([(
                if matches!(form, "close" | "reopen" | "decline" | "edit" | "verify")
                    || form.starts_with("skip:")
                    || form.starts_with("step:")
                    || form.starts_with("gdecline:")
                {
                    form
                } else {
                    "_"
                }
                .to_string(),
                capitalise_first(&e.to_string()),
            )]);
            let page = render(st, web, key, out(errors, values, None)).await?;
            respond(page, hx, status)
        }
        Err(e) => Err(e.into()),
    }
}

/// The version a form was shown with: none when it carries none; a version that is not a number is
/// stale like any other that is not the case's.
fn version_of(f: &Fields) -> Option<i64> {
    f.get("version")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<i64>().unwrap_or(-1))
}

pub(super) type Fields = BTreeMap<String, String>;

/// A choice posted from a form, read strictly: a value that is not one of the choices is refused with
/// a message beside its field (never quietly taken as some default).
fn choice<T>(
    f: &Fields,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, StoreError> {
    let v = f.get(name).map(|v| v.trim()).unwrap_or_default();
    parse(v).ok_or_else(|| StoreError::field(name, what.to_string()))
}

fn opt(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Case-level actions: edit, gestures, handoffs, notes, verify, close, reopen, cancel.
pub async fn act(
    State(st): State<AppState>,
    Path((key, action)): Path<(String, String)>,
    headers: HeaderMap,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let (web, f) = (p.web, p.form);
    let a = &web.actor;
    let now = st.now();
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let s = &st.store;
    let res: Result<String, StoreError> = match action.as_str() {
        "edit" => match opt(f.get("severity"))
            .map(|v| {
                Severity::parse(&v)
                    .ok_or_else(|| StoreError::field("severity", "choose minor, major or critical"))
            })
            .transpose()
        {
            Err(e) => Err(e),
            Ok(severity) => {
                let edit = CaseEdit {
                    description: Some(get("description")),
                    customer: Some(CustomerInput {
                        name: get("customer_name"),
                        preferred_name: opt(f.get("preferred_name")),
                        phone: opt(f.get("customer_phone")),
                        email: opt(f.get("customer_email")),
                        address: opt(f.get("customer_address")),
                    }),
                    severity,
                    fields: Some(super::words::typed_fields(&f)).filter(|m| !m.is_empty()),
                };
                s.edit_case_at(a, &key, edit, version_of(&f), now)
                    .await
                    .map(|_| "Details saved.".into())
                    .map_err(|e| flatten(e, "edit"))
            }
        },
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
        "verify" => match choice(
            &f,
            "method",
            VerificationMethod::parse,
            "say how you checked: in person, by phone or from the customer's answer",
        ) {
            Err(e) => Err(e),
            Ok(method) => s
                .verify_at(
                    a,
                    &key,
                    Verification {
                        method,
                        customer_said: get("customer_said"),
                        satisfied: f.contains_key("satisfied"),
                    },
                    version_of(&f),
                    now,
                )
                .await
                .map(|_| "Verification recorded.".into()),
        },
        "close" => {
            let outcome = choice(
                &f,
                "outcome",
                CloseOutcome::parse,
                "choose recovered or not recovered",
            );
            let root_cause = choice(
                &f,
                "root_cause",
                |v| RootCause::parse(v).filter(|r| r.given_by_staff()),
                "say what caused it: process, communication, scheduling, clinical, a third party or the customer's side",
            );
            match (outcome, root_cause) {
                (Err(e), _) | (_, Err(e)) => Err(e),
                (Ok(outcome), Ok(root_cause)) => s
                    .close_at(
                        a,
                        &key,
                        CloseCase {
                            outcome,
                            root_cause,
                            prevention_note: opt(f.get("prevention_note")),
                        },
                        version_of(&f),
                        now,
                    )
                    .await
                    .map(|_| "Case closed.".into()),
            }
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
        "verify" => "verify",
        "edit" => "edit",
        "reopen" | "cancel" => "reopen",
        "follow-up" => "follow-up",
        "erase" => "erase",
        "gestures" => step_form.as_deref().unwrap_or("_"),
        _ => "_",
    };
    let section = match action.as_str() {
        "edit" => "details",
        "gestures" if step_form.is_some() => "steps",
        "gestures" => "gestures",
        "handoffs" => "handoffs",
        "notes" => "notes",
        "erase" => "erase",
        _ => "verify",
    };
    let asked = Asked {
        st: &st,
        web: &web,
        key: &key,
        hx: is_hx(&headers),
        section,
    };
    finish(asked, res, form, f).await
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
