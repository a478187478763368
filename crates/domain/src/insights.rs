//! Insights: the figures a manager or group owner asks for (where are we leaking, are we on top of it,
//! does recovery hit home, what does it cost, who passes the hot potato, why did it happen), their
//! definitions, and how each is computed from facts storage loads. Pure: "now" and every fact are given.
//!
//! Definitions (also in the API documentation of `GET /api/v1/reports/summary`):
//! - a case belongs to a period by its **noticed** date (when the defect happened; the logging time when
//!   it was not given earlier) in its location's time zone; `from` and `to` are whole local days;
//! - **recovery rate** = cases closed as recovered (which needs a satisfied verification) ÷ cases closed
//!   recovered or not recovered, by close date; cancelled cases are left out;
//! - **on-time rate** = steps settled (done or skipped) by their due time ÷ steps due in the period;
//! - **time to first action** = the first settled step − the noticed time, floored at 0 (steps ticked as
//!   done at logging count); median and p90 by nearest rank (the ⌈p·n⌉-th smallest);
//! - **spend** = gestures given (approved within authority or by a manager; not pending, not declined), by
//!   the day they were given in the location's day, per currency.

mod compute;
mod facts;
mod period;
#[cfg(test)]
mod tests;

pub use compute::{defect_key, first_action_minutes, summarise};
pub use facts::{
    Answer, Approval, CaseFact, Claim, Facts, GestureFact, Handoff, Labels, LocationLabel, StepDue,
};
pub use period::{AgeBucket, Period, PeriodError, monday_of, month_key, nearest_rank, parse_date};

use serde::Serialize;
use utoipa::ToSchema;

/// A count under a key (a stage, a defect, a severity, a location…) with the label people read.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub label: String,
    pub count: i64,
}

/// A stage's defects this period and in the period before, of equal length.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Trend {
    pub key: String,
    pub label: String,
    pub count: i64,
    pub previous: i64,
}

/// One row of the stage × week heatmap: `counts[i]` is the week starting `weeks[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct HeatRow {
    pub key: String,
    pub label: String,
    pub counts: Vec<i64>,
}

/// 1. Where are we leaking?
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Leaking {
    /// cases noticed in the period
    pub logged: i64,
    /// cases noticed in the period of equal length just before
    pub previous_logged: i64,
    /// by stage, in the playbook's order of the experience cycle, with the previous period
    pub by_stage: Vec<Trend>,
    /// the Mondays starting each week of the heatmap (local dates)
    pub weeks: Vec<String>,
    pub heatmap: Vec<HeatRow>,
    /// the most frequent defects, most first (at most 10)
    pub top_defects: Vec<Count>,
    /// minor, major, critical (critical: safety)
    pub by_severity: Vec<Count>,
    pub by_location: Vec<Count>,
    /// Monday first
    pub by_weekday: Vec<Count>,
    /// 0–23, the location's local hour
    pub by_hour: Vec<Count>,
}

/// A median and p90 over some cases, in minutes.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Timing {
    pub key: String,
    pub label: String,
    /// cases with a first action
    pub cases: i64,
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

/// 2. Are we on top of defects when they occur?
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Response {
    /// every case noticed in the period (key `all`)
    pub first_action: Timing,
    pub by_stage: Vec<Timing>,
    pub by_defect: Vec<Timing>,
    /// by the case's owner
    pub by_person: Vec<Timing>,
    pub steps_due: i64,
    pub steps_on_time: i64,
    /// steps_on_time ÷ steps_due; null when nothing was due
    pub on_time_rate: Option<f64>,
    /// open cases with a step past its due time now
    pub overdue_now: i64,
    /// open cases now, by age since noticed: `0-1`, `1-3`, `3-7`, `7+` days
    pub open_by_age: Vec<Count>,
}

/// Recovery under a key (a defect, a stage, a person, a gesture kind).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Recovery {
    pub key: String,
    pub label: String,
    pub closed: i64,
    pub recovered: i64,
    pub rate: Option<f64>,
}

