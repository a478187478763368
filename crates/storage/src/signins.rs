//! Sign-in history: sign-ins, sign-outs, PIN switches and failed attempts, recorded in the audit trail
//! with the client address, and read back as "recent sign-ins" for a person and for admins.

use crate::actor::{Actor, Origin, Via};
use crate::audit::{AUDIT_COLS, AuditEntry, By, Target, entry};
use crate::error::StoreError;
use crate::store::Store;
use jiff::Timestamp;
use sea_query::{Expr, ExprTrait, Order, Query};

/// What happened at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// signed in with a password
    SignedIn,
    /// switched user with a PIN on a shared device
    PinSwitch,
    SignedOut,
    /// a wrong password, an unknown account or an inactive one
    Failed,
    /// a wrong PIN on a shared device
    PinFailed,
}

impl SignIn {
    /// The audit action (`auth.` actions).
    pub fn action(self) -> &'static str {
        match self {
            SignIn::SignedIn => "auth.signed_in",
            SignIn::PinSwitch => "auth.pin_switch",
            SignIn::SignedOut => "auth.signed_out",
            SignIn::Failed => "auth.sign_in_failed",
            SignIn::PinFailed => "auth.pin_failed",
        }
    }
}

/// How the attempt reached Olive.
#[derive(Debug, Clone, Default)]
pub struct Door {
    /// the client address
    pub ip: Option<String>,
    /// the session's short id, once there is one
    pub credential: Option<String>,
    /// through a shared front-desk device
    pub device: bool,
}

/// The audit's short name for a session (the same as `Store::session` gives its actor).
pub fn session_credential(token: &str) -> String {
    format!("session:{}", &crate::org::hash_token(token)[..16])
}

/// At most this many characters of a typed login are kept with a failed attempt.
const LOGIN_KEPT: usize = 80;

impl Store {
    /// Record a sign-in event. `staff_id` is the person signed in (or tried, when the login named one);
    /// `login` is what was typed, kept (shortened) only for failed attempts on an unknown account.
    pub async fn record_sign_in(
        &self,
        what: SignIn,
        staff_id: Option<&str>,
        login: &str,
        door: Door,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let origin = Origin {
            via: if door.device {
                Via::Device
            } else {
                Via::Session
            },
            credential: door.credential,
            ip: door.ip,
        };
        let staff_id = match staff_id {
            Some(id) => Some(id.to_string()),
            None => self.staff_by_login(login).await?,
        };
        let known = match staff_id {
            Some(id) => self.staff_view(&id).await.ok(),
            None => None,
        };
        let failed = matches!(what, SignIn::Failed | SignIn::PinFailed);
        let actor = Actor {
            // A failed attempt is not made by the person it names.
            staff_id: if failed {
                String::new()
            } else {
                known.as_ref().map(|k| k.id.clone()).unwrap_or_default()
            },
            name: match (&known, failed) {
                (Some(k), false) => k.name.clone(),
                (Some(k), true) => format!("someone signing in as {}", k.name),
                (None, _) => "someone signing in".to_string(),
            },
            is_admin: false,
            roles: Vec::new(),
            origin,
        };
        let data = match (&known, failed) {
            (None, true) => {
                serde_json::json!({ "login": login.trim().chars().take(LOGIN_KEPT).collect::<String>() })
            }
            _ => serde_json::json!({}),
        };
        let mut tx = self.db.begin().await?;
        match &known {
            Some(k) => {
                tx.audit_staff(By::Staff(&actor), now, what.action(), &k.id, data)
                    .await?
            }
            None => {
                tx.audit(
                    By::Staff(&actor),
                    now,
                    what.action(),
                    Target::new("staff", "", None),
                    data,
                )
                .await?
            }
        }
        tx.commit().await
    }

    /// The staff member an email or username names, if any.
    async fn staff_by_login(&self, login: &str) -> Result<Option<String>, StoreError> {
        if login.trim().is_empty() || login.len() > 320 {
            return Ok(None);
        }
        match self.find_staff(login).await {
            Ok(id) => Ok(Some(id)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A person's own recent sign-in events (newest first), one per event even when the person works
    /// at several locations.
    pub async fn my_sign_ins(
        &self,
        actor: &Actor,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(AUDIT_COLS)
                    .from("audit_log")
                    .and_where(Expr::col("entity").eq("staff"))
                    .and_where(Expr::col("entity_id").eq(actor.staff_id.clone()))
                    .and_where(Expr::col("action").like("auth.%"))
                    .order_by("id", Order::Desc)
                    .limit(limit.clamp(1, 200) * 4)
                    .to_owned(),
            )
            .await?;
        let mut out: Vec<AuditEntry> = Vec::new();
        for r in &rows {
            let e = entry(r)?;
            // One event is written once per location of the person: keep the first of each.
            if out
                .last()
                .is_some_and(|l| l.at == e.at && l.action == e.action && l.ip == e.ip)
            {
                continue;
            }
            out.push(e);
            if out.len() as u64 >= limit {
                break;
            }
        }
        Ok(out)
    }
}
