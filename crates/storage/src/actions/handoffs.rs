//! Handing a case to someone else: proposing a handoff, and the recipient accepting or declining it.

use super::*;

impl Store {
    /// Propose a handoff. The case stays with its owner until the other person accepts.
    pub async fn propose_handoff(
        &self,
        actor: &Actor,
        key: &str,
        h: NewHandoff,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let mut errs = FieldErrors::default();
        required(
            &mut errs,
            "reason",
            &h.reason,
            "say why you are handing the case over",
        );
        errs.check(
            !h.to.trim().is_empty(),
            "to",
            "choose who to hand the case to",
        );
        errs.into_result()?;
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        if !c.status.is_active() {
            return Err(finished(&c));
        }
        actor.require_on(Permission::Change, &c.location_id, "case")?;
        if c.owner_id != actor.staff_id {
            actor.require_on(Permission::Reassign, &c.location_id, "case")?;
        }
        if h.to == c.owner_id {
            return Err(StoreError::field(
                "to",
                "the case is already with that person",
            ));
        }
        let target = tx
            .fetch_optional(
                &Query::select()
                    .column(("s", "id"))
                    .from_as("staff", "s")
                    .and_where(Expr::col(("s", "id")).eq(h.to.clone()))
                    .and_where(Expr::col(("s", "active")).eq(1))
                    .and_where(
                        Expr::col(("s", "is_admin"))
                            .eq(1)
                            .or(Expr::col(("s", "id")).in_subquery(
                                Query::select()
                                    .column("staff_id")
                                    .from("staff_locations")
                                    .and_where(Expr::col("location_id").eq(c.location_id.clone()))
                                    .to_owned(),
                            )),
                    )
                    .to_owned(),
            )
            .await?;
        if target.is_none() {
            return Err(StoreError::field(
                "to",
                "that person does not work at this location",
            ));
        }
        let pending = tx
            .fetch_optional(
                &Query::select()
                    .column("id")
                    .from("handoffs")
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .and_where(Expr::col("status").eq("proposed"))
                    .to_owned(),
            )
            .await?;
        if pending.is_some() {
            return Err(StoreError::conflict(
                "handoff_pending",
                "a handoff is already waiting for an answer",
            ));
        }
        let id = new_id();
        tx.execute(
            &Query::insert()
                .into_table("handoffs")
                .columns([
                    "id",
                    "case_id",
                    "from_id",
                    "to_id",
                    "reason",
                    "status",
                    "created_at",
                ])
                .values_panic([
                    id.clone().into(),
                    c.id.clone().into(),
                    c.owner_id.clone().into(),
                    h.to.clone().into(),
                    h.reason.trim().into(),
                    "proposed".into(),
                    ms(now).into(),
                ])
                .to_owned(),
        )
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Staff(actor),
            CaseEvent::HandoffProposed,
            json!({"handoff_id": id, "to": h.to, "reason": h.reason.trim()}),
        )
        .await?;
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// The recipient accepts (the case becomes theirs) or declines with a reason.
    pub async fn answer_handoff(
        &self,
        actor: &Actor,
        key: &str,
        handoff_id: &str,
        accept: bool,
        r: Reason,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        if !accept && r.reason.trim().is_empty() {
            return Err(StoreError::field("reason", "say why you are declining"));
        }
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns(["id", "to_id", "from_id", "status"])
                    .from("handoffs")
                    .and_where(Expr::col("id").eq(handoff_id))
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("handoff"))?;
        if s(&row, "to_id")? != actor.staff_id {
            return Err(StoreError::Forbidden(
                "only the person the case is offered to can answer".into(),
            ));
        }
        if s(&row, "status")? != "proposed" {
            return Err(StoreError::conflict(
                "invalid_transition",
                "the handoff was already answered",
            ));
        }
        if !c.status.is_active() {
            return Err(finished(&c));
        }
        let status = if accept {
            HandoffStatus::Accepted
        } else {
            HandoffStatus::Declined
        };
        let status_str = if accept { "accepted" } else { "declined" };
        tx.execute(
            &Query::update()
                .table("handoffs")
                .values([
                    ("status", status_str.into()),
                    ("decided_at", ms(now).into()),
                    (
                        "decline_reason",
                        (!accept).then(|| r.reason.trim().to_string()).into(),
                    ),
                ])
                .and_where(Expr::col("id").eq(handoff_id))
                .to_owned(),
        )
        .await?;
        let event = if accept {
            CaseEvent::HandoffAccepted
        } else {
            CaseEvent::HandoffDeclined
        };
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Staff(actor),
            event,
            json!({"handoff_id": handoff_id, "status": status, "reason": r.reason.trim()}),
        )
        .await?;
        if accept {
            self.steps_follow_owner(&mut tx, &c, &actor.staff_id)
                .await?;
            tx.execute(
                &Query::update()
                    .table("cases")
                    .value("owner_id", actor.staff_id.clone())
                    .value("handoff_count", Expr::col("handoff_count").add(1))
                    .value("updated_at", ms(now))
                    .and_where(Expr::col("id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?;
            tx.case_event(
                &c.id,
                &c.location_id,
                now,
                By::Staff(actor),
                CaseEvent::OwnerChanged,
                json!({"from": s(&row, "from_id")?, "to": actor.staff_id}),
            )
            .await?;
        }
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }
}
