//! The facts of a report, each loaded with one statement narrowed to the report's locations, period
//! and filters (the same conditions the case list uses for the links behind each figure).

use super::ReportFilter;
use super::conds::{DayBounds, day_bounds, given_statuses, noticed, was_reopened, within};
use crate::error::StoreError;
use crate::rows::{from_ms, i, oi, os, s};
use crate::store::{Location, Store};
use jiff::tz::TimeZone;
use olive_domain::case::{CaseStatus, CloseOutcome};
use olive_domain::insights::{
    Answer, Approval, CaseFact, Claim, Facts, GestureFact, Handoff, Period, StepDue,
};
use sea_query::{Cond, Expr, ExprTrait, Query, SelectStatement};
use sqlx::any::AnyRow;
use std::collections::HashMap;

const CASE_COLS: [&str; 15] = [
    "id",
    "location_id",
    "stage_code",
    "defect_code",
    "severity",
    "owner_id",
    "status",
    "outcome",
    "noticed_at",
    "created_at",
    "first_action_at",
    "next_due_at",
    "closed_at",
    "handoff_count",
    "root_cause",
];

/// The case-level filters (locations, stage, defect, severity, person) on `cases` named `c`.
fn case_filter(f: &ReportFilter, locations: &[Location]) -> Cond {
    let ids: Vec<String> = locations.iter().map(|l| l.id.clone()).collect();
    let mut c = Cond::all().add(Expr::col(("c", "location_id")).is_in(ids));
    let some = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    if let Some(v) = some(&f.stage) {
        c = c.add(Expr::col(("c", "stage_code")).eq(v));
    }
    if let Some(v) = some(&f.defect) {
        c = c.add(if v == "other" {
            Expr::col(("c", "defect_code")).is_null()
        } else {
            Expr::col(("c", "defect_code")).eq(v)
        });
    }
    if let Some(v) = some(&f.severity) {
        c = c.add(Expr::col(("c", "severity")).eq(v));
    }
    if let Some(v) = some(&f.person) {
        c = c.add(Expr::col(("c", "owner_id")).eq(v));
    }
    c
}

fn cases_select(filter: Cond) -> SelectStatement {
    let mut q = Query::select();
    for col in CASE_COLS {
        q.column(("c", col));
    }
    q.expr_as(Expr::case(was_reopened("c"), 1).finally(0), "reopened")
        .from_as("cases", "c")
        .cond_where(filter);
    q
}

fn zone_of(zones: &HashMap<String, TimeZone>, id: &str) -> TimeZone {
    zones.get(id).cloned().unwrap_or(TimeZone::UTC)
}

fn fact(r: &AnyRow, zones: &HashMap<String, TimeZone>) -> Result<CaseFact, StoreError> {
    let location_id = s(r, "location_id")?;
    let tz = zone_of(zones, &location_id);
    let noticed = from_ms(oi(r, "noticed_at")?.map_or_else(|| i(r, "created_at"), Ok)?);
    let status = crate::rows::parse(&s(r, "status")?, CaseStatus::parse)?;
    Ok(CaseFact {
        id: s(r, "id")?,
        stage: s(r, "stage_code")?,
        defect: os(r, "defect_code")?,
        severity: s(r, "severity")?,
        owner_id: s(r, "owner_id")?,
        status,
        outcome: os(r, "outcome")?.and_then(|o| CloseOutcome::parse(&o)),
        noticed,
        noticed_local: noticed.to_zoned(tz.clone()).datetime(),
        first_action: oi(r, "first_action_at")?.map(from_ms),
        next_due: oi(r, "next_due_at")?.map(from_ms),
        closed_on: oi(r, "closed_at")?.map(|t| from_ms(t).to_zoned(tz.clone()).date()),
        handoff_count: i(r, "handoff_count")?,
        reopened: i(r, "reopened")? != 0,
        root_cause: os(r, "root_cause")?,
        location_id,
    })
}

