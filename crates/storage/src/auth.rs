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

mod devices;

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
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["id", "password_hash", "active"])
                    .from("staff")
                    .cond_where(crate::org::login_is(login))
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
}
