//! Finishing a case: verifying with the customer, closing, reopening with recovery steps, cancelling.

use super::*;

/// The kind and state of each of a case's steps, for the closing rule (`domain::case::check_close`).
pub(crate) async fn step_states(tx: &mut Tx, case_id: &str) -> Result<Vec<StepState>, StoreError> {
    tx.fetch_all(
        &Query::select()
            .columns(["kind", "status"])
            .from("case_steps")
            .and_where(Expr::col("case_id").eq(case_id))
            .to_owned(),
    )
    .await?
    .iter()
    .map(|r| {
        Ok(StepState {
            kind: parse(&s(r, "kind")?, StepKind::parse)?,
            status: parse(&s(r, "status")?, StepStatus::parse)?,
        })
    })
    .collect()
}

/// How a case is closed: by a person, or by the customer's answer to the follow-up.
pub(crate) struct Closing<'a> {
    pub outcome: CloseOutcome,
    pub root_cause: RootCause,
    /// as given: blank is stored as none
    pub prevention_note: Option<&'a str>,
    pub by: By<'a>,
}

/// Write a case's closing, once the closing rule allowed it: the case row, its timeline entry and the
/// `case.closed` event, the same on every close path.
pub(crate) async fn record_closed(
    tx: &mut Tx,
    c: &CaseRow,
    closing: Closing<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Closing {
        outcome,
        root_cause,
        prevention_note,
        by,
    } = closing;
    let by_answer = matches!(by, By::Customer);
    tx.execute(
        &Query::update()
            .table("cases")
            .values([
                ("status", CaseStatus::Closed.as_str().into()),
                ("outcome", outcome.as_str().into()),
                ("root_cause", root_cause.as_str().into()),
                (
                    "prevention_note",
                    prevention_note
                        .filter(|n| !n.trim().is_empty())
                        .map(str::to_string)
                        .into(),
                ),
                ("closed_at", ms(now).into()),
                ("updated_at", ms(now).into()),
                ("next_due_at", None::<i64>.into()),
            ])
            .and_where(Expr::col("id").eq(c.id.clone()))
            .to_owned(),
    )
    .await?;
    let mut data =
        json!({"outcome": outcome, "root_cause": root_cause, "prevention_note": prevention_note});
    if by_answer {
        data["by"] = json!("customer_answer");
    }
    tx.case_event(&c.id, &c.location_id, now, by, CaseEvent::Closed, data)
        .await?;
    crate::outbox::emit(
        tx,
        EventType::CaseClosed,
        &c.location_id,
        Some(&c.id),
        json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "outcome": outcome, "root_cause": root_cause}),
        now,
    )
    .await
}

impl Store {
    /// Record a verification with the customer; it completes the verify step.
    pub async fn verify(
        &self,
        actor: &Actor,
        key: &str,
        v: Verification,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        self.verify_at(actor, key, v, None, now).await
    }

