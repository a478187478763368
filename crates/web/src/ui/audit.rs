//! Managers' "Audit" page: who changed what, when and from where, filtered, paged and downloadable as CSV.

use super::session::Web;
use super::{Nav, local};
use crate::api::audit::{AuditQuery, csv_response, export_csv};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use olive_domain::permission::Permission;
use olive_storage::audit::AuditEntry;

/// One entry as shown: (when, who, via and address, action, about, what changed).
type Line = (String, String, String, String, String, String);

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    nav: Nav,
    /// (id, name) of the locations whose trail the caller reads
    locations: Vec<(String, String)>,
    location: String,
    action: String,
    rows: Vec<Line>,
    /// the query string of this view, for the CSV link
    query: String,
    next: Option<String>,
    error: Option<String>,
}

impl AuditPage {
    fn next_link(&self, before: &str) -> String {
        let q = serde_urlencoded::to_string([
            ("location", self.location.as_str()),
            ("action", self.action.as_str()),
            ("before", before),
        ])
        .unwrap_or_default();
        format!("/audit?{q}")
    }
}

const PAGE: u64 = 100;

fn line(e: &AuditEntry, tz: &jiff::tz::TimeZone) -> Line {
    let via = match (&e.ip, &e.credential) {
        (Some(ip), Some(c)) => format!("{} · {c} · {ip}", e.via),
        (None, Some(c)) => format!("{} · {c}", e.via),
        (Some(ip), None) => format!("{} · {ip}", e.via),
        (None, None) => e.via.clone(),
    };
    (
        local(&e.at, tz),
        e.actor_name.clone(),
        via,
        e.action.clone(),
        format!("{} {}", e.entity, e.entity_id),
        e.data.to_string(),
    )
}

pub async fn show(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    web.actor.require_somewhere(Permission::Audit)?;
    let locations: Vec<(String, String)> = st
        .store
        .list_locations(&web.actor)
        .await?
        .into_iter()
        .filter(|l| web.actor.may(Permission::Audit, &l.id))
        .map(|l| (l.id, l.name))
        .collect();
    let tz = match locations.first() {
        Some((id, _)) => st.store.location(id).await?.tz,
        None => jiff::tz::TimeZone::UTC,
    };
    let (mut rows, mut next, mut error) = (Vec::new(), None, None);
    match q.filter() {
        Ok(mut f) => {
            f.limit = PAGE;
            match st
                .store
                .audit_entries(&web.actor, &f, Permission::Audit)
                .await
            {
                Ok(entries) => {
                    if entries.len() as u64 == PAGE {
                        next = entries.last().map(|e| e.id.clone());
                    }
                    rows = entries.iter().map(|e| line(e, &tz)).collect();
                }
                Err(e) => error = Some(e.to_string()),
            }
        }
        Err(e) => error = Some(e.to_string()),
    }
    let query = serde_urlencoded::to_string([
        ("location", q.location.as_deref().unwrap_or("")),
        ("action", q.action.as_deref().unwrap_or("")),
    ])
    .unwrap_or_default();
    Ok(AuditPage {
        nav: Nav::new(&web, "audit"),
        locations,
        location: q.location.unwrap_or_default(),
        action: q.action.unwrap_or_default(),
        rows,
        query,
        next,
        error,
    }
    .into_response())
}

/// The same entries as CSV (every page).
pub async fn download(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let f = q.filter()?;
    Ok(csv_response(export_csv(&st.store, &web.actor, f).await?))
}
