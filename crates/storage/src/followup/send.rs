//! Sending a follow-up: the default message (read before sending), the checked message, the link and its timeout job.

use super::*;
use crate::cases::{CaseRow, Scene};
use olive_domain::followup::Blocked;

impl Store {
    /// The follow-up's default text: the verify step's written words when they read as a finished
    /// message (no blanks left), else the playbook's general written follow-up. A spoken script is
    /// never sent.
    async fn default_message(
        &self,
        c: &CaseRow,
        scene: &Scene,
        playbook: &olive_domain::Playbook,
        me: &str,
    ) -> Result<String, StoreError> {
        let write = self
            .db
            .fetch_optional(
                &Query::select()
                    .column("write_text")
                    .from("case_steps")
                    .and_where(Expr::col("case_id").eq(c.id.as_str()))
                    .and_where(Expr::col("kind").eq(StepKind::Verify.as_str()))
                    .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                    .order_by("position", Order::Asc)
                    .to_owned(),
            )
            .await?
            .map(|r| s(&r, "write_text"))
            .transpose()?;
        Ok(write
            .and_then(|w| scene.render(&w, me))
            .filter(|w| w.blanks.is_empty())
            .or_else(|| scene.render(&playbook.playbook.follow_up_write, me))
            .map(|w| w.text)
            .unwrap_or_default())
    }

    /// The message a follow-up would carry by default, for the staff to read (and change) before sending.
    pub async fn followup_draft(&self, actor: &Actor, key: &str) -> Result<String, StoreError> {
        let c = self.case_row(actor, key).await?;
        let location = self.location(&c.location_id).await?;
        let (scene, playbook) = self.scene_of(&c, &location).await?;
        self.default_message(&c, &scene, &playbook, &actor.name)
            .await
    }

    /// Send the customer "Did we make it right?" by email, with a link to `/f/{token}`. Returns the case
    /// and the link (the demo prints it; the API never shows it: only the customer gets it).
    pub async fn send_followup(
        &self,
        actor: &Actor,
        key: &str,
        input: SendFollowUp,
        now: Timestamp,
    ) -> Result<(CaseDetail, String), StoreError> {
        let (case, link) = self
            .send_followup_once(actor, key, input, None, now)
            .await?;
        Ok((case, link.unwrap_or_default()))
    }

