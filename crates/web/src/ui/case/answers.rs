//! The case page's answers on one part of a case: a step (tick, skip, take, give), a gesture (approve,
//! decline, sent, delivered) and a hand-off (accept, decline).

use super::actions::{Asked, Fields, finish};
use super::live::is_hx;
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::session::Posted;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use olive_domain::gesture::GestureStatus;
use olive_storage::StoreError;
use olive_storage::actions::{Decision, Reason, StepAction};
use olive_storage::auth::WebSession;

pub async fn step(
    State(st): State<AppState>,
    Path((key, id, action)): Path<(String, String, String)>,
    headers: HeaderMap,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let (web, now) = (&p.web, st.now());
    let asked = Asked {
        st: &st,
        web,
        key: &key,
        hx: is_hx(&headers),
        section: "steps",
    };
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
            return finish(asked, res, &format!("step:{id}"), p.form.clone()).await;
        }
        _ => return Err(AppError::not_found("action")),
    };
    let a = StepAction {
        reason: p.form.get("reason").cloned(),
        note: p.form.get("note").cloned(),
    };
    let res = match st
        .store
        .step_action(&web.actor, &key, &id, skip, a, now)
        .await
    {
        Ok(d) => Ok(done_message(&d, skip)),
        // Ticking a step already done (a double tap, two people at once): nothing changes, and the
        // steps come back as they are, without an error.
        Err(StoreError::Conflict { code, message }) if !skip => {
            match already_settled(&st, web, &key, &id).await {
                Some(text) => Ok(text),
                None => Err(StoreError::Conflict { code, message }),
            }
        }
        Err(e) => Err(e),
    };
    let form = if skip {
        format!("skip:{id}")
    } else {
        format!("step:{id}")
    };
    finish(asked, res, &form, p.form.clone()).await
}

/// "Step done. Next: Call the patient." (what is next, when there is a next step).
fn done_message(d: &olive_storage::views::CaseDetail, skip: bool) -> String {
    let what = if skip { "Step skipped." } else { "Step done." };
    match d
        .steps
        .iter()
        .find(|s| s.status == olive_domain::case::StepStatus::Pending)
    {
        Some(s) => format!("{what} Next: {}. {}", s.position, s.title),
        None => what.to_string(),
    }
}

/// When the step is no longer to do: who settled it, said as a plain message.
async fn already_settled(st: &AppState, web: &WebSession, key: &str, id: &str) -> Option<String> {
    let d = st.store.get_case(&web.actor, key, st.now()).await.ok()?;
    let s = d.steps.iter().find(|s| s.id == id)?;
    (s.status != olive_domain::case::StepStatus::Pending).then(|| {
        format!(
            "Step {} was already {} by {} — nothing changed.",
            s.position,
            s.status.label().to_lowercase(),
            s.done_by.as_ref().map_or("someone", |p| p.name.as_str())
        )
    })
}

pub async fn gesture(
    State(st): State<AppState>,
    Path((key, id, action)): Path<(String, String, String)>,
    headers: HeaderMap,
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
        .map(|_| format!("Gesture {}.", to.label().to_lowercase()));
    // A decline without its reason: the message goes beside that gesture's reason box.
    let form = if to == GestureStatus::Declined {
        format!("gdecline:{id}")
    } else {
        "_".to_string()
    };
    let asked = Asked {
        st: &st,
        web: &p.web,
        key: &key,
        hx: is_hx(&headers),
        section: "gestures",
    };
    finish(asked, res, &form, p.form.clone()).await
}

pub async fn handoff(
    State(st): State<AppState>,
    Path((key, id, action)): Path<(String, String, String)>,
    headers: HeaderMap,
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
    let asked = Asked {
        st: &st,
        web: &p.web,
        key: &key,
        hx: is_hx(&headers),
        section: "handoffs",
    };
    finish(
        asked,
        res,
        if accept { "_" } else { "decline" },
        p.form.clone(),
    )
    .await
}
