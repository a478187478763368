//! Decisions on my gesture requests, as the requester sees them: the live alert on every page and
//! the entries on My work (who decided, when in the location's time, and why), and acknowledging one;
//! dismissing a critical case's live alert.

use super::manage::zones;
use super::session::Posted;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use olive_domain::gesture::GestureStatus;
use olive_storage::auth::WebSession;
use std::collections::BTreeMap;

/// One decision, in words.
pub struct DecisionRow {
    pub gesture_id: String,
    pub case_ref: String,
    /// `Flowers delivered to the patient's home (300.00 AUD)`
    pub what: String,
    /// `approved` or `declined`
    pub verdict: &'static str,
    pub by: String,
    /// when, in the case's location time
    pub when: String,
    pub reason: Option<String>,
    /// when the request had been escalated, if it was
    pub escalated: Option<String>,
}

/// The caller's decisions not acknowledged yet, newest first.
pub async fn rows(st: &AppState, web: &WebSession) -> Result<Vec<DecisionRow>, AppError> {
    let decisions = st.store.my_decisions(&web.actor).await?;
    if decisions.is_empty() {
        return Ok(Vec::new());
    }
    let locations = st.store.list_locations(&web.actor).await?;
    let z = zones(&locations);
    // The gesture's name in its location's playbook ("Flowers delivered to the patient's home"), not its code.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for d in &decisions {
        if let Some(l) = locations.iter().find(|l| l.id == d.location_id)
            && let Ok(p) = st.store.playbook(&l.playbook).await
            && let Some(g) = p.gesture(&d.kind)
        {
            names.insert(format!("{}/{}", d.location_id, d.kind), g.name.clone());
        }
    }
    Ok(decisions
        .into_iter()
        .map(|d| {
            let tz = z
                .get(&d.location_id)
                .cloned()
                .unwrap_or(jiff::tz::TimeZone::UTC);
            DecisionRow {
                what: format!(
                    "{} ({})",
                    names
                        .get(&format!("{}/{}", d.location_id, d.kind))
                        .cloned()
                        .unwrap_or_else(|| d.kind.replace('-', " ")),
                    super::money(d.value_cents, &d.currency)
                ),
                verdict: if d.status == GestureStatus::Declined {
                    "declined"
                } else {
                    "approved"
                },
                by: d.decided_by.name,
                when: super::local(&d.decided_at, &tz),
                reason: d.reason,
                escalated: d.escalated_at.map(|e| super::local(&e, &tz)),
                gesture_id: d.gesture_id,
                case_ref: d.case_ref,
            }
        })
        .collect())
}

/// "Got it": the decision leaves the alert and My work. From htmx, the entry is removed in place
/// (an empty answer); from a plain form, back to My work.
pub async fn acknowledge(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    p: Posted<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    st.store
        .acknowledge_decision(&p.web.actor, &id, st.now())
        .await?;
    if headers.contains_key("hx-request") {
        // The live alert refreshes at once, so the same decision leaves it too.
        Ok(([("HX-Trigger", "decision-acknowledged")], String::new()).into_response())
    } else {
        Ok(Redirect::to("/my").into_response())
    }
}

/// How the case page tells a gesture's story: who gave or asked for it, who decided and when (in
/// the location's time) with the reason, and whether the request was escalated.
pub struct GestureStory {
    /// `asked by Fiona Frost Tue 24 Nov 10:00`, or `given by …` when within her authority
    pub given: String,
    /// `declined by Maria Manning Tue 24 Nov 10:05: “over budget”`
    pub decided: Option<String>,
    /// `escalated Tue 24 Nov 10:10 to the other managers and the admins`
    pub escalated: Option<String>,
}

pub fn story(g: &olive_storage::views::GestureView, tz: &jiff::tz::TimeZone) -> GestureStory {
    let asked = g.decided_by.is_some() || g.status == GestureStatus::PendingApproval;
    let given = format!(
        "{} by {} {}",
        if asked { "asked" } else { "given" },
        g.given_by.name,
        super::local(&g.given_at, tz)
    );
    let decided = g.decided_by.as_ref().map(|by| {
        let verb = if g.status == GestureStatus::Declined {
            "declined"
        } else {
            "approved"
        };
        let when = g
            .decided_at
            .as_deref()
            .map(|t| super::local(t, tz))
            .unwrap_or_default();
        let why = g
            .decision_note
            .as_deref()
            .filter(|n| !n.is_empty())
            .map_or(String::new(), |n| format!(": “{n}”"));
        format!("{verb} by {} {when}{why}", by.name)
    });
    let escalated = g.escalated_at.as_deref().map(|t| {
        format!(
            "escalated {} to the other managers and the admins",
            super::local(t, tz)
        )
    });
    GestureStory {
        given,
        decided,
        escalated,
    }
}

/// "Dismiss" on a critical case's live alert: it leaves the caller's pages (htmx removes it in
/// place; a plain form goes back to My work). Another person's alert is left alone.
pub async fn dismiss_case_alert(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    p: Posted<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    st.store
        .dismiss_case_alert(&p.web.actor, &id, st.now())
        .await?;
    if headers.contains_key("hx-request") {
        Ok(String::new().into_response())
    } else {
        Ok(Redirect::to("/my").into_response())
    }
}
