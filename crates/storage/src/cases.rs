//! Cases: logging a defect (with its protocol instantiated), reading, listing, editing, customer history.

use crate::actor::Actor;
use crate::audit::{By, Target};
use crate::error::{FieldErrors, StoreError};
use crate::rows::{i, ms, new_id, oi, opt_rfc3339, os, parse, rfc3339, s};
use crate::store::Store;
use crate::views::*;
use jiff::Timestamp;
use olive_domain::authority::{self, Given, ledger};
use olive_domain::case::{
    CaseEvent, CaseStatus, CloseOutcome, HOT_POTATO_HANDOFFS, RootCause, StepStatus,
};
use olive_domain::contact::{Email, Phone};
use olive_domain::gesture::GestureStatus;
use olive_domain::money::Cents;
use olive_domain::permission::Permission;
use olive_domain::playbook::{Defect, Severity, StepKind, StepOwner, StepTemplate};
use sea_query::{Cond, Expr, ExprTrait, Func, LockType, Order, Query, SelectStatement};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, HashMap, HashSet};

mod create;
mod edit;
mod export;
mod fields;
mod filters;
mod list;
mod read;
mod search;

mod steps;

pub use create::other_protocol;
pub use export::{ExportFacts, GIVEN};
pub(crate) use fields::{Scene, parse_time, staff_in_fields};
pub(crate) use steps::{STEP_COLS, step_values, steps_insert};

/// Customer details as entered (optional contact fields may be blank).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema, Default, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// may be empty where the playbook does not require a name (a restaurant logs the table instead)
    #[serde(default)]
    pub name: String,
    /// the name they asked to be called ("Pri"), used in greetings
    #[serde(default)]
    pub preferred_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

/// A defect as the front desk logs it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    pub location_id: String,
    /// a defect code from the location's playbook, or `other`
    pub defect: String,
    /// required when `defect` is `other`; otherwise taken from the defect
    #[serde(default)]
    pub stage: Option<String>,
    pub customer: CustomerInput,
    #[serde(default)]
    pub description: String,
    /// defaults to the defect's severity
    #[serde(default)]
    pub severity: Option<Severity>,
    /// the playbook's case fields by key (`{"provider": "<staff id>", "appointment_time": "2026-12-05T14:30"}`)
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// when it was noticed, if earlier than now (within a week): an RFC 3339 instant, or
    /// `YYYY-MM-DDTHH:MM` at the location
    #[serde(default)]
    pub noticed_at: Option<String>,
    /// steps (1-based positions) the reporter already did on the spot ("I've apologised and re-fired
    /// it"): done by them when it was noticed. Not a gesture step, not the verification.
    #[serde(default)]
    pub done_steps: Vec<u32>,
}

/// Changes to a case's details; absent fields are left alone.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CaseEdit {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub customer: Option<CustomerInput>,
    #[serde(default)]
    pub severity: Option<Severity>,
    /// case fields to set (a `null` or empty value clears one); fields not named are left alone
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub fields: Option<BTreeMap<String, serde_json::Value>>,
}

