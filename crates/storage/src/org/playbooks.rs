//! Playbooks: the built-in ones, importing and uploading (validated, audited), listing and reading them.

use super::*;

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
        self.changed(crate::store::changes::Change::Settings).await;
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
}
