//! The Prevention page: per defect at the caller's locations, the action that fixes the process (owner,
//! due date, status, notes), the cases it collects and the root causes given at closing. Managers
//! assign and close actions in place (htmx swaps the action's card); others read.

use super::session::{Posted, Web};
use super::{Nav, local};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use olive_domain::permission::Permission;
use olive_domain::prevention::{PreventionStatus, root_cause_label};
use olive_storage::prevention::{PreventionFilter, PreventionUpdate, PreventionView};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// One action as its card shows it.
pub struct Card {
    pub a: PreventionView,
    pub location: String,
    /// "Open", "In progress", "Done"
    pub state: &'static str,
    pub created: String,
    pub done: String,
    /// (label, count) of the root causes given at closing
    pub causes: Vec<(&'static str, i64)>,
    /// (id, name) of the active staff at the location, for the owner list (empty: may not change)
    pub staff: Vec<(String, String)>,
    pub may_change: bool,
    pub csrf: String,
    pub flash: Option<String>,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "prevention.html")]
pub struct PreventionPage {
    nav: Nav,
    cards: Vec<Card>,
    /// `open`, `done` or `all`
    showing: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "prevention_card.html")]
pub struct CardFragment {
    card: Card,
}

#[derive(Deserialize, Default)]
pub struct Show {
    #[serde(default)]
    pub status: Option<String>,
}

fn state(s: PreventionStatus) -> &'static str {
    match s {
        PreventionStatus::Open => "Open",
        PreventionStatus::InProgress => "In progress",
        PreventionStatus::Done => "Done",
    }
}

/// Cards for these actions: location names, time zones and the staff each manager may assign.
async fn cards(
    st: &AppState,
    web: &olive_storage::auth::WebSession,
    views: Vec<PreventionView>,
) -> Result<Vec<Card>, AppError> {
    let locations = st.store.list_locations(&web.actor).await?;
    let place: HashMap<String, (String, jiff::tz::TimeZone)> = locations
        .iter()
        .map(|l| {
            let tz = jiff::tz::TimeZone::get(&l.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
            (l.id.clone(), (l.name.clone(), tz))
        })
        .collect();
    let staff = if views
        .iter()
        .any(|v| web.actor.may(Permission::Prevent, &v.location_id))
    {
        st.store.list_staff(&web.actor).await?
    } else {
        Vec::new()
    };
    Ok(views
        .into_iter()
        .map(|a| {
            let (location, tz) = place
                .get(&a.location_id)
                .cloned()
                .unwrap_or_else(|| (String::new(), jiff::tz::TimeZone::UTC));
            let may_change =
                a.status.is_open() && web.actor.may(Permission::Prevent, &a.location_id);
            let staff = if may_change {
                staff
                    .iter()
                    .filter(|s| {
                        s.active && s.locations.iter().any(|l| l.location_id == a.location_id)
                    })
                    .map(|s| (s.id.clone(), s.name.clone()))
                    .collect()
            } else {
                Vec::new()
            };
            Card {
                location,
                state: state(a.status),
                created: local(&a.created_at, &tz),
                done: a
                    .done_at
                    .as_deref()
                    .map(|d| local(d, &tz))
                    .unwrap_or_default(),
                causes: a
                    .root_causes
                    .iter()
                    .map(|c| (root_cause_label(c.root_cause), c.count))
                    .collect(),
                staff,
                may_change,
                csrf: web.csrf.clone(),
                flash: None,
                error: None,
                a,
            }
        })
        .collect())
}

pub async fn show(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<Show>,
) -> Result<Response, AppError> {
    let showing = match q.status.as_deref() {
        Some("done") => "done",
        Some("all") => "all",
        _ => "open",
    };
    let views = st
        .store
        .list_prevention(
            &web.actor,
            PreventionFilter {
                location_id: None,
                status: Some(showing.to_string()),
            },
        )
        .await?;
    let cards = cards(&st, &web, views).await?;
    Ok(PreventionPage {
        nav: Nav::new(&web, "prevention"),
        cards,
        showing: showing.to_string(),
    }
    .into_response())
}

/// Assign, update or close an action; htmx gets the card back, a plain form the page.
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    p: Posted<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned();
    let change = PreventionUpdate {
        owner_id: get("owner_id"),
        due_on: get("due_on"),
        status: get("status"),
        notes: get("notes"),
    };
    let res = st
        .store
        .update_prevention(&p.web.actor, &id, change, st.now())
        .await;
    if headers.get("hx-request").is_none() {
        res?;
        return Ok(Redirect::to("/prevention").into_response());
    }
    let (view, flash, error) = match res {
        Ok(v) => {
            let msg = if v.status == PreventionStatus::Done {
                "Closed: the process is fixed."
            } else {
                "Saved."
            };
            (v, Some(msg.to_string()), None)
        }
        Err(e @ olive_storage::StoreError::Validation { .. })
        | Err(e @ olive_storage::StoreError::Conflict { .. }) => (
            st.store.prevention(&p.web.actor, &id).await?,
            None,
            Some(e.to_string()),
        ),
        Err(e) => return Err(e.into()),
    };
    let mut card = cards(&st, &p.web, vec![view])
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found("prevention action"))?;
    card.flash = flash;
    card.error = error;
    Ok(CardFragment { card }.into_response())
}