/// List filters (all optional), scoped to the caller's locations. `Serialize` writes them back as a
/// query string (the cases page's download links carry its filters).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, utoipa::IntoParams)]
pub struct CaseFilter {
    pub status: Option<String>,
    pub location_id: Option<String>,
    pub stage: Option<String>,
    pub defect: Option<String>,
    /// staff id of the person holding the case
    pub owner: Option<String>,
    pub severity: Option<String>,
    pub overdue: Option<bool>,
    /// only cases escalated to the managers (a step stayed overdue past its grace period)
    pub escalated: Option<bool>,
    /// a reference (`C-1042`), a phone number or email address, or words (each the start of a word in the
    /// customer's name, the description or a note)
    pub q: Option<String>,
    /// cases noticed on or after this day (`2026-11-01`, each location's own day)
    pub from: Option<String>,
    /// cases noticed on or before this day
    pub to: Option<String>,
    /// cases closed on or after this day
    pub closed_from: Option<String>,
    /// cases closed on or before this day
    pub closed_to: Option<String>,
    /// closed cases with this outcome: `recovered` or `not_recovered`
    pub outcome: Option<String>,
    /// cases given a gesture of this kind (approved, sent or delivered)
    pub gesture: Option<String>,
    /// only cases reopened at least once
    pub reopened: Option<bool>,
    /// only cases handed off at least this many times (2: the hot potato)
    pub handoffs_min: Option<i64>,
    /// only cases this staff member offered to hand off
    pub handed_off_by: Option<String>,
    /// open cases by age since noticed: `0-1`, `1-3`, `3-7` or `7+` days
    pub age: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub(crate) struct ParsedCustomer {
    pub name: String,
    pub preferred_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// Customer details checked and tidied; whether a name is needed is the playbook's call
/// ([`need_name`]).
pub(crate) fn parse_customer(c: &CustomerInput, errs: &mut FieldErrors) -> ParsedCustomer {
    let name = c.name.trim().to_string();
    errs.check(
        name.chars().count() <= 200,
        "customer.name",
        "the name is too long (200 characters at most)",
    );
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let phone = blank(&c.phone).and_then(|p| match p.parse::<Phone>() {
        Ok(p) => Some(p.to_string()),
        Err(e) => {
            errs.add("customer.phone", e.to_string());
            None
        }
    });
    let email = blank(&c.email).and_then(|p| match p.parse::<Email>() {
        Ok(p) => Some(p.to_string()),
        Err(e) => {
            errs.add("customer.email", e.to_string());
            None
        }
    });
    let address = blank(&c.address);
    let preferred_name = blank(&c.preferred_name);
    errs.check(
        preferred_name
            .as_ref()
            .is_none_or(|n| n.chars().count() <= 100),
        "customer.preferred_name",
        "too long (100 characters at most)",
    );
    errs.check(
        address.as_ref().is_none_or(|a| a.chars().count() <= 500),
        "customer.address",
        "the address is too long (500 characters at most)",
    );
    ParsedCustomer {
        name,
        preferred_name,
        phone,
        email,
        address,
    }
}

/// A name is needed where the playbook says so ("enter the patient's name").
pub(crate) fn need_name(name: &str, playbook: &olive_domain::Playbook, errs: &mut FieldErrors) {
    errs.check(
        !name.is_empty() || !playbook.playbook.customer_name_required,
        "customer.name",
        &format!("enter the {}'s name", playbook.playbook.customer_noun),
    );
}

/// The case row columns every read needs.
pub(crate) const CASE_COLS: [&str; 30] = [
    "id",
    "ref",
    "location_id",
    "playbook_code",
    "defect_code",
    "defect_title",
    "stage_code",
    "severity",
    "status",
    "outcome",
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_address",
    "description",
    "reporter_id",
    "owner_id",
    "root_cause",
    "prevention_note",
    "status_reason",
    "handoff_count",
    "next_due_at",
    "first_action_at",
    "created_at",
    "updated_at",
    "closed_at",
    "escalated_at",
    "fields",
    "preferred_name",
    "noticed_at",
];

/// A case row as stored.
#[derive(Debug, Clone)]
pub(crate) struct CaseRow {
    pub id: String,
    pub reference: i64,
    pub location_id: String,
    pub defect_code: Option<String>,
    pub defect_title: String,
    pub stage_code: String,
    pub severity: Severity,
    pub status: CaseStatus,
    pub outcome: Option<CloseOutcome>,
    pub customer: Customer,
    pub description: String,
    pub reporter_id: String,
    pub owner_id: String,
    pub root_cause: Option<RootCause>,
    pub prevention_note: Option<String>,
    pub status_reason: Option<String>,
    pub handoff_count: i64,
    pub next_due_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    /// when a step first went overdue past its grace period and the managers were told
    pub escalated_at: Option<i64>,
    /// the playbook's case fields, by key
    pub fields: olive_domain::FieldValues,
    /// when it was noticed (when it was logged, unless the reporter said earlier)
    pub noticed_at: i64,
    /// how many times it was reopened (by a person, or by a customer's poor answer)
    pub reopen_count: i64,
}

/// The columns `case_from_row` reads.
const CASE_READ_COLS: [&str; 29] = [
    "id",
    "ref",
    "location_id",
    "defect_code",
    "defect_title",
    "stage_code",
    "severity",
    "status",
    "outcome",
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_address",
    "description",
    "reporter_id",
    "owner_id",
    "root_cause",
    "prevention_note",
    "status_reason",
    "handoff_count",
    "next_due_at",
    "created_at",
    "updated_at",
    "closed_at",
    "escalated_at",
    "fields",
    "preferred_name",
    "noticed_at",
    "reopen_count",
];

pub(crate) fn case_select() -> SelectStatement {
    Query::select()
        .columns(CASE_READ_COLS)
        .from("cases")
        .to_owned()
}

/// `case_select` plus the owner's and reporter's names (`owner_name`, `reporter_name`), so a list of
/// summaries is one statement. The names come from scalar subqueries: the outer query's own columns stay
/// unqualified and its plan (an ordered index walk with a limit) does not change.
pub(crate) fn case_select_named() -> SelectStatement {
    let name_of = |col: &'static str| {
        Expr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .column(("sn", "name"))
                    .from_as("staff", "sn")
                    .and_where(Expr::col(("sn", "id")).equals(("cases", col)))
                    .to_owned()
                    .into(),
            ),
        )
    };
    let mut q = case_select();
    q.expr_as(name_of("owner_id"), "owner_name")
        .expr_as(name_of("reporter_id"), "reporter_name");
    q
}

