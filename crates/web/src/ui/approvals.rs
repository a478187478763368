//! The approvals queue for managers: each gesture request with what is needed to decide it (the
//! customer in the playbook's words, the defect, the gesture's name, typical and asked value, what the
//! case was already given, who asked and why, how long it has waited); approving or declining (with a
//! reason the requester sees) moves on to the next request in place, never to the case.

use super::session::{Posted, Web};
use super::{Nav, is_manager, money};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::{SignedDuration, Timestamp};
use olive_domain::gesture::GestureStatus;
use olive_storage::StoreError;
use olive_storage::actions::{ApprovalContext, Decision};
use olive_storage::auth::WebSession;
use serde::Deserialize;

/// One request as the manager reads it.
pub struct Pending {
    pub case_ref: String,
    pub gesture_id: String,
    /// the playbook's name for the gesture, never its code
    pub gesture_name: String,
    /// the asked value, `300.00 AUD`
    pub value: String,
    /// the playbook's typical value, when it has one
    pub typical: Option<String>,
    /// the business's word for the customer, capitalised ("Patient")
    pub noun: String,
    pub customer: String,
    pub defect: String,
    pub location: String,
    /// already given on the case: (name, value), and the sum
    pub given: Vec<(String, String)>,
    pub given_total: String,
    pub by: String,
    /// "12 minutes"
    pub waiting: String,
    /// the requester's note with the request (may be empty)
    pub note: String,
    /// why it needs a manager (the limit it went over), when recorded
    pub why_here: Option<String>,
    /// nobody decided it in time: the other managers and the admins were told
    pub escalated: bool,
    /// a refusal of this card's decision (a decline with no reason), beside the reason box
    pub error: Option<String>,
    /// the reason typed, kept when refused
    pub typed: String,
    /// focus lands here (the next request after a decision)
    pub focus: bool,
    /// sent out of band after a decision on another card (htmx swaps it by its id)
    pub oob: bool,
}

/// How long a request has waited, in words: "under a minute", "1 minute", "1 hour 5 minutes", "3 days".
pub fn waited(d: SignedDuration) -> String {
    let mins = d.as_mins().max(0);
    let unit = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    if mins < 1 {
        "under a minute".into()
    } else if mins < 60 {
        unit(mins, "minute")
    } else if mins < 48 * 60 {
        let (h, m) = (mins / 60, mins % 60);
        if m == 0 {
            unit(h, "hour")
        } else {
            format!("{} {}", unit(h, "hour"), unit(m, "minute"))
        }
    } else {
        unit(mins / (24 * 60), "day")
    }
}

fn pending_of(a: ApprovalContext, now: Timestamp) -> Pending {
    let g = &a.gesture;
    let cur = g.currency.clone();
    Pending {
        case_ref: a.case_ref,
        gesture_id: g.id.clone(),
        gesture_name: a.gesture_name,
        value: money(g.value_cents, &cur),
        typical: a.typical_cents.map(|c| money(c, &cur)),
        noun: olive_domain::wording::capitalise_first(&a.customer_noun),
        customer: a.customer,
        defect: a.defect_title,
        location: a.location_name,
        given: a
            .given
            .iter()
            .map(|(n, c)| (n.clone(), money(*c, &cur)))
            .collect(),
        given_total: money(a.given_cents, &cur),
        by: g.given_by.name.clone(),
        waiting: waited(
            now.duration_since(g.given_at.parse().unwrap_or(now))
                .max(SignedDuration::ZERO),
        ),
        note: g.note.clone(),
        // Stored as the requester was told it ("Sent to a manager for approval: your per-case
        // limit…"); the manager reads it about them.
        why_here: g.pending_reason.as_deref().map(|r| {
            let r = r
                .strip_prefix("Sent to a manager for approval: ")
                .unwrap_or(r)
                .replace("your ", "their ")
                .replace("you ", "they ");
            olive_domain::wording::capitalise_first(&r)
        }),
        escalated: g.escalated_at.is_some(),
        error: None,
        typed: String::new(),
        focus: false,
        oob: false,
    }
}

/// Every request waiting for the caller, with its context (none for someone who approves nothing).
pub async fn pending(st: &AppState, web: &WebSession) -> Result<Vec<Pending>, AppError> {
    if !is_manager(web) {
        return Ok(Vec::new());
    }
    let now = st.now();
    Ok(st
        .store
        .approval_queue(&web.actor, now)
        .await?
        .into_iter()
        .map(|a| pending_of(a, now))
        .collect())
}

#[derive(Template, WebTemplate)]
#[template(path = "approvals.html")]
pub struct ApprovalsPage {
    nav: Nav,
    csrf: String,
    items: Vec<Pending>,
    /// after a decision without JavaScript: "Approved — 2 more waiting."
    flash: Option<String>,
}

#[derive(Deserialize)]
pub struct PageQuery {
    decided: Option<String>,
}

/// "Approved — 2 more waiting." / "Declined — nothing else is waiting."
fn done_line(verdict: &str, left: usize) -> String {
    let what = match verdict {
        "approved" => "Approved",
        "declined" => "Declined",
        _ => "Someone else has already decided that request",
    };
    match left {
        0 => format!("{what} — nothing else is waiting."),
        n => format!("{what} — {n} more waiting."),
    }
}

pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<PageQuery>,
) -> Result<ApprovalsPage, AppError> {
    let mut items = pending(&st, &web).await?;
    let flash = q.decided.as_deref().map(|v| done_line(v, items.len()));
    if flash.is_some()
        && let Some(first) = items.first_mut()
    {
        first.focus = true;
    }
    Ok(ApprovalsPage {
        csrf: web.csrf.clone(),
        nav: Nav::new(&web, "approvals"),
        items,
        flash,
    })
}

/// What htmx swaps in after a decision: the decided card becomes a short line, and the next card is
/// sent again (out of band) with focus on it.
#[derive(Template, WebTemplate)]
#[template(path = "approval_done.html")]
pub struct DoneFragment {
    csrf: String,
    gesture_id: String,
    line: String,
    next: Option<Pending>,
}

/// One card again, with its refusal beside the reason box (htmx).
#[derive(Template, WebTemplate)]
#[template(path = "approval_card.html")]
pub struct CardFragment {
    csrf: String,
    p: Pending,
}

#[derive(Deserialize, Default)]
pub struct DecideForm {
    #[serde(default)]
    note: String,
}

/// Approve or decline one request from the queue, with the same store decision as the case page.
pub async fn decide(
    State(st): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    p: Posted<DecideForm>,
) -> Result<Response, AppError> {
    let to = match action.as_str() {
        "approve" => GestureStatus::Approved,
        "decline" => GestureStatus::Declined,
        _ => return Err(AppError::not_found("action")),
    };
    let htmx = headers.contains_key("hx-request");
    let web = &p.web;
    let queue = pending(&st, web).await?;
    let Some(card) = queue.iter().position(|x| x.gesture_id == id) else {
        // Decided meanwhile by someone else, or not the caller's to decide.
        return Ok(after(web, htmx, &id, "gone", queue, None));
    };
    let case_ref = queue[card].case_ref.clone();
    let note = p.form.note.trim().to_string();
    let res = st
        .store
        .gesture_action(
            &web.actor,
            &case_ref,
            &id,
            to,
            Decision {
                note: Some(note.clone()).filter(|n| !n.is_empty()),
                address: None,
            },
            st.now(),
        )
        .await;
    match res {
        Ok(_) => {
            let left = pending(&st, web).await?;
            // The next request: the one that followed the decided card, else the first still waiting.
            let after_id = queue[card + 1..]
                .iter()
                .find(|x| left.iter().any(|l| l.gesture_id == x.gesture_id))
                .map(|x| x.gesture_id.clone());
            Ok(after(web, htmx, &id, to.as_str(), left, after_id))
        }
        Err(StoreError::Validation { fields, message }) => {
            let text = fields
                .get("note")
                .cloned()
                .or_else(|| fields.into_values().next())
                .unwrap_or(message);
            let mut items = queue;
            let mut c = items.remove(card);
            c.error = Some(olive_domain::wording::capitalise_first(&text));
            c.typed = p.form.note.clone();
            c.focus = true;
            if htmx {
                let frag = CardFragment {
                    csrf: web.csrf.clone(),
                    p: c,
                };
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, frag).into_response());
            }
            items.insert(card, c);
            let page = ApprovalsPage {
                csrf: web.csrf.clone(),
                nav: Nav::new(web, "approvals"),
                items,
                flash: None,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            let left = pending(&st, web).await?;
            Ok(after(web, htmx, &id, "gone", left, None))
        }
        Err(e) => Err(e.into()),
    }
}

/// The answer after a decision (or a request already gone): htmx gets the line and the next card;
/// without JavaScript, back to the queue.
fn after(
    web: &WebSession,
    htmx: bool,
    id: &str,
    verdict: &str,
    mut left: Vec<Pending>,
    next_id: Option<String>,
) -> Response {
    if !htmx {
        return Redirect::to(&format!("/approvals?decided={verdict}")).into_response();
    }
    let line = done_line(verdict, left.len());
    let i = next_id
        .and_then(|n| left.iter().position(|x| x.gesture_id == n))
        .unwrap_or(0);
    let next = (i < left.len()).then(|| {
        let mut n = left.swap_remove(i);
        n.focus = true;
        n.oob = true;
        n
    });
    DoneFragment {
        csrf: web.csrf.clone(),
        gesture_id: id.to_string(),
        line,
        next,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_reads_as_words() {
        assert_eq!(waited(SignedDuration::from_secs(20)), "under a minute");
        assert_eq!(waited(SignedDuration::from_mins(1)), "1 minute");
        assert_eq!(waited(SignedDuration::from_mins(12)), "12 minutes");
        assert_eq!(waited(SignedDuration::from_mins(65)), "1 hour 5 minutes");
        assert_eq!(waited(SignedDuration::from_mins(120)), "2 hours");
        assert_eq!(waited(SignedDuration::from_hours(72)), "3 days");
        assert_eq!(done_line("approved", 2), "Approved — 2 more waiting.");
        assert_eq!(
            done_line("declined", 0),
            "Declined — nothing else is waiting."
        );
    }
}
