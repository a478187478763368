//! What people do on a case: complete or skip steps, give and approve gestures, hand off, verify, close, reopen, cancel, notes.

use crate::actor::Actor;
use crate::audit::By;
use crate::cases::{CaseRow, idempotency_insert, is_unique_violation, steps_insert};
use crate::db::Tx;
use crate::error::{FieldErrors, StoreError};
use crate::rows::{i, ms, new_id, parse, s};
use crate::store::Store;
use crate::views::{CaseDetail, HandoffStatus};
use jiff::Timestamp;
use olive_domain::authority::{self, AuthorityDecision};
use olive_domain::case::{
    self as rules, CaseEvent, CaseStatus, CloseOutcome, RootCause, StepState, StepStatus,
    VerificationMethod,
};
use olive_domain::events::EventType;
use olive_domain::gesture::GestureStatus;
use olive_domain::money::Cents;
use olive_domain::permission::Permission;
use olive_domain::playbook::{StepKind, StepTemplate};
use olive_domain::role::Role;
use olive_domain::wording::{Finding, WordingChecker};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StepAction {
    /// required when skipping
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewGesture {
    /// a gesture code from the playbook (e.g. `flowers`, `no-charge`)
    pub kind: String,
    pub value_cents: i64,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHandoff {
    /// staff id of the person to hand the case to
    pub to: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    pub method: VerificationMethod,
    /// what the customer said, in their words
    pub customer_said: String,
    /// did the customer say it was put right?
    pub satisfied: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseCase {
    pub outcome: CloseOutcome,
    pub root_cause: RootCause,
    #[serde(default)]
    pub prevention_note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    pub text: String,
    /// words that reach the customer are wording-checked
    #[serde(default)]
    pub customer_facing: bool,
}

fn required(errs: &mut FieldErrors, field: &str, v: &str, what: &str) {
    errs.check(!v.trim().is_empty(), field, what);
    errs.check(
        v.chars().count() <= 2000,
        field,
        "too long (2000 characters at most)",
    );
}

/// The highest step position of a case (0 when it has none).
pub(crate) async fn last_position(tx: &mut Tx, case_id: &str) -> Result<i64, StoreError> {
    Ok(tx
        .fetch_optional(
            &Query::select()
                .expr_as(Expr::col("position").max(), "m")
                .from("case_steps")
                .and_where(Expr::col("case_id").eq(case_id))
                .to_owned(),
        )
        .await?
        .and_then(|r| i(&r, "m").ok())
        .unwrap_or(0))
}

/// One verification row: who checked, how, what the customer said.
pub(crate) fn verification_insert(
    case_id: &str,
    by: &str,
    method: &str,
    said: &str,
    satisfied: bool,
    now: Timestamp,
) -> sea_query::InsertStatement {
    Query::insert()
        .into_table("verifications")
        .columns([
            "id",
            "case_id",
            "verified_by",
            "method",
            "customer_said",
            "satisfied",
            "created_at",
        ])
        .values_panic([
            new_id().into(),
            case_id.into(),
            by.into(),
            method.into(),
            said.into(),
            i64::from(satisfied).into(),
            ms(now).into(),
        ])
        .to_owned()
}

fn finished(c: &CaseRow) -> StoreError {
    StoreError::conflict(
        "case_finished",
        format!("the case is {}", c.status.as_str()),
    )
}

impl Store {
    /// Recompute a case's status and next due instant from its steps, recording a status change.
    async fn settle(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<CaseStatus, StoreError> {
        let rows = tx
            .fetch_all(
                &Query::select()
                    .columns(["kind", "status", "due_at"])
                    .from("case_steps")
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?;
        let mut states = Vec::new();
        let mut next_due: Option<i64> = None;
        for r in &rows {
            let status = parse(&s(r, "status")?, StepStatus::parse)?;
            states.push(StepState {
                kind: parse(&s(r, "kind")?, StepKind::parse)?,
                status,
            });
            if status == StepStatus::Pending {
                let d = i(r, "due_at")?;
                next_due = Some(next_due.map_or(d, |n| std::cmp::min(n, d)));
            }
        }
        let status = rules::status_from_steps(c.status, &states);
        let mut u = Query::update()
            .table("cases")
            .value("next_due_at", next_due)
            .value("updated_at", ms(now))
            .to_owned();
        if status != c.status {
            u.value("status", status.as_str());
            tx.case_event(
                &c.id,
                &c.location_id,
                now,
                By::Staff(actor),
                CaseEvent::StatusChanged,
                json!({"from": c.status, "to": status}),
            )
            .await?;
        }
        if c.status == CaseStatus::Open && status != CaseStatus::Open {
            u.value("first_action_at", ms(now));
        }
        u.and_where(Expr::col("id").eq(c.id.clone()));
        tx.execute(&u).await?;
        Ok(status)
    }

    /// Complete (`skip = false`) or skip a step (a reason is required to skip).
    pub async fn step_action(
        &self,
        actor: &Actor,
        key: &str,
        step_id: &str,
        skip: bool,
        a: StepAction,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let reason = a.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
        if skip && reason.is_none() {
            return Err(StoreError::field("reason", "say why the step is skipped"));
        }
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns(["id", "title", "status", "kind"])
                    .from("case_steps")
                    .and_where(Expr::col("id").eq(step_id))
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("step"))?;
        let status = parse(&s(&row, "status")?, StepStatus::parse)?;
        rules::check_step_change(c.status, status)
            .map_err(|e| StoreError::conflict("invalid_transition", e.to_string()))?;
        let new = if skip {
            StepStatus::Skipped
        } else {
            StepStatus::Done
        };
        tx.execute(
            &Query::update()
                .table("case_steps")
                .values([
                    ("status", new.as_str().into()),
                    ("done_by", actor.staff_id.clone().into()),
                    ("done_at", ms(now).into()),
                    ("skip_reason", reason.map(str::to_string).into()),
                    (
                        "note",
                        a.note.clone().filter(|n| !n.trim().is_empty()).into(),
                    ),
                ])
                .and_where(Expr::col("id").eq(step_id))
                .to_owned(),
        )
        .await?;
        let event = if skip {
            CaseEvent::StepSkipped
        } else {
            CaseEvent::StepCompleted
        };
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), event, json!({"step_id": step_id, "title": s(&row, "title")?, "reason": reason, "note": a.note})).await?;
        self.settle(&mut tx, &c, actor, now).await?;
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// Give a gesture: approved at once within the giver's remaining authority, else pending a manager.
    pub async fn give_gesture(
        &self,
        actor: &Actor,
        key: &str,
        g: NewGesture,
        idempotency_key: Option<&str>,
        now: Timestamp,
    ) -> Result<(CaseDetail, String, bool), StoreError> {
        let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            serde_json::to_vec(&(key, &g)).unwrap_or_default(),
        ));
        if let Some(k) = idempotency_key
            && let Some(existing) = self.idempotent(actor, "gesture", k, &hash).await?
        {
            return Ok((self.get_case(actor, key, now).await?, existing, false));
        }
        let c0 = self.case_row(actor, key).await?;
        let location = self.location(&c0.location_id).await?;
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        let mut errs = FieldErrors::default();
        errs.check(
            playbook.gesture(&g.kind).is_some(),
            "kind",
            "not a gesture in this location's playbook",
        );
        errs.check(
            g.value_cents >= 0,
            "value_cents",
            "a gesture's value cannot be negative",
        );
        errs.check(
            g.value_cents <= 10_000_000,
            "value_cents",
            "that value is too large",
        );
        errs.check(
            g.note.chars().count() <= 2000,
            "note",
            "too long (2000 characters at most)",
        );
        errs.into_result()?;
        let role = actor.require_on(Permission::Change, &c0.location_id, "case")?;
        let limit = self.limits_at(&c0.location_id).await?.for_role(role);
        let day = location.local_date(now).to_string();

        let mut tx = self.db.begin().await?;
        // One giver's gestures on different cases are decided one at a time, so the per-day limit holds.
        tx.lock_key(&format!("gestures-by:{}", actor.staff_id))
            .await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        if !c.status.is_active() {
            return Err(finished(&c));
        }
        let given = self
            .given(Some(&mut tx), &actor.staff_id, &c.id, &day)
            .await?;
        let decision = authority::decide(limit, given, Cents(g.value_cents));
        let (status, event) = match decision {
            AuthorityDecision::Approved => (GestureStatus::Approved, CaseEvent::GestureGiven),
            AuthorityDecision::NeedsApproval => {
                (GestureStatus::PendingApproval, CaseEvent::GestureRequested)
            }
        };
        let id = new_id();
        tx.execute(
            &Query::insert()
                .into_table("gestures")
                .columns([
                    "id",
                    "case_id",
                    "kind",
                    "value_cents",
                    "currency",
                    "note",
                    "status",
                    "given_by",
                    "given_at",
                    "given_day",
                ])
                .values_panic([
                    id.clone().into(),
                    c.id.clone().into(),
                    g.kind.clone().into(),
                    g.value_cents.into(),
                    location.currency.to_string().into(),
                    g.note.trim().into(),
                    status.as_str().into(),
                    actor.staff_id.clone().into(),
                    ms(now).into(),
                    day.into(),
                ])
                .to_owned(),
        )
        .await?;
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), event, json!({"gesture_id": id, "kind": g.kind, "value_cents": g.value_cents, "status": status, "remaining_before_cents": authority::remaining(limit, given).map(|c| c.0)})).await?;
        if let Some(k) = idempotency_key {
            let res = tx
                .execute(&idempotency_insert(actor, "gesture", k, &hash, &id, now))
                .await;
            if is_unique_violation(&res) {
                drop(tx);
                // A concurrent retry with the same key won the race: answer with its resource.
                return match self.idempotent(actor, "gesture", k, &hash).await? {
                    Some(existing) => {
                        Ok((self.get_case(actor, &c.id, now).await?, existing, false))
                    }
                    None => Err(StoreError::IdempotencyReused),
                };
            }
            res?;
        }
        if status == GestureStatus::PendingApproval {
            crate::outbox::emit(
                &mut tx,
                EventType::GesturePendingApproval,
                &c.location_id,
                Some(&c.id),
                json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "gesture_id": id, "kind": g.kind, "value_cents": g.value_cents, "currency": location.currency.to_string(), "requested_by": actor.staff_id}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok((self.get_case(actor, &c.id, now).await?, id, true))
    }

    /// Approve, decline, mark sent or mark delivered.
    pub async fn gesture_action(
        &self,
        actor: &Actor,
        key: &str,
        gesture_id: &str,
        to: GestureStatus,
        d: Decision,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        // Read before the transaction: waiting for a pool connection while holding the case lock can exhaust the pool.
        let limits = self
            .limits_at(&self.case_row(actor, key).await?.location_id)
            .await?;
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns(["id", "kind", "status", "value_cents", "given_by"])
                    .from("gestures")
                    .and_where(Expr::col("id").eq(gesture_id))
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("gesture"))?;
        let current = parse(&s(&row, "status")?, GestureStatus::parse)?;
        let value = Cents(i(&row, "value_cents")?);
        let role = actor.require_on(Permission::Change, &c.location_id, "case")?;
        if matches!(to, GestureStatus::Approved | GestureStatus::Declined) {
            actor.require_on(Permission::Approve, &c.location_id, "case")?;
            if s(&row, "given_by")? == actor.staff_id && role != Role::Admin {
                return Err(StoreError::Forbidden(
                    "you cannot approve your own request; another manager or an admin can".into(),
                ));
            }
            let limit = limits.for_role(role);
            if !authority::can_approve(role, limit, value) {
                return Err(StoreError::Forbidden(format!(
                    "{} is above your own per-case limit; an admin approves it",
                    value
                )));
            }
        }
        current
            .advance(to)
            .map_err(|e| StoreError::conflict("invalid_transition", e))?;
        let mut u = Query::update()
            .table("gestures")
            .value("status", to.as_str())
            .to_owned();
        let (by, at, event) = match to {
            GestureStatus::Approved => ("decided_by", "decided_at", CaseEvent::GestureApproved),
            GestureStatus::Declined => ("decided_by", "decided_at", CaseEvent::GestureDeclined),
            GestureStatus::Sent => ("sent_by", "sent_at", CaseEvent::GestureSent),
            GestureStatus::Delivered => {
                ("delivered_by", "delivered_at", CaseEvent::GestureDelivered)
            }
            GestureStatus::PendingApproval => {
                return Err(StoreError::conflict(
                    "invalid_transition",
                    "a gesture cannot go back to pending",
                ));
            }
        };
        u.value(by, actor.staff_id.clone()).value(at, ms(now));
        if matches!(to, GestureStatus::Approved | GestureStatus::Declined) {
            u.value("decision_note", d.note.clone());
        }
        u.and_where(Expr::col("id").eq(gesture_id));
        tx.execute(&u).await?;
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), event, json!({"gesture_id": gesture_id, "kind": s(&row, "kind")?, "value_cents": value.0, "note": d.note})).await?;
        tx.execute(
            &Query::update()
                .table("cases")
                .value("updated_at", ms(now))
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

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

    /// Record a verification with the customer; it completes the verify step.
    pub async fn verify(
        &self,
        actor: &Actor,
        key: &str,
        v: Verification,
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
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        let steps = tx
            .fetch_all(
                &Query::select()
                    .columns(["kind", "status"])
                    .from("case_steps")
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?;
        let states: Vec<StepState> = steps
            .iter()
            .map(|r| {
                Ok(StepState {
                    kind: parse(&s(r, "kind")?, StepKind::parse)?,
                    status: parse(&s(r, "status")?, StepStatus::parse)?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
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
        let root = serde_json::to_value(body.root_cause)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string));
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
        tx.execute(
            &Query::update()
                .table("cases")
                .values([
                    ("status", CaseStatus::Closed.as_str().into()),
                    ("outcome", body.outcome.as_str().into()),
                    ("root_cause", root.into()),
                    (
                        "prevention_note",
                        body.prevention_note
                            .clone()
                            .filter(|n| !n.trim().is_empty())
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
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), CaseEvent::Closed, json!({"outcome": body.outcome, "root_cause": body.root_cause, "prevention_note": body.prevention_note})).await?;
        crate::outbox::emit(
            &mut tx,
            EventType::CaseClosed,
            &c.location_id,
            Some(&c.id),
            json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "outcome": body.outcome, "root_cause": body.root_cause}),
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
        self.add_recovery_steps(&mut tx, &c, &location, "Put it right again", now)
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

    /// Back to in progress with two new steps: `title` (a fix, for a manager, next business day at noon)
    /// and a new verification with the customer.
    pub(crate) async fn add_recovery_steps(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        location: &crate::store::Location,
        title: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let cal = location.calendar();
        let max = last_position(tx, &c.id).await?;
        let new_steps = [
            StepTemplate {
                title: title.to_string(),
                kind: StepKind::Fix,
                owner: Role::Manager,
                due: "next_business_day 12:00"
                    .parse()
                    .map_err(|_| StoreError::Corrupt("rule".into()))?,
                wording: String::new(),
                gesture: None,
            },
            StepTemplate {
                title: "Verify the recovery with the customer".into(),
                kind: StepKind::Verify,
                owner: Role::Manager,
                due: "business_days 2"
                    .parse()
                    .map_err(|_| StoreError::Corrupt("rule".into()))?,
                wording: "I wanted to check that we have now put things right for you.".into(),
                gesture: None,
            },
        ];
        let mut rows = Vec::new();
        for (n, st) in new_steps.iter().enumerate() {
            let due = cal
                .due(&st.due, now)
                .map_err(|e| StoreError::Config(e.to_string()))?;
            rows.push((max + 1 + n as i64, st, due));
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
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// Add a note; customer-facing notes come back with the wording check's findings.
    pub async fn add_note(
        &self,
        actor: &Actor,
        key: &str,
        n: NewNote,
        now: Timestamp,
    ) -> Result<(CaseDetail, Vec<Finding>), StoreError> {
        let mut errs = FieldErrors::default();
        required(&mut errs, "text", &n.text, "write the note");
        errs.into_result()?;
        let c = self.case_row(actor, key).await?;
        actor.require_on(Permission::Change, &c.location_id, "case")?;
        let findings = if n.customer_facing {
            self.wording_checker_for(&c.location_id)
                .await?
                .check(&n.text)
        } else {
            Vec::new()
        };
        let mut tx = self.db.begin().await?;
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), CaseEvent::Note, json!({"text": n.text.trim(), "customer_facing": n.customer_facing, "findings": findings.len()})).await?;
        tx.commit().await?;
        Ok((self.get_case(actor, &c.id, now).await?, findings))
    }

    /// The wording checker for a location's playbook.
    pub async fn wording_checker_for(
        &self,
        location_id: &str,
    ) -> Result<std::sync::Arc<WordingChecker>, StoreError> {
        let l = self.location(location_id).await?;
        // Compiling the rules takes milliseconds: keep one checker per playbook version.
        let key = (l.playbook_code.clone(), l.playbook_updated_at);
        if let Some(c) = self.checkers.read().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(c);
        }
        let p = self
            .playbook_at(&l.playbook_code, l.playbook_updated_at)
            .await?;
        let checker = std::sync::Arc::new(p.wording_checker().map_err(StoreError::Corrupt)?);
        if let Ok(mut m) = self.checkers.write() {
            m.insert(key, checker.clone());
        }
        Ok(checker)
    }

    /// The built-in rules only (no location given), compiled once.
    pub fn built_in_checker() -> std::sync::Arc<WordingChecker> {
        static CHECKER: std::sync::OnceLock<std::sync::Arc<WordingChecker>> =
            std::sync::OnceLock::new();
        CHECKER
            .get_or_init(|| std::sync::Arc::new(WordingChecker::built_in()))
            .clone()
    }

    /// Gestures waiting for the caller's approval: at their locations, within what they may approve, not their own.
    pub async fn pending_gestures(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(String, String, crate::views::GestureView)>, StoreError> {
        let mut q = Query::select()
            .columns([
                ("g", "id"),
                ("g", "kind"),
                ("g", "value_cents"),
                ("g", "currency"),
                ("g", "note"),
                ("g", "status"),
                ("g", "given_by"),
                ("g", "given_at"),
                ("g", "decided_by"),
                ("g", "decided_at"),
                ("g", "decision_note"),
                ("g", "sent_at"),
                ("g", "delivered_at"),
                ("g", "case_id"),
            ])
            .from_as("gestures", "g")
            .inner_join(
                sea_query::TableRef::Table("cases".into(), Some("c".into())),
                Expr::col(("c", "id")).equals(("g", "case_id")),
            )
            .and_where(Expr::col(("g", "status")).eq(GestureStatus::PendingApproval.as_str()))
            .order_by(("g", "given_at"), Order::Asc)
            .to_owned();
        if let Some(scope) = actor.scope() {
            q.and_where(Expr::col(("c", "location_id")).is_in(scope));
        }
        q.expr_as(Expr::col(("c", "location_id")), "loc")
            .expr_as(Expr::col(("c", "ref")), "case_ref");
        let mut limits = std::collections::HashMap::new();
        let mut rows = Vec::new();
        for r in self.db.fetch_all(&q).await? {
            let loc = s(&r, "loc")?;
            let Some(role) = actor.role_at(&loc) else {
                continue;
            };
            if !limits.contains_key(&loc) {
                limits.insert(loc.clone(), self.limits_at(&loc).await?.for_role(role));
            }
            let mine = s(&r, "given_by")? == actor.staff_id && !actor.is_admin;
            if !mine && authority::can_approve(role, limits[&loc], Cents(i(&r, "value_cents")?)) {
                rows.push(r);
            }
        }
        let names = self
            .names(rows.iter().filter_map(|r| s(r, "given_by").ok()))
            .await?;
        let person = |id: String| crate::views::PersonRef {
            name: names.get(&id).cloned().unwrap_or_default(),
            id,
        };
        rows.iter()
            .map(|r| {
                Ok((
                    s(r, "case_id")?,
                    format!("C-{}", i(r, "case_ref")?),
                    crate::cases::gesture_view(r, &s(r, "case_id")?, &person)?,
                ))
            })
            .collect()
    }
}
