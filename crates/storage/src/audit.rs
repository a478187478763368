//! The audit trail: an append-only record of every change — who, when, from where, and what changed —
//! written in the transaction of the change itself, and read back (scoped) by managers and admins.

use crate::actor::{Actor, Via};
use crate::db::Tx;
use crate::error::StoreError;
use crate::rows::{i, ms, new_id, os, rfc3339, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::permission::Permission;
use sea_query::{Expr, ExprTrait, InsertStatement, Order, Query};
use serde::Serialize;

/// Who made a change.
#[derive(Clone, Copy)]
pub(crate) enum By<'a> {
    /// a staff member (or the command-line operator), with how they came in
    Staff(&'a Actor),
    /// the scheduler or the worker
    System,
    /// the customer, through a follow-up link
    Customer,
}

impl<'a> By<'a> {
    /// The staff id for a timeline entry (none for the scheduler, the customer or the operator).
    pub(crate) fn staff_id(self) -> Option<&'a str> {
        match self {
            By::Staff(a) if !a.staff_id.is_empty() => Some(&a.staff_id),
            _ => None,
        }
    }
}

/// What a change was made to.
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub entity: &'static str,
    pub id: &'a str,
    /// `None` for organisation-wide things (staff, playbooks, tokens)
    pub location: Option<&'a str>,
}

impl<'a> Target<'a> {
    pub(crate) fn new(entity: &'static str, id: &'a str, location: Option<&'a str>) -> Self {
        Target {
            entity,
            id,
            location,
        }
    }
}

/// The audit table's columns, in order (the CSV export has them all but `id`).
pub const AUDIT_COLS: [&str; 12] = [
    "id",
    "at",
    "actor_id",
    "actor_name",
    "via",
    "credential",
    "ip",
    "action",
    "entity",
    "entity_id",
    "location_id",
    "data",
];

/// One audit row's values.
pub(crate) fn audit_values(
    by: By<'_>,
    at: Timestamp,
    action: &str,
    target: Target<'_>,
    data: &serde_json::Value,
) -> Vec<Expr> {
    let (name, via, credential, ip) = match by {
        By::Staff(a) => (
            a.name.clone(),
            a.origin.via,
            a.origin.credential.clone(),
            a.origin.ip.clone(),
        ),
        By::System => ("Olive".to_string(), Via::System, None, None),
        By::Customer => ("the customer".to_string(), Via::Customer, None, None),
    };
    vec![
        new_id().into(),
        ms(at).into(),
        by.staff_id().map(str::to_string).into(),
        name.into(),
        via.as_str().into(),
        credential.into(),
        ip.into(),
        action.into(),
        target.entity.into(),
        target.id.into(),
        target.location.map(str::to_string).into(),
        data.to_string().into(),
    ]
}

/// An audit insert of one row.
pub(crate) fn audit_insert(
    by: By<'_>,
    at: Timestamp,
    action: &str,
    target: Target<'_>,
    data: &serde_json::Value,
) -> InsertStatement {
    Query::insert()
        .into_table("audit_log")
        .columns(AUDIT_COLS)
        .values_panic(audit_values(by, at, action, target, data))
        .to_owned()
}

impl Tx {
    /// Record a change in the audit trail, inside this transaction.
    pub(crate) async fn audit(
        &mut self,
        by: By<'_>,
        at: Timestamp,
        action: &str,
        target: Target<'_>,
        data: serde_json::Value,
    ) -> Result<(), StoreError> {
        self.execute(&audit_insert(by, at, action, target, &data))
            .await?;
        Ok(())
    }
}

impl Tx {
    /// Record a change to a staff member: one entry for each location they work at (so each location's
    /// managers see it), or one organisation-wide entry for an admin.
    pub(crate) async fn audit_staff(
        &mut self,
        by: By<'_>,
        at: Timestamp,
        action: &str,
        staff_id: &str,
        data: serde_json::Value,
    ) -> Result<(), StoreError> {
        let places = Query::select()
            .column("location_id")
            .from("staff_locations")
            .and_where(Expr::col("staff_id").eq(staff_id))
            .to_owned();
        self.audit_at_each(by, at, action, ("staff", staff_id), places, data)
            .await
    }

    /// Record a change to a playbook: one entry for each location using it (so its managers see their
    /// edits), or one organisation-wide entry when no location uses it.
    pub(crate) async fn audit_playbook(
        &mut self,
        by: By<'_>,
        at: Timestamp,
        action: &str,
        code: &str,
        data: serde_json::Value,
    ) -> Result<(), StoreError> {
        let places = Query::select()
            .expr_as(Expr::col("id"), "location_id")
            .from("locations")
            .and_where(Expr::col("playbook_code").eq(code))
            .to_owned();
        self.audit_at_each(by, at, action, ("playbook", code), places, data)
            .await
    }

