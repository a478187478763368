//! A gesture step is completed by recording its gesture: linking a gesture to its step, completing the step
//! when the gesture is approved, freeing it when declined, and the delivery address asked for on the spot.

use super::*;

/// A protocol step a gesture is being recorded for.
pub(super) struct GestureStep {
    pub id: String,
    pub title: String,
}

/// The step a gesture is given for: a pending gesture step of this case with no gesture recorded yet.
pub(super) async fn gesture_step(
    tx: &mut Tx,
    case_id: &str,
    step_id: &str,
) -> Result<GestureStep, StoreError> {
    let row = tx
        .fetch_optional(
            &Query::select()
                .columns(["id", "title", "kind", "status", "gesture_id"])
                .from("case_steps")
                .and_where(Expr::col("id").eq(step_id))
                .and_where(Expr::col("case_id").eq(case_id))
                .to_owned(),
        )
        .await?
        .ok_or_else(|| StoreError::field("step_id", "not a step of this case"))?;
    if parse(&s(&row, "kind")?, StepKind::parse)? != StepKind::Gesture {
        return Err(StoreError::field(
            "step_id",
            "that step is not a gesture step; give the gesture on its own",
        ));
    }
    if parse(&s(&row, "status")?, StepStatus::parse)? != StepStatus::Pending {
        return Err(StoreError::conflict(
            "step_finished",
            "that step is already done or skipped",
        ));
    }
    if crate::rows::os(&row, "gesture_id")?.is_some() {
        return Err(StoreError::conflict(
            "gesture_recorded",
            "a gesture is already recorded for that step; it is waiting for a manager's decision",
        ));
    }
    Ok(GestureStep {
        id: s(&row, "id")?,
        title: s(&row, "title")?,
    })
}

/// Link a gesture waiting for a manager to its step: the step waits with it.
pub(super) async fn link_step(
    tx: &mut Tx,
    step: &GestureStep,
    gesture_id: &str,
) -> Result<(), StoreError> {
    tx.execute(
        &Query::update()
            .table("case_steps")
            .value("gesture_id", gesture_id)
            .and_where(Expr::col("id").eq(step.id.clone()))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Why a gesture step cannot be ticked done by hand (`None`: it is not a gesture step).
pub(super) async fn gesture_step_refusal(
    tx: &mut Tx,
    kind: StepKind,
    gesture_id: Option<String>,
) -> Result<Option<StoreError>, StoreError> {
    if kind != StepKind::Gesture {
        return Ok(None);
    }
    Ok(Some(match gesture_id {
        None => StoreError::field(
            "gesture",
            "record the gesture for this step (what was given and its value), or skip the step with a reason",
        ),
        Some(gid) => {
            let status = tx
                .fetch_optional(
                    &Query::select()
                        .column("status")
                        .from("gestures")
                        .and_where(Expr::col("id").eq(gid))
                        .to_owned(),
                )
                .await?
                .map(|r| s(&r, "status"))
                .transpose()?;
            if status.as_deref() == Some(GestureStatus::PendingApproval.as_str()) {
                StoreError::conflict(
                    "gesture_pending",
                    "the gesture for this step is waiting for a manager's approval; the step is done when it is approved",
                )
            } else {
                return Ok(None);
            }
        }
    }))
}

impl Store {
    /// A gesture step is done by its approved gesture: linked to it, done by the giver, on the timeline,
    /// and the case's status and next due time settled.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn complete_gesture_step(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        c: &CaseRow,
        step: &GestureStep,
        gesture_id: &str,
        giver: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        tx.execute(
            &Query::update()
                .table("case_steps")
                .values([
                    ("gesture_id", gesture_id.into()),
                    ("status", StepStatus::Done.as_str().into()),
                    ("done_by", giver.into()),
                    ("done_at", ms(now).into()),
                ])
                .and_where(Expr::col("id").eq(step.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Staff(actor),
            CaseEvent::StepCompleted,
            json!({"step_id": step.id, "title": step.title, "gesture_id": gesture_id}),
        )
        .await?;
        self.settle(tx, c, actor, now).await?;
        Ok(())
    }

    /// A decision on a gesture recorded for a step: approved completes the step (done by the giver);
    /// declined frees it for another gesture, or to be skipped with a reason.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn decided_for_step(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        c: &CaseRow,
        step_id: &str,
        gesture_id: &str,
        to: GestureStatus,
        giver: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let pending = tx
            .fetch_optional(
                &Query::select()
                    .column("title")
                    .from("case_steps")
                    .and_where(Expr::col("id").eq(step_id))
                    .and_where(Expr::col("gesture_id").eq(gesture_id))
                    .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                    .to_owned(),
            )
            .await?;
        let Some(row) = pending else { return Ok(()) };
        match to {
            GestureStatus::Approved => {
                let step = GestureStep {
                    id: step_id.to_string(),
                    title: s(&row, "title")?,
                };
                self.complete_gesture_step(tx, actor, c, &step, gesture_id, giver, now)
                    .await
            }
            GestureStatus::Declined => {
                tx.execute(
                    &Query::update()
                        .table("case_steps")
                        .value("gesture_id", Option::<String>::None)
                        .and_where(Expr::col("id").eq(step_id))
                        .to_owned(),
                )
                .await?;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// A gesture that needs a delivery address is sent only to an address: the one given now is saved on
    /// the case (and on its timeline), else the refusal names the field.
    pub(super) async fn address_on_the_spot(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        c: &CaseRow,
        kind: &str,
        address: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let address = address.map(str::trim).filter(|a| !a.is_empty());
        let Some(address) = address else {
            return Err(StoreError::field(
                "address",
                format!("“{kind}” needs a delivery address: add it here before marking it sent"),
            ));
        };
        if address.chars().count() > 500 {
            return Err(StoreError::field(
                "address",
                "too long (500 characters at most)",
            ));
        }
        tx.execute(
            &Query::update()
                .table("cases")
                .value("customer_address", address)
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Staff(actor),
            CaseEvent::Edited,
            json!({"changes": {"customer_address": {"from": null, "to": address}}}),
        )
        .await?;
        Ok(())
    }
}
