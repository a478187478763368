//! Cases: logging a defect (with its protocol instantiated), reading, listing, editing, customer history.

use crate::actor::Actor;
use crate::error::{FieldErrors, StoreError};
use crate::rows::{i, ms, new_id, oi, opt_rfc3339, os, parse, rfc3339, s};
use crate::store::Store;
use crate::views::*;
use jiff::Timestamp;
use olive_domain::authority::{self, Given};
use olive_domain::case::{
    CaseEvent, CaseStatus, CloseOutcome, HOT_POTATO_HANDOFFS, RootCause, StepStatus,
};
use olive_domain::contact::{Email, Phone};
use olive_domain::gesture::GestureStatus;
use olive_domain::money::Cents;
use olive_domain::playbook::{Defect, Severity, StepKind, StepTemplate};
use sea_query::{Cond, Expr, ExprTrait, Func, LockType, Order, Query, SelectStatement};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A new case row, waiting only for its reference number.
struct NewCaseRow {
    id: String,
    location_id: String,
    playbook_code: String,
    defect_code: Option<String>,
    title: String,
    stage: String,
    severity: Severity,
    customer: ParsedCustomer,
    description: String,
    /// the reporter, who is also the owner
    owner_id: String,
    next_due: Option<i64>,
    now: i64,
    protocol: String,
}

impl NewCaseRow {
    /// The row's values, given its reference number.
    fn values(self, reference: i64) -> Vec<sea_query::Expr> {
        vec![
            self.id.into(),
            reference.into(),
            self.location_id.into(),
            self.playbook_code.into(),
            self.defect_code.into(),
            self.title.into(),
            self.stage.into(),
            self.severity.as_str().into(),
            CaseStatus::Open.as_str().into(),
            None::<String>.into(),
            self.customer.name.into(),
            self.customer.phone.into(),
            self.customer.email.into(),
            self.customer.address.into(),
            self.description.into(),
            self.owner_id.clone().into(),
            self.owner_id.into(),
            None::<String>.into(),
            None::<String>.into(),
            None::<String>.into(),
            0i64.into(),
            self.next_due.into(),
            None::<i64>.into(),
            self.now.into(),
            self.now.into(),
            None::<i64>.into(),
            self.protocol.into(),
            None::<i64>.into(),
        ]
    }
}

/// Customer details as entered (optional contact fields may be blank).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema, Default, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub name: String,
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
}

/// List filters (all optional), scoped to the caller's locations.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
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
    /// words in the customer's name, the description or the reference
    pub q: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub(crate) struct ParsedCustomer {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

pub(crate) fn parse_customer(c: &CustomerInput, errs: &mut FieldErrors) -> ParsedCustomer {
    let name = c.name.trim().to_string();
    errs.check(
        !name.is_empty(),
        "customer.name",
        "enter the customer's name",
    );
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
    errs.check(
        address.as_ref().is_none_or(|a| a.chars().count() <= 500),
        "customer.address",
        "the address is too long (500 characters at most)",
    );
    ParsedCustomer {
        name,
        phone,
        email,
        address,
    }
}

/// The case row columns every read needs.
pub(crate) const CASE_COLS: [&str; 28] = [
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
    "protocol",
    "escalated_at",
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
}

pub(crate) fn case_select() -> SelectStatement {
    Query::select().columns(CASE_COLS).from("cases").to_owned()
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

/// A timeline insert.
pub(crate) fn timeline(
    case_id: &str,
    at: Timestamp,
    actor: Option<&str>,
    event: CaseEvent,
    data: serde_json::Value,
) -> sea_query::InsertStatement {
    Query::insert()
        .into_table("timeline")
        .columns(TIMELINE_COLS)
        .values_panic(timeline_values(&new_id(), case_id, at, actor, event, data))
        .to_owned()
}

pub(crate) const STEP_COLS: [&str; 12] = [
    "id",
    "case_id",
    "position",
    "title",
    "kind",
    "owner_role",
    "due_rule",
    "due_at",
    "wording",
    "gesture_code",
    "status",
    "next_alert_at",
];

/// One protocol step's values for `case_steps`.
pub(crate) fn step_values(
    step_id: &str,
    case_id: &str,
    position: i64,
    t: &StepTemplate,
    due_at: Timestamp,
) -> Vec<sea_query::Expr> {
    vec![
        step_id.into(),
        case_id.into(),
        position.into(),
        t.title.clone().into(),
        t.kind.as_str().into(),
        t.owner.as_str().into(),
        t.due.to_string().into(),
        ms(due_at).into(),
        t.wording.clone().into(),
        t.gesture.clone().into(),
        StepStatus::Pending.as_str().into(),
        // Alert level 0 looks at the due instant; the scheduler plans from there.
        ms(due_at).into(),
    ]
}

/// One multi-row insert for a case's steps: `(position, template, due instant)` each.
pub(crate) fn steps_insert(
    case_id: &str,
    steps: &[(i64, &StepTemplate, Timestamp)],
) -> sea_query::InsertStatement {
    let mut q = Query::insert()
        .into_table("case_steps")
        .columns(STEP_COLS)
        .to_owned();
    for (position, t, due_at) in steps {
        q.values_panic(step_values(&new_id(), case_id, *position, t, *due_at));
    }
    q
}

fn request_hash(input: &NewCase) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(input).unwrap_or_default(),
    ))
}