    /// One entry per `location_id` that `places` selects, or one without a location when it selects none.
    async fn audit_at_each(
        &mut self,
        by: By<'_>,
        at: Timestamp,
        action: &str,
        (entity, id): (&'static str, &str),
        places: sea_query::SelectStatement,
        data: serde_json::Value,
    ) -> Result<(), StoreError> {
        let rows = self.fetch_all(&places).await?;
        let mut locations = rows
            .iter()
            .map(|r| s(r, "location_id").map(Some))
            .collect::<Result<Vec<_>, _>>()?;
        if locations.is_empty() {
            locations.push(None);
        }
        for l in &locations {
            let target = Target::new(entity, id, l.as_deref());
            self.audit(by, at, action, target, data.clone()).await?;
        }
        Ok(())
    }
}

/// One entry of the audit trail, as managers read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: String,
    /// RFC 3339, UTC
    pub at: String,
    /// the staff member's id; absent for the command line, the scheduler and customers
    pub actor_id: Option<String>,
    pub actor_name: String,
    /// token | session | device | cli | system | customer
    pub via: String,
    /// the API token's id or the web session's short id
    pub credential: Option<String>,
    pub ip: Option<String>,
    /// e.g. `case.created`, `gesture.approved`, `limits.changed`
    pub action: String,
    /// case | location | staff | playbook | token | webhook | message | device
    pub entity: String,
    pub entity_id: String,
    pub location_id: Option<String>,
    /// what changed
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// Which entries to read (newest first).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub location: Option<String>,
    pub actor_id: Option<String>,
    pub entity_id: Option<String>,
    /// an action (`case.created`) or a prefix ending in `.` or `_` (`case.`, `case.gesture_`)
    pub action: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// page on: entries older than this entry id
    pub before: Option<String>,
    pub limit: u64,
}

/// At most this many entries per read (an export pages through them).
pub const AUDIT_PAGE_MAX: u64 = 1000;

impl Store {
    /// Audit entries the actor may read (`purpose`: `Audit` to read, `Export` to export), newest
    /// first: managers see their locations' entries, admins everything (organisation-wide entries such
    /// as admins, playbooks and tokens are for admins only).
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        f: &AuditFilter,
        purpose: Permission,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        if !matches!(purpose, Permission::Audit | Permission::Export) {
            return Err(StoreError::Forbidden(Permission::Audit.refusal()));
        }
        let mut q = Query::select()
            .columns(AUDIT_COLS)
            .from("audit_log")
            .order_by("id", Order::Desc)
            .limit(f.limit.clamp(1, AUDIT_PAGE_MAX))
            .to_owned();
        if let Some(l) = &f.location {
            actor.require(purpose, l)?;
            q.and_where(Expr::col("location_id").eq(l.clone()));
        } else if !actor.is_admin {
            actor.require_somewhere(purpose)?;
            let mine = actor.locations_allowing(purpose);
            q.and_where(Expr::col("location_id").is_in(mine));
        }
        if let Some(a) = &f.actor_id {
            q.and_where(Expr::col("actor_id").eq(a.clone()));
        }
        if let Some(e) = &f.entity_id {
            q.and_where(Expr::col("entity_id").eq(e.clone()));
        }
        // Actions are lower case; so is the filter, on both databases.
        let action = f.action.as_deref().map(str::to_lowercase);
        match action.as_deref() {
            Some(a) if a.ends_with(['.', '_']) => {
                let escaped = a
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let pattern = sea_query::LikeExpr::new(format!("{escaped}%")).escape('\\');
                q.and_where(Expr::col("action").like(pattern));
            }
            Some(a) => {
                q.and_where(Expr::col("action").eq(a));
            }
            None => {}
        }
        if let Some(t) = f.from {
            q.and_where(Expr::col("at").gte(ms(t)));
        }
        if let Some(t) = f.to {
            q.and_where(Expr::col("at").lt(ms(t)));
        }
        if let Some(b) = &f.before {
            q.and_where(Expr::col("id").lt(b.clone()));
        }
        self.db.fetch_all(&q).await?.iter().map(entry).collect()
    }
}

/// An audit row as an entry.
pub(crate) fn entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: s(r, "id")?,
        at: rfc3339(i(r, "at")?),
        actor_id: os(r, "actor_id")?,
        actor_name: s(r, "actor_name")?,
        via: s(r, "via")?,
        credential: os(r, "credential")?,
        ip: os(r, "ip")?,
        action: s(r, "action")?,
        entity: s(r, "entity")?,
        entity_id: s(r, "entity_id")?,
        location_id: os(r, "location_id")?,
        data: serde_json::from_str(&s(r, "data")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}