/// 3. Does the recovery hit home?
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Outcomes {
    /// closed in the period, recovered or not (cancelled left out)
    pub closed: i64,
    pub recovered: i64,
    pub not_recovered: i64,
    /// recovered ÷ closed; null when none closed
    pub rate: Option<f64>,
    /// follow-up answers received in the period
    pub answered: i64,
    /// ratings 1 to 5
    pub ratings: Vec<Count>,
    pub would_return_yes: i64,
    pub would_return_no: i64,
    /// cases closed in the period that had been reopened (a poor answer or a manager)
    pub reopened: i64,
    pub by_defect: Vec<Recovery>,
    pub by_stage: Vec<Recovery>,
    pub by_person: Vec<Recovery>,
    pub by_gesture: Vec<Recovery>,
}

/// Money in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Amount {
    pub currency: String,
    pub cents: i64,
}

/// Spend under a key in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Spend {
    pub key: String,
    pub label: String,
    pub currency: String,
    pub cents: i64,
    /// gestures given
    pub count: i64,
}

/// A location's month: what was given against its budget.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonthSpend {
    /// `2026-11`
    pub month: String,
    pub location_id: String,
    pub location: String,
    pub currency: String,
    pub cents: i64,
    /// the location's monthly budget; null when it has none
    pub budget_cents: Option<i64>,
}

/// Gesture approvals asked for in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Approvals {
    pub asked: i64,
    pub approved: i64,
    pub declined: i64,
    /// still waiting for a decision
    pub waiting: i64,
    /// how long decided requests waited, median, minutes
    pub median_wait_minutes: Option<i64>,
}

/// 4. What does recovery cost, and is it worth it?
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Cost {
    pub spend: Vec<Amount>,
    pub by_kind: Vec<Spend>,
    pub by_location: Vec<Spend>,
    pub by_month: Vec<MonthSpend>,
    /// spend ÷ cases recovered in the period, per currency
    pub per_recovered: Vec<Amount>,
    pub approvals: Approvals,
}

/// A person's hand-offs offered on cases noticed in the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PersonHandoffs {
    pub staff_id: String,
    pub name: String,
    /// hand-offs offered
    pub offered: i64,
    /// the cases they were offered on
    pub cases: i64,
    pub accepted: i64,
    pub declined: i64,
    pub reasons: Vec<Count>,
}

/// 5. Who passes the hot potato?
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Handoffs {
    pub total_offered: i64,
    /// most first
    pub by_person: Vec<PersonHandoffs>,
    /// the median of hand-offs offered among the people who offered any
    pub median_per_person: Option<f64>,
    /// cases noticed in the period handed off twice or more
    pub cases_twice_or_more: i64,
    /// steps people took from their role's queue (not hand-offs)
    pub claimed: Vec<Count>,
}

/// A root cause given for a defect.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CauseOf {
    pub defect: String,
    pub defect_label: String,
    pub cause: String,
    pub cause_label: String,
    pub count: i64,
}

/// 6. Why did it happen, and are we fixing it?
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Causes {
    /// cases closed in the period, by root cause
    pub by_cause: Vec<Count>,
    pub by_defect: Vec<CauseOf>,
    pub by_stage: Vec<CauseOf>,
    /// prevention actions at the locations: open and done
    pub prevention_open: i64,
    pub prevention_done: i64,
}

/// Every figure of the Insights pages for one filter.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReportSummary {
    /// first local day, `2026-11-01`
    pub from: String,
    /// last local day, inclusive
    pub to: String,
    pub location_ids: Vec<String>,
    pub leaking: Leaking,
    pub response: Response,
    pub recovery: Outcomes,
    pub cost: Cost,
    pub handoffs: Handoffs,
    pub causes: Causes,
}

/// A share as a whole percentage for people: `Some(0.755)` → "76%".
pub fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{:.0}%", r * 100.0),
        None => "–".into(),
    }
}

/// `part ÷ whole`, or none when there is no whole.
pub fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// A root cause as people read it (the Prevention page's words); blank: none was given.
pub fn cause_label(code: &str) -> String {
    match crate::case::RootCause::parse(code) {
        Some(c) => crate::prevention::root_cause_label(c).to_string(),
        None if code.is_empty() => "Not given".into(),
        None => code.to_string(),
    }
}

/// A severity as people read it; critical defects are the safety ones.
pub fn severity_label(code: &str) -> String {
    match code {
        "minor" => "Minor",
        "major" => "Major",
        "critical" => "Critical (safety)",
        other => other,
    }
    .to_string()
}
