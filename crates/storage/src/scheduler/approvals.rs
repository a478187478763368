//! Approvals never wait forever: a gesture request nobody decided within its location's setting
//! (counted in opening hours) becomes one escalation job, which tells everyone else who could
//! approve it (My work and email) and tells the requester it was escalated.

use super::queue_job;
use crate::actions::gesture_words;
use crate::audit::By;
use crate::db::Tx;
use crate::error::StoreError;
use crate::rows::{i, ms, oi, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::approval::{escalation_due, escalation_recipients};
use olive_domain::authority::{can_approve, may_approve};
use olive_domain::case::CaseEvent;
use olive_domain::gesture::GestureStatus;
use olive_domain::money::Cents;
use olive_domain::role::Role;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// The job kind, and the prefix of its unique key (one escalation per request, ever).
pub(super) const KIND: &str = "approval_escalation";

#[derive(Deserialize)]
pub(super) struct EscalationJob {
    gesture_id: String,
    case_id: String,
}

impl Store {
    /// Queue an escalation job for each gesture request still undecided once its location's wait
    /// (minutes of opening hours) is over, looking at up to `limit` of the oldest. Returns how many
    /// were queued (a request already escalated or queued is not queued again).
    pub async fn scan_approvals(&self, now: Timestamp, limit: u64) -> Result<usize, StoreError> {
        let rows = self.db.fetch_all(&waiting(ms(now), limit)).await?;
        let mut due = Vec::new();
        let mut calendars = HashMap::new();
        for r in &rows {
            let loc = s(r, "loc")?;
            if !calendars.contains_key(&loc) {
                calendars.insert(loc.clone(), self.location(&loc).await?.calendar());
            }
            let asked = crate::rows::from_ms(i(r, "given_at")?);
            if escalation_due(asked, i(r, "minutes")?, now, &calendars[&loc]) {
                due.push((s(r, "id")?, s(r, "case_id")?));
            }
        }
        let mut queued = 0;
        if !due.is_empty() {
            let mut tx = self.db.begin().await?;
            for (gesture_id, case_id) in &due {
                let payload = json!({"gesture_id": gesture_id, "case_id": case_id});
                let key = format!("{KIND}:{gesture_id}");
                queued += usize::from(queue_job(&mut tx, KIND, &key, payload, now, now).await?);
            }
            tx.commit().await?;
        }
        Ok(queued)
    }

    /// Run one escalation job: if the request is still waiting, everyone else who could approve it
    /// gets a My-work entry and an email, the requester is told, and the case's timeline says so.
    pub(super) async fn escalate_approval(
        &self,
        tx: &mut Tx,
        job: EscalationJob,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns([
                        "kind",
                        "value_cents",
                        "currency",
                        "status",
                        "given_by",
                        "escalated_at",
                    ])
                    .from("gestures")
                    .and_where(Expr::col("id").eq(job.gesture_id.clone()))
                    .to_owned(),
            )
            .await?;
        let Some(row) = row else { return Ok(()) };
        if s(&row, "status")? != GestureStatus::PendingApproval.as_str()
            || oi(&row, "escalated_at")?.is_some()
        {
            return Ok(()); // decided meanwhile, or already escalated
        }
        let c = self.case_by_id_tx(tx, &job.case_id).await?;
        let location = self.location(&c.location_id).await?;
        let value = Cents(i(&row, "value_cents")?);
        let requester = s(&row, "given_by")?;
        // Everyone who could approve it: the location's managers within their own per-case limit and
        // with room left in their day (an approval is charged to the approver's day), and the admins.
        let manager_limit = self
            .limits_at(&c.location_id)
            .await?
            .for_role(Role::Manager);
        let manager_may = can_approve(Role::Manager, manager_limit, value);
        let mut approvers = Vec::new();
        if manager_may {
            let managers = tx
                .fetch_all(
                    &Query::select()
                        .column(("s", "id"))
                        .from_as("staff", "s")
                        .inner_join(
                            sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                            Expr::col(("sl", "staff_id")).equals(("s", "id")),
                        )
                        .and_where(Expr::col(("sl", "location_id")).eq(c.location_id.clone()))
                        .and_where(Expr::col(("sl", "role")).eq(Role::Manager.as_str()))
                        .and_where(Expr::col(("s", "active")).eq(1))
                        .to_owned(),
                )
                .await?;
            for r in &managers {
                let id = s(r, "id")?;
                let today = self
                    .given(Some(&mut *tx), &id, "", &location, now)
                    .await?
                    .today;
                if may_approve(Role::Manager, manager_limit, today, false, value).is_ok() {
                    approvers.push(id);
                }
            }
        }
        let admins = tx
            .fetch_all(
                &Query::select()
                    .column("id")
                    .from("staff")
                    .and_where(Expr::col("is_admin").eq(1))
                    .and_where(Expr::col("active").eq(1))
                    .to_owned(),
            )
            .await?;
        for r in &admins {
            approvers.push(s(r, "id")?);
        }
        let people = escalation_recipients(&requester, &approvers);
        let told = self.recipients(tx, &people).await?;
        let asker = self
            .recipients(tx, std::slice::from_ref(&requester))
            .await?
            .pop()
            .map_or_else(|| "Someone".to_string(), |p| p.name);
        tx.execute(
            &Query::update()
                .table("gestures")
                .value("escalated_at", ms(now))
                .and_where(Expr::col("id").eq(job.gesture_id.clone()))
                .to_owned(),
        )
        .await?;
        let minutes = location.approval_escalation_minutes;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::System,
            CaseEvent::Escalated,
            json!({"gesture_id": job.gesture_id, "kind": s(&row, "kind")?, "value_cents": value.0, "requested_by": requester, "minutes": minutes, "told": people}),
        )
        .await?;
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        let what = gesture_words(&playbook, &s(&row, "kind")?, value.0, &s(&row, "currency")?);
        let text = format!(
            "{asker} asked for {what} on C-{} {minutes} minutes of opening hours ago and nobody has decided: approve or decline it, the customer may be waiting.",
            c.reference
        );
        let subject = format!("Waiting for approval: {what} on C-{}", c.reference);
        self.notify(tx, &people, &c, KIND, &subject, &text, now)
            .await?;
        let names: Vec<String> = told.into_iter().map(|p| p.name).collect();
        let to_whom = if names.is_empty() {
            "nobody else can approve it".to_string()
        } else {
            format!("escalated to {}", names.join(", "))
        };
        let text = format!(
            "Nobody decided your request for {what} on C-{} within {minutes} minutes: {to_whom}.",
            c.reference
        );
        crate::notify::insert_notification(
            tx,
            &requester,
            Some(&c.id),
            "approval_escalated",
            &text,
            now,
        )
        .await
    }
}

