//! Notes on a case, and the wording checkers that check customer-facing words.

use super::*;

impl Store {
    /// Add a note; customer-facing notes come back with the wording check's findings.
    pub async fn add_note(
        &self,
        actor: &Actor,
        key: &str,
        n: NewNote,
        now: Timestamp,
    ) -> Result<(CaseDetail, Vec<Finding>), StoreError> {
        let mut errs = FieldErrors::default();
        required(&mut errs, "text", &n.text, "write the note");
        errs.into_result()?;
        let c = self.case_row(actor, key).await?;
        actor.require_on(Permission::Change, &c.location_id, "case")?;
        let findings = if n.customer_facing {
            self.wording_checker_for(&c.location_id)
                .await?
                .check(&n.text)
        } else {
            Vec::new()
        };
        let mut tx = self.db.begin().await?;
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), CaseEvent::Note, json!({"text": n.text.trim(), "customer_facing": n.customer_facing, "findings": findings.len()})).await?;
        tx.commit().await?;
        Ok((self.get_case(actor, &c.id, now).await?, findings))
    }

    /// The wording checker for a location's playbook.
    pub async fn wording_checker_for(
        &self,
        location_id: &str,
    ) -> Result<std::sync::Arc<WordingChecker>, StoreError> {
        let l = self.location(location_id).await?;
        // Compiling the rules takes milliseconds: keep one checker per playbook version.
        let key = (l.playbook_code.clone(), l.playbook_updated_at);
        if let Some(c) = self.checkers.read().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(c);
        }
        let p = self
            .playbook_at(&l.playbook_code, l.playbook_updated_at)
            .await?;
        let checker = std::sync::Arc::new(p.wording_checker().map_err(StoreError::Corrupt)?);
        if let Ok(mut m) = self.checkers.write() {
            m.insert(key, checker.clone());
        }
        Ok(checker)
    }

    /// The built-in rules only (no location given), compiled once.
    pub fn built_in_checker() -> std::sync::Arc<WordingChecker> {
        static CHECKER: std::sync::OnceLock<std::sync::Arc<WordingChecker>> =
            std::sync::OnceLock::new();
        CHECKER
            .get_or_init(|| std::sync::Arc::new(WordingChecker::built_in()))
            .clone()
    }
}
