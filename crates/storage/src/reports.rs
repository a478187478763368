//! Reports: the Insights figures for the caller's locations (`Store::report_summary`), computed by
//! `olive_domain::insights` from facts loaded here with the same conditions as the case list.

pub(crate) mod conds;
mod load;

use crate::actor::Actor;
use crate::error::StoreError;
use crate::rows::s;
use crate::store::{Location, Store};
use jiff::Timestamp;
use olive_domain::insights::{
    Labels, LocationLabel, Period, PeriodError, ReportSummary, summarise,
};
use olive_domain::permission::{Permission, allows};
use sea_query::Query;
use serde::Deserialize;

/// What a report covers: every filter is optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ReportFilter {
    /// one location (omitted: every location where the caller may see insights)
    pub location_id: Option<String>,
    /// first local day, `2026-11-01` (default: 29 days before `to`)
    pub from: Option<String>,
    /// last local day, inclusive (default: today at the first location)
    pub to: Option<String>,
    /// a stage of the experience cycle (code)
    pub stage: Option<String>,
    /// a defect (code; `other` for cases logged without one)
    pub defect: Option<String>,
    /// `minor`, `major` or `critical`
    pub severity: Option<String>,
    /// a staff id: cases that person holds
    pub person: Option<String>,
}

impl From<PeriodError> for StoreError {
    fn from(e: PeriodError) -> StoreError {
        StoreError::field(e.field, e.message)
    }
}

impl ReportFilter {
    fn checked(&self) -> Result<(), StoreError> {
        if let Some(v) = self.severity.as_deref().filter(|v| !v.is_empty())
            && olive_domain::Severity::parse(v).is_none()
        {
            return Err(StoreError::field(
                "severity",
                "unknown severity: use minor, major or critical",
            ));
        }
        Ok(())
    }
}

impl Store {
    /// Every Insights figure for the filter. Managers see their locations, admins every location; the
    /// others may not (403).
    pub async fn report_summary(
        &self,
        actor: &Actor,
        f: &ReportFilter,
        now: Timestamp,
    ) -> Result<ReportSummary, StoreError> {
        f.checked()?;
        let locations = self
            .report_locations(actor, f.location_id.as_deref())
            .await?;
        let today = locations.first().map_or_else(
            || now.to_zoned(jiff::tz::TimeZone::UTC).date(),
            |l| now.to_zoned(l.tz.clone()).date(),
        );
        let period = Period::parse(f.from.as_deref(), f.to.as_deref(), today)?;
        let facts = self.report_facts(&locations, f, period).await?;
        let labels = self.report_labels(&locations).await?;
        Ok(summarise(
            period,
            locations.iter().map(|l| l.id.clone()).collect(),
            &facts,
            &labels,
            now,
        ))
    }

    /// A calendar month's summary for one location, or (`None`) every location the caller sees, with
    /// the location's name (none for the group): what the monthly report is drawn from.
    pub async fn month_summary(
        &self,
        actor: &Actor,
        location_id: Option<&str>,
        month: olive_domain::deadline::monthly::Month,
        now: Timestamp,
    ) -> Result<(Option<String>, ReportSummary), StoreError> {
        let name = match location_id {
            Some(id) => Some(self.location(id).await?.name),
            None => None,
        };
        let filter = ReportFilter {
            location_id: location_id.map(str::to_string),
            from: Some(month.first_day().to_string()),
            to: Some(month.last_day().to_string()),
            ..ReportFilter::default()
        };
        Ok((name, self.report_summary(actor, &filter, now).await?))
    }

    /// The locations a report covers: the one named (the caller must see insights there), else every
    /// location where the caller may.
    pub async fn report_locations(
        &self,
        actor: &Actor,
        location_id: Option<&str>,
    ) -> Result<Vec<Location>, StoreError> {
        if let Some(l) = location_id.filter(|v| !v.is_empty()) {
            actor.require(Permission::Insights, l)?;
            return Ok(vec![self.location(l).await?]);
        }
        if actor.is_admin {
            return self.all_locations().await;
        }
        let ids: Vec<String> = actor
            .roles
            .iter()
            .filter(|(_, r)| allows(*r, Permission::Insights))
            .map(|(l, _)| l.clone())
            .collect();
        if ids.is_empty() {
            return Err(StoreError::Forbidden(Permission::Insights.refusal()));
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.location(&id).await?);
        }
        Ok(out)
    }

    /// Stage, defect and gesture titles from the locations' playbooks; people's names; locations.
    async fn report_labels(&self, locations: &[Location]) -> Result<Labels, StoreError> {
        let mut labels = Labels::default();
        for l in locations {
            let p = self
                .playbook_at(&l.playbook_code, l.playbook_updated_at)
                .await?;
            for st in &p.stages {
                if !labels.stages.iter().any(|(c, _)| *c == st.code) {
                    labels.stages.push((st.code.clone(), st.name.clone()));
                }
            }
            for d in &p.defects {
                labels
                    .defects
                    .entry(d.code.clone())
                    .or_insert(d.title.clone());
            }
            for g in &p.gestures {
                labels
                    .gestures
                    .entry(g.code.clone())
                    .or_insert(g.name.clone());
            }
            labels.locations.push(LocationLabel {
                id: l.id.clone(),
                name: l.name.clone(),
                currency: l.currency.to_string(),
                budget_cents: l.monthly_budget_cents,
            });
        }
        let q = Query::select()
            .columns(["id", "name"])
            .from("staff")
            .to_owned();
        for r in self.db.fetch_all(&q).await? {
            labels.people.insert(s(&r, "id")?, s(&r, "name")?);
        }
        Ok(labels)
    }
}
