//! API tokens: issuing one (only its hash is stored) and authenticating a bearer token.

use super::*;

impl Store {
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
}
