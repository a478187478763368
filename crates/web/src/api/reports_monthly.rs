//! The monthly report as a PDF download (`GET /api/v1/reports/monthly.pdf`): a location's month, or
//! the group's (every location; admins only), drawn by `olive-report` from the same figures the
//! worker emails on the first business day of the next month. Aggregates only.

use crate::auth::Auth;
use crate::error::{ApiQuery, ApiResult, BadInput, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use olive_domain::permission::Permission;
use olive_report::{GROUP_NAME, Month, MonthlyReport};
use olive_storage::{Actor, Store, StoreError};
use serde::Deserialize;

/// The permission the monthly report needs.
pub const REPORT_PERMISSION: Permission = Permission::Insights;

/// Which report.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MonthlyQuery {
    /// the location (required but for admins; an admin leaving it out gets the group: every location)
    pub location_id: Option<String>,
    /// the month, `YYYY-MM` (not after the current one)
    pub month: Option<String>,
}

/// The month the query names: `YYYY-MM`, not after the month `now` is in anywhere on Earth (a
/// 422 on `month` otherwise).
pub fn checked_month(month: Option<&str>, now: Timestamp) -> Result<Month, StoreError> {
    let month = month
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| StoreError::field("month", "give the month as YYYY-MM, e.g. 2026-11"))?;
    let month = Month::parse(month).ok_or_else(|| {
        StoreError::field("month", "use YYYY-MM with a month 01 to 12, e.g. 2026-11")
    })?;
    // The earliest time zone (UTC+14) is the first to enter a month.
    let latest = jiff::tz::TimeZone::fixed(jiff::tz::offset(14));
    if month > Month::of(now.to_zoned(latest).date()) {
        return Err(StoreError::field("month", "that month has not begun"));
    }
    Ok(month)
}

/// Who may have which report: a location's needs the permission there (another location is a 404);
/// the group's (no location) is an admin's; anyone else must name the location (422), and someone
/// holding the permission nowhere is refused (403).
pub fn check_access(actor: &Actor, location_id: Option<&str>) -> Result<(), StoreError> {
    match location_id {
        Some(id) => actor.require(REPORT_PERMISSION, id).map(|_| ()),
        None if actor.is_admin => Ok(()),
        None => {
            actor.require_somewhere(REPORT_PERMISSION)?;
            Err(StoreError::field(
                "location_id",
                "name the location: only admins get the group's report",
            ))
        }
    }
}

/// A scope's figures for the month (`location_id` None: the group), from the month's Insights
/// summary as `actor` may see it (the same numbers as `GET /api/v1/reports/summary`).
pub async fn monthly_figures(
    store: &Store,
    actor: &Actor,
    location_id: Option<&str>,
    month: Month,
    now: Timestamp,
) -> Result<MonthlyReport, StoreError> {
    let (name, summary) = store.month_summary(actor, location_id, month, now).await?;
    let business = name.unwrap_or_else(|| GROUP_NAME.to_string());
    Ok(MonthlyReport::from_summary(business, month, &summary))
}

/// The month's report as a PDF: headline figures (cases logged, the top leaking stage and defect,
/// recovery rate, time to first action, on-time rate, gesture spend against the budget, hand-offs)
/// and charts (defects by stage, spend by gesture kind, ratings). No customer's name or details.
#[utoipa::path(get, path = "/api/v1/reports/monthly.pdf", tag = "stats", params(MonthlyQuery),
    responses(
        (status = 200, description = "the PDF, as an attachment named olive-YYYY-MM-<location>.pdf", content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "the caller's role may not have reports", body = ErrorBody),
        (status = 404, description = "no such location among the caller's", body = ErrorBody),
        (status = 422, description = "a bad or future `month`, or no `location_id` from someone who is not an admin", body = ErrorBody),
        BadInput),
    security(("bearer" = [])))]
pub async fn monthly_pdf(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiQuery(q): ApiQuery<MonthlyQuery>,
) -> ApiResult<Response> {
    let location_id = q
        .location_id
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    check_access(&a, location_id)?;
    let now = st.now();
    let month = checked_month(q.month.as_deref(), now)?;
    let report = monthly_figures(&st.store, &a, location_id, month, now).await?;
    Ok(pdf_response(&report)?)
}

/// The report as a PDF download (the API's route and the Insights page's link).
pub fn pdf_response(report: &MonthlyReport) -> Result<Response, StoreError> {
    let pdf = olive_report::monthly_pdf(report)
        .map_err(|e| StoreError::Config(format!("the monthly report: {e}")))?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        olive_report::file_name(report)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_checked() {
        let now: Timestamp = "2026-12-06T02:00:00Z".parse().unwrap();
        assert_eq!(
            checked_month(Some("2026-11"), now).unwrap().to_string(),
            "2026-11"
        );
        assert!(checked_month(Some("2026-12"), now).is_ok());
        for bad in [
            None,
            Some(""),
            Some("2026-13"),
            Some("2027-01"),
            Some("Nov 2026"),
        ] {
            let e = checked_month(bad, now).unwrap_err();
            assert!(
                matches!(e, StoreError::Validation { ref fields, .. } if fields.contains_key("month")),
                "{bad:?}"
            );
        }
        // 30 November 23:00 UTC is already December in Kiritimati.
        let late: Timestamp = "2026-11-30T23:00:00Z".parse().unwrap();
        assert!(checked_month(Some("2026-12"), late).is_ok());
    }
}
