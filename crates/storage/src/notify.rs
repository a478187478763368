//! Telling staff: entries in "My work" and emails through the outbox, written in the caller's transaction.

use crate::actor::Actor;
use crate::cases::{CaseRow, case_from_row, case_select};
use crate::db::Tx;
use crate::error::StoreError;
use crate::outbox::{self, EmailOut};
use crate::rows::{i, ms, new_id, oi, opt_rfc3339, os, rfc3339, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::role::Role;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

/// A reminder, escalation or answer shown in the person's "My work".
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub case_id: Option<String>,
    /// `reminder`, `overdue`, `escalation`, `follow_up_poor`, `follow_up_unanswered`
    pub kind: String,
    pub text: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// A staff member who may receive a message.
pub(crate) struct Recipient {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

impl Store {
    /// A case by id, without an access check (the worker and the public follow-up page).
    pub(crate) async fn case_by_id(&self, id: &str) -> Result<CaseRow, StoreError> {
        let row = self
            .db
            .fetch_optional(&case_select().and_where(Expr::col("id").eq(id)).to_owned())
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        case_from_row(&row)
    }

    pub(crate) async fn case_by_id_tx(&self, tx: &mut Tx, id: &str) -> Result<CaseRow, StoreError> {
        let row = tx
            .fetch_optional(&case_select().and_where(Expr::col("id").eq(id)).to_owned())
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        case_from_row(&row)
    }

    /// Active managers of a location; when it has none, the organisation's admins.
    pub(crate) async fn managers_of(
        &self,
        tx: &mut Tx,
        location_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        self.holders_of(tx, location_id, Role::Manager).await
    }

    /// Everyone active who holds `role` at a location (a queue's people); when nobody does, its
    /// managers, and when it has none, the organisation's admins: an alert always reaches someone.
    pub(crate) async fn holders_of(
        &self,
        tx: &mut Tx,
        location_id: &str,
        role: Role,
    ) -> Result<Vec<String>, StoreError> {
        if role == Role::Admin {
            return self.admins(tx).await;
        }
        let rows = tx
            .fetch_all(
                &Query::select()
                    .column(("s", "id"))
                    .from_as("staff", "s")
                    .inner_join(
                        sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                        Expr::col(("sl", "staff_id")).equals(("s", "id")),
                    )
                    .and_where(Expr::col(("sl", "location_id")).eq(location_id))
                    .and_where(Expr::col(("sl", "role")).eq(role.as_str()))
                    .and_where(Expr::col(("s", "active")).eq(1))
                    .to_owned(),
            )
            .await?;
        let ids: Vec<String> = rows.iter().map(|r| s(r, "id")).collect::<Result<_, _>>()?;
        match (ids.is_empty(), role) {
            (false, _) => Ok(ids),
            (true, Role::Manager) => self.admins(tx).await,
            (true, _) => Box::pin(self.holders_of(tx, location_id, Role::Manager)).await,
        }
    }

    /// The organisation's active admins.
    async fn admins(&self, tx: &mut Tx) -> Result<Vec<String>, StoreError> {
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
        admins.iter().map(|r| s(r, "id")).collect()
    }

    pub(crate) async fn recipients(
        &self,
        tx: &mut Tx,
        ids: &[String],
    ) -> Result<Vec<Recipient>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = tx
            .fetch_all(
                &Query::select()
                    .columns(["id", "name", "email"])
                    .from("staff")
                    .and_where(Expr::col("id").is_in(ids.iter().cloned()))
                    .and_where(Expr::col("active").eq(1))
                    .to_owned(),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Recipient {
                    id: s(r, "id")?,
                    name: s(r, "name")?,
                    email: os(r, "email")?,
                })
            })
            .collect()
    }

    /// One "My work" entry per person and one email to each who has an address.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn notify(
        &self,
        tx: &mut Tx,
        people: &[String],
        c: &CaseRow,
        kind: &str,
        subject: &str,
        text: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut people = people.to_vec();
        people.sort();
        people.dedup();
        let link = format!(
            "{}/cases/C-{}",
            self.loop_config().public_url.trim_end_matches('/'),
            c.reference
        );
        for p in self.recipients(tx, &people).await? {
            insert_notification(tx, &p.id, Some(&c.id), kind, text, now).await?;
            if let Some(email) = &p.email {
                let hello = match olive_domain::followup::greeting_name(&p.name) {
                    Some(n) => format!("Hi {n},"),
                    None => "Hello,".to_string(),
                };
                let body = format!("{hello}\n\n{text}\n\nOpen the case: {link}\n");
                outbox::queue_email(
                    tx,
                    EmailOut {
                        to: email,
                        subject: subject.to_string(),
                        body,
                        event: kind,
                        location_id: &c.location_id,
                        case_id: Some(&c.id),
                        list_unsubscribe: None,
                    },
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// The caller's recent notifications, newest first.
    pub async fn notifications(
        &self,
        actor: &Actor,
        limit: u64,
    ) -> Result<Vec<NotificationView>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(["id", "case_id", "kind", "text", "created_at", "read_at"])
                    .from("notifications")
                    .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
                    .order_by("created_at", Order::Desc)
                    .order_by("id", Order::Desc)
                    .limit(limit.clamp(1, 200))
                    .to_owned(),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(NotificationView {
                    id: s(r, "id")?,
                    case_id: os(r, "case_id")?,
                    kind: s(r, "kind")?,
                    text: s(r, "text")?,
                    created_at: rfc3339(i(r, "created_at")?),
                    read_at: opt_rfc3339(oi(r, "read_at")?),
                })
            })
            .collect()
    }

    /// Mark all the caller's notifications read.
    pub async fn mark_notifications_read(
        &self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.db
            .execute(
                &Query::update()
                    .table("notifications")
                    .value("read_at", ms(now))
                    .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
                    .and_where(Expr::col("read_at").is_null())
                    .to_owned(),
            )
            .await
    }
}

/// One "My work" entry.
pub(crate) async fn insert_notification(
    tx: &mut Tx,
    staff_id: &str,
    case_id: Option<&str>,
    kind: &str,
    text: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    tx.execute(&notifications_insert(
        &[(staff_id, case_id, kind, text)],
        now,
    ))
    .await?;
    Ok(())
}

/// Several "My work" entries, `(staff id, case id, kind, text)`, a few hundred per statement.
pub(crate) async fn insert_notifications(
    tx: &mut Tx,
    rows: &[(&str, Option<&str>, &str, &str)],
    now: Timestamp,
) -> Result<(), StoreError> {
    for chunk in rows.chunks(300) {
        tx.execute_once(&notifications_insert(chunk, now)).await?;
    }
    Ok(())
}

fn notifications_insert(
    rows: &[(&str, Option<&str>, &str, &str)],
    now: Timestamp,
) -> sea_query::InsertStatement {
    let mut q = Query::insert()
        .into_table("notifications")
        .columns(["id", "staff_id", "case_id", "kind", "text", "created_at"])
        .to_owned();
    for (staff_id, case_id, kind, text) in rows {
        q.values_panic([
            new_id().into(),
            (*staff_id).into(),
            case_id.map(str::to_string).into(),
            (*kind).into(),
            (*text).into(),
            ms(now).into(),
        ]);
    }
    q
}