impl Store {
    /// Log a defect. The caller is the reporter and the owner. With an idempotency key, a retry returns the first case.
    pub async fn create_case(
        &self,
        actor: &Actor,
        input: NewCase,
        idempotency_key: Option<&str>,
        now: Timestamp,
    ) -> Result<(CaseDetail, bool), StoreError> {
        let mut errs = FieldErrors::default();
        let customer = parse_customer(&input.customer, &mut errs);
        errs.check(
            input.description.chars().count() <= 4000,
            "description",
            "the description is too long (4000 characters at most)",
        );
        errs.check(
            !input.location_id.trim().is_empty(),
            "location_id",
            "choose a location",
        );
        let hash = request_hash(&input);
        if let Some(key) = idempotency_key
            && let Some(existing) = self.idempotent(actor, "case", key, &hash).await?
        {
            return Ok((self.get_case(actor, &existing, now).await?, false));
        }
        // Unknown or foreign location: 422 naming the field (it is input, not a URL).
        let role = actor.role_at(&input.location_id);
        let location = match role {
            Some(_) => self.location(&input.location_id).await.ok(),
            None => None,
        };
        let Some(location) = location else {
            errs.add("location_id", "no such location among yours");
            return Err(errs
                .into_result()
                .err()
                .unwrap_or(StoreError::NotFound("location")));
        };
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        let (defect, stage): (Option<&Defect>, String) = if input.defect == "other" {
            match input
                .stage
                .as_deref()
                .filter(|s| playbook.stage(s).is_some())
            {
                Some(st) => (None, st.to_string()),
                None => {
                    errs.add(
                        "stage",
                        "for an 'other' defect, choose the stage of the visit it happened at",
                    );
                    (None, String::new())
                }
            }
        } else {
            match playbook.defect(&input.defect) {
                Some(d) => (Some(d), d.stage.clone()),
                None => {
                    errs.add(
                        "defect",
                        format!(
                            "'{}' is not a defect in the {} playbook",
                            input.defect, playbook.playbook.code
                        ),
                    );
                    (None, String::new())
                }
            }
        };
        errs.into_result()?;
        let steps: Vec<StepTemplate> = defect
            .map(|d| d.steps.clone())
            .unwrap_or_else(other_protocol);
        let calendar = location.calendar();
        let mut dues = Vec::with_capacity(steps.len());
        for st in &steps {
            dues.push(
                calendar
                    .due(&st.due, now)
                    .map_err(|e| StoreError::Config(format!("deadline for '{}': {e}", st.title)))?,
            );
        }
        let next_due = dues.iter().min().copied();
        let severity = input
            .severity
            .or(defect.map(|d| d.severity))
            .unwrap_or(Severity::Minor);
        let title = defect.map_or_else(|| "Other".to_string(), |d| d.title.clone());
        let protocol =
            serde_json::to_string(&steps).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let id = new_id();
        let step_ids: Vec<String> = steps.iter().map(|_| new_id()).collect();
        let entry_id = new_id();
        let created_data = serde_json::json!({"defect": defect.map(|d| d.code.as_str()).unwrap_or("other"), "stage": stage, "severity": severity, "owner": actor.staff_id});
        // The new case as it will read back, so the answer needs no second trip to the database.
        let mut created = CaseRow {
            id: id.clone(),
            reference: 0,
            location_id: location.id.clone(),
            defect_code: defect.map(|d| d.code.clone()),
            defect_title: title.clone(),
            stage_code: stage.clone(),
            severity,
            status: CaseStatus::Open,
            outcome: None,
            customer: Customer {
                name: customer.name.clone(),
                phone: customer.phone.clone(),
                email: customer.email.clone(),
                address: customer.address.clone(),
            },
            description: input.description.trim().to_string(),
            reporter_id: actor.staff_id.clone(),
            owner_id: actor.staff_id.clone(),
            root_cause: None,
            prevention_note: None,
            status_reason: None,
            handoff_count: 0,
            next_due_at: next_due.map(ms),
            created_at: ms(now),
            updated_at: ms(now),
            closed_at: None,
            escalated_at: None,
        };

        // Everything but the reference is known now; the writer assigns it in the transaction.
        let row = NewCaseRow {
            id: id.clone(),
            location_id: location.id.clone(),
            playbook_code: location.playbook_code.clone(),
            defect_code: defect.map(|d| d.code.clone()),
            title,
            stage: stage.clone(),
            severity,
            customer,
            description: input.description.trim().to_string(),
            owner_id: actor.staff_id.clone(),
            next_due: next_due.map(ms),
            now: ms(now),
            protocol,
        };
        let write = crate::writer::CaseWrite {
            case: Box::new(move |reference| row.values(reference)),
            steps: steps
                .iter()
                .zip(&dues)
                .enumerate()
                .map(|(pos, (st, due))| step_values(&step_ids[pos], &id, pos as i64 + 1, st, *due))
                .collect(),
            timeline: timeline_values(
                &entry_id,
                &id,
                now,
                Some(&actor.staff_id),
                CaseEvent::Created,
                created_data.clone(),
            ),
            idempotency: idempotency_key
                .map(|key| idempotency_insert(actor, "case", key, &hash, &id, now)),
            event: {
                let (location_id, case_id) = (location.id.clone(), id.clone());
                let data = created_data.clone();
                Box::new(move |reference| {
                    let mut data = data;
                    data["case_id"] = serde_json::json!(case_id);
                    data["ref"] = serde_json::json!(format!("C-{reference}"));
                    (location_id, Some(case_id), data)
                })
            },
            now,
        };
        let res = self.writer.write(&self.db, write).await;
        if let Some(key) = idempotency_key
            && is_unique_violation(&res)
        {
            // A concurrent retry with the same key won the race: answer with its resource.
            return match self.idempotent(actor, "case", key, &hash).await? {
                Some(existing) => Ok((self.get_case(actor, &existing, now).await?, false)),
                None => Err(StoreError::IdempotencyReused),
            };
        }
        created.reference = res?;
        let me = PersonRef {
            id: actor.staff_id.clone(),
            name: actor.name.clone(),
        };
        let names = HashMap::from([(me.id.clone(), me.name.clone())]);
        let detail = CaseDetail {
            summary: Self::summary(&created, &names, now),
            currency: location.currency.to_string(),
            root_cause: None,
            prevention_note: None,
            status_reason: None,
            steps: steps
                .iter()
                .zip(&dues)
                .zip(step_ids)
                .enumerate()
                .map(|(pos, ((t, due), step_id))| StepView {
                    id: step_id,
                    position: pos as i64 + 1,
                    title: t.title.clone(),
                    kind: t.kind,
                    owner_role: t.owner,
                    due_rule: t.due.to_string(),
                    due_at: rfc3339(ms(*due)),
                    overdue: ms(*due) < ms(now),
                    wording: t.wording.clone(),
                    gesture_code: t.gesture.clone(),
                    status: StepStatus::Pending,
                    done_by: None,
                    done_at: None,
                    skip_reason: None,
                    note: None,
                })
                .collect(),
            gestures: Vec::new(),
            handoffs: Vec::new(),
            verifications: Vec::new(),
            timeline: vec![TimelineEntry {
                id: entry_id,
                at: rfc3339(ms(now)),
                actor: Some(me),
                event: CaseEvent::Created,
                data: created_data,
            }],
            follow_ups: Vec::new(),
            customer_opted_out: self.opted_out(&created).await?,
            my_remaining_authority_cents: self
                .remaining_authority(actor, &created, &location, now)
                .await?
                .map(|c| c.0),
        };
        Ok((detail, true))
    }

