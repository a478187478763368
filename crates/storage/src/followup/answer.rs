//! The customer's side: the public follow-up page, and an answer that closes the case as recovered or reopens it.

use super::*;

impl Store {
    /// Read a follow-up link (no sign-in). Unknown tokens are `NotFound`.
    pub async fn followup_page(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<FollowUpPage, StoreError> {
        let row = self.followup_by_token(None, token).await?;
        let c = self.case_by_id(&s(&row, "case_id")?).await?;
        let business = Business::of(&self.location(&c.location_id).await?);
        Ok(if oi(&row, "answered_at")?.is_some() {
            FollowUpPage::Answered { business }
        } else if i(&row, "expires_at")? <= ms(now) {
            FollowUpPage::Expired { business }
        } else {
            FollowUpPage::Open {
                business,
                first_name: c
                    .customer
                    .preferred_name
                    .as_deref()
                    .and_then(greeting_name)
                    .unwrap_or_else(|| first_name(&c.customer.name)),
            }
        })
    }

    pub(super) async fn followup_by_token(
        &self,
        tx: Option<&mut Tx>,
        token: &str,
    ) -> Result<sqlx::any::AnyRow, StoreError> {
        // Tokens are 64 hex characters; anything else cannot match and is not worth a query.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound("follow-up"));
        }
        let q = Query::select()
            .columns(FOLLOWUP_COLS)
            .from("followups")
            .and_where(Expr::col("token_hash").eq(token_hash(&token.to_ascii_lowercase())))
            .lock(LockType::Update)
            .to_owned();
        let row = match tx {
            Some(tx) => tx.fetch_optional(&q).await?,
            None => self.db.fetch_optional(&q).await?,
        };
        row.ok_or(StoreError::NotFound("follow-up"))
    }

