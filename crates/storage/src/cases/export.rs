//! What a case export needs beyond a list's summaries: the root cause, the gestures given and their
//! sum, and whether the last verification found the customer satisfied, read for a page of cases at once.

use super::*;

/// The export's columns a `CaseSummary` does not carry, for one case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFacts {
    pub root_cause: Option<RootCause>,
    /// gestures given: approved (by a manager, or within the giver's authority), sent or delivered;
    /// never one pending approval or declined
    pub gestures_given: i64,
    /// the sum of those gestures' values, in cents of the location's currency
    pub spend_cents: i64,
    /// the last verification: satisfied (`Some(true)`), not satisfied (`Some(false)`), none (`None`)
    pub verified: Option<bool>,
}

/// The statuses of a gesture that was given.
pub const GIVEN: [GestureStatus; 3] = [
    GestureStatus::Approved,
    GestureStatus::Sent,
    GestureStatus::Delivered,
];

impl Store {
    /// The export facts of these cases (a page of a list), in one statement, keyed by case id. Cases
    /// outside the caller's locations are left out, as the list leaves them out.
    pub async fn export_facts(
        &self,
        actor: &Actor,
        case_ids: &[String],
    ) -> Result<HashMap<String, ExportFacts>, StoreError> {
        if case_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let given = || {
            Query::select()
                .from_as("gestures", "g")
                .and_where(Expr::col(("g", "case_id")).equals(("c", "id")))
                .and_where(Expr::col(("g", "status")).is_in(GIVEN.map(GestureStatus::as_str)))
                .to_owned()
        };
        let count = given()
            .expr(Expr::col(("g", "id")).count().cast_as("BIGINT"))
            .to_owned();
        let spend = given()
            .expr(
                Func::coalesce([Expr::col(("g", "value_cents")).sum(), Expr::val(0)])
                    .cast_as("BIGINT"),
            )
            .to_owned();
        let verified = Query::select()
            .column(("v", "satisfied"))
            .from_as("verifications", "v")
            .and_where(Expr::col(("v", "case_id")).equals(("c", "id")))
            .order_by(("v", "created_at"), Order::Desc)
            .order_by(("v", "id"), Order::Desc)
            .limit(1)
            .to_owned();
        let sub = |q: SelectStatement| Expr::SubQuery(None, Box::new(q.into()));
        let mut q = Query::select()
            .column(("c", "id"))
            .column(("c", "root_cause"))
            .expr_as(sub(count), "given")
            .expr_as(sub(spend), "spend")
            .expr_as(sub(verified), "verified")
            .from_as("cases", "c")
            .and_where(Expr::col(("c", "id")).is_in(case_ids.iter().cloned()))
            .to_owned();
        if let Some(scope) = actor.scope() {
            q.and_where(Expr::col(("c", "location_id")).is_in(scope));
        }
        let mut out = HashMap::new();
        for r in self.db.fetch_all(&q).await? {
            let root_cause = os(&r, "root_cause")?
                .map(|v| {
                    serde_json::from_value(serde_json::Value::String(v))
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                })
                .transpose()?;
            out.insert(
                s(&r, "id")?,
                ExportFacts {
                    root_cause,
                    gestures_given: i(&r, "given")?,
                    spend_cents: i(&r, "spend")?,
                    verified: oi(&r, "verified")?.map(|v| v != 0),
                },
            );
        }
        Ok(out)
    }
}