    /// [`Store::send_followup`] with an Idempotency-Key: a retry with the same key and body sends
    /// nothing more and answers with the case as it is now (no link: it went out with the first send);
    /// the same key with another body is refused.
    pub async fn send_followup_once(
        &self,
        actor: &Actor,
        key: &str,
        input: SendFollowUp,
        idempotency_key: Option<&str>,
        now: Timestamp,
    ) -> Result<(CaseDetail, Option<String>), StoreError> {
        let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            serde_json::to_vec(&(key, &input.message)).unwrap_or_default(),
        ));
        if let Some(k) = idempotency_key
            && self
                .idempotent(actor, "follow_up", k, &hash)
                .await?
                .is_some()
        {
            return Ok((self.get_case(actor, key, now).await?, None));
        }
        let c = self.case_row(actor, key).await?;
        actor.require_on(Permission::Change, &c.location_id, "case")?;
        let opted_out = c.status.is_active() && self.opted_out(&c).await?;
        let email = c.customer.email.clone();
        match olive_domain::followup::blocked(c.status.is_active(), opted_out, email.is_some()) {
            None => {}
            Some(Blocked::Finished) => {
                return Err(StoreError::conflict(
                    "case_finished",
                    format!("the case is {}", c.status.as_str()),
                ));
            }
            Some(Blocked::OptedOut) => {
                return Err(StoreError::conflict(
                    "customer_opted_out",
                    "the customer asked not to be contacted again; verify in person or by a call they expect",
                ));
            }
            Some(Blocked::NoEmail) => {
                return Err(StoreError::field(
                    "customer.email",
                    "add the customer's email to the case to send a follow-up",
                ));
            }
        }
        let email = email.unwrap_or_default();
        let location = self.location(&c.location_id).await?;
        let (scene, playbook) = self.scene_of(&c, &location).await?;
        let message = match input.message.filter(|m| !m.trim().is_empty()) {
            Some(m) => {
                let mut errs = FieldErrors::default();
                errs.check(
                    m.chars().count() <= 2000,
                    "message",
                    "too long (2000 characters at most)",
                );
                errs.into_result()?;
                // Placeholders filled for this case; an unknown one is a blank, so it is never sent.
                let rendered = olive_domain::script::render(&m, &scene.cast(&actor.name));
                let (message, blanks) = (rendered.text, rendered.blanks);
                if !blanks.is_empty() {
                    return Err(StoreError::field(
                        "message",
                        format!("fill in {} before sending", blanks.join(", ")),
                    ));
                }
                message
            }
            None => {
                self.default_message(&c, &scene, &playbook, &actor.name)
                    .await?
            }
        };
        let checker = self.wording_checker_for(&location.id).await?;
        let findings = checker.check(&message);
        if let Some(f) = findings.first() {
            return Err(StoreError::field(
                "message",
                format!(
                    "the wording check flagged \"{}\": {} Try: {}",
                    f.excerpt, f.message, f.suggestion
                ),
            ));
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let cfg = self.loop_config();
        let expires = now.checked_add(cfg.followup_expiry).unwrap_or(now);
        let link = format!("{}/f/{token}", cfg.public_url.trim_end_matches('/'));
        let until = expires
            .to_zoned(location.tz.clone())
            .strftime("%A %-d %B %Y")
            .to_string();
        // Signed by the worker with the location's footer (its name, phone and address: outbox/sender.rs).
        let body = format!(
            "{message}\n\nDid we make it right? Tell us in a minute: {link}\n\n\
             The link works until {until}. If you would rather not hear from us about this: {link}/unsubscribe\n"
        );
        let id = new_id();
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::insert()
                .into_table("followups")
                .columns([
                    "id",
                    "case_id",
                    "token_hash",
                    "channel",
                    "recipient",
                    "sent_by",
                    "created_at",
                    "expires_at",
                ])
                .values_panic([
                    id.clone().into(),
                    c.id.clone().into(),
                    token_hash(&token).into(),
                    "email".into(),
                    email.clone().into(),
                    actor.staff_id.clone().into(),
                    ms(now).into(),
                    ms(expires).into(),
                ])
                .to_owned(),
        )
        .await?;
        outbox::queue_email(
            &mut tx,
            EmailOut {
                to: &email,
                subject: match c
                    .customer
                    .preferred_name
                    .as_deref()
                    .and_then(greeting_name)
                    .or_else(|| greeting_name(&c.customer.name))
                {
                    Some(n) => format!("Did we make it right, {n}?"),
                    None => "Did we make it right?".to_string(),
                },
                body,
                event: "follow_up",
                location_id: &c.location_id,
                case_id: Some(&c.id),
                // One click stops further messages about this case (RFC 8058), no answer needed.
                list_unsubscribe: Some(format!("{link}/unsubscribe")),
            },
            now,
        )
        .await?;
        let wait = now.checked_add(cfg.followup_wait).unwrap_or(now);
        crate::scheduler::queue_job(
            &mut tx,
            "followup_timeout",
            &format!("followup-timeout:{id}"),
            json!({"followup_id": id, "case_id": c.id}),
            wait,
            now,
        )
        .await?;
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), CaseEvent::FollowUpSent, json!({"follow_up_id": id, "channel": "email", "message": message, "expires_at": rfc3339(ms(expires))})).await?;
        if let Some(k) = idempotency_key {
            let res = tx
                .execute(&crate::cases::idempotency_insert(
                    actor,
                    "follow_up",
                    k,
                    &hash,
                    &id,
                    now,
                ))
                .await;
            if crate::cases::is_unique_violation(&res) {
                // A concurrent retry with the same key sent it: nothing more goes out.
                drop(tx);
                return match self.idempotent(actor, "follow_up", k, &hash).await? {
                    Some(_) => Ok((self.get_case(actor, &c.id, now).await?, None)),
                    None => Err(StoreError::IdempotencyReused),
                };
            }
            res?;
        }
        tx.commit().await?;
        Ok((self.get_case(actor, &c.id, now).await?, Some(link)))
    }
}
