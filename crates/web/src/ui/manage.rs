//! Lists and dashboards: my work, the case list with filters, the live alert (critical cases, approvals, decisions), the experience-cycle board.

use super::log::pick_location;
use super::session::Web;
use super::{Nav, is_manager, local, relative_due};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use jiff::{SignedDuration, Timestamp};
use olive_storage::cases::CaseFilter;
use olive_storage::stats::StatsFilter;
use olive_storage::views::{CaseSummary, LocationView};
use serde::Deserialize;

pub struct Row {
    pub reference: String,
    pub title: String,
    pub customer: String,
    pub owner: String,
    /// the status as people read it ("Waiting for verification")
    pub status: String,
    /// the status code, for styling only
    pub status_code: &'static str,
    pub severity: &'static str,
    /// "Minor", "Major", "Critical"
    pub severity_label: &'static str,
    pub due_text: String,
    pub overdue: bool,
    pub created: String,
    pub hot_potato: bool,
}

/// Time zones of the caller's locations, to show times where the case happened.
pub type Zones = std::collections::HashMap<String, jiff::tz::TimeZone>;

pub fn zones(locations: &[LocationView]) -> Zones {
    locations
        .iter()
        .filter_map(|l| Some((l.id.clone(), jiff::tz::TimeZone::get(&l.timezone).ok()?)))
        .collect()
}

pub(crate) fn row(c: &CaseSummary, now: Timestamp, zones: &Zones) -> Row {
    let tz = zones
        .get(&c.location_id)
        .cloned()
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let (due_text, overdue, _) = match c
        .next_due_at
        .as_deref()
        .and_then(|d| d.parse::<Timestamp>().ok())
    {
        Some(d) if c.status.is_active() => relative_due(d, now, &tz),
        _ => (String::new(), false, false),
    };
    Row {
        reference: c.reference.clone(),
        title: c.defect.title.clone(),
        customer: c.display_name.clone(),
        owner: c.owner.name.clone(),
        status: c.status.label().to_string(),
        status_code: c.status.as_str(),
        severity: c.severity.as_str(),
        severity_label: c.severity.label(),
        due_text,
        overdue,
        created: local(&c.created_at, &tz),
        hot_potato: c.hot_potato,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "my.html", blocks = ["content"])]
pub struct MyPage {
    nav: Nav,
    rows: Vec<Row>,
    offered: Vec<Row>,
    /// reminders, escalations and customer answers of the last week: (when, kind, text, case id, unread)
    notices: Vec<(String, String, String, Option<String>, bool)>,
    /// decisions on my gesture requests, until I acknowledge them
    decisions: Vec<super::decisions::DecisionRow>,
    /// steps that are mine, and my roles' steps waiting to be taken
    steps: Vec<super::my_steps::StepRow>,
}

