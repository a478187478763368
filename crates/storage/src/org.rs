//! Organisation set-up: locations, staff and their roles, authority limits, API tokens, playbooks.

use crate::actor::{Actor, Origin, Via};
use crate::audit::{By, Target};
use crate::error::{FieldErrors, StoreError};
use crate::rows::{i, ms, new_id, oi, os, parse, s};
use crate::store::{Location, Store, location_from_row, location_select};
use crate::views::{LimitView, LocationRole, LocationView, StaffView};
use jiff::Timestamp;
use jiff::civil::Date;
use olive_domain::authority::{AuthorityLimit, AuthorityLimits};
use olive_domain::contact::Email;
use olive_domain::deadline::DayHours;
use olive_domain::money::{Cents, Currency};
use olive_domain::permission::Permission;
use olive_domain::playbook::Playbook;
use olive_domain::role::Role;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

mod api_tokens;
mod limits;
mod playbooks;
mod staff;
pub(crate) use staff::login_is;

/// What it takes to open a location.
pub struct NewLocation {
    pub name: String,
    pub playbook: String,
    pub timezone: String,
    pub currency: String,
    pub hours: [Option<DayHours>; 7],
    pub closed: BTreeSet<Date>,
}

/// A new staff member.
pub struct NewStaff {
    pub name: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub is_admin: bool,
    pub locations: Vec<(String, Role)>,
}

/// A freshly created API token: the secret is shown once and stored only as a hash.
pub struct IssuedToken {
    pub id: String,
    pub token: String,
}

/// An email and/or a username to sign in with (at least one), parsed and lower-cased.
pub(crate) fn sign_in_names(
    email: Option<&str>,
    username: Option<&str>,
    errs: &mut FieldErrors,
) -> (Option<String>, Option<String>) {
    let email = match email
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::parse::<Email>)
    {
        Some(Ok(e)) => Some(e.to_string()),
        Some(Err(err)) => {
            errs.add("email", err.to_string());
            None
        }
        None => None,
    };
    let username = username
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_lowercase);
    errs.check(
        email.is_some() || username.is_some(),
        "email",
        "give an email or a username",
    );
    errs.check(
        username.as_deref().is_none_or(|u| {
            u.len() <= 64
                && u.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        }),
        "username",
        "a username uses letters, digits, '.', '_' and '-'",
    );
    (email, username)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    pub async fn create_location(
        &self,
        input: NewLocation,
        now: Timestamp,
    ) -> Result<Location, StoreError> {
        let mut errs = FieldErrors::default();
        errs.check(
            !input.name.trim().is_empty(),
            "name",
            "a location needs a name",
        );
        errs.check(
            jiff::tz::TimeZone::get(&input.timezone).is_ok(),
            "timezone",
            "unknown time zone (use a name like Australia/Sydney)",
        );
        errs.check(
            input.currency.parse::<Currency>().is_ok(),
            "currency",
            "use a three-letter currency code such as AUD",
        );
        errs.into_result()?;
        self.playbook(&input.playbook)
            .await
            .map_err(|_| StoreError::field("playbook", "no playbook with that code"))?;
        let id = new_id();
        let hours =
            serde_json::to_string(&input.hours).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let closed =
            serde_json::to_string(&input.closed).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::insert()
                .into_table("locations")
                .columns([
                    "id",
                    "name",
                    "playbook_code",
                    "timezone",
                    "currency",
                    "hours",
                    "closed_dates",
                    "created_at",
                ])
                .values_panic([
                    id.clone().into(),
                    input.name.trim().into(),
                    input.playbook.clone().into(),
                    input.timezone.clone().into(),
                    input.currency.to_ascii_uppercase().into(),
                    hours.into(),
                    closed.into(),
                    ms(now).into(),
                ])
                .to_owned(),
        )
        .await?;
        for (role, limit) in AuthorityLimits::defaults().0 {
            tx.execute(&limit_insert(&id, role, limit)).await?;
        }
        tx.audit(
            By::Staff(&Actor::operator("olive")),
            now,
            "location.created",
            Target::new("location", &id, Some(&id)),
            serde_json::json!({"name": input.name.trim(), "playbook": input.playbook, "timezone": input.timezone, "currency": input.currency}),
        )
        .await?;
        tx.commit().await?;
        self.location(&id).await
    }

    pub async fn list_locations(&self, actor: &Actor) -> Result<Vec<LocationView>, StoreError> {
        let mut q = location_select()
            .order_by(("l", "name"), Order::Asc)
            .to_owned();
        if let Some(scope) = actor.scope() {
            q.and_where(Expr::col(("l", "id")).is_in(scope));
        }
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| Ok(location_from_row(r)?.view()))
            .collect()
    }

    pub async fn get_location(&self, actor: &Actor, id: &str) -> Result<LocationView, StoreError> {
        actor.require(Permission::Read, id)?;
        Ok(self.location(id).await?.view())
    }
}

fn limit_insert(
    location_id: &str,
    role: Role,
    limit: AuthorityLimit,
) -> sea_query::InsertStatement {
    Query::insert()
        .into_table("authority_limits")
        .columns(["location_id", "role", "per_case_cents", "per_day_cents"])
        .values_panic([
            location_id.into(),
            role.as_str().into(),
            limit.per_case_cents.map(|c| c.0).into(),
            limit.per_day_cents.map(|c| c.0).into(),
        ])
        .on_conflict(
            OnConflict::columns(["location_id", "role"])
                .update_columns(["per_case_cents", "per_day_cents"])
                .to_owned(),
        )
        .to_owned()
}
