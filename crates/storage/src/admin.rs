//! Set-up without a terminal: edit a location, deactivate staff (their open cases are reassigned), reset secrets,
//! edit a playbook step, and the hand-offs waiting for someone's answer.

use crate::actor::Actor;
use crate::audit::{By, Target};
use crate::auth::Secret;
use crate::cases::{case_from_row, case_select};
use crate::error::{FieldErrors, StoreError};
use crate::rows::{ms, s};
use crate::store::Store;
use crate::views::CaseSummary;
use jiff::Timestamp;
use jiff::civil::Date;
use olive_domain::case::{CaseEvent, CaseStatus};
use olive_domain::deadline::{DayHours, DeadlineRule};
use olive_domain::money::Currency;
use olive_domain::permission::Permission;
use olive_domain::playbook::Playbook;
use olive_domain::role::Role;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;
use std::collections::BTreeSet;

mod budget;
mod contact;
mod playbook_copies;
mod playbooks;
pub use playbook_copies::{
    BuiltInOffer, EditScope, PlaybookRow, built_in_parsed, built_in_version,
};
mod staff;
pub use budget::{Budget, check_budget};
pub use contact::ContactUpdate;

/// New settings for a location.
pub struct LocationUpdate {
    pub timezone: String,
    pub currency: String,
    pub hours: [Option<DayHours>; 7],
    pub closed: BTreeSet<Date>,
    /// opening-hours minutes before an undecided gesture request is escalated (`None`: unchanged)
    pub approval_escalation_minutes: Option<i64>,
    /// phone, email (Reply-To) and address; each `None` stays as it is
    pub contact: ContactUpdate,
}

/// A defect added from the playbook editor.
pub struct NewDefect {
    pub code: String,
    pub stage: String,
    pub title: String,
    pub severity: olive_domain::playbook::Severity,
    /// comma-separated words the front desk may type
    pub keywords: String,
}

/// A change to one step of a playbook's protocol.
pub struct StepUpdate {
    pub defect: String,
    /// 0-based position in the protocol
    pub index: usize,
    pub due: String,
    pub owner: String,
    /// what is said to the customer
    pub say: String,
    /// what reaches them in writing (a card, the follow-up email)
    pub write: String,
}

/// A new staff member at one location, with optional sign-in secrets.
pub struct StaffInput {
    pub name: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub location_id: String,
    pub role: Role,
    pub password: Option<String>,
    pub pin: Option<String>,
}

impl Store {
    pub async fn update_location(
        &self,
        actor: &Actor,
        id: &str,
        u: LocationUpdate,
    ) -> Result<(), StoreError> {
        actor.require(Permission::Configure, id)?;
        let mut errs = FieldErrors::default();
        errs.check(
            jiff::tz::TimeZone::get(&u.timezone).is_ok(),
            "timezone",
            "unknown time zone (use a name like Australia/Sydney)",
        );
        errs.check(
            u.currency.parse::<Currency>().is_ok(),
            "currency",
            "use a three-letter currency code such as AUD",
        );
        for h in u.hours.iter().flatten() {
            errs.check(
                h.close > h.open,
                "hours",
                "closing time must be after opening time",
            );
        }
        errs.check(
            u.hours.iter().any(Option::is_some),
            "hours",
            "a location needs at least one open day",
        );
        if let Some(Err(e)) = u
            .approval_escalation_minutes
            .map(olive_domain::approval::check_escalation_minutes)
        {
            errs.add("approval_escalation_minutes", e);
        }
        let before = self.location(id).await?;
        let contact_before = contact::Contact::of(&before);
        let contact = u.contact.apply(&contact_before, &mut errs);
        errs.into_result()?;
        let hours =
            serde_json::to_string(&u.hours).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let closed =
            serde_json::to_string(&u.closed).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let minutes = u
            .approval_escalation_minutes
            .unwrap_or(before.approval_escalation_minutes);
        let after = serde_json::json!({"timezone": u.timezone, "currency": u.currency.to_ascii_uppercase(), "hours": u.hours, "closed": u.closed, "approval_escalation_minutes": minutes, "contact": contact.json()});
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::update()
                .table("locations")
                .values([
                    ("timezone", u.timezone.into()),
                    ("currency", u.currency.to_ascii_uppercase().into()),
                    ("hours", hours.into()),
                    ("closed_dates", closed.into()),
                    ("approval_escalation_minutes", minutes.into()),
                ])
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        contact::write(&mut tx, id, &contact).await?;
        tx.audit(
            By::Staff(actor),
            jiff::Timestamp::now(),
            "location.settings_changed",
            Target::new("location", id, Some(id)),
            serde_json::json!({"from": {"timezone": before.tz_name, "currency": before.currency.to_string(), "hours": before.hours, "closed": before.closed, "approval_escalation_minutes": before.approval_escalation_minutes, "contact": contact_before.json()}, "to": after}),
        )
        .await?;
        tx.commit().await?;
        self.changed(crate::store::changes::Change::Settings).await;
        Ok(())
    }

    /// Cases with a hand-off waiting for the actor's answer.
    pub async fn handoffs_offered_to(
        &self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        let ids: Vec<String> = self
            .db
            .fetch_all(
                &Query::select()
                    .column("case_id")
                    .from("handoffs")
                    .and_where(Expr::col("to_id").eq(actor.staff_id.clone()))
                    .and_where(Expr::col("status").eq("proposed"))
                    .to_owned(),
            )
            .await?
            .iter()
            .map(|r| s(r, "case_id"))
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.scoped_summaries(
            actor,
            crate::cases::case_select_named()
                .and_where(Expr::col("id").is_in(ids))
                .to_owned(),
            now,
        )
        .await
    }
}