/// Cases I hold, soonest due first, and hand-offs waiting for my answer.
/// My work, or (asked by htmx or its live update) its sections only.
pub async fn my_work(
    State(st): State<AppState>,
    Web(web): Web,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, AppError> {
    let page = my_page(&st, &web).await?;
    super::my_steps::respond(page, super::case::is_hx(&headers))
}

/// What My work shows: decisions on my requests, reminders, my steps, offers and the cases I hold.
pub(crate) async fn my_page(
    st: &AppState,
    web: &olive_storage::auth::WebSession,
) -> Result<MyPage, AppError> {
    let now = st.now();
    let f = CaseFilter {
        owner: Some(web.actor.staff_id.clone()),
        status: Some("active".into()),
        limit: Some(100),
        ..Default::default()
    };
    let mut mine = st.store.list_cases(&web.actor, &f, now).await?.items;
    mine.sort_by(|a, b| a.next_due_at.cmp(&b.next_due_at));
    let offered = st.store.handoffs_offered_to(&web.actor, now).await?;
    let z = zones(&st.store.list_locations(&web.actor).await?);
    let week_ago = now - SignedDuration::from_hours(24 * 7);
    let tz = web
        .actor
        .roles
        .first()
        .and_then(|(l, _)| z.get(l).cloned())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let notices = st
        .store
        .notifications(&web.actor, 20)
        .await?
        .into_iter()
        .filter(|n| {
            n.created_at
                .parse::<Timestamp>()
                .is_ok_and(|t| t >= week_ago)
        })
        .map(|n| {
            let label = match n.kind.as_str() {
                "reminder" => "Due soon",
                "overdue" => "Overdue",
                "escalation" => "Escalated",
                "follow_up_poor" => "Not recovered yet",
                "follow_up_unanswered" => "No answer",
                "gesture_approved" => "Approved",
                "gesture_declined" => "Declined",
                "approval_escalated" => "Your request escalated",
                "approval_escalation" => "Waiting for approval",
                _ => "Notice",
            };
            (
                local(&n.created_at, &tz),
                label.to_string(),
                n.text,
                n.case_id,
                n.read_at.is_none(),
            )
        })
        .collect();
    let steps = st.store.my_steps(&web.actor, now).await?;
    Ok(MyPage {
        steps: super::my_steps::rows(&steps, web, now, &z),
        decisions: super::decisions::rows(st, web).await?,
        notices,
        nav: Nav::new(web, "my"),
        rows: mine.iter().map(|c| row(c, now, &z)).collect(),
        offered: offered.iter().map(|c| row(c, now, &z)).collect(),
    })
}

/// htmx polling: the number of gestures waiting for me.
pub async fn approvals_count(
    State(st): State<AppState>,
    Web(web): Web,
) -> Result<String, AppError> {
    if !is_manager(&web) {
        return Ok(String::new());
    }
    let n = st.store.pending_gestures(&web.actor, st.now()).await?.len();
    Ok(if n == 0 { String::new() } else { n.to_string() })
}

#[derive(Template, WebTemplate)]
#[template(path = "alert.html")]
pub struct AlertFragment {
    /// critical cases the caller was told about, until they open the case or dismiss it
    critical: Vec<olive_storage::severity::LiveCaseAlert>,
    /// how many more critical cases are not shown in full
    more_critical: usize,
    items: Vec<super::approvals::Pending>,
    /// decisions on the caller's own requests, until acknowledged (the newest few)
    decisions: Vec<super::decisions::DecisionRow>,
    /// how many more wait on My work
    more_decisions: usize,
}

/// htmx polling on every page: decisions on the caller's requests and, for a manager, a banner while
/// a customer may be waiting for an approval.
pub async fn alerts(State(st): State<AppState>, Web(web): Web) -> Result<AlertFragment, AppError> {
    let items = super::approvals::pending(&st, &web).await?;
    // Only the people a critical case told (its location's managers) have any.
    let mut critical = st.store.live_case_alerts(&web.actor, 50).await?;
    // The newest two in full; the rest as one line, so a phone's first screen is not all banner.
    let more_critical = critical.len().saturating_sub(ALERT_CRITICAL);
    critical.truncate(ALERT_CRITICAL);
    let mut decisions = super::decisions::rows(&st, &web).await?;
    // The newest few on every page; the rest wait on My work, so the page stays usable.
    let more_decisions = decisions.len().saturating_sub(ALERT_DECISIONS);
    decisions.truncate(ALERT_DECISIONS);
    Ok(AlertFragment {
        critical,
        more_critical,
        items,
        decisions,
        more_decisions,
    })
}

/// How many decisions the live alert shows at once.
const ALERT_DECISIONS: usize = 3;
/// How many critical cases the live alert shows in full.
const ALERT_CRITICAL: usize = 2;

pub struct Column {
    pub code: String,
    pub name: String,
    pub count: i64,
    pub heat: u8,
    pub top: Vec<(String, String, i64)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
pub struct BoardPage {
    nav: Nav,
    locations: Vec<LocationView>,
    location_id: String,
    location_name: String,
    days: i64,
    columns: Vec<Column>,
    total: i64,
    /// the business's word for its customers, plural ("patients", "guests")
    nouns: String,
    /// for those who see insights here: the stage × week heatmap of the same days, and where it leads
    heatmap: Option<String>,
    insights_link: String,
}

#[derive(Deserialize)]
pub struct BoardQuery {
    location: Option<String>,
    days: Option<i64>,
}

/// The Customer Experience Cycle as columns: defects per stage over 30 or 90 days, most frequent first.
pub async fn board(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<BoardQuery>,
) -> Result<BoardPage, AppError> {
    let now = st.now();
    let days = if q.days == Some(90) { 90 } else { 30 };
    let (locations, loc) = pick_location(&st, &web, q.location.as_deref()).await?;
    let playbook = st.store.playbook(&loc.playbook).await?;
    let since = (now - SignedDuration::from_hours(24 * days)).to_string();
    let stats = st
        .store
        .stats(
            &web.actor,
            &StatsFilter {
                location_id: Some(loc.id.clone()),
                since: Some(since),
            },
            now,
        )
        .await?;
    let max = stats
        .by_stage
        .iter()
        .map(|c| c.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let columns = playbook
        .stages
        .iter()
        .map(|s| {
            let count = stats
                .by_stage
                .iter()
                .find(|c| c.key == s.code)
                .map_or(0, |c| c.count);
            let mut top: Vec<(String, String, i64)> = stats
                .by_defect
                .iter()
                .filter_map(|c| {
                    playbook
                        .defect(&c.key)
                        .filter(|d| d.stage == s.code)
                        .map(|d| (d.code.clone(), d.title.clone(), c.count))
                })
                .collect();
            top.truncate(3);
            Column {
                code: s.code.clone(),
                name: s.name.clone(),
                count,
                heat: ((count * 5 + max - 1) / max).clamp(0, 5) as u8,
                top,
            }
        })
        .collect();
    let today = now
        .to_zoned(jiff::tz::TimeZone::get(&loc.timezone).unwrap_or(jiff::tz::TimeZone::UTC))
        .date();
    let from = today
        .checked_sub(jiff::Span::new().days(days - 1))
        .unwrap_or(today);
    let insights_link = format!(
        "/insights/leaking?location={}&from={from}&to={today}",
        super::urlencode(&loc.id)
    );
    let heatmap = match web
        .actor
        .require(olive_domain::permission::Permission::Insights, &loc.id)
    {
        Ok(_) => {
            let f = olive_storage::reports::ReportFilter {
                location_id: Some(loc.id.clone()),
                from: Some(from.to_string()),
                to: Some(today.to_string()),
                ..Default::default()
            };
            let s = st.store.report_summary(&web.actor, &f, now).await?;
            Some(super::insights::board_heatmap(&s))
        }
        Err(_) => None,
    };
    Ok(BoardPage {
        nav: Nav::new(&web, "board"),
        location_name: loc.name.clone(),
        location_id: loc.id,
        locations,
        days,
        columns,
        total: stats.total_cases,
        nouns: playbook.playbook.customer_noun_plural.clone(),
        heatmap,
        insights_link,
    })
}
