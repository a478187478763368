//! Insights pages for managers and admins: one screen per question (`/insights/{question}`), a
//! location-by-location comparison for the group (`/insights/compare`), and each table as CSV.

pub mod chart;
pub mod links;
pub mod questions;

use super::session::Web;
use super::{Nav, urlencode};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use links::Links;
use olive_domain::insights::{ReportSummary, percent};
use olive_storage::StoreError;
use olive_storage::reports::ReportFilter;
use questions::{Question, Screen};
use serde::Deserialize;

/// The filters of every Insights page, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct InsightsQuery {
    /// a location id; empty: every location the person sees insights for (the group, for an admin)
    pub location: String,
    pub from: String,
    pub to: String,
    pub stage: String,
    pub defect: String,
    pub severity: String,
    pub person: String,
    /// the table of a CSV download
    pub table: String,
}

impl InsightsQuery {
    fn filter(&self) -> ReportFilter {
        let nz = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        ReportFilter {
            location_id: nz(&self.location),
            from: nz(&self.from),
            to: nz(&self.to),
            stage: nz(&self.stage),
            defect: nz(&self.defect),
            severity: nz(&self.severity),
            person: nz(&self.person),
        }
    }

    /// The query string that keeps these filters (for the tabs and downloads).
    pub fn keep(&self) -> String {
        [
            ("location", &self.location),
            ("from", &self.from),
            ("to", &self.to),
            ("stage", &self.stage),
            ("defect", &self.defect),
            ("severity", &self.severity),
            ("person", &self.person),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "insights.html")]
pub struct InsightsPage {
    nav: Nav,
    question: Question,
    q: InsightsQuery,
    /// the period shown (after defaults)
    from: String,
    to: String,
    scope_name: String,
    locations: Vec<Choice>,
    stages: Vec<Choice>,
    defects: Vec<Choice>,
    people: Vec<Choice>,
    /// the whole group may be chosen (admins)
    group: bool,
    screen: Option<Screen>,
    /// a bad filter, in words, and its field
    error: Option<(String, String)>,
    /// the monthly reports (PDF) of the last two full months: (month, link)
    monthly: Vec<(String, String)>,
}

impl InsightsPage {
    fn tabs(&self) -> Vec<(&'static str, &'static str, bool)> {
        Question::ALL
            .iter()
            .map(|q| (q.slug(), q.tab(), *q == self.question))
            .collect()
    }
}

/// `/insights`: the first question.
pub async fn index(
    st: State<AppState>,
    web: Web,
    q: Query<InsightsQuery>,
) -> Result<Response, AppError> {
    page(st, web, Path("leaking".to_string()), q).await
}

/// Choices for the filter form from the locations' playbooks and staff.
async fn choices(
    st: &AppState,
    web: &Web,
) -> Result<(Vec<Choice>, Vec<Choice>, Vec<Choice>, Vec<Choice>), AppError> {
    let actor = &web.0.actor;
    let locs = st.store.report_locations(actor, None).await?;
    let mut stages: Vec<Choice> = Vec::new();
    let mut defects: Vec<Choice> = Vec::new();
    for l in &locs {
        let p = st
            .store
            .playbook_at(&l.playbook_code, l.playbook_updated_at)
            .await?;
        for s in &p.stages {
            if !stages.iter().any(|c| c.value == s.code) {
                stages.push(Choice {
                    value: s.code.clone(),
                    label: s.name.clone(),
                });
            }
        }
        for d in &p.defects {
            if !defects.iter().any(|c| c.value == d.code) {
                defects.push(Choice {
                    value: d.code.clone(),
                    label: d.title.clone(),
                });
            }
        }
    }
    defects.sort_by(|a, b| a.label.cmp(&b.label));
    let people = st
        .store
        .list_staff(actor)
        .await?
        .into_iter()
        .map(|s| Choice {
            value: s.id,
            label: s.name,
        })
        .collect();
    let locations = locs
        .into_iter()
        .map(|l| Choice {
            value: l.id,
            label: l.name,
        })
        .collect();
    Ok((locations, stages, defects, people))
}

/// The summary for the page's filters, or the filter error to show beside the form.
async fn summary(
    st: &AppState,
    web: &Web,
    q: &InsightsQuery,
) -> Result<Result<ReportSummary, (String, String)>, AppError> {
    match st
        .store
        .report_summary(&web.0.actor, &q.filter(), st.now())
        .await
    {
        Ok(s) => Ok(Ok(s)),
        Err(StoreError::Validation { message, fields }) => {
            let field = fields.keys().next().cloned().unwrap_or_default();
            let text = fields.values().next().cloned().unwrap_or(message);
            Ok(Err((field, text)))
        }
        Err(e) => Err(e.into()),
    }
}

fn links_for(q: &InsightsQuery, s: &ReportSummary) -> Links {
    let day = |v: &str| v.parse().unwrap_or(jiff::civil::date(2000, 1, 1));
    Links::new(
        vec![
            ("location", q.location.clone()),
            ("stage", q.stage.clone()),
            ("defect", q.defect.clone()),
            ("severity", q.severity.clone()),
            ("owner", q.person.clone()),
        ],
        day(&s.from),
        day(&s.to),
    )
}

/// Managers and admins only; everyone else is told so (403).
fn refuse(web: &Web) -> Option<Response> {
    let allowed = web.0.actor.is_admin
        || web
            .0
            .actor
            .require_somewhere(olive_domain::permission::Permission::Insights)
            .is_ok();
    (!allowed).then(|| {
        AppError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            olive_domain::permission::Permission::Insights.refusal(),
        )
        .into_response()
    })
}