    /// The resource a key already produced, if the body matches; `IdempotencyReused` if it does not.
    pub(crate) async fn idempotent(
        &self,
        actor: &Actor,
        scope: &str,
        key: &str,
        hash: &str,
    ) -> Result<Option<String>, StoreError> {
        let q = Query::select()
            .columns(["request_hash", "resource_id"])
            .from("idempotency")
            .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
            .and_where(Expr::col("scope").eq(scope))
            .and_where(Expr::col("key").eq(key))
            .to_owned();
        match self.db.fetch_optional(&q).await? {
            Some(r) if s(&r, "request_hash")? == hash => Ok(Some(s(&r, "resource_id")?)),
            Some(_) => Err(StoreError::IdempotencyReused),
            None => Ok(None),
        }
    }

    /// Load a case row the caller may see (404 otherwise).
    pub(crate) async fn case_row(&self, actor: &Actor, key: &str) -> Result<CaseRow, StoreError> {
        let q = case_select().cond_where(key_cond(key)?).to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        let case = case_from_row(&row)?;
        actor.member_of(&case.location_id, "case")?;
        Ok(case)
    }

    /// Load and lock a case row inside a write transaction.
    pub(crate) async fn case_row_tx(
        &self,
        tx: &mut crate::db::Tx,
        actor: &Actor,
        key: &str,
    ) -> Result<CaseRow, StoreError> {
        let q = case_select()
            .cond_where(key_cond(key)?)
            .lock(LockType::Update)
            .to_owned();
        let row = tx
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        let case = case_from_row(&row)?;
        actor.member_of(&case.location_id, "case")?;
        Ok(case)
    }

