//! Editing a case's details: the customer, the description, the severity and the playbook's case fields.

use super::*;

impl Store {
    /// Edit a case's description, customer details or severity; the change goes on the timeline.
    pub async fn edit_case(
        &self,
        actor: &Actor,
        key: &str,
        edit: CaseEdit,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        self.edit_case_at(actor, key, edit, None, now).await
    }

    /// `edit_case` from a form shown at the case's `version`: refused as `stale` (nothing written) when the
    /// case changed since; `None` checks nothing.
    pub async fn edit_case_at(
        &self,
        actor: &Actor,
        key: &str,
        edit: CaseEdit,
        version: Option<i64>,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let mut errs = FieldErrors::default();
        let customer = edit.customer.as_ref().map(|c| parse_customer(c, &mut errs));
        if let Some(d) = &edit.description {
            errs.check(
                d.chars().count() <= 4000,
                "description",
                "the description is too long (4000 characters at most)",
            );
        }
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        crate::cases::version::expect(&mut tx, &c.id, version).await?;
        let location = self.location(&c.location_id).await?;
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        if let Some(p) = &customer {
            need_name(&p.name, &playbook, &mut errs);
        }
        let fields = match &edit.fields {
            Some(raw) => Some(
                self.parse_fields(&playbook, &location, raw, Some(&c.fields), &mut errs)
                    .await?,
            ),
            None => None,
        };
        errs.into_result()?;
        if !c.status.is_active() {
            return Err(StoreError::conflict(
                "case_finished",
                format!("the case is {}; reopen it to change it", c.status.as_str()),
            ));
        }
        let mut changes = BTreeMap::new();
        let mut u = Query::update().table("cases").to_owned();
        let mut set = |col: &'static str, old: Option<String>, new: Option<String>| {
            if old != new {
                changes.insert(col, serde_json::json!({"from": old, "to": new}));
                u.value(col, new);
            }
        };
        if let Some(d) = &edit.description {
            set(
                "description",
                Some(c.description.clone()),
                Some(d.trim().to_string()),
            );
        }
        if let Some(sev) = edit.severity {
            set(
                "severity",
                Some(c.severity.as_str().into()),
                Some(sev.as_str().into()),
            );
        }
        if let Some(p) = customer {
            set("customer_name", Some(c.customer.name.clone()), Some(p.name));
            set("customer_phone", c.customer.phone.clone(), p.phone);
            set("customer_email", c.customer.email.clone(), p.email);
            set("customer_address", c.customer.address.clone(), p.address);
            set(
                "preferred_name",
                c.customer.preferred_name.clone(),
                p.preferred_name,
            );
            // How it is written is part of the phone: a change of spacing alone is recorded as a phone edit.
            if c.customer.phone_display != p.phone_display {
                changes.entry("customer_phone").or_insert_with(
                    || serde_json::json!({"from": c.customer.phone_display, "to": p.phone_display}),
                );
                u.value("customer_phone_display", p.phone_display);
            }
        }
        if let Some(f) = fields
            && f != c.fields
        {
            if let Some(pf) = playbook
                .field_for(olive_domain::script::Placeholder::Provider)
                .filter(|pf| pf.kind == olive_domain::FieldKind::Staff)
                && f.get(&pf.key) != c.fields.get(&pf.key)
            {
                let (old, new) = (c.fields.get(&pf.key), f.get(&pf.key));
                self.steps_follow_provider(
                    &mut tx,
                    &c,
                    old.map(String::as_str),
                    new.map(String::as_str),
                )
                .await?;
            }
            changes.insert("fields", serde_json::json!({"from": c.fields, "to": f}));
            u.value(
                "fields",
                serde_json::to_string(&f).unwrap_or_else(|_| "{}".into()),
            );
        }
        if !changes.is_empty() {
            u.value("updated_at", ms(now))
                .and_where(Expr::col("id").eq(c.id.clone()));
            tx.execute(&u).await?;
            tx.case_event(
                &c.id,
                &c.location_id,
                now,
                By::Staff(actor),
                CaseEvent::Edited,
                serde_json::json!({ "changes": changes }),
            )
            .await?;
            // Raised to a severity that alerts now (critical): the managers are told, once.
            if let Some(sev) = edit.severity
                && sev > c.severity
            {
                self.severity_alert(
                    &mut tx,
                    &c,
                    sev,
                    crate::severity::Reason::Raised,
                    By::Staff(actor),
                    now,
                )
                .await?;
            }
            tx.commit().await?;
        } else {
            // Release the case lock before reading through the pool.
            drop(tx);
        }
        self.get_case(actor, &c.id, now).await
    }
}