    /// The customer's answer. A good one (4–5 and would come back) verifies and closes the case as
    /// recovered; a poor one reopens it with a new step and tells the owner and the managers.
    pub async fn answer_followup(
        &self,
        token: &str,
        answer: Answer,
        opt_out: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let row = self.followup_by_token(Some(&mut tx), token).await?;
        if oi(&row, "answered_at")?.is_some() {
            return Err(StoreError::conflict(
                "already_answered",
                "this follow-up has already been answered; thank you",
            ));
        }
        if i(&row, "expires_at")? <= ms(now) {
            return Err(StoreError::conflict(
                "expired",
                "this follow-up link has expired",
            ));
        }
        let followup_id = s(&row, "id")?;
        let c = self.case_by_id_tx(&mut tx, &s(&row, "case_id")?).await?;
        tx.execute(
            &Query::update()
                .table("followups")
                .values([
                    ("answered_at", ms(now).into()),
                    ("rating", i64::from(answer.rating).into()),
                    ("would_return", i64::from(answer.would_return).into()),
                    ("comment", answer.comment.clone().into()),
                ])
                .and_where(Expr::col("id").eq(followup_id.clone()))
                .to_owned(),
        )
        .await?;
        let recovered = answer.is_recovered();
        let said = json!({"follow_up_id": followup_id, "rating": answer.rating, "would_return": answer.would_return, "comment": answer.comment, "recovered": recovered});
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Customer,
            CaseEvent::FollowUpAnswered,
            said.clone(),
        )
        .await?;
        outbox::emit(
            &mut tx,
            EventType::FeedbackReceived,
            &c.location_id,
            Some(&c.id),
            json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "rating": answer.rating, "would_return": answer.would_return, "recovered": recovered}),
            now,
        )
        .await?;
        if opt_out {
            record_opt_out(&mut tx, &c, "follow_up_page", now).await?;
        }
        if c.status.is_active() {
            if recovered {
                self.recovered_by_answer(&mut tx, &c, &answer, now).await?;
            } else {
                self.reopen_after_poor_answer(&mut tx, &c, &answer, opt_out, now)
                    .await?;
            }
        } else if !recovered && olive_domain::case::check_reopen(c.status).is_ok() {
            // Closed before the customer answered, and it was not put right: open it again, and tell
            // the owner and the managers (a cancelled case stays cancelled).
            self.reopen_after_poor_answer(&mut tx, &c, &answer, opt_out, now)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Record the customer's answer as the verification; close as recovered when nothing else is open.
    async fn recovered_by_answer(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        answer: &Answer,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let said = if answer.comment.is_empty() {
            format!("Rated {} of 5 and would come back.", answer.rating)
        } else {
            format!(
                "Rated {} of 5 and would come back: {}",
                answer.rating, answer.comment
            )
        };
        tx.execute(&crate::actions::verification_insert(
            &c.id,
            crate::cases::CUSTOMER,
            "customer_answer",
            &said,
            true,
            now,
        ))
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Customer,
            CaseEvent::Verified,
            json!({"method": "customer_answer", "customer_said": said, "satisfied": true}),
        )
        .await?;
        tx.execute(
            &Query::update()
                .table("case_steps")
                .values([
                    ("status", StepStatus::Done.as_str().into()),
                    ("done_by", crate::cases::CUSTOMER.into()),
                    ("done_at", ms(now).into()),
                    ("note", "the customer's answer to the follow-up".into()),
                ])
                .and_where(Expr::col("case_id").eq(c.id.clone()))
                .and_where(Expr::col("kind").eq(StepKind::Verify.as_str()))
                .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                .to_owned(),
        )
        .await?;
        self.follow_anchors(tx, c).await?;
        let steps = crate::actions::step_states(tx, &c.id).await?;
        // The same closing rule as a person closing it; the answer is the verification.
        match olive_domain::case::check_close(c.status, CloseOutcome::Recovered, &steps, true) {
            Ok(()) => {}
            // Steps are still open (a card to post, say): the owner closes the case when they are done.
            Err(olive_domain::case::TransitionError::OpenSteps) => return Ok(()),
            Err(e) => return Err(StoreError::conflict("invalid_transition", e.to_string())),
        }
        // Nobody on the team said why it happened: the cause is recorded as not stated, in words,
        // and the case's prevention action is where it is found.
        let closing = crate::actions::Closing {
            outcome: CloseOutcome::Recovered,
            root_cause: olive_domain::prevention::ANSWER_ROOT_CAUSE,
            prevention_note: Some(olive_domain::prevention::ANSWER_ROOT_NOTE),
            by: By::Customer,
        };
        crate::actions::record_closed(tx, c, closing, now).await
    }

    /// A poor answer: back to in progress with a new step, and the owner and managers are told.
    async fn reopen_after_poor_answer(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        answer: &Answer,
        opted_out: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let location = self.location(&c.location_id).await?;
        let who = self.display_name(c).await?;
        let said = format!(
            "{} of 5{}",
            answer.rating,
            if answer.would_return {
                ""
            } else {
                ", would not come back"
            }
        );
        // A customer who asked not to be contacted gets no call: a manager reviews and closes.
        let title = if opted_out {
            format!(
                "Review {who}'s answer ({said}) and close the case: they asked not to be contacted"
            )
        } else {
            format!("Call {who} about their answer ({said}) and put it right")
        };
        // The verification asked for is answered (poorly): a new one follows the new fix.
        tx.execute(
            &Query::update()
                .table("case_steps")
                .values([
                    ("status", StepStatus::Skipped.as_str().into()),
                    (
                        "skip_reason",
                        "the customer's answer showed it was not put right".into(),
                    ),
                    ("done_at", ms(now).into()),
                ])
                .and_where(Expr::col("case_id").eq(c.id.clone()))
                .and_where(Expr::col("kind").eq(StepKind::Verify.as_str()))
                .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                .to_owned(),
        )
        .await?;
        self.follow_anchors(tx, c).await?;
        self.add_recovery_steps(tx, c, &location, &title, !opted_out, now)
            .await?;
        let reason = format!(
            "the customer answered the follow-up: {} of 5, {}",
            answer.rating,
            if answer.would_return {
                "would come back"
            } else {
                "would not come back"
            }
        );
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Customer,
            CaseEvent::Reopened,
            json!({"reason": reason, "comment": answer.comment}),
        )
        .await?;
        // A case still being worked on was not closed: integrators hear `feedback.received` with
        // `recovered: false`, not `case.reopened`; a closed one is announced as reopened.
        if olive_domain::events::announces_reopen(c.status) {
            outbox::emit(
                tx,
                EventType::CaseReopened,
                &c.location_id,
                Some(&c.id),
                json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "reason": reason}),
                now,
            )
            .await?;
        }
        let mut text = format!(
            "C-{} ({}) was not put right: {reason}.",
            c.reference,
            self.display_name(c).await?
        );
        if !c.status.is_active() {
            text.push_str(" It had been closed; it is open again.");
        }
        if opted_out {
            text.push_str(
                " They asked not to be contacted again: do not call or email them about this; review the answer and close the case.",
            );
        }
        if !answer.comment.is_empty() {
            text.push_str(&format!(" They wrote: \"{}\"", answer.comment));
        }
        let mut people = vec![c.owner_id.clone()];
        people.extend(self.managers_of(tx, &c.location_id).await?);
        self.notify(
            tx,
            &people,
            c,
            "follow_up_poor",
            &format!("Not recovered yet: C-{}", c.reference),
            &text,
            now,
        )
        .await
    }
}

/// The customer asked not to be contacted again (from `source`): their contact details join the
/// opt-outs, the case's timeline says so, and integrators hear which case (not who).
pub(crate) async fn record_opt_out(
    tx: &mut Tx,
    c: &CaseRow,
    source: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    for key in contact_keys(c) {
        tx.execute(
            &Query::insert()
                .into_table("contact_opt_outs")
                .columns(["contact", "source", "created_at"])
                .values_panic([key.into(), source.into(), ms(now).into()])
                .on_conflict(
                    sea_query::OnConflict::column("contact")
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned(),
        )
        .await?;
    }
    tx.case_event(
        &c.id,
        &c.location_id,
        now,
        By::Customer,
        CaseEvent::OptedOut,
        json!({"source": source}),
    )
    .await?;
    outbox::emit(
        tx,
        EventType::CustomerOptedOut,
        &c.location_id,
        Some(&c.id),
        json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "source": source}),
        now,
    )
    .await?;
    Ok(())
}