    /// Names of staff by id (one query).
    pub(crate) async fn names(
        &self,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<HashMap<String, String>, StoreError> {
        let ids: HashSet<String> = ids.into_iter().collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let q = Query::select()
            .columns(["id", "name"])
            .from("staff")
            .and_where(Expr::col("id").is_in(ids))
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| Ok((s(r, "id")?, s(r, "name")?)))
            .collect()
    }

    pub(crate) fn summary(
        c: &CaseRow,
        names: &HashMap<String, String>,
        now: Timestamp,
    ) -> CaseSummary {
        let person = |id: &str| PersonRef {
            id: id.to_string(),
            name: names.get(id).cloned().unwrap_or_default(),
        };
        CaseSummary {
            id: c.id.clone(),
            reference: format!("C-{}", c.reference),
            location_id: c.location_id.clone(),
            status: c.status,
            outcome: c.outcome,
            stage: c.stage_code.clone(),
            defect: DefectRef {
                code: c.defect_code.clone().unwrap_or_else(|| "other".into()),
                title: c.defect_title.clone(),
            },
            severity: c.severity,
            customer: c.customer.clone(),
            description: c.description.clone(),
            reporter: person(&c.reporter_id),
            owner: person(&c.owner_id),
            handoff_count: c.handoff_count,
            hot_potato: c.handoff_count >= HOT_POTATO_HANDOFFS,
            next_due_at: opt_rfc3339(c.next_due_at),
            overdue: c.status.is_active() && c.next_due_at.is_some_and(|d| d < ms(now)),
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            closed_at: opt_rfc3339(c.closed_at),
            escalated_at: opt_rfc3339(c.escalated_at),
        }
    }

