//! Severity alerts: applying `domain::alerts::severity` (a critical case tells the location's managers
//! at once, a major one at its first overdue step), once per case, and the managers' live alert.

use crate::actor::Actor;
use crate::audit::By;
use crate::cases::CaseRow;
use crate::db::Tx;
use crate::error::StoreError;
use crate::rows::{i, ms, os, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::alerts::severity::{Moment, alert_at, notification_kind};
use olive_domain::case::CaseEvent;
use olive_domain::playbook::Severity;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::json;

/// Why a severity alert went out (on the timeline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// the case was logged with this severity
    Logged,
    /// an edit raised the case's severity
    Raised,
    /// one of its steps went overdue
    StepOverdue,
}

impl Reason {
    fn moment(self) -> Moment {
        match self {
            Reason::Logged | Reason::Raised => Moment::Logged,
            Reason::StepOverdue => Moment::StepOverdue,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Reason::Logged => "logged",
            Reason::Raised => "severity_raised",
            Reason::StepOverdue => "step_overdue",
        }
    }
}

/// Whom a severity alert tells, and what.
pub(crate) struct Told {
    pub managers: Vec<String>,
    pub subject: String,
    pub text: String,
}

/// A critical case on a manager's live alert, until they open the case or dismiss it.
#[derive(Debug, Clone)]
pub struct LiveCaseAlert {
    /// the notification's id (what "Dismiss" posts)
    pub id: String,
    pub case_ref: String,
    pub text: String,
}

impl Store {
    /// Tell the location's managers about case `c` when its severity says so at this moment, once
    /// per case: `cases.severity_alerted_at` is set in the same transaction as the alert. Returns
    /// whether it went out (a My-work entry and an email each).
    pub(crate) async fn severity_alert(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        severity: Severity,
        reason: Reason,
        by: By<'_>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let Some(told) = self
            .claim_severity_alert(tx, c, severity, reason, by, now)
            .await?
        else {
            return Ok(false);
        };
        let kind = notification_kind(severity);
        self.notify(tx, &told.managers, c, kind, &told.subject, &told.text, now)
            .await?;
        Ok(true)
    }

