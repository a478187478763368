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
    pub async fn ensure_built_in_playbooks(&self, now: Timestamp) -> Result<(), StoreError> {
        for code in Playbook::built_in_codes() {
            let Some(src) = Playbook::built_in_source(code) else {
                continue;
            };
            let name = Playbook::from_toml(src)
                .map(|p| p.playbook.name)
                .unwrap_or_else(|_| code.into());
            let q = Query::insert()
                .into_table("playbooks")
                .columns(["code", "name", "source", "updated_at"])
                .values_panic([code.into(), name.into(), src.into(), ms(now).into()])
                .on_conflict(OnConflict::column("code").do_nothing().to_owned())
                .to_owned();
            self.db.execute(&q).await?;
        }
        Ok(())
    }

    /// Validate and store a playbook (new or replacing one of the same code) from the command line.
    pub async fn import_playbook(
        &self,
        source: &str,
        now: Timestamp,
    ) -> Result<Playbook, StoreError> {
        let by = Actor::operator("olive");
        self.store_playbook(&by, source, now, "playbook.imported", serde_json::json!({}))
            .await
    }

    /// A playbook uploaded by a person: a manager may replace the playbook their location uses; a new
    /// playbook is an admin's call. Nothing changes when it does not validate.
    pub async fn upload_playbook(
        &self,
        actor: &Actor,
        source: &str,
        now: Timestamp,
    ) -> Result<Playbook, StoreError> {
        actor.require_somewhere(Permission::EditPlaybook)?;
        if let Ok(parsed) = Playbook::from_toml(source) {
            if self.playbook(&parsed.playbook.code).await.is_ok() {
                self.require_playbook_editor(actor, &parsed.playbook.code)
                    .await?;
            } else {
                actor.require_org(Permission::Administer)?;
            }
        }
        self.store_playbook(
            actor,
            source,
            now,
            "playbook.imported",
            serde_json::json!({}),
        )
        .await
    }

    /// Validate and store a playbook, recording `action` with `detail` in the audit trail in the same
    /// transaction. Nothing changes on error.
    pub(crate) async fn store_playbook(
        &self,
        by: &Actor,
        source: &str,
        now: Timestamp,
        action: &str,
        mut detail: serde_json::Value,
    ) -> Result<Playbook, StoreError> {
        let p = Playbook::from_toml(source).map_err(|e| StoreError::Validation {
            message: e.to_string(),
            fields: [("playbook".to_string(), e.to_string())].into(),
        })?;
        let q = Query::insert()
            .into_table("playbooks")
            .columns(["code", "name", "source", "updated_at"])
            .values_panic([
                p.playbook.code.clone().into(),
                p.playbook.name.clone().into(),
                source.into(),
                ms(now).into(),
            ])
            .on_conflict(
                OnConflict::column("code")
                    .update_columns(["name", "source", "updated_at"])
                    .to_owned(),
            )
            .to_owned();
        detail["name"] = p.playbook.name.clone().into();
        detail["defects"] = p.defects.len().into();
        detail["source_sha256"] = hex::encode(Sha256::digest(source.as_bytes())).into();
        let mut tx = self.db.begin().await?;
        tx.execute(&q).await?;
        tx.audit_playbook(By::Staff(by), now, action, &p.playbook.code, detail)
            .await?;
        tx.commit().await?;
        self.settings.clear();
        Ok(p)
    }

    /// (code, name, updated_at) of every stored playbook.
    pub async fn list_playbooks(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let q = Query::select()
            .columns(["code", "name", "updated_at"])
            .from("playbooks")
            .order_by("code", Order::Asc)
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| Ok((s(r, "code")?, s(r, "name")?, i(r, "updated_at")?)))
            .collect()
    }

    pub async fn playbook(&self, code: &str) -> Result<std::sync::Arc<Playbook>, StoreError> {
        let q = Query::select()
            .column("updated_at")
            .from("playbooks")
            .and_where(Expr::col("code").eq(code))
            .to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("playbook"))?;
        self.playbook_at(code, i(&row, "updated_at")?).await
    }

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

    /// Add a staff member from the command line.
    pub async fn add_staff(
        &self,
        input: NewStaff,
        now: Timestamp,
    ) -> Result<StaffView, StoreError> {
        self.add_staff_by(&Actor::operator("olive"), input, now)
            .await
    }

    /// Add a staff member (the caller's permission is checked by the caller); audited as `by`.
    pub(crate) async fn add_staff_by(
        &self,
        by: &Actor,
        input: NewStaff,
        now: Timestamp,
    ) -> Result<StaffView, StoreError> {
        let mut errs = FieldErrors::default();
        errs.check(
            !input.name.trim().is_empty(),
            "name",
            "a staff member needs a name",
        );
        let (email, username) =
            sign_in_names(input.email.as_deref(), input.username.as_deref(), &mut errs);
        errs.into_result()?;
        for (loc, _) in &input.locations {
            self.location(loc)
                .await
                .map_err(|_| StoreError::field("locations", "unknown location"))?;
        }
        let id = new_id();
        let mut tx = self.db.begin().await?;
        let res = tx
            .execute(
                &Query::insert()
                    .into_table("staff")
                    .columns([
                        "id",
                        "name",
                        "email",
                        "username",
                        "is_admin",
                        "active",
                        "created_at",
                    ])
                    .values_panic([
                        id.clone().into(),
                        input.name.trim().into(),
                        email.clone().into(),
                        username.clone().into(),
                        i64::from(input.is_admin).into(),
                        1i64.into(),
                        ms(now).into(),
                    ])
                    .to_owned(),
            )
            .await;
        if crate::cases::is_unique_violation(&res) {
            return Err(StoreError::conflict(
                "already_exists",
                "a staff member with that email or username already exists",
            ));
        }
        res?;
        for (loc, role) in &input.locations {
            tx.execute(
                &Query::insert()
                    .into_table("staff_locations")
                    .columns(["staff_id", "location_id", "role"])
                    .values_panic([id.clone().into(), loc.clone().into(), role.as_str().into()])
                    .to_owned(),
            )
            .await?;
        }
        let detail = serde_json::json!({"name": input.name.trim(), "email": email, "username": username, "is_admin": input.is_admin, "locations": input.locations.iter().map(|(l, r)| serde_json::json!({"location_id": l, "role": r})).collect::<Vec<_>>()});
        tx.audit_staff(By::Staff(by), now, "staff.added", &id, detail)
            .await?;
        tx.commit().await?;
        self.staff_view(&id).await
    }

    pub async fn staff_view(&self, id: &str) -> Result<StaffView, StoreError> {
        let q = Query::select()
            .columns(["id", "name", "email", "username", "is_admin", "active"])
            .from("staff")
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("staff member"))?;
        let roles = self.roles_of(id).await?;
        Ok(StaffView {
            id: s(&row, "id")?,
            name: s(&row, "name")?,
            email: os(&row, "email")?,
            username: os(&row, "username")?,
            is_admin: i(&row, "is_admin")? != 0,
            active: i(&row, "active")? != 0,
            locations: roles
                .into_iter()
                .map(|(location_id, role)| LocationRole { location_id, role })
                .collect(),
        })
    }

    async fn roles_of(&self, staff_id: &str) -> Result<Vec<(String, Role)>, StoreError> {
        let q = Query::select()
            .columns(["location_id", "role"])
            .from("staff_locations")
            .and_where(Expr::col("staff_id").eq(staff_id))
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    s(r, "location_id")?,
                    parse(&s(r, "role")?, |v| v.parse().ok())?,
                ))
            })
            .collect()
    }

    /// Staff who work at any of the caller's locations (admins: everyone).
    pub async fn list_staff(&self, actor: &Actor) -> Result<Vec<StaffView>, StoreError> {
        let mut q = Query::select()
            .distinct()
            .column(("s", "id"))
            .column(("s", "name"))
            .from_as("staff", "s")
            .to_owned();
        if let Some(scope) = actor.scope() {
            q.inner_join(
                sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                Expr::col(("sl", "staff_id")).equals(("s", "id")),
            )
            .and_where(Expr::col(("sl", "location_id")).is_in(scope));
        }
        q.order_by(("s", "name"), Order::Asc);
        let mut out = Vec::new();
        for r in self.db.fetch_all(&q).await? {
            out.push(self.staff_view(&s(&r, "id")?).await?);
        }
        Ok(out)
    }

    /// Find a staff member by email or username.
    pub async fn find_staff(&self, login: &str) -> Result<String, StoreError> {
        let login = login.trim().to_lowercase();
        let q = Query::select()
            .column("id")
            .from("staff")
            .cond_where(
                Expr::col("email")
                    .eq(login.clone())
                    .or(Expr::col("username").eq(login)),
            )
            .to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("staff member"))?;
        s(&row, "id")
    }

    /// Issue an API token for a staff member from the command line; only its hash is stored.
    pub async fn create_token(
        &self,
        staff_id: &str,
        name: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<IssuedToken, StoreError> {
        self.create_token_by(&Actor::operator("olive"), staff_id, name, expires_at, now)
            .await
    }

    /// Issue an API token (audited as `by`); only its hash is stored.
    pub(crate) async fn create_token_by(
        &self,
        by: &Actor,
        staff_id: &str,
        name: &str,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<IssuedToken, StoreError> {
        let secret: [u8; 32] = rand::random();
        let token = format!("olv_{}", hex::encode(secret));
        let id = new_id();
        let q = Query::insert()
            .into_table("api_tokens")
            .columns([
                "id",
                "staff_id",
                "name",
                "token_hash",
                "created_at",
                "expires_at",
            ])
            .values_panic([
                id.clone().into(),
                staff_id.into(),
                name.into(),
                hash_token(&token).into(),
                ms(now).into(),
                expires_at.map(ms).into(),
            ])
            .to_owned();
        let mut tx = self.db.begin().await?;
        tx.execute(&q).await?;
        tx.audit(
            By::Staff(by),
            now,
            "token.created",
            Target::new("token", &id, None),
            serde_json::json!({"staff_id": staff_id, "name": name, "expires_at": expires_at.map(|e| e.to_string())}),
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedToken { id, token })
    }

    /// The actor behind a bearer token, or `None` if it is unknown, revoked, expired or its owner inactive.
    pub async fn authenticate(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<Option<Actor>, StoreError> {
        if token.len() > 200 {
            return Ok(None);
        }
        let hash = hash_token(token);
        let now_ms = ms(now);
        if let Some(actor) = self.tokens.get(&hash, now_ms) {
            return Ok(Some(actor));
        }
        let q = Query::select()
            .columns([
                ("t", "id"),
                ("t", "expires_at"),
                ("t", "revoked_at"),
                ("t", "last_used_at"),
            ])
            .columns([
                ("s", "id"),
                ("s", "name"),
                ("s", "is_admin"),
                ("s", "active"),
            ])
            .expr_as(Expr::col(("s", "id")), "staff_id")
            .expr_as(Expr::col(("t", "id")), "token_id")
            .from_as("api_tokens", "t")
            .inner_join(
                sea_query::TableRef::Table("staff".into(), Some("s".into())),
                Expr::col(("s", "id")).equals(("t", "staff_id")),
            )
            .and_where(Expr::col(("t", "token_hash")).eq(hash.clone()))
            .to_owned();
        let Some(row) = self.db.fetch_optional(&q).await? else {
            return Ok(None);
        };
        if oi(&row, "revoked_at")?.is_some()
            || oi(&row, "expires_at")?.is_some_and(|e| e <= now_ms)
            || i(&row, "active")? == 0
        {
            return Ok(None);
        }
        // Record use at most once a minute: no write per request.
        if oi(&row, "last_used_at")?.is_none_or(|t| now_ms - t > 60_000) {
            let u = Query::update()
                .table("api_tokens")
                .value("last_used_at", now_ms)
                .and_where(Expr::col("id").eq(s(&row, "token_id")?))
                .to_owned();
            self.db.execute(&u).await?;
        }
        let staff_id = s(&row, "staff_id")?;
        let actor = Actor {
            roles: self.roles_of(&staff_id).await?,
            staff_id,
            name: s(&row, "name")?,
            is_admin: i(&row, "is_admin")? != 0,
            origin: Origin {
                via: Via::Token,
                credential: Some(format!("token:{}", s(&row, "token_id")?)),
                ip: None,
            },
        };
        self.tokens
            .put(hash, actor.clone(), now_ms, oi(&row, "expires_at")?);
        Ok(Some(actor))
    }

    pub async fn limits(
        &self,
        actor: &Actor,
        location_id: &str,
    ) -> Result<Vec<LimitView>, StoreError> {
        actor.require(Permission::Read, location_id)?;
        let limits = self.limits_at(location_id).await?;
        Ok(Role::ALL
            .iter()
            .map(|&role| {
                let l = limits.for_role(role);
                LimitView {
                    role,
                    per_case_cents: l.per_case_cents.map(|c| c.0),
                    per_day_cents: l.per_day_cents.map(|c| c.0),
                }
            })
            .collect())
    }

    pub(crate) async fn limits_at(&self, location_id: &str) -> Result<AuthorityLimits, StoreError> {
        let q = Query::select()
            .columns(["role", "per_case_cents", "per_day_cents"])
            .from("authority_limits")
            .and_where(Expr::col("location_id").eq(location_id))
            .to_owned();
        let mut out = Vec::new();
        for r in self.db.fetch_all(&q).await? {
            let role: Role = parse(&s(&r, "role")?, |v| v.parse().ok())?;
            out.push((
                role,
                AuthorityLimit {
                    per_case_cents: oi(&r, "per_case_cents")?.map(Cents),
                    per_day_cents: oi(&r, "per_day_cents")?.map(Cents),
                },
            ));
        }
        Ok(AuthorityLimits(out))
    }

    /// Replace limits for the given roles. Managers may not change the manager or admin rows (nobody raises their own limit).
    pub async fn set_limits(
        &self,
        actor: &Actor,
        location_id: &str,
        limits: &[LimitView],
    ) -> Result<Vec<LimitView>, StoreError> {
        let role = actor.require(Permission::Configure, location_id)?;
        let mut errs = FieldErrors::default();
        for l in limits {
            let field = l.role.as_str();
            errs.check(
                l.per_case_cents.is_none_or(|v| v >= 0) && l.per_day_cents.is_none_or(|v| v >= 0),
                field,
                "limits cannot be negative",
            );
            errs.check(l.role != Role::Admin, field, "admins are unlimited");
            if role != Role::Admin && matches!(l.role, Role::Manager | Role::Admin) {
                return Err(StoreError::Forbidden(
                    "only an admin can change the managers' limits".into(),
                ));
            }
        }
        errs.into_result()?;
        let before = self.limits(actor, location_id).await?;
        let mut tx = self.db.begin().await?;
        let changed: Vec<serde_json::Value> = limits
            .iter()
            .map(|l| {
                let was = before.iter().find(|b| b.role == l.role);
                serde_json::json!({
                    "role": l.role,
                    "from": was.map(|b| serde_json::json!({"per_case_cents": b.per_case_cents, "per_day_cents": b.per_day_cents})),
                    "to": {"per_case_cents": l.per_case_cents, "per_day_cents": l.per_day_cents},
                })
            })
            .collect();
        tx.audit(
            By::Staff(actor),
            Timestamp::now(),
            "limits.changed",
            Target::new("location", location_id, Some(location_id)),
            serde_json::json!({ "limits": changed }),
        )
        .await?;
        for l in limits {
            let limit = AuthorityLimit {
                per_case_cents: l.per_case_cents.map(Cents),
                per_day_cents: l.per_day_cents.map(Cents),
            };
            tx.execute(&limit_insert(location_id, l.role, limit))
                .await?;
        }
        tx.commit().await?;
        self.settings.clear();
        self.limits(actor, location_id).await
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
