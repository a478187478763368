//! Reports over HTTP: the Insights summary (every figure, with its definition) and the count behind a
//! figure's link.

use crate::auth::Auth;
use crate::error::{ApiQuery, ApiResult, BadInput, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use olive_domain::insights::ReportSummary;
use olive_storage::cases::CaseFilter;
use olive_storage::reports::ReportFilter;
use serde::Serialize;

/// Every Insights figure for the caller's locations (managers: theirs; admins: every location, or one).
///
/// Definitions:
/// - a case belongs to the period by its **noticed** date (when the defect happened, else when it was
///   logged), in its location's time zone; `from` and `to` are whole local days, `to` included;
/// - **recovery rate** = cases closed as recovered (which needs a satisfied verification) ÷ cases closed
///   as recovered or not recovered, by close date; cancelled cases are left out;
/// - **on-time rate** = steps settled (done or skipped) by their due time ÷ steps due in the period
///   (cancelled cases left out);
/// - **time to first action** = the first settled step − the noticed time, floored at 0 (steps ticked as
///   done when logging count); median and p90 by nearest rank;
/// - **spend** = gestures given (approved, sent or delivered; not waiting, not declined) by the day they
///   were given in the location's day, per currency; spend per recovered case = spend ÷ cases recovered;
/// - **hand-offs** are those offered on cases noticed in the period; steps claimed from a role's queue
///   are counted apart (they are not hand-offs);
/// - **root causes** are those of the cases closed in the period.
#[utoipa::path(get, path = "/api/v1/reports/summary", tag = "reports", params(ReportFilter),
    responses((status = 200, body = ReportSummary), (status = 403, description = "only managers and admins see insights", body = ErrorBody), (status = 404, description = "`location_id` is not one of your locations", body = ErrorBody), (status = 422, description = "a filter is not valid; `fields` names it", body = ErrorBody), BadInput),
    security(("bearer" = [])))]
pub async fn summary(
    State(st): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(f): ApiQuery<ReportFilter>,
) -> ApiResult<Json<ReportSummary>> {
    Ok(Json(st.store.report_summary(&actor, &f, st.now()).await?))
}

/// How many cases a list filter matches.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseCount {
    pub count: i64,
}

/// How many cases match the case list's filters (`limit` and `cursor` aside): the number behind an
/// Insights figure's link.
#[utoipa::path(get, path = "/api/v1/cases/count", tag = "cases", params(CaseFilter),
    responses((status = 200, body = CaseCount), (status = 404, description = "`location_id` is not one of your locations", body = ErrorBody), (status = 422, body = ErrorBody), BadInput),
    security(("bearer" = [])))]
pub async fn count_cases(
    State(st): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(f): ApiQuery<CaseFilter>,
) -> ApiResult<Json<CaseCount>> {
    Ok(Json(CaseCount {
        count: st.store.count_cases(&actor, &f, st.now()).await?,
    }))
}
