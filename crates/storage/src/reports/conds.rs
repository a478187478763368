//! The conditions reports and the case list share, so that a figure and the list behind it count the
//! same cases: local-day ranges per location, the noticed time, given gestures, reopened cases.

use crate::store::Location;
use jiff::civil::Date;
use olive_domain::gesture::GestureStatus;
use sea_query::{Cond, Expr, ExprTrait, Func, Query, SimpleExpr};

/// A location's local days `from`..=`to` as instants: `[start, end)` in milliseconds.
#[derive(Debug, Clone)]
pub(crate) struct DayBounds {
    pub location_id: String,
    pub start: i64,
    pub end: i64,
}

/// Each location's own midnight to midnight for the days `from`..=`to`.
pub(crate) fn day_bounds(locations: &[Location], from: Date, to: Date) -> Vec<DayBounds> {
    locations
        .iter()
        .filter_map(|l| {
            let start = from.to_zoned(l.tz.clone()).ok()?.timestamp();
            let end = to.tomorrow().ok()?.to_zoned(l.tz.clone()).ok()?.timestamp();
            Some(DayBounds {
                location_id: l.id.clone(),
                start: start.as_millisecond(),
                end: end.as_millisecond(),
            })
        })
        .collect()
}

/// `col` (an instant of a row of `table`) within its location's bounds.
pub(crate) fn within(table: &'static str, col: SimpleExpr, bounds: &[DayBounds]) -> Cond {
    if bounds.is_empty() {
        return Cond::all().add(Expr::val(1).eq(0));
    }
    let mut any = Cond::any();
    for b in bounds {
        any = any.add(
            Cond::all()
                .add(Expr::col((table, "location_id")).eq(b.location_id.clone()))
                .add(col.clone().gte(b.start))
                .add(col.clone().lt(b.end)),
        );
    }
    any
}

/// When the case's defect happened: `noticed_at`, or when it was logged.
pub(crate) fn noticed(table: &'static str) -> SimpleExpr {
    Func::coalesce([
        Expr::col((table, "noticed_at")),
        Expr::col((table, "created_at")),
    ])
    .into()
}

/// The given statuses (`GestureStatus::GIVEN`) as strings.
pub(crate) fn given_statuses() -> Vec<&'static str> {
    GestureStatus::GIVEN.iter().map(|s| s.as_str()).collect()
}

/// The case (`cases` row named `table`) has a given gesture of this kind.
pub(crate) fn has_gesture(table: &'static str, kind: &str) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as("gestures", "gk")
            .and_where(Expr::col(("gk", "case_id")).equals((table, "id")))
            .and_where(Expr::col(("gk", "kind")).eq(kind))
            .and_where(Expr::col(("gk", "status")).is_in(given_statuses()))
            .to_owned(),
    )
}

/// The case was reopened at least once.
pub(crate) fn was_reopened(table: &'static str) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as("timeline", "tr")
            .and_where(Expr::col(("tr", "case_id")).equals((table, "id")))
            .and_where(Expr::col(("tr", "event")).eq("reopened"))
            .to_owned(),
    )
}

/// Someone offered a hand-off of the case.
pub(crate) fn handed_off_by(table: &'static str, staff_id: &str) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as("handoffs", "hb")
            .and_where(Expr::col(("hb", "case_id")).equals((table, "id")))
            .and_where(Expr::col(("hb", "from_id")).eq(staff_id))
            .to_owned(),
    )
}