    /// The part of a severity alert that decides and records it: the rule, the once-per-case claim,
    /// the timeline entry. Returns whom to tell and what (None: nobody, or already told); the caller
    /// sends it (the scheduler puts it in the managers' digests).
    pub(crate) async fn claim_severity_alert(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        severity: Severity,
        reason: Reason,
        by: By<'_>,
        now: Timestamp,
    ) -> Result<Option<Told>, StoreError> {
        if alert_at(severity, reason.moment(), false).is_none() {
            return Ok(None);
        }
        let claimed = tx
            .execute(
                &Query::update()
                    .table("cases")
                    .value("severity_alerted_at", ms(now))
                    .and_where(Expr::col("id").eq(c.id.clone()))
                    .and_where(Expr::col("severity_alerted_at").is_null())
                    .to_owned(),
            )
            .await?;
        if alert_at(severity, reason.moment(), claimed == 0).is_none() {
            return Ok(None);
        }
        let managers = self.managers_of(tx, &c.location_id).await?;
        let reporter = tx
            .fetch_optional(
                &Query::select()
                    .column("name")
                    .from("staff")
                    .and_where(Expr::col("id").eq(c.reporter_id.clone()))
                    .to_owned(),
            )
            .await?
            .map(|r| s(&r, "name"))
            .transpose()?
            .unwrap_or_else(|| "someone".into());
        let reference = format!("C-{}", c.reference);
        let (subject, text) = match severity {
            Severity::Critical => (
                format!("Critical case {reference}: {}", c.defect_title),
                format!(
                    "Critical: {reference} {}, logged by {reporter}. Open the case now.",
                    c.defect_title
                ),
            ),
            Severity::Major | Severity::Minor => (
                format!("Major case overdue {reference}: {}", c.defect_title),
                format!(
                    "Major case overdue: {reference} {}, logged by {reporter}, has a step overdue.",
                    c.defect_title
                ),
            ),
        };
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            by,
            CaseEvent::SeverityAlert,
            json!({"severity": severity.as_str(), "reason": reason.as_str(), "told": managers}),
        )
        .await?;
        metrics::counter!("olive_severity_alerts_total", "severity" => severity.as_str())
            .increment(1);
        Ok(Some(Told {
            managers,
            subject,
            text,
        }))
    }

    /// A new case's severity alert, in its own transaction right after the case is written.
    pub(crate) async fn severity_alert_logged(
        &self,
        actor: &Actor,
        c: &CaseRow,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        if alert_at(c.severity, Moment::Logged, false).is_none() {
            return Ok(());
        }
        let mut tx = self.db.begin().await?;
        self.severity_alert(
            &mut tx,
            c,
            c.severity,
            Reason::Logged,
            By::Staff(actor),
            now,
        )
        .await?;
        tx.commit().await
    }

    /// The critical cases on the caller's live alert (newest first): not yet opened nor dismissed.
    pub async fn live_case_alerts(
        &self,
        actor: &Actor,
        limit: u64,
    ) -> Result<Vec<LiveCaseAlert>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .column(("n", "id"))
                    .column(("n", "text"))
                    .column(("c", "ref"))
                    .from_as("notifications", "n")
                    .inner_join(
                        sea_query::TableRef::Table("cases".into(), Some("c".into())),
                        Expr::col(("c", "id")).equals(("n", "case_id")),
                    )
                    .and_where(Expr::col(("n", "staff_id")).eq(actor.staff_id.clone()))
                    .and_where(Expr::col(("n", "kind")).eq(notification_kind(Severity::Critical)))
                    .and_where(Expr::col(("n", "cleared_at")).is_null())
                    .order_by(("n", "created_at"), Order::Desc)
                    .limit(limit.clamp(1, 50))
                    .to_owned(),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(LiveCaseAlert {
                    id: s(r, "id")?,
                    case_ref: format!("C-{}", i(r, "ref")?),
                    text: os(r, "text")?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// The caller dismissed one live alert (another person's is left alone). Returns whether it was theirs.
    pub async fn dismiss_case_alert(
        &self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = self
            .db
            .execute(
                &Query::update()
                    .table("notifications")
                    .value("cleared_at", ms(now))
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
                    .and_where(Expr::col("cleared_at").is_null())
                    .to_owned(),
            )
            .await?;
        Ok(n > 0)
    }

    /// The caller opened case `case_id`: its live alerts to them are cleared.
    pub async fn clear_case_alerts(
        &self,
        actor: &Actor,
        case_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let live = Query::select()
            .column("id")
            .from("notifications")
            .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
            .and_where(Expr::col("kind").eq(notification_kind(Severity::Critical)))
            .and_where(Expr::col("cleared_at").is_null())
            .and_where(Expr::col("case_id").eq(case_id))
            .limit(1)
            .to_owned();
        // Most case pages have nothing to clear: no write then.
        if self.db.fetch_optional(&live).await?.is_none() {
            return Ok(());
        }
        self.db
            .execute(
                &Query::update()
                    .table("notifications")
                    .value("cleared_at", ms(now))
                    .and_where(Expr::col("case_id").eq(case_id))
                    .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
                    .and_where(Expr::col("kind").eq(notification_kind(Severity::Critical)))
                    .and_where(Expr::col("cleared_at").is_null())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    /// Clear all the caller's live case alerts (the demo's history was seen when it happened).
    pub async fn clear_live_case_alerts(
        &self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        self.db
            .execute(
                &Query::update()
                    .table("notifications")
                    .value("cleared_at", ms(now))
                    .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
                    .and_where(Expr::col("kind").eq(notification_kind(Severity::Critical)))
                    .and_where(Expr::col("cleared_at").is_null())
                    .to_owned(),
            )
            .await
    }
}
