//! The outbox as managers see it: listing messages at their locations, retrying a dead one, and counts by status.

use super::*;

impl Store {
    /// Messages at the caller's locations (managers and admins), newest first.
    pub async fn list_outbox(
        &self,
        actor: &Actor,
        status: Option<&str>,
        limit: u64,
    ) -> Result<Vec<OutboxView>, StoreError> {
        let mut q = Query::select()
            .columns([
                "id",
                "channel",
                "event",
                "event_id",
                "location_id",
                "case_id",
                "recipient",
                "subject",
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
                "delivered_at",
            ])
            .from("outbox")
            .order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(limit.clamp(1, 500))
            .to_owned();
        if let Some(st) = status {
            if !["pending", "delivered", "dead"].contains(&st) {
                return Err(StoreError::field(
                    "status",
                    "status is one of pending, delivered, dead",
                ));
            }
            q.and_where(Expr::col("status").eq(st));
        }
        if !actor.is_admin {
            actor.require_somewhere(Permission::Configure)?;
            let managed = actor.locations_allowing(Permission::Configure);
            q.and_where(Expr::col("location_id").is_in(managed));
        }
        let rows = self.db.fetch_all(&q).await?;
        rows.iter()
            .map(|r| {
                let status = s(r, "status")?;
                Ok(OutboxView {
                    id: s(r, "id")?,
                    channel: crate::rows::parse(&s(r, "channel")?, Channel::parse)?,
                    event: s(r, "event")?,
                    event_id: s(r, "event_id")?,
                    location_id: os(r, "location_id")?,
                    case_id: os(r, "case_id")?,
                    recipient: s(r, "recipient")?,
                    subject: s(r, "subject")?,
                    next_attempt_at: (status == "pending")
                        .then(|| i(r, "next_attempt_at").map(rfc3339))
                        .transpose()?,
                    status,
                    attempts: i(r, "attempts")?,
                    last_error: os(r, "last_error")?,
                    created_at: rfc3339(i(r, "created_at")?),
                    delivered_at: opt_rfc3339(oi(r, "delivered_at")?),
                })
            })
            .collect()
    }

    /// Put a dead message back in the queue (a manager of its location, or an admin).
    pub async fn retry_outbox(
        &self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["location_id", "status"])
                    .from("outbox")
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("message"))?;
        let location = os(&row, "location_id")?.unwrap_or_default();
        actor.require_on(Permission::Configure, &location, "message")?;
        if s(&row, "status")? != "dead" {
            return Err(StoreError::conflict(
                "not_dead",
                "only a message that gave up (dead) can be retried",
            ));
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::update()
                .table("outbox")
                .values([
                    ("status", "pending".into()),
                    ("attempts", 0.into()),
                    ("next_attempt_at", ms(now).into()),
                ])
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        tx.audit(
            crate::audit::By::Staff(actor),
            now,
            "message.retried",
            crate::audit::Target::new("message", id, Some(&location)),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await
    }

    /// Count messages by status (for tests, benchmarks and the health of the loop).
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .column("status")
                    .expr_as(Expr::col("id").count(), "n")
                    .from("outbox")
                    .group_by_col("status")
                    .to_owned(),
            )
            .await?;
        rows.iter()
            .map(|r| Ok((s(r, "status")?, i(r, "n")?)))
            .collect()
    }
}