/// Names read with `case_select_named`, by staff id.
pub(crate) fn names_from_rows(rows: &[AnyRow]) -> Result<HashMap<String, String>, StoreError> {
    let mut names = HashMap::new();
    for r in rows {
        for (id, name) in [("owner_id", "owner_name"), ("reporter_id", "reporter_name")] {
            if let Some(n) = os(r, name)? {
                names.insert(s(r, id)?, n);
            }
        }
    }
    Ok(names)
}

pub(crate) fn case_from_row(r: &AnyRow) -> Result<CaseRow, StoreError> {
    Ok(CaseRow {
        id: s(r, "id")?,
        reference: i(r, "ref")?,
        location_id: s(r, "location_id")?,
        defect_code: os(r, "defect_code")?,
        defect_title: s(r, "defect_title")?,
        stage_code: s(r, "stage_code")?,
        severity: parse(&s(r, "severity")?, Severity::parse)?,
        status: parse(&s(r, "status")?, CaseStatus::parse)?,
        outcome: os(r, "outcome")?
            .map(|o| parse(&o, CloseOutcome::parse))
            .transpose()?,
        customer: Customer {
            name: s(r, "customer_name")?,
            phone: os(r, "customer_phone")?,
            email: os(r, "customer_email")?,
            address: os(r, "customer_address")?,
            preferred_name: os(r, "preferred_name")?,
        },
        description: s(r, "description")?,
        reporter_id: s(r, "reporter_id")?,
        owner_id: s(r, "owner_id")?,
        root_cause: os(r, "root_cause")?
            .map(|v| {
                serde_json::from_value(serde_json::Value::String(v))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()?,
        prevention_note: os(r, "prevention_note")?,
        status_reason: os(r, "status_reason")?,
        handoff_count: i(r, "handoff_count")?,
        next_due_at: oi(r, "next_due_at")?,
        created_at: i(r, "created_at")?,
        updated_at: i(r, "updated_at")?,
        closed_at: oi(r, "closed_at")?,
        escalated_at: oi(r, "escalated_at")?,
        fields: serde_json::from_str(&s(r, "fields")?)
            .map_err(|e| StoreError::Corrupt(format!("case fields: {e}")))?,
        noticed_at: oi(r, "noticed_at")?.map_or_else(|| i(r, "created_at"), Ok)?,
        reopen_count: i(r, "reopen_count")?,
    })
}

/// Condition matching a case by UUID or by `C-1042`.
pub(crate) fn key_cond(key: &str) -> Result<Cond, StoreError> {
    match key.parse::<olive_domain::ids::CaseKey>() {
        Ok(olive_domain::ids::CaseKey::Id(id)) => {
            Ok(Cond::all().add(Expr::col("id").eq(id.to_string())))
        }
        Ok(olive_domain::ids::CaseKey::Ref(r)) => Ok(Cond::all().add(Expr::col("ref").eq(r.0))),
        Err(()) => Err(StoreError::NotFound("case")),
    }
}

pub(crate) const TIMELINE_COLS: [&str; 6] = ["id", "case_id", "at", "actor_id", "event", "data"];

/// The `verified_by` / `done_by` of what the customer's own answer settled.
pub(crate) const CUSTOMER: &str = "customer";

/// One timeline row's values.
pub(crate) fn timeline_values(
    entry_id: &str,
    case_id: &str,
    at: Timestamp,
    actor: Option<&str>,
    event: CaseEvent,
    data: serde_json::Value,
) -> Vec<sea_query::Expr> {
    vec![
        entry_id.into(),
        case_id.into(),
        ms(at).into(),
        actor.map(str::to_string).into(),
        event.as_str().into(),
        data.to_string().into(),
    ]
}

impl crate::db::Tx {
    /// Record an event on a case's timeline and, with how the caller came in, in the audit trail:
    /// both inside this transaction, so neither exists without the change.
    pub(crate) async fn case_event(
        &mut self,
        case_id: &str,
        location_id: &str,
        at: Timestamp,
        by: By<'_>,
        event: CaseEvent,
        data: serde_json::Value,
    ) -> Result<(), StoreError> {
        let entry = Query::insert()
            .into_table("timeline")
            .columns(TIMELINE_COLS)
            .values_panic(timeline_values(
                &new_id(),
                case_id,
                at,
                by.staff_id(),
                event,
                data.clone(),
            ))
            .to_owned();
        self.execute(&entry).await?;
        self.audit(
            by,
            at,
            &case_action(event),
            Target::new("case", case_id, Some(location_id)),
            data,
        )
        .await
    }
}

/// The audit action of a timeline event (`case.created`, `case.gesture_given`, …).
pub(crate) fn case_action(event: CaseEvent) -> String {
    format!("case.{}", event.as_str())
}

pub(crate) fn gesture_view(
    r: &AnyRow,
    case_id: &str,
    person: &dyn Fn(String) -> PersonRef,
) -> Result<GestureView, StoreError> {
    Ok(GestureView {
        id: s(r, "id")?,
        case_id: case_id.to_string(),
        kind: s(r, "kind")?,
        value_cents: i(r, "value_cents")?,
        currency: s(r, "currency")?,
        note: s(r, "note")?,
        status: parse(&s(r, "status")?, GestureStatus::parse)?,
        given_by: person(s(r, "given_by")?),
        given_at: rfc3339(i(r, "given_at")?),
        decided_by: os(r, "decided_by")?.map(person),
        decided_at: opt_rfc3339(oi(r, "decided_at")?),
        decision_note: os(r, "decision_note")?,
        sent_at: opt_rfc3339(oi(r, "sent_at")?),
        delivered_at: opt_rfc3339(oi(r, "delivered_at")?),
        step_id: os(r, "step_id")?,
        pending_reason: os(r, "pending_reason")?,
        escalated_at: opt_rfc3339(oi(r, "escalated_at")?),
    })
}

/// Remember which resource an Idempotency-Key produced (in the same transaction as the resource).
pub(crate) fn idempotency_insert(
    actor: &Actor,
    scope: &str,
    key: &str,
    hash: &str,
    id: &str,
    now: Timestamp,
) -> sea_query::InsertStatement {
    Query::insert()
        .into_table("idempotency")
        .columns([
            "staff_id",
            "scope",
            "key",
            "request_hash",
            "resource_id",
            "created_at",
        ])
        .values_panic([
            actor.staff_id.clone().into(),
            scope.into(),
            key.into(),
            hash.into(),
            id.into(),
            ms(now).into(),
        ])
        .to_owned()
}

pub(crate) fn is_unique_violation<T>(res: &Result<T, StoreError>) -> bool {
    matches!(res, Err(StoreError::Db(sqlx::Error::Database(e))) if e.is_unique_violation())
}