/// `/insights/{question}`: one question's screen.
pub async fn page(
    State(st): State<AppState>,
    web: Web,
    Path(question): Path<String>,
    Query(q): Query<InsightsQuery>,
) -> Result<Response, AppError> {
    if let Some(r) = refuse(&web) {
        return Ok(r);
    }
    let question = Question::parse(&question).ok_or_else(|| AppError::not_found("question"))?;
    let (locations, stages, defects, people) = choices(&st, &web).await?;
    let group = web.0.actor.is_admin || locations.len() > 1;
    let mut q = q;
    if q.location.is_empty() && !group {
        q.location = locations
            .first()
            .map(|l| l.value.clone())
            .unwrap_or_default();
    }
    let scope_name = locations
        .iter()
        .find(|l| l.value == q.location)
        .map_or_else(|| "every location".to_string(), |l| l.label.clone());
    let (screen, error, from, to) = match summary(&st, &web, &q).await? {
        Ok(s) => {
            let l = links_for(&q, &s);
            (
                Some(questions::screen(question, &s, &l)),
                None,
                s.from.clone(),
                s.to.clone(),
            )
        }
        Err(e) => (None, Some(e), q.from.clone(), q.to.clone()),
    };
    let monthly = monthly_links(
        &q,
        st.now().to_zoned(jiff::tz::TimeZone::UTC).date(),
        web.0.actor.is_admin,
    );
    Ok(InsightsPage {
        monthly,
        nav: Nav::new(&web.0, "insights"),
        question,
        from,
        to,
        scope_name,
        locations,
        stages,
        defects,
        people,
        group,
        screen,
        error,
        q,
    }
    .into_response())
}

/// The board's time axis: the stage × week heatmap of the summary, each cell linked to its cases.
pub fn board_heatmap(s: &ReportSummary) -> String {
    let l = links_for(
        &InsightsQuery {
            location: s.location_ids.first().cloned().unwrap_or_default(),
            ..Default::default()
        },
        s,
    );
    questions::heatmap_of(s, &l, "board-heat")
}

