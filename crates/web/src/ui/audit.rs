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

/// One entry as shown.
pub struct Line {
    when: String,
    who: String,
    from: String,
    action: String,
    /// e.g. "case …8dad12a"
    about: String,
    /// the case page, for entries about a case
    link: Option<String>,
    changed: String,
}

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
        let before = serde_urlencoded::to_string([("before", before)]).unwrap_or_default();
        format!("/audit?{}&{before}", self.query)
    }
}

const PAGE: u64 = 50;

fn line(e: &AuditEntry, tz: &jiff::tz::TimeZone) -> Line {
    let via = match (&e.ip, &e.credential) {
        (Some(ip), Some(c)) => format!("{} · {c} · {ip}", e.via),
        (None, Some(c)) => format!("{} · {c}", e.via),
        (Some(ip), None) => format!("{} · {ip}", e.via),
        (None, None) => e.via.clone(),
    };
    Line {
        when: local(&e.at, tz),
        who: e.actor_name.clone(),
        from: via,
        action: e.action.clone(),
        // The end of the id: a UUIDv7 starts with its time, which entries made together share.
        about: format!(
            "{} …{}",
            e.entity,
            e.entity_id
                .chars()
                .skip(e.entity_id.chars().count().saturating_sub(8))
                .collect::<String>()
        ),
        link: (e.entity == "case").then(|| format!("/cases/{}", e.entity_id)),
        changed: changed(&e.data),
    }
}

/// What changed, for people: `key: value` pairs (nested values as compact JSON), at most 240 characters.
fn changed(data: &serde_json::Value) -> String {
    let text = match data.as_object() {
        Some(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                serde_json::Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        None => data.to_string(),
    };
    if text.chars().count() > 240 {
        format!("{}…", text.chars().take(240).collect::<String>())
    } else {
        text
    }
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
    // Every filter but the page, for the next page and the download.
    let filters = [
        ("location", &q.location),
        ("actor", &q.actor),
        ("entity", &q.entity),
        ("action", &q.action),
        ("from", &q.from),
        ("to", &q.to),
    ];
    let query = serde_urlencoded::to_string(
        filters
            .iter()
            .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v)))
            .collect::<Vec<_>>(),
    )
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
