//! Basic statistics over the caller's cases: counts by stage and defect, overdue, handoffs, gestures, recovery.

use crate::actor::Actor;
use crate::error::StoreError;
use crate::rows::{i, ms, oi, s};
use crate::store::Store;
use crate::views::{CountBy, CurrencyTotal, Stats};
use jiff::Timestamp;
use olive_domain::case::{CaseStatus, HOT_POTATO_HANDOFFS};
use olive_domain::permission::Permission;
use sea_query::{Expr, ExprTrait, Query, SelectStatement};

/// Optional narrowing of the statistics.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct StatsFilter {
    pub location_id: Option<String>,
    /// only cases reported at or after this RFC 3339 instant
    pub since: Option<String>,
}

impl Store {
    pub async fn stats(
        &self,
        actor: &Actor,
        f: &StatsFilter,
        now: Timestamp,
    ) -> Result<Stats, StoreError> {
        let since = match f.since.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => Some(v.parse::<Timestamp>().map_err(|_| {
                StoreError::field(
                    "since",
                    "use an RFC 3339 instant such as 2026-01-31T00:00:00Z",
                )
            })?),
            None => None,
        };
        if let Some(l) = &f.location_id {
            actor.require(Permission::Read, l)?;
        }
        let scoped = |mut q: SelectStatement| {
            q.from_as("cases", "c");
            if let Some(scope) = actor.scope() {
                q.and_where(Expr::col(("c", "location_id")).is_in(scope));
            }
            if let Some(l) = &f.location_id {
                q.and_where(Expr::col(("c", "location_id")).eq(l.clone()));
            }
            if let Some(t) = since {
                q.and_where(Expr::col(("c", "created_at")).gte(ms(t)));
            }
            q
        };
        let by = |col: &'static str| {
            let mut q = Query::select();
            q.expr_as(Expr::col(("c", col)), "k")
                .expr_as(Expr::col(("c", "id")).count(), "n");
            let mut q = scoped(q);
            q.group_by_col(("c", col))
                .order_by_expr(Expr::col(("c", "id")).count(), sea_query::Order::Desc)
                .limit(50);
            q
        };
        let counts = |rows: Vec<sqlx::any::AnyRow>| -> Result<Vec<CountBy>, StoreError> {
            rows.iter()
                .map(|r| {
                    Ok(CountBy {
                        key: crate::rows::os(r, "k")?.unwrap_or_else(|| "other".into()),
                        count: i(r, "n")?,
                    })
                })
                .collect()
        };
        let by_stage = counts(self.db.fetch_all(&by("stage_code")).await?)?;
        let by_defect = counts(self.db.fetch_all(&by("defect_code")).await?)?;
        let active = [
            CaseStatus::Open.as_str(),
            CaseStatus::InProgress.as_str(),
            CaseStatus::AwaitingVerification.as_str(),
        ];
        let mut totals = Query::select();
        totals
            .expr_as(Expr::col(("c", "id")).count(), "total")
            .expr_as(
                Expr::case(Expr::col(("c", "status")).is_in(active), 1)
                    .finally(0)
                    .sum()
                    .cast_as("BIGINT"),
                "open",
            )
            .expr_as(
                Expr::case(
                    Expr::col(("c", "status"))
                        .is_in(active)
                        .and(Expr::col(("c", "next_due_at")).lt(ms(now))),
                    1,
                )
                .finally(0)
                .sum()
                .cast_as("BIGINT"),
                "overdue",
            )
            .expr_as(
                Expr::col(("c", "handoff_count")).sum().cast_as("BIGINT"),
                "handoffs",
            )
            .expr_as(
                Expr::case(
                    Expr::col(("c", "handoff_count")).gte(HOT_POTATO_HANDOFFS),
                    1,
                )
                .finally(0)
                .sum()
                .cast_as("BIGINT"),
                "hot",
            )
            .expr_as(
                Expr::case(
                    Expr::col(("c", "status")).eq(CaseStatus::Closed.as_str()),
                    1,
                )
                .finally(0)
                .sum()
                .cast_as("BIGINT"),
                "closed",
            )
            .expr_as(
                Expr::case(Expr::col(("c", "outcome")).eq("recovered"), 1)
                    .finally(0)
                    .sum()
                    .cast_as("BIGINT"),
                "recovered",
            );
        let row = self
            .db
            .fetch_optional(&scoped(totals))
            .await?
            .ok_or_else(|| StoreError::Corrupt("stats".into()))?;
        let num = |c: &str| -> Result<i64, StoreError> { Ok(oi(&row, c)?.unwrap_or(0)) };

        // Gestures on cases in scope.
        let mut gq2 = Query::select();
        gq2.expr_as(Expr::col(("g", "value_cents")), "v")
            .column(("g", "status"))
            .column(("g", "currency"))
            .from_as("gestures", "g");
        let mut scope_q = scoped(Query::select().column(("c", "id")).to_owned());
        scope_q.and_where(Expr::col(("c", "id")).equals(("g", "case_id")));
        gq2.and_where(Expr::exists(scope_q));
        let mut given = std::collections::BTreeMap::<String, i64>::new();
        let mut pending = 0i64;
        for r in self.db.fetch_all(&gq2).await? {
            match s(&r, "status")?.as_str() {
                "pending_approval" => pending += 1,
                "declined" => {}
                _ => {
                    let t = given.entry(s(&r, "currency")?).or_default();
                    *t = t.saturating_add(i(&r, "v")?);
                }
            }
        }
        let given = given
            .into_iter()
            .map(|(currency, cents)| CurrencyTotal { currency, cents })
            .collect();

        // The hot-potato measure per person: accepted hand-offs each person passed on.
        let mut hq = Query::select();
        hq.expr_as(Expr::col(("h", "from_id")), "k")
            .expr_as(Expr::col(("h", "id")).count(), "n")
            .from_as("handoffs", "h")
            .and_where(Expr::col(("h", "status")).eq("accepted"));
        let mut in_scope = scoped(Query::select().column(("c", "id")).to_owned());
        in_scope.and_where(Expr::col(("c", "id")).equals(("h", "case_id")));
        hq.and_where(Expr::exists(in_scope))
            .group_by_col(("h", "from_id"))
            .order_by_expr(Expr::col(("h", "id")).count(), sea_query::Order::Desc);
        let handoffs_by_person = counts(self.db.fetch_all(&hq).await?)?;

        let mut first = Query::select();
        first.expr_as(
            Expr::col(("c", "first_action_at")).sub(Expr::col(("c", "created_at"))),
            "d",
        );
        let mut first = scoped(first);
        first.and_where(Expr::col(("c", "first_action_at")).is_not_null());
        let mut mins: Vec<i64> = self
            .db
            .fetch_all(&first)
            .await?
            .iter()
            .filter_map(|r| oi(r, "d").ok().flatten())
            .collect();
        mins.sort_unstable();
        let median = if mins.is_empty() {
            None
        } else {
            let n = mins.len();
            let m = if n % 2 == 1 {
                mins[n / 2] as f64
            } else {
                (mins[n / 2 - 1] + mins[n / 2]) as f64 / 2.0
            };
            Some((m / 60_000.0 * 10.0).round() / 10.0)
        };
        let closed = num("closed")?;
        let recovered = num("recovered")?;
        Ok(Stats {
            total_cases: num("total")?,
            open_cases: num("open")?,
            overdue_cases: num("overdue")?,
            by_stage,
            by_defect,
            handoffs: num("handoffs")?,
            handoffs_by_person,
            hot_potato_cases: num("hot")?,
            gestures_given: given,
            gestures_pending: pending,
            closed_cases: closed,
            recovered_cases: recovered,
            recovered_rate: (closed > 0).then(|| recovered as f64 / closed as f64),
            median_minutes_to_first_action: median,
        })
    }
}