    /// A case with steps, gestures, handoffs, verifications and its timeline.
    pub async fn get_case(
        &self,
        actor: &Actor,
        key: &str,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let c = self.case_row(actor, key).await?;
        let by_case = |table: &'static str, cols: &[&'static str], order: &'static str| {
            Query::select()
                .columns(cols.iter().copied())
                .from(table)
                .and_where(Expr::col("case_id").eq(c.id.clone()))
                .order_by(order, Order::Asc)
                .order_by("id", Order::Asc)
                .to_owned()
        };
        let q_steps = by_case(
            "case_steps",
            &[
                "id",
                "position",
                "title",
                "kind",
                "owner_role",
                "due_rule",
                "due_at",
                "wording",
                "gesture_code",
                "status",
                "done_by",
                "done_at",
                "skip_reason",
                "note",
            ],
            "position",
        );
        let q_gestures = by_case(
            "gestures",
            &[
                "id",
                "kind",
                "value_cents",
                "currency",
                "note",
                "status",
                "given_by",
                "given_at",
                "decided_by",
                "decided_at",
                "decision_note",
                "sent_at",
                "delivered_at",
            ],
            "given_at",
        );
        let q_handoffs = by_case(
            "handoffs",
            &[
                "id",
                "from_id",
                "to_id",
                "reason",
                "status",
                "created_at",
                "decided_at",
                "decline_reason",
            ],
            "created_at",
        );
        let q_verifs = by_case(
            "verifications",
            &[
                "verified_by",
                "method",
                "customer_said",
                "satisfied",
                "created_at",
            ],
            "created_at",
        );
        let q_events = by_case("timeline", &["id", "at", "actor_id", "event", "data"], "at");
        // Five independent reads: run them side by side on the pool.
        let (steps, gestures, handoffs, verifs, events) = tokio::try_join!(
            self.db.fetch_all(&q_steps),
            self.db.fetch_all(&q_gestures),
            self.db.fetch_all(&q_handoffs),
            self.db.fetch_all(&q_verifs),
            self.db.fetch_all(&q_events),
        )?;

        let mut ids = vec![c.owner_id.clone(), c.reporter_id.clone()];
        for r in &steps {
            ids.extend(os(r, "done_by")?);
        }
        for r in &gestures {
            ids.push(s(r, "given_by")?);
            ids.extend(os(r, "decided_by")?);
        }
        for r in &handoffs {
            ids.push(s(r, "from_id")?);
            ids.push(s(r, "to_id")?);
        }
        for r in &verifs {
            ids.push(s(r, "verified_by")?);
        }
        for r in &events {
            ids.extend(os(r, "actor_id")?);
        }
        let names = self.names(ids).await?;
        let person = |id: String| PersonRef {
            name: match names.get(&id) {
                Some(n) => n.clone(),
                None if id == CUSTOMER => "The customer".into(),
                None => String::new(),
            },
            id,
        };
        let now_ms = ms(now);
        let (follow_ups, customer_opted_out) =
            tokio::try_join!(self.followups_of(&c.id, now), self.opted_out(&c))?;
        let location = self.location(&c.location_id).await?;
        let remaining = self.remaining_authority(actor, &c, &location, now).await?;
        Ok(CaseDetail {
            summary: Self::summary(&c, &names, now),
            currency: location.currency.to_string(),
            root_cause: c.root_cause,
            prevention_note: c.prevention_note.clone(),
            status_reason: c.status_reason.clone(),
            steps: steps
                .iter()
                .map(|r| {
                    let status = parse(&s(r, "status")?, StepStatus::parse)?;
                    let due_at = i(r, "due_at")?;
                    Ok(StepView {
                        id: s(r, "id")?,
                        position: i(r, "position")?,
                        title: s(r, "title")?,
                        kind: parse(&s(r, "kind")?, StepKind::parse)?,
                        owner_role: parse(&s(r, "owner_role")?, |v| v.parse().ok())?,
                        due_rule: s(r, "due_rule")?,
                        due_at: rfc3339(due_at),
                        overdue: status == StepStatus::Pending
                            && c.status.is_active()
                            && due_at < now_ms,
                        wording: s(r, "wording")?,
                        gesture_code: os(r, "gesture_code")?,
                        status,
                        done_by: os(r, "done_by")?.map(&person),
                        done_at: opt_rfc3339(oi(r, "done_at")?),
                        skip_reason: os(r, "skip_reason")?,
                        note: os(r, "note")?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            gestures: gestures
                .iter()
                .map(|r| gesture_view(r, &c.id, &person))
                .collect::<Result<_, _>>()?,
            handoffs: handoffs
                .iter()
                .map(|r| {
                    Ok(HandoffView {
                        id: s(r, "id")?,
                        from: person(s(r, "from_id")?),
                        to: person(s(r, "to_id")?),
                        reason: s(r, "reason")?,
                        status: parse(&s(r, "status")?, |v| {
                            serde_json::from_value(serde_json::Value::String(v.into())).ok()
                        })?,
                        created_at: rfc3339(i(r, "created_at")?),
                        decided_at: opt_rfc3339(oi(r, "decided_at")?),
                        decline_reason: os(r, "decline_reason")?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            verifications: verifs
                .iter()
                .map(|r| {
                    Ok(VerificationView {
                        verified_by: person(s(r, "verified_by")?),
                        method: parse(&s(r, "method")?, |v| {
                            serde_json::from_value(serde_json::Value::String(v.into())).ok()
                        })?,
                        customer_said: s(r, "customer_said")?,
                        satisfied: i(r, "satisfied")? != 0,
                        at: rfc3339(i(r, "created_at")?),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            timeline: events
                .iter()
                .map(|r| {
                    Ok(TimelineEntry {
                        id: s(r, "id")?,
                        at: rfc3339(i(r, "at")?),
                        actor: os(r, "actor_id")?.map(&person),
                        event: parse(&s(r, "event")?, |v| {
                            serde_json::from_value(serde_json::Value::String(v.into())).ok()
                        })?,
                        data: serde_json::from_str(&s(r, "data")?)
                            .unwrap_or(serde_json::Value::Null),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            follow_ups,
            customer_opted_out,
            my_remaining_authority_cents: remaining.map(|c| c.0),
        })
    }

    /// What the actor may still give on this case without approval.
    pub(crate) async fn remaining_authority(
        &self,
        actor: &Actor,
        c: &CaseRow,
        location: &crate::store::Location,
        now: Timestamp,
    ) -> Result<Option<Cents>, StoreError> {
        let role = actor.member_of(&c.location_id, "case")?;
        let limit = self.limits_at(&c.location_id).await?.for_role(role);
        let given = self
            .given(
                None,
                &actor.staff_id,
                &c.id,
                &location.local_date(now).to_string(),
            )
            .await?;
        Ok(authority::remaining(limit, given))
    }

    /// Sums of what a person gave on a case and on a day (declined gestures do not count).
    /// Inside a write transaction pass it: waiting for a second pool connection while holding one can exhaust the pool.
    pub(crate) async fn given(
        &self,
        tx: Option<&mut crate::db::Tx>,
        staff_id: &str,
        case_id: &str,
        day: &str,
    ) -> Result<Given, StoreError> {
        let q = Query::select()
            .columns(["case_id", "given_day", "value_cents", "status"])
            .from("gestures")
            .and_where(Expr::col("given_by").eq(staff_id))
            .cond_where(
                Cond::any()
                    .add(Expr::col("case_id").eq(case_id))
                    .add(Expr::col("given_day").eq(day)),
            )
            .to_owned();
        let rows = match tx {
            Some(tx) => tx.fetch_all(&q).await?,
            None => self.db.fetch_all(&q).await?,
        };
        let mut g = Given::default();
        for r in rows {
            let status = parse(&s(&r, "status")?, GestureStatus::parse)?;
            if !status.counts() {
                continue;
            }
            let v = Cents(i(&r, "value_cents")?);
            if s(&r, "case_id")? == case_id {
                g.on_case = g.on_case.saturating_add(v);
            }
            if s(&r, "given_day")? == day && status != GestureStatus::PendingApproval {
                g.today = g.today.saturating_add(v);
            }
        }
        Ok(g)
    }

    /// Cases the caller may see, newest first, filtered, one page at a time.
    pub async fn list_cases(
        &self,
        actor: &Actor,
        f: &CaseFilter,
        now: Timestamp,
    ) -> Result<Page<CaseSummary>, StoreError> {
        let limit = f.limit.unwrap_or(25).clamp(1, 100) as u64;
        let mut q = case_select();
        if let Some(scope) = actor.scope() {
            q.and_where(Expr::col("location_id").is_in(scope));
        }
        let mut errs = FieldErrors::default();
        if let Some(st) = f.status.as_deref().filter(|v| !v.is_empty()) {
            match st {
                "active" => {
                    q.and_where(Expr::col("status").is_in([CaseStatus::Open.as_str(), CaseStatus::InProgress.as_str(), CaseStatus::AwaitingVerification.as_str()]));
                }
                _ => match CaseStatus::parse(st) {
                    Some(v) => {
                        q.and_where(Expr::col("status").eq(v.as_str()));
                    }
                    None => errs.add("status", "unknown status: use open, in_progress, awaiting_verification, closed, cancelled or active"),
                },
            }
        }
        if let Some(sev) = f.severity.as_deref().filter(|v| !v.is_empty()) {
            match Severity::parse(sev) {
                Some(v) => {
                    q.and_where(Expr::col("severity").eq(v.as_str()));
                }
                None => errs.add("severity", "unknown severity: use minor, major or critical"),
            }
        }
        errs.into_result()?;
        for (col, v) in [
            ("location_id", &f.location_id),
            ("stage_code", &f.stage),
            ("owner_id", &f.owner),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                q.and_where(Expr::col(col).eq(v));
            }
        }
        if let Some(d) = f.defect.as_deref().filter(|v| !v.is_empty()) {
            if d == "other" {
                q.and_where(Expr::col("defect_code").is_null());
            } else {
                q.and_where(Expr::col("defect_code").eq(d));
            }
        }
        if f.escalated == Some(true) {
            q.and_where(Expr::col("escalated_at").is_not_null());
        }
        if f.overdue == Some(true) {
            q.and_where(Expr::col("status").is_in([
                CaseStatus::Open.as_str(),
                CaseStatus::InProgress.as_str(),
                CaseStatus::AwaitingVerification.as_str(),
            ]))
            .and_where(Expr::col("next_due_at").lt(ms(now)));
        }
        if let Some(text) = f.q.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            if let Ok(r) = text.parse::<olive_domain::ids::CaseRef>() {
                q.and_where(Expr::col("ref").eq(r.0));
            } else {
                let pat = format!("%{}%", text.to_lowercase().replace(['%', '_'], ""));
                q.cond_where(
                    Cond::any()
                        .add(Func::lower(Expr::col("customer_name")).like(pat.clone()))
                        .add(Func::lower(Expr::col("description")).like(pat)),
                );
            }
        }
        if let Some(cursor) = f.cursor.as_deref().filter(|v| !v.is_empty()) {
            let (at, id) = cursor
                .split_once('_')
                .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.to_string())))
                .ok_or_else(|| {
                    StoreError::field(
                        "cursor",
                        "invalid cursor: pass back next_cursor from the previous page",
                    )
                })?;
            q.cond_where(
                Cond::any().add(Expr::col("created_at").lt(at)).add(
                    Cond::all()
                        .add(Expr::col("created_at").eq(at))
                        .add(Expr::col("id").lt(id)),
                ),
            );
        }
        q.order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(limit + 1);
        let rows = self.db.fetch_all(&q).await?;
        let mut cases: Vec<CaseRow> = rows.iter().map(case_from_row).collect::<Result<_, _>>()?;
        let next_cursor = if cases.len() as u64 > limit {
            cases.truncate(limit as usize);
            cases.last().map(|c| format!("{}_{}", c.created_at, c.id))
        } else {
            None
        };
        let names = self
            .names(
                cases
                    .iter()
                    .flat_map(|c| [c.owner_id.clone(), c.reporter_id.clone()]),
            )
            .await?;
        Ok(Page {
            items: cases
                .iter()
                .map(|c| Self::summary(c, &names, now))
                .collect(),
            next_cursor,
        })
    }

    /// Edit a case's description, customer details or severity; the change goes on the timeline.
    pub async fn edit_case(
        &self,
        actor: &Actor,
        key: &str,
        edit: CaseEdit,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let mut errs = FieldErrors::default();
        let customer = edit.customer.as_ref().map(|c| parse_customer(c, &mut errs));
        if let Some(d) = &edit.description {
            errs.check(
                d.chars().count() <= 4000,
                "description",
                "the description is too long (4000 characters at most)",
            );
        }
        errs.into_result()?;
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        if !c.status.is_active() {
            return Err(StoreError::conflict(
                "case_finished",
                format!("the case is {}; reopen it to change it", c.status.as_str()),
            ));
        }
        let mut changes = BTreeMap::new();
        let mut u = Query::update().table("cases").to_owned();
        let mut set = |col: &'static str, old: Option<String>, new: Option<String>| {
            if old != new {
                changes.insert(col, serde_json::json!({"from": old, "to": new}));
                u.value(col, new);
            }
        };
        if let Some(d) = &edit.description {
            set(
                "description",
                Some(c.description.clone()),
                Some(d.trim().to_string()),
            );
        }
        if let Some(sev) = edit.severity {
            set(
                "severity",
                Some(c.severity.as_str().into()),
                Some(sev.as_str().into()),
            );
        }
        if let Some(p) = customer {
            set("customer_name", Some(c.customer.name.clone()), Some(p.name));
            set("customer_phone", c.customer.phone.clone(), p.phone);
            set("customer_email", c.customer.email.clone(), p.email);
            set("customer_address", c.customer.address.clone(), p.address);
        }
        if !changes.is_empty() {
            u.value("updated_at", ms(now))
                .and_where(Expr::col("id").eq(c.id.clone()));
            tx.execute(&u).await?;
            tx.execute(&timeline(
                &c.id,
                now,
                Some(&actor.staff_id),
                CaseEvent::Edited,
                serde_json::json!({ "changes": changes }),
            ))
            .await?;
            tx.commit().await?;
        } else {
            // Release the case lock before reading through the pool.
            drop(tx);
        }
        self.get_case(actor, &c.id, now).await
    }

    /// The customer's other cases (matched by phone or email) at the caller's locations.
    pub async fn customer_history(
        &self,
        actor: &Actor,
        key: &str,
        now: Timestamp,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        let c = self.case_row(actor, key).await?;
        let mut any = Cond::any();
        if let Some(p) = &c.customer.phone {
            any = any.add(Expr::col("customer_phone").eq(p.clone()));
        }
        if let Some(e) = &c.customer.email {
            any = any.add(Expr::col("customer_email").eq(e.clone()));
        }
        if any.is_empty() {
            return Ok(Vec::new());
        }
        let q = case_select()
            .cond_where(any)
            .and_where(Expr::col("id").ne(c.id.clone()))
            .order_by("created_at", Order::Desc)
            .limit(50)
            .to_owned();
        self.scoped_summaries(actor, q, now).await
    }

    /// Run a case query limited to the caller's locations and return the rows as summaries.
    pub(crate) async fn scoped_summaries(
        &self,
        actor: &Actor,
        mut q: SelectStatement,
        now: Timestamp,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        if let Some(scope) = actor.scope() {
            q.and_where(Expr::col("location_id").is_in(scope));
        }
        let rows: Vec<CaseRow> = self
            .db
            .fetch_all(&q)
            .await?
            .iter()
            .map(case_from_row)
            .collect::<Result<_, _>>()?;
        let names = self
            .names(
                rows.iter()
                    .flat_map(|c| [c.owner_id.clone(), c.reporter_id.clone()]),
            )
            .await?;
        Ok(rows.iter().map(|r| Self::summary(r, &names, now)).collect())
    }
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

/// The protocol for a defect not in the playbook (`other`): acknowledge, fix, verify.
fn other_protocol() -> Vec<StepTemplate> {
    let step = |title: &str, kind, due: &str, wording: &str| StepTemplate {
        title: title.into(),
        kind,
        owner: olive_domain::role::Role::FrontDesk,
        due: due
            .parse()
            .unwrap_or(olive_domain::deadline::DeadlineRule::After(
                jiff::SignedDuration::from_mins(10),
            )),
        wording: wording.into(),
        gesture: None,
    };
    vec![
        step(
            "Acknowledge and apologise",
            StepKind::Acknowledge,
            "PT10M",
            "I'm sorry this happened. I'll look after it myself.",
        ),
        step("Put it right", StepKind::Fix, "same_day 17:00", ""),
        step(
            "Check the recovery hit home",
            StepKind::Verify,
            "next_business_day 12:00",
            "I wanted to check that we put things right for you.",
        ),
    ]
}