    /// `verify` from a form shown at the case's `version`: refused as `stale` (nothing written) when the
    /// case changed since; `None` checks nothing.
    pub async fn verify_at(
        &self,
        actor: &Actor,
        key: &str,
        v: Verification,
        version: Option<i64>,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let mut errs = FieldErrors::default();
        required(
            &mut errs,
            "customer_said",
            &v.customer_said,
            "write down what the customer said",
        );
        errs.into_result()?;
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        crate::cases::version::expect(&mut tx, &c.id, version).await?;
        if !c.status.is_active() {
            return Err(finished(&c));
        }
        let method = serde_json::to_value(v.method)
            .ok()
            .and_then(|m| m.as_str().map(str::to_string))
            .unwrap_or_default();
        tx.execute(&verification_insert(
            &c.id,
            &actor.staff_id,
            &method,
            v.customer_said.trim(),
            v.satisfied,
            now,
        ))
        .await?;
        if v.satisfied {
            tx.execute(
                &Query::update()
                    .table("case_steps")
                    .values([
                        ("status", StepStatus::Done.as_str().into()),
                        ("done_by", actor.staff_id.clone().into()),
                        ("done_at", ms(now).into()),
                    ])
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .and_where(Expr::col("kind").eq(StepKind::Verify.as_str()))
                    .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                    .to_owned(),
            )
            .await?;
        }
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), CaseEvent::Verified, json!({"method": v.method, "customer_said": v.customer_said.trim(), "satisfied": v.satisfied})).await?;
        self.settle(&mut tx, &c, actor, now).await?;
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// Close with an outcome and a root cause; `recovered` needs a satisfied verification.
    pub async fn close(
        &self,
        actor: &Actor,
        key: &str,
        body: CloseCase,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        self.close_at(actor, key, body, None, now).await
    }

    /// `close` from a form shown at the case's `version`: refused as `stale` (nothing written) when the
    /// case changed since; `None` checks nothing.
    pub async fn close_at(
        &self,
        actor: &Actor,
        key: &str,
        body: CloseCase,
        version: Option<i64>,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        if !body.root_cause.given_by_staff() {
            return Err(StoreError::field(
                "root_cause",
                "say what caused it: process, communication, scheduling, product_clinical, third_party or customer_side",
            ));
        }
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        crate::cases::version::expect(&mut tx, &c.id, version).await?;
        let states = step_states(&mut tx, &c.id).await?;
        let verified = tx
            .fetch_optional(
                &Query::select()
                    .column("id")
                    .from("verifications")
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .and_where(Expr::col("satisfied").eq(1))
                    .and_where(Expr::col("created_at").gte(c.closed_at.unwrap_or(0)))
                    .to_owned(),
            )
            .await?
            .is_some();
        rules::check_close(c.status, body.outcome, &states, verified).map_err(|e| match e {
            rules::TransitionError::NotVerified => {
                StoreError::conflict("not_verified", e.to_string())
            }
            rules::TransitionError::OpenSteps => StoreError::conflict("open_steps", e.to_string()),
            e => StoreError::conflict("invalid_transition", e.to_string()),
        })?;
        tx.execute(
            &Query::update()
                .table("case_steps")
                .values([
                    ("status", StepStatus::Skipped.as_str().into()),
                    ("skip_reason", "case closed".into()),
                    ("done_by", actor.staff_id.clone().into()),
                    ("done_at", ms(now).into()),
                ])
                .and_where(Expr::col("case_id").eq(c.id.clone()))
                .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                .to_owned(),
        )
        .await?;
        self.follow_anchors(&mut tx, &c).await?;
        record_closed(
            &mut tx,
            &c,
            Closing {
                outcome: body.outcome,
                root_cause: body.root_cause,
                prevention_note: body.prevention_note.as_deref(),
                by: By::Staff(actor),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// Reopen a closed case: back to in progress with a new fix step and a new verification.
    pub async fn reopen(
        &self,
        actor: &Actor,
        key: &str,
        r: Reason,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let mut errs = FieldErrors::default();
        required(
            &mut errs,
            "reason",
            &r.reason,
            "say why the case is reopened",
        );
        errs.into_result()?;
        // Read before the transaction (see gesture_action); a case never changes location.
        let location = self
            .location(&self.case_row(actor, key).await?.location_id)
            .await?;
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        rules::check_reopen(c.status)
            .map_err(|e| StoreError::conflict("invalid_transition", e.to_string()))?;
        self.add_recovery_steps(&mut tx, &c, &location, "Put it right again", true, now)
            .await?;
        tx.execute(
            &Query::update()
                .table("cases")
                .value("status_reason", r.reason.trim())
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Staff(actor),
            CaseEvent::Reopened,
            json!({"reason": r.reason.trim(), "previous_outcome": c.outcome}),
        )
        .await?;
        crate::outbox::emit(
            &mut tx,
            EventType::CaseReopened,
            &c.location_id,
            Some(&c.id),
            json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "reason": r.reason.trim()}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// Back to in progress with a new step `title` (a fix, for a manager, next business day at noon)
    /// and, with `verify`, a new verification with the customer (not for one who asked not to be contacted).
    /// Every reopening goes through here (a person's `reopen`, a customer's poor answer), so this is
    /// where the case's `reopen_count` goes up, in the caller's transaction.
    pub(crate) async fn add_recovery_steps(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        location: &crate::store::Location,
        title: &str,
        verify: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let cal = location.calendar();
        let max = last_position(tx, &c.id).await?;
        let new_steps = olive_domain::playbook::protocols::reopened(title, verify);
        let mut rows = Vec::new();
        let takes = super::assign::owner_takes(tx, c, Role::Manager.into()).await?;
        for (n, st) in new_steps.iter().enumerate() {
            let due = cal
                .due(&st.due, now)
                .map_err(|e| StoreError::Config(e.to_string()))?;
            rows.push((max + 1 + n as i64, st, due, takes.as_deref()));
        }
        let first_due = rows.iter().map(|r| r.2).min();
        tx.execute(&steps_insert(&c.id, &rows)).await?;
        tx.execute(
            &Query::update()
                .table("cases")
                .values([
                    ("status", CaseStatus::InProgress.as_str().into()),
                    ("outcome", None::<String>.into()),
                    ("updated_at", ms(now).into()),
                    ("next_due_at", first_due.map(ms).into()),
                ])
                .value("reopen_count", Expr::col("reopen_count").add(1))
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    pub async fn cancel(
        &self,
        actor: &Actor,
        key: &str,
        r: Reason,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let mut errs = FieldErrors::default();
        required(
            &mut errs,
            "reason",
            &r.reason,
            "say why the case is cancelled",
        );
        errs.into_result()?;
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        rules::check_cancel(c.status)
            .map_err(|e| StoreError::conflict("invalid_transition", e.to_string()))?;
        tx.execute(
            &Query::update()
                .table("cases")
                .values([
                    ("status", CaseStatus::Cancelled.as_str().into()),
                    ("status_reason", r.reason.trim().into()),
                    ("updated_at", ms(now).into()),
                    ("closed_at", ms(now).into()),
                    ("next_due_at", None::<i64>.into()),
                ])
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Staff(actor),
            CaseEvent::Cancelled,
            json!({"reason": r.reason.trim()}),
        )
        .await?;
        crate::outbox::emit(
            &mut tx,
            EventType::CaseCancelled,
            &c.location_id,
            Some(&c.id),
            json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "reason": r.reason.trim()}),
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }
}