/// `/insights/{question}/csv?table=…`: one table of a screen as CSV (formulas defused).
pub async fn csv(
    State(st): State<AppState>,
    web: Web,
    Path(question): Path<String>,
    Query(q): Query<InsightsQuery>,
) -> Result<Response, AppError> {
    if let Some(r) = refuse(&web) {
        return Ok(r);
    }
    let question = Question::parse(&question).ok_or_else(|| AppError::not_found("question"))?;
    let s = st
        .store
        .report_summary(&web.0.actor, &q.filter(), st.now())
        .await?;
    let screen = questions::screen(question, &s, &links_for(&q, &s));
    let table = screen
        .sections
        .iter()
        .map(|s| &s.table)
        .find(|t| t.id == q.table)
        .ok_or_else(|| AppError::not_found("table"))?;
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let err =
        |e: ::csv::Error| AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "csv", e.to_string());
    w.write_record(&table.headers).map_err(err)?;
    for row in &table.rows {
        w.write_record(
            row.iter()
                .map(|c| olive_domain::export::spreadsheet_safe(&c.text)),
        )
        .map_err(err)?;
    }
    let body = w.into_inner().map_err(|e| err(e.into_error().into()))?;
    let name = format!(
        "olive-{}-{}-{}-{}.csv",
        question.slug(),
        table.id,
        s.from,
        s.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `/insights/monthly.pdf?location=…&month=2026-11`: the monthly report from the Insights page.
pub async fn monthly_pdf(
    State(st): State<AppState>,
    web: Web,
    Query(q): Query<MonthQuery>,
) -> Result<Response, AppError> {
    use crate::api::reports_monthly as m;
    let actor = &web.0.actor;
    let location = Some(q.location.trim()).filter(|l| !l.is_empty());
    m::check_access(actor, location)?;
    let now = st.now();
    let month = m::checked_month(Some(&q.month), now)?;
    let report = m::monthly_figures(&st.store, actor, location, month, now).await?;
    Ok(m::pdf_response(&report)?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    pub location: String,
    pub month: String,
}

/// The last two full months' reports for the page's scope: (label, link).
fn monthly_links(
    q: &InsightsQuery,
    today: jiff::civil::Date,
    group: bool,
) -> Vec<(String, String)> {
    if q.location.is_empty() && !group {
        return Vec::new();
    }
    let first = today.first_of_month();
    [2, 1]
        .iter()
        .filter_map(|n| first.checked_sub(jiff::Span::new().months(*n)).ok())
        .map(|d| {
            (
                d.strftime("%B %Y").to_string(),
                format!(
                    "/insights/monthly.pdf?location={}&month={}",
                    urlencode(&q.location),
                    d.strftime("%Y-%m")
                ),
            )
        })
        .collect()
}

/// A location's row in the group comparison.
pub struct CompareRow {
    pub name: String,
    pub link: String,
    pub logged: i64,
    pub top_stage: String,
    pub recovery: String,
    pub first_action: String,
    pub on_time: String,
    pub spend: String,
    pub budget: String,
    pub handoffs: i64,
    pub overdue: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "insights_compare.html")]
pub struct ComparePage {
    nav: Nav,
    q: InsightsQuery,
    from: String,
    to: String,
    rows: Vec<CompareRow>,
}

/// `/insights/compare`: the group owner's location-by-location table.
pub async fn compare(
    State(st): State<AppState>,
    web: Web,
    Query(q): Query<InsightsQuery>,
) -> Result<Response, AppError> {
    if let Some(r) = refuse(&web) {
        return Ok(r);
    }
    let locs = st.store.report_locations(&web.0.actor, None).await?;
    let mut rows = Vec::new();
    let (mut from, mut to) = (q.from.clone(), q.to.clone());
    for l in locs {
        let f = ReportFilter {
            location_id: Some(l.id.clone()),
            ..q.filter()
        };
        let s = st.store.report_summary(&web.0.actor, &f, st.now()).await?;
        (from, to) = (s.from.clone(), s.to.clone());
        let top = s
            .leaking
            .by_stage
            .iter()
            .max_by_key(|t| t.count)
            .filter(|t| t.count > 0);
        let spent: i64 = s.cost.spend.iter().map(|a| a.cents).sum();
        let budget: Option<i64> = s.cost.by_month.iter().map(|m| m.budget_cents).sum();
        let cur = l.currency.to_string();
        rows.push(CompareRow {
            link: format!(
                "/insights/leaking?location={}&from={}&to={}",
                urlencode(&l.id),
                s.from,
                s.to
            ),
            name: l.name.clone(),
            logged: s.leaking.logged,
            top_stage: top.map_or_else(|| "–".into(), |t| t.label.clone()),
            recovery: format!(
                "{} ({} of {})",
                percent(s.recovery.rate),
                s.recovery.recovered,
                s.recovery.closed
            ),
            first_action: s.response.first_action.median_minutes.map_or_else(
                || "–".into(),
                |m| super::human(jiff::SignedDuration::from_mins(m)),
            ),
            on_time: percent(s.response.on_time_rate),
            spend: super::money(spent, &cur),
            budget: budget.map_or_else(|| "no budget".into(), |b| super::money(b, &cur)),
            handoffs: s.handoffs.total_offered,
            overdue: s.response.overdue_now,
        });
    }
    Ok(ComparePage {
        nav: Nav::new(&web.0, "insights"),
        q,
        from,
        to,
        rows,
    }
    .into_response())
}
