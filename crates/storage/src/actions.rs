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
use olive_domain::authority::{self, AuthorityDecision, ledger};
use olive_domain::case::{
    self as rules, CaseEvent, CaseStatus, CloseOutcome, RootCause, StepState, StepStatus,
    VerificationMethod,
};
use olive_domain::events::EventType;
use olive_domain::gesture::GestureStatus;
use olive_domain::money::Cents;
use olive_domain::permission::Permission;
use olive_domain::playbook::StepKind;
use olive_domain::role::Role;
use olive_domain::wording::{Finding, WordingChecker};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Deserialize;
use serde_json::json;

pub use approval_queue::ApprovalContext;
pub(crate) use approvals::gesture_words;
pub use approvals::{DECISION_KINDS, DecisionView};
pub(crate) use closing::{Closing, record_closed, step_states};

mod anchors;
mod approval_queue;
mod approvals;
pub(crate) mod assign;
mod closing;
mod gesture_steps;
mod gestures;
mod handoffs;
mod my_steps;
mod notes;

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
    /// the protocol step this gesture is for: recording it completes a gesture step (once approved)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    #[serde(default)]
    pub note: Option<String>,
    /// marking a gesture sent that needs a delivery address, on a case without one: the address, asked on the spot
    #[serde(default)]
    pub address: Option<String>,
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
        self.follow_anchors(tx, c).await?;
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
                    .columns([
                        "id",
                        "title",
                        "status",
                        "kind",
                        "gesture_id",
                        "owner_role",
                        "for_provider",
                        "assignee_id",
                    ])
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
        self.check_may_complete(actor, &c, &row).await?;
        if !skip
            && let Some(refusal) = gesture_steps::gesture_step_refusal(
                &mut tx,
                parse(&s(&row, "kind")?, StepKind::parse)?,
                crate::rows::os(&row, "gesture_id")?,
            )
            .await?
        {
            return Err(refusal);
        }
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
}