/// Requests still waiting and never escalated whose wait is over by the wall clock (only those can
/// be over in opening hours), oldest first.
fn waiting(now: i64, limit: u64) -> sea_query::SelectStatement {
    let wait_ms = Expr::col(("l", "approval_escalation_minutes")).mul(60_000);
    Query::select()
        .columns([("g", "id"), ("g", "case_id"), ("g", "given_at")])
        .expr_as(Expr::col(("l", "id")), "loc")
        .expr_as(Expr::col(("l", "approval_escalation_minutes")), "minutes")
        .from_as("gestures", "g")
        .inner_join(
            sea_query::TableRef::Table("cases".into(), Some("c".into())),
            Expr::col(("c", "id")).equals(("g", "case_id")),
        )
        .inner_join(
            sea_query::TableRef::Table("locations".into(), Some("l".into())),
            Expr::col(("l", "id")).equals(("c", "location_id")),
        )
        // Literal conditions, so the scan walks the partial index `gestures_waiting` (requests never
        // escalated, by status and age) in order.
        .and_where(Expr::cust("g.status = 'pending_approval'"))
        .and_where(Expr::cust("g.escalated_at IS NULL"))
        .and_where(Expr::col(("g", "given_at")).add(wait_ms).lte(now))
        .order_by(("g", "given_at"), Order::Asc)
        .limit(limit)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::waiting;
    use crate::testing::fresh_store;
    use sea_query::SqliteQueryBuilder;
    use sea_query_sqlx::SqlxBinder;

    /// The scan walks only the waiting requests (the partial index), oldest first, whatever the
    /// history of gestures.
    #[tokio::test]
    async fn the_scan_walks_the_waiting_index() {
        let store = fresh_store(false).await.unwrap();
        let (sql, _) = waiting(1_000, 100).build_sqlx(SqliteQueryBuilder);
        let plan = store.db.explain(&sql).await.unwrap();
        assert!(
            plan.contains("USING INDEX gestures_waiting") && !plan.contains("TEMP B-TREE"),
            "{sql}\n{plan}"
        );
    }
}
