//! The monthly report emails: each tick (at most once a minute) the worker asks the store which
//! reports are due (`olive_storage::scheduler::monthly`), draws each one's PDF once (`olive-report`),
//! and queues an email to each recipient together with the report's row, so a month goes out once
//! per location (and once for the group) however many workers run and however often they restart.

use crate::worker::Worker;
use jiff::Timestamp;
use olive_domain::deadline::monthly::Month;
use olive_domain::followup::greeting_name;
use olive_report::{GROUP_NAME, MonthlyReport};
use olive_storage::outbox::Attachment;
use olive_storage::scheduler::monthly::{DueReport, GROUP, MonthlyEmail};
use olive_storage::{Actor, Store, StoreError};

/// The figures of a scope's month (`location_id` None: the group, every location), from the month's
/// Insights summary (the same numbers as `GET /api/v1/reports/summary`), read as the system.
pub async fn monthly_report(
    store: &Store,
    location_id: Option<&str>,
    month: Month,
    now: Timestamp,
) -> Result<MonthlyReport, StoreError> {
    let (name, summary) = store
        .month_summary(&Actor::operator("Olive"), location_id, month, now)
        .await?;
    let business = name.unwrap_or_else(|| GROUP_NAME.to_string());
    Ok(MonthlyReport::from_summary(business, month, &summary))
}

/// The Insights page on the report's month: `{public_url}/insights?location=…&from=…&to=…` (the
/// page's own parameters).
pub fn insights_url(base: &str, location_id: Option<&str>, month: Month) -> String {
    let place = location_id
        .map(|l| format!("location={l}&"))
        .unwrap_or_default();
    format!(
        "{}/insights?{place}from={}&to={}",
        base.trim_end_matches('/'),
        month.first_day(),
        month.last_day()
    )
}

impl Worker {
    /// Queue the monthly reports that are due: (reports queued by this worker).
    pub(crate) async fn monthly_reports(&self, now: Timestamp) -> Result<usize, StoreError> {
        let store = self.store();
        let mut queued = 0;
        for due in store.monthly_reports_due(now).await? {
            if self.queue_one(store, &due, now).await? {
                queued += 1;
            }
        }
        Ok(queued)
    }

    async fn queue_one(
        &self,
        store: &Store,
        due: &DueReport,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let location_id = (due.scope != GROUP).then_some(due.scope.as_str());
        let recipients = store.monthly_recipients(&due.scope).await?;
        let mut emails = Vec::with_capacity(recipients.len());
        if !recipients.is_empty() {
            let report = monthly_report(store, location_id, due.month, now).await?;
            let pdf = olive_report::monthly_pdf(&report)
                .map_err(|e| StoreError::Config(format!("the monthly report: {e}")))?;
            let attachment = Attachment {
                filename: olive_report::file_name(&report),
                content_type: "application/pdf".into(),
                data: pdf,
            };
            let url = insights_url(&store.loop_config().public_url, location_id, due.month);
            for r in recipients {
                emails.push(MonthlyEmail {
                    to: r.email,
                    subject: olive_report::email_subject(&report),
                    body: olive_report::email_body(
                        &report,
                        greeting_name(&r.name).as_deref(),
                        &url,
                    ),
                    attachment: attachment.clone(),
                });
            }
        }
        let queued = store
            .queue_monthly_report(&due.scope, due.month, &emails, now)
            .await?;
        if queued {
            tracing::info!(scope = %due.scope, month = %due.month, emails = emails.len(), "monthly report queued");
        }
        Ok(queued)
    }
}