impl Store {
    pub(super) async fn report_facts(
        &self,
        locations: &[Location],
        f: &ReportFilter,
        period: Period,
    ) -> Result<Facts, StoreError> {
        let zones: HashMap<String, TimeZone> = locations
            .iter()
            .map(|l| (l.id.clone(), l.tz.clone()))
            .collect();
        let bounds = day_bounds(locations, period.from, period.to);
        let filter = case_filter(f, locations);
        let in_period = |b: &[DayBounds]| filter.clone().add(within("c", noticed("c"), b));
        let facts_of = |rows: Vec<AnyRow>| -> Result<Vec<CaseFact>, StoreError> {
            rows.iter().map(|r| fact(r, &zones)).collect()
        };

        let noticed_cases = facts_of(self.db.fetch_all(&cases_select(in_period(&bounds))).await?)?;

        let prev = period.previous();
        let mut pq = Query::select();
        pq.expr_as(Expr::col(("c", "stage_code")), "k")
            .expr_as(Expr::col(("c", "id")).count(), "n")
            .from_as("cases", "c")
            .cond_where(in_period(&day_bounds(locations, prev.from, prev.to)))
            .group_by_col(("c", "stage_code"));
        let mut previous_by_stage = HashMap::new();
        for r in self.db.fetch_all(&pq).await? {
            previous_by_stage.insert(s(&r, "k")?, i(&r, "n")?);
        }

        let closed_filter = filter
            .clone()
            .add(Expr::col(("c", "status")).eq(CaseStatus::Closed.as_str()))
            .add(within("c", Expr::col(("c", "closed_at")), &bounds));
        let closed_cases = facts_of(
            self.db
                .fetch_all(&cases_select(closed_filter.clone()))
                .await?,
        )?;
        let mut kinds: HashMap<String, Vec<String>> = HashMap::new();
        let mut kq = Query::select();
        kq.columns([("g", "case_id"), ("g", "kind")])
            .from_as("gestures", "g")
            .join_as(
                sea_query::JoinType::InnerJoin,
                "cases",
                "c",
                Expr::col(("c", "id")).equals(("g", "case_id")),
            )
            .cond_where(closed_filter)
            .and_where(Expr::col(("g", "status")).is_in(given_statuses()));
        for r in self.db.fetch_all(&kq).await? {
            kinds
                .entry(s(&r, "case_id")?)
                .or_default()
                .push(s(&r, "kind")?);
        }
        let closed = closed_cases
            .into_iter()
            .map(|c| {
                let k = kinds.remove(&c.id).unwrap_or_default();
                (c, k)
            })
            .collect();

        let open_filter = filter.clone().add(
            Expr::col(("c", "status")).is_in(
                [
                    CaseStatus::Open,
                    CaseStatus::InProgress,
                    CaseStatus::AwaitingVerification,
                ]
                .map(|s| s.as_str()),
            ),
        );
        let open = facts_of(self.db.fetch_all(&cases_select(open_filter)).await?)?;

        let joined = |table: &'static str, alias: &'static str| {
            let mut q = Query::select();
            q.from_as(table, alias).join_as(
                sea_query::JoinType::InnerJoin,
                "cases",
                "c",
                Expr::col(("c", "id")).equals((alias, "case_id")),
            );
            q
        };

        let mut sq = joined("case_steps", "s");
        sq.columns([("s", "due_at"), ("s", "done_at"), ("s", "status")])
            .cond_where(filter.clone())
            .and_where(Expr::col(("c", "status")).ne(CaseStatus::Cancelled.as_str()))
            .cond_where(within("c", Expr::col(("s", "due_at")), &bounds));
        let mut steps_due = Vec::new();
        for r in self.db.fetch_all(&sq).await? {
            let settled = match s(&r, "status")?.as_str() {
                "pending" => None,
                _ => oi(&r, "done_at")?.map(from_ms),
            };
            steps_due.push(StepDue {
                due: from_ms(i(&r, "due_at")?),
                settled,
            });
        }

        let (from_day, to_day) = (period.from.to_string(), period.to.to_string());
        let mut gq = joined("gestures", "g");
        gq.columns([
            ("g", "case_id"),
            ("g", "kind"),
            ("g", "currency"),
            ("g", "value_cents"),
            ("g", "given_day"),
        ])
        .column(("c", "location_id"))
        .cond_where(filter.clone())
        .and_where(Expr::col(("g", "status")).is_in(given_statuses()))
        .and_where(Expr::col(("g", "given_day")).gte(from_day))
        .and_where(Expr::col(("g", "given_day")).lte(to_day));
        let mut gestures = Vec::new();
        for r in self.db.fetch_all(&gq).await? {
            gestures.push(GestureFact {
                case_id: s(&r, "case_id")?,
                location_id: s(&r, "location_id")?,
                kind: s(&r, "kind")?,
                currency: s(&r, "currency")?,
                cents: i(&r, "value_cents")?,
                given_on: s(&r, "given_day")?
                    .parse()
                    .map_err(|_| StoreError::Corrupt("gesture day".into()))?,
            });
        }

        let mut aq = joined("gestures", "g");
        aq.columns([("g", "given_at"), ("g", "status"), ("g", "decided_at")])
            .cond_where(filter.clone())
            .cond_where(
                Cond::any()
                    .add(Expr::col(("g", "decided_at")).is_not_null())
                    .add(Expr::col(("g", "status")).eq("pending_approval")),
            )
            .cond_where(within("c", Expr::col(("g", "given_at")), &bounds));
        let mut approvals = Vec::new();
        for r in self.db.fetch_all(&aq).await? {
            let status = s(&r, "status")?;
            approvals.push(Approval {
                asked: from_ms(i(&r, "given_at")?),
                decided: match oi(&r, "decided_at")? {
                    Some(at) if status != "pending_approval" => {
                        Some((status != "declined", from_ms(at)))
                    }
                    _ => None,
                },
            });
        }

        let mut fq = joined("followups", "f");
        fq.columns([("f", "rating"), ("f", "would_return")])
            .cond_where(filter.clone())
            .and_where(Expr::col(("f", "answered_at")).is_not_null())
            .cond_where(within("c", Expr::col(("f", "answered_at")), &bounds));
        let mut answers = Vec::new();
        for r in self.db.fetch_all(&fq).await? {
            answers.push(Answer {
                rating: oi(&r, "rating")?,
                would_return: oi(&r, "would_return")?.map(|v| v != 0),
            });
        }

        let mut hq = joined("handoffs", "h");
        hq.columns([
            ("h", "case_id"),
            ("h", "from_id"),
            ("h", "status"),
            ("h", "reason"),
        ])
        .cond_where(in_period(&bounds));
        let mut handoffs = Vec::new();
        for r in self.db.fetch_all(&hq).await? {
            handoffs.push(Handoff {
                case_id: s(&r, "case_id")?,
                from_id: s(&r, "from_id")?,
                status: s(&r, "status")?,
                reason: s(&r, "reason")?,
            });
        }

        let mut tq = joined("timeline", "t");
        tq.columns([("t", "actor_id"), ("t", "data")])
            .cond_where(filter.clone())
            .and_where(Expr::col(("t", "event")).eq("step_assigned"))
            .cond_where(within("c", Expr::col(("t", "at")), &bounds));
        let mut claims = Vec::new();
        for r in self.db.fetch_all(&tq).await? {
            let data: serde_json::Value = serde_json::from_str(&s(&r, "data")?).unwrap_or_default();
            if let (Some("claimed"), Some(who)) = (data["how"].as_str(), os(&r, "actor_id")?) {
                claims.push(Claim { staff_id: who });
            }
        }

        let mut vq = Query::select();
        vq.column("status")
            .expr_as(Expr::col("id").count(), "n")
            .from("prevention_actions")
            .and_where(Expr::col("location_id").is_in(locations.iter().map(|l| l.id.clone())))
            .group_by_col("status");
        if let Some(d) = f.defect.as_deref().filter(|v| !v.is_empty()) {
            vq.and_where(Expr::col("defect_code").eq(d));
        }
        let mut prevention = (0, 0);
        for r in self.db.fetch_all(&vq).await? {
            match s(&r, "status")?.as_str() {
                "done" => prevention.1 += i(&r, "n")?,
                _ => prevention.0 += i(&r, "n")?,
            }
        }
        Ok(Facts {
            noticed: noticed_cases,
            previous_by_stage,
            closed,
            open,
            steps_due,
            gestures,
            approvals,
            answers,
            handoffs,
            claims,
            prevention,
        })
    }
}
