//! The case list page: filters (the list's own, and those an Insights figure links with), how many
//! cases match, and the pages of cases.

use super::log::pick_location;
use super::manage::{Row, row, zones};
use super::session::Web;
use super::{Nav, urlencode};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use olive_storage::cases::CaseFilter;
use olive_storage::views::LocationView;
use serde::Deserialize;

/// The list's query string: every filter as typed (empty: not filtered).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    stage: String,
    defect: String,
    owner: String,
    severity: String,
    overdue: String,
    escalated: String,
    q: String,
    location: String,
    cursor: String,
    from: String,
    to: String,
    closed_from: String,
    closed_to: String,
    outcome: String,
    gesture: String,
    reopened: String,
    handoffs_min: String,
    handed_off_by: String,
    age: String,
}

impl ListQuery {
    /// The filters an Insights link adds, which the form has no control for: (name, value).
    fn extras(&self) -> Vec<(&'static str, &str)> {
        [
            ("from", &self.from),
            ("to", &self.to),
            ("closed_from", &self.closed_from),
            ("closed_to", &self.closed_to),
            ("outcome", &self.outcome),
            ("gesture", &self.gesture),
            ("reopened", &self.reopened),
            ("handoffs_min", &self.handoffs_min),
            ("handed_off_by", &self.handed_off_by),
            ("age", &self.age),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect()
    }

    /// Every filter given, as query pairs (the next page's link keeps them all).
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        let mut v: Vec<(&'static str, &str)> = [
            ("status", &self.status),
            ("stage", &self.stage),
            ("defect", &self.defect),
            ("owner", &self.owner),
            ("severity", &self.severity),
            ("overdue", &self.overdue),
            ("escalated", &self.escalated),
            ("q", &self.q),
            ("location", &self.location),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.as_str()))
        .collect();
        v.extend(self.extras());
        v
    }

    fn filter(&self) -> Result<CaseFilter, String> {
        let nz = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let handoffs_min = match nz(&self.handoffs_min) {
            Some(v) => Some(
                v.parse::<i64>()
                    .map_err(|_| "Handed off at least: use a whole number".to_string())?,
            ),
            None => None,
        };
        Ok(CaseFilter {
            status: nz(&self.status),
            location_id: nz(&self.location),
            stage: nz(&self.stage),
            defect: nz(&self.defect),
            owner: nz(&self.owner),
            severity: nz(&self.severity),
            overdue: (self.overdue == "1").then_some(true),
            escalated: (self.escalated == "1").then_some(true),
            q: nz(&self.q),
            from: nz(&self.from),
            to: nz(&self.to),
            closed_from: nz(&self.closed_from),
            closed_to: nz(&self.closed_to),
            outcome: nz(&self.outcome),
            gesture: nz(&self.gesture),
            reopened: matches!(self.reopened.as_str(), "1" | "true").then_some(true),
            handoffs_min,
            handed_off_by: nz(&self.handed_off_by),
            age: nz(&self.age),
            limit: Some(50),
            cursor: nz(&self.cursor),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "cases.html")]
pub struct CasesPage {
    nav: Nav,
    q: ListQuery,
    rows: Vec<Row>,
    next: Option<String>,
    locations: Vec<LocationView>,
    stages: Vec<(String, String)>,
    defects: Vec<(String, String)>,
    owners: Vec<(String, String)>,
    error: Option<String>,
    /// the business's word for its customers when every location shares a playbook ("Patient")
    noun: String,
    /// how many cases match, when an Insights link (or any filter) narrowed the list
    total: Option<i64>,
    /// the Insights filters in words ("noticed 2026-11-01 to 2026-11-30", "recovered")
    narrowed: Vec<String>,
}

impl CasesPage {
    fn next_link(&self, cursor: &str) -> String {
        let mut url = String::from("/cases?");
        for (k, v) in self.q.pairs() {
            url.push_str(&format!("{k}={}&", urlencode(v)));
        }
        url.push_str(&format!("cursor={}", urlencode(cursor)));
        url
    }

    fn extras(&self) -> Vec<(&'static str, &str)> {
        self.q.extras()
    }
}

/// The Insights filters in words, with names for people.
fn narrowed(q: &ListQuery, owners: &[(String, String)]) -> Vec<String> {
    let name = |id: &str| {
        owners
            .iter()
            .find(|(i, _)| i == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let mut out = Vec::new();
    match (q.from.trim(), q.to.trim()) {
        ("", "") => {}
        (f, "") => out.push(format!("noticed on or after {f}")),
        ("", t) => out.push(format!("noticed on or before {t}")),
        (f, t) => out.push(format!("noticed {f} to {t}")),
    }
    match (q.closed_from.trim(), q.closed_to.trim()) {
        ("", "") => {}
        (f, "") => out.push(format!("closed on or after {f}")),
        ("", t) => out.push(format!("closed on or before {t}")),
        (f, t) => out.push(format!("closed {f} to {t}")),
    }
    match q.outcome.as_str() {
        "recovered" => out.push("recovered".into()),
        "not_recovered" => out.push("not recovered".into()),
        _ => {}
    }
    if !q.gesture.is_empty() {
        out.push(format!("given {}", q.gesture.replace(['-', '_'], " ")));
    }
    if matches!(q.reopened.as_str(), "1" | "true") {
        out.push("reopened".into());
    }
    if !q.handoffs_min.is_empty() {
        out.push(format!("handed off {} times or more", q.handoffs_min));
    }
    if !q.handed_off_by.is_empty() {
        out.push(format!("handed off by {}", name(&q.handed_off_by)));
    }
    if let Some(b) = olive_domain::insights::AgeBucket::parse(&q.age) {
        out.push(format!("open, {}", b.label().to_lowercase()));
    }
    out
}

/// All cases at my locations, with filters (stage, defect, owner, overdue, severity, words, and those
/// Insights links with).
pub async fn cases(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<ListQuery>,
) -> Result<CasesPage, AppError> {
    let now = st.now();
    let (locations, loc) = pick_location(
        &st,
        &web,
        Some(q.location.as_str()).filter(|l| !l.is_empty()),
    )
    .await?;
    let playbook = st.store.playbook(&loc.playbook).await?;
    let mut total = None;
    let (rows, next, error) = match q.filter() {
        Err(e) => (Vec::new(), None, Some(e)),
        Ok(f) => match st.store.list_cases(&web.actor, &f, now).await {
            Ok(p) => {
                if q.pairs().iter().any(|(k, _)| *k != "location") {
                    total = Some(st.store.count_cases(&web.actor, &f, now).await?);
                }
                let z = zones(&locations);
                (
                    p.items.iter().map(|c| row(c, now, &z)).collect(),
                    p.next_cursor,
                    None,
                )
            }
            Err(olive_storage::StoreError::Validation { message, .. }) => {
                (Vec::new(), None, Some(message))
            }
            Err(e) => return Err(e.into()),
        },
    };
    let owners: Vec<(String, String)> = st
        .store
        .list_staff(&web.actor)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let noun = if locations
        .iter()
        .all(|l| l.playbook == playbook.playbook.code)
    {
        olive_domain::wording::capitalise_first(&playbook.playbook.customer_noun)
    } else {
        "Customer".to_string()
    };
    Ok(CasesPage {
        noun,
        nav: Nav::new(&web, "cases"),
        stages: playbook
            .stages
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        defects: playbook
            .defects
            .iter()
            .map(|d| (d.code.clone(), d.title.clone()))
            .collect(),
        narrowed: narrowed(&q, &owners),
        owners,
        locations,
        q,
        rows,
        next,
        error,
        total,
    })
}
