//! The monthly report's schedule: which reports are due and not yet sent (a location's on its first
//! business day of the month at 08:00 local, `olive_domain::deadline::monthly`; the group's once every
//! location's is), who receives each (the location's managers, the admins for the group; not those
//! who opted out), and queuing one month's emails exactly once: the `monthly_reports` row is inserted
//! (`ON CONFLICT DO NOTHING`) in the transaction that queues them, so a second worker, or the same one
//! after a restart, finds the row there and queues nothing.

use crate::error::StoreError;
use crate::outbox::{self, Attachment, EmailOut};
use crate::rows::{ms, os, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::deadline::monthly::Month;
use olive_domain::role::Role;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use std::collections::BTreeSet;

/// The scope of the admins' report on every location.
pub const GROUP: &str = "group";

/// A report whose time has come and that nobody has queued yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReport {
    /// a location's id, or `group`
    pub scope: String,
    /// the location's name (None for the group)
    pub location_name: Option<String>,
    pub month: Month,
}

/// Someone a monthly report goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecipient {
    pub staff_id: String,
    pub name: String,
    pub email: String,
}

/// One email of a monthly report, ready to queue.
#[derive(Debug, Clone)]
pub struct MonthlyEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attachment: Attachment,
}

impl Store {
    /// The monthly reports due at `now` that no worker has queued: each location's on the month
    /// before its local month, from its first business day's 08:00 on (a location never open has
    /// none); the group's on a month once every location that opens has its report on that month due.
    pub async fn monthly_reports_due(&self, now: Timestamp) -> Result<Vec<DueReport>, StoreError> {
        let locations = self.all_locations().await?;
        let mut due = Vec::new();
        let mut group: Option<Option<Month>> = None;
        for location in &locations {
            let cal = location.calendar();
            let this = Month::of(location.local_date(now));
            if cal.monthly_report_at(this).is_err() {
                continue; // never open: no report, and it holds up no group report
            }
            let month = cal.monthly_report_due(now);
            group = Some(match group {
                None => month,
                Some(g) if g == month => g,
                Some(_) => None,
            });
            if let Some(month) = month {
                due.push(DueReport {
                    scope: location.id.clone(),
                    location_name: Some(location.name.clone()),
                    month,
                });
            }
        }
        if let Some(Some(month)) = group {
            due.push(DueReport {
                scope: GROUP.into(),
                location_name: None,
                month,
            });
        }
        if due.is_empty() {
            return Ok(due);
        }
        let months: BTreeSet<String> = due.iter().map(|d| d.month.to_string()).collect();
        let sent: BTreeSet<(String, String)> = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(["scope", "month"])
                    .from("monthly_reports")
                    .and_where(Expr::col("month").is_in(months))
                    .to_owned(),
            )
            .await?
            .iter()
            .map(|r| Ok((s(r, "scope")?, s(r, "month")?)))
            .collect::<Result<_, StoreError>>()?;
        due.retain(|d| !sent.contains(&(d.scope.clone(), d.month.to_string())));
        Ok(due)
    }

    /// Who receives a scope's report: the location's active managers, or for the group the active
    /// admins; only those with an email address who have not opted out.
    pub async fn monthly_recipients(
        &self,
        scope: &str,
    ) -> Result<Vec<ReportRecipient>, StoreError> {
        let mut q = Query::select()
            .columns([("s", "id"), ("s", "name"), ("s", "email")])
            .from_as("staff", "s")
            .and_where(Expr::col(("s", "active")).eq(1))
            .and_where(Expr::col(("s", "monthly_report_opt_out")).eq(0))
            .and_where(Expr::col(("s", "email")).is_not_null())
            .order_by(("s", "name"), Order::Asc)
            .to_owned();
        if scope == GROUP {
            q.and_where(Expr::col(("s", "is_admin")).eq(1));
        } else {
            q.inner_join(
                sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                Expr::col(("sl", "staff_id")).equals(("s", "id")),
            )
            .and_where(Expr::col(("sl", "location_id")).eq(scope))
            .and_where(Expr::col(("sl", "role")).eq(Role::Manager.as_str()));
        }
        let rows = self.db.fetch_all(&q).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Some(email) = os(r, "email")?.filter(|e| !e.trim().is_empty()) {
                out.push(ReportRecipient {
                    staff_id: s(r, "id")?,
                    name: s(r, "name")?,
                    email,
                });
            }
        }
        Ok(out)
    }

    /// Queue a scope's report on `month` to each of `emails`, once: the `monthly_reports` row and the
    /// emails are written in one transaction. Returns false (and queues nothing) when the row was
    /// already there: another worker, or this one before a restart, sent it.
    pub async fn queue_monthly_report(
        &self,
        scope: &str,
        month: Month,
        emails: &[MonthlyEmail],
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.db.begin().await?;
        let inserted = tx
            .execute(
                &Query::insert()
                    .into_table("monthly_reports")
                    .columns(["scope", "month", "queued_at"])
                    .values_panic([scope.into(), month.to_string().into(), ms(now).into()])
                    .on_conflict(
                        OnConflict::columns(["scope", "month"])
                            .do_nothing()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        if inserted == 0 {
            return Ok(false);
        }
        let location_id = (scope != GROUP).then_some(scope);
        for e in emails {
            outbox::queue_email_attached(
                &mut tx,
                EmailOut {
                    to: &e.to,
                    subject: e.subject.clone(),
                    body: e.body.clone(),
                    event: "monthly_report",
                    location_id: location_id.unwrap_or_default(),
                    case_id: None,
                    list_unsubscribe: None,
                },
                Some(&e.attachment),
                now,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
