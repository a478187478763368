//! Playbooks: the built-in ones, importing and uploading (validated, audited), listing and reading them.

use super::*;

/// SHA-256 of every earlier release of the built-in playbooks: a stored playbook with one of these
/// sources was never changed by the business, so start-up replaces it with the current version.
const EARLIER_BUILT_INS: [(&str, &str); 10] = [
    (
        "dental",
        "18f9ba21fab7bbb6e196600f326d4de0ec3e3d5040d3225f18300599d4776b1c",
    ),
    (
        "dental",
        "3a0829c00cf54345a537288a591e09a9119cbc2b43b335ff43c8167bfd8cc368",
    ),
    (
        "dental",
        "5a4e5cfd02be3bf3caeb10cf5698a2568d2e5722a12a21756ad27ca812880bb4",
    ),
    (
        "dental",
        "72e2b7f770a220a1815faadef6193fb9862361c30887dcfb5a3f94e80b63d0ff",
    ),
    (
        "dental",
        "8639f3482610f9987d6c7cfed74e217b630e2093ff463d1188c7bce9634a327c",
    ),
    (
        "dental",
        "dd20d94a26806adb0cd86b2ef0ea51762c2ef7228c9bd1d66e91685db12b9fac",
    ),
    (
        "dental",
        "e469505d647bb4687a9b20140f7abb8643498c3271d8edb582926e46865e5bd3",
    ),
    (
        "restaurant",
        "042501571ef6eef58f4b71fc5da5fe734c86fdefbd84c3aedb8d82380b38a73d",
    ),
    (
        "restaurant",
        "76582d4533e6f09ec8a615fbf1044153648112328cf276144c9adb6f8a64661f",
    ),
    (
        "restaurant",
        "86ad47da8df26ef2946e6345b8dc969cbe1c586b33227ee3d58846dd5dd4604e",
    ),
];

/// Whether a stored source is an unmodified earlier release of a built-in playbook.
pub(crate) fn is_earlier_built_in(code: &str, source: &str) -> bool {
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(source.as_bytes()));
    EARLIER_BUILT_INS
        .iter()
        .any(|(c, h)| *c == code && *h == hash)
}

impl Store {
    /// Install the built-in playbooks, and replace a stored one that is an unmodified earlier release
    /// with the current version (audited as `playbook.upgraded`). A playbook the business changed is
    /// left alone.
    pub async fn ensure_built_in_playbooks(&self, now: Timestamp) -> Result<(), StoreError> {
        for code in Playbook::built_in_codes() {
            let Some(src) = Playbook::built_in_source(code) else {
                continue;
            };
            let name = Playbook::from_toml(src)
                .map(|p| p.playbook.name)
                .unwrap_or_else(|_| code.into());
            let stored = self
                .db
                .fetch_optional(
                    &Query::select()
                        .column("source")
                        .from("playbooks")
                        .and_where(Expr::col("code").eq(code))
                        .to_owned(),
                )
                .await?
                .map(|r| s(&r, "source"))
                .transpose()?;
            if let Some(old) = stored {
                if old == src {
                    self.set_built_in_base_if_unknown(code, src).await?;
                } else if is_earlier_built_in(code, &old) {
                    let by = Actor::operator("olive");
                    self.store_playbook(
                        &by,
                        src,
                        now,
                        "playbook.upgraded",
                        serde_json::json!({"reason": "unmodified built-in playbook replaced by the current release"}),
                    )
                    .await?;
                    self.set_built_in_base(code, src).await?;
                }
                continue;
            }
            let q = Query::insert()
                .into_table("playbooks")
                .columns(["code", "name", "source", "updated_at"])
                .values_panic([code.into(), name.into(), src.into(), ms(now).into()])
                .on_conflict(OnConflict::column("code").do_nothing().to_owned())
                .to_owned();
            self.db.execute(&q).await?;
            self.set_built_in_base(code, src).await?;
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
        self.changed(crate::store::changes::Change::Settings).await;
        Ok(p)
    }

    /// (code, name, updated_at) of every stored playbook.
    pub async fn list_playbooks(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let q = Query::select()
            .columns(["code", "name", "updated_at"])
            .from("playbooks")
            .and_where(Expr::col("location_id").is_null())
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
}
