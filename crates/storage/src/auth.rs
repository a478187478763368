//! Web sign-in: argon2 passwords and PINs, database sessions with a CSRF token, shared front-desk devices.

use crate::actor::{Actor, Origin, Via};
use crate::audit::{By, Target};
use crate::error::StoreError;
use crate::org::hash_token;
use crate::rows::{i, ms, oi, os, s};
use crate::store::Store;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jiff::{SignedDuration, Timestamp};
use olive_domain::permission::Permission;
use sea_query::{Expr, ExprTrait, Order, Query};

/// How long a full sign-in lasts, and a PIN session on a shared device.
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);
pub const DEVICE_SESSION_TTL: SignedDuration = SignedDuration::from_hours(1);
/// Wrong PINs on one device before it locks, and for how long.
pub const PIN_ATTEMPTS: i64 = 5;
pub const PIN_LOCK: SignedDuration = SignedDuration::from_mins(15);

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct WebSession {
    pub actor: Actor,
    pub csrf: String,
    pub device_id: Option<String>,
}

/// A sign-in secret to set.
#[derive(Clone, Copy)]
pub(crate) enum Secret<'a> {
    Password(&'a str),
    Pin(&'a str),
}

/// A browser marked as a shared front-desk device.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub location_id: String,
    pub name: String,
    pub locked_until: Option<i64>,
}

fn random_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{prefix}{}", hex::encode(bytes))
}

async fn hash_secret(secret: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(secret.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| StoreError::Config(e.to_string()))?
    .map_err(|e| StoreError::Config(format!("hashing failed: {e}")))
}

async fn verify_secret(secret: String, hash: Option<String>) -> bool {
    // Without a stored hash, still spend the time, so a missing account is not revealed by timing.
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = hash.unwrap_or_else(|| {
        DUMMY
            .get_or_init(|| {
                Argon2::default()
                    .hash_password(b"no such account")
                    .map(|h| h.to_string())
                    .unwrap_or_default()
            })
            .clone()
    });
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(secret.as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A password must have 8 characters or more.
pub fn check_password(password: &str) -> Result<(), StoreError> {
    if password.chars().count() < 8 || password.len() > 200 {
        return Err(StoreError::field(
            "password",
            "a password needs at least 8 characters",
        ));
    }
    Ok(())
}

/// A PIN is 4 to 8 digits.
pub fn check_pin(pin: &str) -> Result<(), StoreError> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(StoreError::field("pin", "a PIN is 4 to 8 digits"));
    }
    Ok(())
}

impl Store {
    /// Set a staff member's password (8 characters or more) from the command line.
    pub async fn set_password(&self, staff_id: &str, password: &str) -> Result<(), StoreError> {
        let by = Actor::operator("olive");
        self.set_secret(
            &by,
            staff_id,
            Secret::Password(password),
            "staff.password_set",
        )
        .await
    }

    /// Set a staff member's PIN for shared devices (4 to 8 digits) from the command line.
    pub async fn set_pin(&self, staff_id: &str, pin: &str) -> Result<(), StoreError> {
        let by = Actor::operator("olive");
        self.set_secret(&by, staff_id, Secret::Pin(pin), "staff.pin_set")
            .await
    }

