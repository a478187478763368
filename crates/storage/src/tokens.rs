//! Managing API tokens (create with a name and optional expiry, list with last use, revoke) and changing
//! one's own password (which ends one's other sessions).

use crate::actor::Actor;
use crate::audit::{By, Target};
use crate::error::{FieldErrors, StoreError};
use crate::rows::{i, ms, oi, opt_rfc3339, rfc3339, s};
use crate::store::Store;
use jiff::{SignedDuration, Timestamp};
use olive_domain::permission::Permission;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// what it is for, e.g. "booking system integration"
    pub name: String,
    /// days until it stops working (1–3650); none = until revoked
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: String,
    pub staff_id: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A new token: the secret is in `token`, shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub view: TokenView,
    pub token: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

const COLS: [&str; 7] = [
    "id",
    "staff_id",
    "name",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
];

fn view(r: &sqlx::any::AnyRow) -> Result<TokenView, StoreError> {
    Ok(TokenView {
        id: s(r, "id")?,
        staff_id: s(r, "staff_id")?,
        name: s(r, "name")?,
        created_at: rfc3339(i(r, "created_at")?),
        expires_at: opt_rfc3339(oi(r, "expires_at")?),
        last_used_at: opt_rfc3339(oi(r, "last_used_at")?),
        revoked_at: opt_rfc3339(oi(r, "revoked_at")?),
    })
}

impl Store {
    /// Issue a token to the caller.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        input: NewToken,
        now: Timestamp,
    ) -> Result<CreatedToken, StoreError> {
        let mut errs = FieldErrors::default();
        let name = input.name.trim().to_string();
        errs.check(!name.is_empty(), "name", "say what the token is for");
        errs.check(
            name.chars().count() <= 100,
            "name",
            "100 characters at most",
        );
        errs.check(
            input
                .expires_in_days
                .is_none_or(|d| (1..=3650).contains(&d)),
            "expires_in_days",
            "between 1 and 3650 days",
        );
        errs.into_result()?;
        let expires = input
            .expires_in_days
            .map(|d| now + SignedDuration::from_hours(24 * i64::from(d)));
        let issued = self
            .create_token_by(actor, &actor.staff_id, &name, expires, now)
            .await?;
        Ok(CreatedToken {
            view: TokenView {
                id: issued.id,
                staff_id: actor.staff_id.clone(),
                name,
                created_at: rfc3339(ms(now)),
                expires_at: expires.map(|e| rfc3339(ms(e))),
                last_used_at: None,
                revoked_at: None,
            },
            token: issued.token,
        })
    }

    /// The caller's tokens (an admin may ask for anyone's), newest first.
    pub async fn list_tokens(
        &self,
        actor: &Actor,
        staff_id: Option<&str>,
    ) -> Result<Vec<TokenView>, StoreError> {
        let whose = staff_id.unwrap_or(&actor.staff_id);
        if whose != actor.staff_id {
            actor.require_org(Permission::Administer)?;
        }
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(COLS)
                    .from("api_tokens")
                    .and_where(Expr::col("staff_id").eq(whose))
                    .order_by("created_at", Order::Desc)
                    .to_owned(),
            )
            .await?;
        rows.iter().map(view).collect()
    }

    /// Revoke a token: one's own, or anyone's for an admin. Unknown (or someone else's) is 404.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        id: &str,
        now: Timestamp,
    ) -> Result<TokenView, StoreError> {
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(COLS)
                    .from("api_tokens")
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            )
            .await?
            .filter(|r| {
                actor.require_org(Permission::Administer).is_ok()
                    || s(r, "staff_id").is_ok_and(|o| o == actor.staff_id)
            })
            .ok_or(StoreError::NotFound("token"))?;
        let mut tx = self.db.begin().await?;
        let revoked = tx
            .execute(
                &Query::update()
                    .table("api_tokens")
                    .value("revoked_at", ms(now))
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("revoked_at").is_null())
                    .to_owned(),
            )
            .await?;
        if revoked > 0 {
            tx.audit(
                By::Staff(actor),
                now,
                "token.revoked",
                Target::new("token", id, None),
                serde_json::json!({"staff_id": s(&row, "staff_id")?, "name": s(&row, "name")?}),
            )
            .await?;
        }
        tx.commit().await?;
        self.changed(crate::store::changes::Change::People).await;
        let mut v = view(&row)?;
        v.revoked_at.get_or_insert(rfc3339(ms(now)));
        Ok(v)
    }

    /// Change one's own password; every other session of the person ends (`keep` is the current one).
    pub async fn change_password(
        &self,
        actor: &Actor,
        change: PasswordChange,
        keep_session: Option<&str>,
    ) -> Result<u64, StoreError> {
        let login = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["email", "username"])
                    .from("staff")
                    .and_where(Expr::col("id").eq(actor.staff_id.clone()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("staff member"))?;
        let login = crate::rows::os(&login, "email")?
            .or(crate::rows::os(&login, "username")?)
            .unwrap_or_default();
        let ok = self.check_login(&login, &change.current_password).await?;
        if ok.as_deref() != Some(actor.staff_id.as_str()) {
            return Err(StoreError::field(
                "current_password",
                "that is not your current password",
            ));
        }
        self.set_secret(
            actor,
            &actor.staff_id,
            crate::auth::Secret::Password(&change.new_password),
            "staff.password_changed",
        )
        .await
        .map_err(|e| match e {
            StoreError::Validation { message, .. } => StoreError::field("new_password", message),
            other => other,
        })?;
        self.end_sessions_of(&actor.staff_id, keep_session).await
    }

    /// End every session of a person but `keep` (a session token); returns how many ended.
    pub async fn end_sessions_of(
        &self,
        staff_id: &str,
        keep: Option<&str>,
    ) -> Result<u64, StoreError> {
        let mut q = Query::delete()
            .from_table("sessions")
            .and_where(Expr::col("staff_id").eq(staff_id))
            .to_owned();
        if let Some(token) = keep {
            q.and_where(Expr::col("id").ne(crate::org::hash_token(token)));
        }
        self.db.execute(&q).await
    }
}