    /// Check a secret, hash it and store it in the staff member's row; the audit trail records `action`
    /// (never the secret) in the same transaction.
    pub(crate) async fn set_secret(
        &self,
        by: &Actor,
        staff_id: &str,
        secret: Secret<'_>,
        action: &str,
    ) -> Result<(), StoreError> {
        let (column, value) = match secret {
            Secret::Password(p) => {
                check_password(p)?;
                ("password_hash", p)
            }
            Secret::Pin(p) => {
                check_pin(p)?;
                ("pin_hash", p)
            }
        };
        let hash = hash_secret(value.to_string()).await?;
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Query::update()
                    .table("staff")
                    .value(column, hash)
                    .and_where(Expr::col("id").eq(staff_id))
                    .to_owned(),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound("staff member"));
        }
        tx.audit_staff(
            By::Staff(by),
            Timestamp::now(),
            action,
            staff_id,
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await
    }

    /// Check an email-or-username and password. `None` for any failure (never says which part was wrong).
    pub async fn check_login(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<String>, StoreError> {
        let login = login.trim().to_lowercase();
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["id", "password_hash", "active"])
                    .from("staff")
                    .cond_where(
                        Expr::col("email")
                            .eq(login.clone())
                            .or(Expr::col("username").eq(login)),
                    )
                    .to_owned(),
            )
            .await?;
        let (id, hash, active) = match &row {
            Some(r) => (
                Some(s(r, "id")?),
                os(r, "password_hash")?,
                i(r, "active")? != 0,
            ),
            None => (None, None, false),
        };
        let ok = verify_secret(password.to_string(), hash).await;
        Ok(if ok && active { id } else { None })
    }

    /// Start a session; returns the cookie token (only its hash is stored).
    pub async fn create_session(
        &self,
        staff_id: &str,
        device_id: Option<&str>,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let token = random_token("ses_");
        let ttl = if device_id.is_some() {
            DEVICE_SESSION_TTL
        } else {
            SESSION_TTL
        };
        self.db
            .execute(
                &Query::insert()
                    .into_table("sessions")
                    .columns([
                        "id",
                        "staff_id",
                        "csrf",
                        "device_id",
                        "created_at",
                        "expires_at",
                        "last_seen_at",
                    ])
                    .values_panic([
                        hash_token(&token).into(),
                        staff_id.into(),
                        random_token("").into(),
                        device_id.map(str::to_string).into(),
                        ms(now).into(),
                        ms(now + ttl).into(),
                        ms(now).into(),
                    ])
                    .to_owned(),
            )
            .await?;
        Ok(token)
    }

    /// The session behind a cookie token, if it is live and its person active.
    pub async fn session(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<Option<WebSession>, StoreError> {
        if token.len() > 200 {
            return Ok(None);
        }
        let Some(r) = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["staff_id", "csrf", "device_id", "expires_at"])
                    .from("sessions")
                    .and_where(Expr::col("id").eq(hash_token(token)))
                    .to_owned(),
            )
            .await?
        else {
            return Ok(None);
        };
        if i(&r, "expires_at")? <= ms(now) {
            return Ok(None);
        }
        let Some(mut actor) = self.actor_for(&s(&r, "staff_id")?).await? else {
            return Ok(None);
        };
        let device_id = os(&r, "device_id")?;
        actor.origin = Origin {
            via: if device_id.is_some() {
                Via::Device
            } else {
                Via::Session
            },
            // The session's id is a hash of the cookie; its first characters name it without revealing it.
            credential: Some(format!("session:{}", &hash_token(token)[..16])),
            ip: None,
        };
        Ok(Some(WebSession {
            actor,
            csrf: s(&r, "csrf")?,
            device_id,
        }))
    }

    /// The actor for an active staff member.
    pub async fn actor_for(&self, staff_id: &str) -> Result<Option<Actor>, StoreError> {
        let view = match self.staff_view(staff_id).await {
            Ok(v) => v,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if !view.active {
            return Ok(None);
        }
        Ok(Some(Actor {
            staff_id: view.id,
            name: view.name,
            is_admin: view.is_admin,
            roles: view
                .locations
                .into_iter()
                .map(|l| (l.location_id, l.role))
                .collect(),
            origin: Origin::default(),
        }))
    }

    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        self.db
            .execute(
                &Query::delete()
                    .from_table("sessions")
                    .and_where(Expr::col("id").eq(hash_token(token)))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    /// Mark a browser as a shared front-desk device of a location (managers and admins).
    pub async fn register_device(
        &self,
        actor: &Actor,
        location_id: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        actor.require(Permission::Configure, location_id)?;
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(StoreError::field(
                "name",
                "give the device a name, like 'Front desk tablet'",
            ));
        }
        let token = random_token("dev_");
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::insert()
                .into_table("devices")
                .columns([
                    "id",
                    "location_id",
                    "name",
                    "created_by",
                    "created_at",
                    "failed_pins",
                ])
                .values_panic([
                    hash_token(&token).into(),
                    location_id.into(),
                    name.into(),
                    actor.staff_id.clone().into(),
                    ms(now).into(),
                    0i64.into(),
                ])
                .to_owned(),
        )
        .await?;
        tx.audit(
            By::Staff(actor),
            now,
            "device.registered",
            Target::new("device", &hash_token(&token), Some(location_id)),
            serde_json::json!({"name": name}),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn device(&self, token: &str) -> Result<Option<Device>, StoreError> {
        if token.len() > 200 {
            return Ok(None);
        }
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["id", "location_id", "name", "locked_until"])
                    .from("devices")
                    .and_where(Expr::col("id").eq(hash_token(token)))
                    .to_owned(),
            )
            .await?;
        row.map(|r| {
            Ok(Device {
                id: s(&r, "id")?,
                location_id: s(&r, "location_id")?,
                name: s(&r, "name")?,
                locked_until: oi(&r, "locked_until")?,
            })
        })
        .transpose()
    }

    /// People at the device's location who can switch in with a PIN: (id, name).
    pub async fn pin_people(&self, device: &Device) -> Result<Vec<(String, String)>, StoreError> {
        let q = Query::select()
            .columns([("s", "id"), ("s", "name")])
            .from_as("staff", "s")
            .inner_join(
                sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                Expr::col(("sl", "staff_id")).equals(("s", "id")),
            )
            .and_where(Expr::col(("sl", "location_id")).eq(device.location_id.clone()))
            .and_where(Expr::col(("s", "active")).eq(1))
            .and_where(Expr::col(("s", "pin_hash")).is_not_null())
            .order_by(("s", "name"), Order::Asc)
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| Ok((s(r, "id")?, s(r, "name")?)))
            .collect()
    }

    /// Switch user on a shared device with a PIN. Wrong PINs count per device; the device locks after a few.
    pub async fn pin_switch(
        &self,
        device: &Device,
        staff_id: &str,
        pin: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        if device.locked_until.is_some_and(|t| t > ms(now)) {
            return Err(StoreError::TooMany(
                "too many wrong PINs on this device; a manager can sign in, or wait 15 minutes"
                    .into(),
            ));
        }
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .column(("s", "pin_hash"))
                    .from_as("staff", "s")
                    .inner_join(
                        sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                        Expr::col(("sl", "staff_id")).equals(("s", "id")),
                    )
                    .and_where(Expr::col(("s", "id")).eq(staff_id))
                    .and_where(Expr::col(("s", "active")).eq(1))
                    .and_where(Expr::col(("sl", "location_id")).eq(device.location_id.clone()))
                    .to_owned(),
            )
            .await?;
        let hash = row
            .as_ref()
            .map(|r| os(r, "pin_hash"))
            .transpose()?
            .flatten();
        if verify_secret(pin.to_string(), hash).await {
            self.db
                .execute(
                    &Query::update()
                        .table("devices")
                        .value("failed_pins", 0)
                        .value("locked_until", None::<i64>)
                        .and_where(Expr::col("id").eq(device.id.clone()))
                        .to_owned(),
                )
                .await?;
            return self.create_session(staff_id, Some(&device.id), now).await;
        }
        let mut tx = self.db.begin().await?;
        let r = tx
            .fetch_optional(
                &Query::select()
                    .column("failed_pins")
                    .from("devices")
                    .and_where(Expr::col("id").eq(device.id.clone()))
                    .lock(sea_query::LockType::Update)
                    .to_owned(),
            )
            .await?;
        let failed = r.map(|r| i(&r, "failed_pins")).transpose()?.unwrap_or(0) + 1;
        let mut u = Query::update()
            .table("devices")
            .value("failed_pins", failed)
            .to_owned();
        if failed >= PIN_ATTEMPTS {
            u.value("locked_until", ms(now + PIN_LOCK))
                .value("failed_pins", 0);
        }
        tx.execute(
            &u.and_where(Expr::col("id").eq(device.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.commit().await?;
        if failed >= PIN_ATTEMPTS {
            return Err(StoreError::TooMany(
                "too many wrong PINs on this device; a manager can sign in, or wait 15 minutes"
                    .into(),
            ));
        }
        Err(StoreError::field(
            "pin",
            format!(
                "that PIN is not right ({} tries left)",
                PIN_ATTEMPTS - failed
            ),
        ))
    }
}
