//! Gestures on a case: giving one within the giver's authority, deciding and delivering it, and the ones waiting for the caller's approval.

use super::gesture_steps::{gesture_step, link_step};
use super::*;

impl Store {
    /// Give a gesture: approved at once within the giver's remaining authority, else pending a manager.
    pub async fn give_gesture(
        &self,
        actor: &Actor,
        key: &str,
        g: NewGesture,
        idempotency_key: Option<&str>,
        now: Timestamp,
    ) -> Result<(CaseDetail, String, bool), StoreError> {
        let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            serde_json::to_vec(&(key, &g)).unwrap_or_default(),
        ));
        if let Some(k) = idempotency_key
            && let Some(existing) = self.idempotent(actor, "gesture", k, &hash).await?
        {
            return Ok((self.get_case(actor, key, now).await?, existing, false));
        }
        let c0 = self.case_row(actor, key).await?;
        let location = self.location(&c0.location_id).await?;
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        let mut errs = FieldErrors::default();
        let kind = playbook.gesture(&g.kind);
        errs.check(
            kind.is_some(),
            "kind",
            "not a gesture in this location's playbook",
        );
        if let Some(Err(m)) = kind.map(|k| k.check_value(Cents(g.value_cents))) {
            errs.add("value_cents", m);
        }
        errs.check(
            g.value_cents >= 0,
            "value_cents",
            "a gesture's value cannot be negative",
        );
        errs.check(
            g.value_cents <= 10_000_000,
            "value_cents",
            "that value is too large",
        );
        errs.check(
            g.note.chars().count() <= 2000,
            "note",
            "too long (2000 characters at most)",
        );
        errs.into_result()?;
        let role = actor.require_on(Permission::Change, &c0.location_id, "case")?;
        let limit = self.limits_at(&c0.location_id).await?.for_role(role);
        let day = location.local_date(now).to_string();

        let mut tx = self.db.begin().await?;
        // One giver's gestures on different cases are decided one at a time, so the per-day limit holds.
        tx.lock_key(&format!("gestures-by:{}", actor.staff_id))
            .await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        if !c.status.is_active() {
            return Err(finished(&c));
        }
        let step = match g.step_id.as_deref() {
            Some(step_id) => Some(gesture_step(&mut tx, &c.id, step_id).await?),
            None => None,
        };
        let given = self
            .given(Some(&mut tx), &actor.staff_id, &c.id, &location, now)
            .await?;
        let decision = authority::decide(limit, given, Cents(g.value_cents));
        let (status, event) = match decision {
            AuthorityDecision::Approved => (GestureStatus::Approved, CaseEvent::GestureGiven),
            AuthorityDecision::NeedsApproval { .. } => {
                (GestureStatus::PendingApproval, CaseEvent::GestureRequested)
            }
        };
        let pending_reason = decision.explain(location.currency.as_str());
        let charge = ledger::charge(status, &actor.staff_id, now, None);
        let id = new_id();
        tx.execute(
            &Query::insert()
                .into_table("gestures")
                .columns([
                    "id",
                    "case_id",
                    "kind",
                    "value_cents",
                    "currency",
                    "note",
                    "status",
                    "given_by",
                    "given_at",
                    "given_day",
                    "charged_to",
                    "charged_at",
                    "charged_on_case",
                    "step_id",
                    "pending_reason",
                ])
                .values_panic([
                    id.clone().into(),
                    c.id.clone().into(),
                    g.kind.clone().into(),
                    g.value_cents.into(),
                    location.currency.to_string().into(),
                    g.note.trim().into(),
                    status.as_str().into(),
                    actor.staff_id.clone().into(),
                    ms(now).into(),
                    day.into(),
                    charge.as_ref().map(|c| c.to.clone()).into(),
                    charge.as_ref().map(|c| ms(c.at)).into(),
                    i64::from(charge.as_ref().is_some_and(|c| c.on_case)).into(),
                    g.step_id.clone().into(),
                    pending_reason.clone().into(),
                ])
                .to_owned(),
        )
        .await?;
        tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), event, json!({"gesture_id": id, "kind": g.kind, "value_cents": g.value_cents, "status": status, "remaining_before_cents": authority::remaining(limit, given).map(|c| c.0), "why": pending_reason, "step_id": g.step_id})).await?;
        if let Some(step) = &step {
            if status == GestureStatus::Approved {
                self.complete_gesture_step(&mut tx, actor, &c, step, &id, &actor.staff_id, now)
                    .await?;
            } else {
                link_step(&mut tx, step, &id).await?;
            }
        }
        if let Some(k) = idempotency_key {
            let res = tx
                .execute(&idempotency_insert(actor, "gesture", k, &hash, &id, now))
                .await;
            if is_unique_violation(&res) {
                drop(tx);
                // A concurrent retry with the same key won the race: answer with its resource.
                return match self.idempotent(actor, "gesture", k, &hash).await? {
                    Some(existing) => {
                        Ok((self.get_case(actor, &c.id, now).await?, existing, false))
                    }
                    None => Err(StoreError::IdempotencyReused),
                };
            }
            res?;
        }
        if status == GestureStatus::PendingApproval {
            crate::outbox::emit(
                &mut tx,
                EventType::GesturePendingApproval,
                &c.location_id,
                Some(&c.id),
                json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "gesture_id": id, "kind": g.kind, "value_cents": g.value_cents, "currency": location.currency.to_string(), "requested_by": actor.staff_id}),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok((self.get_case(actor, &c.id, now).await?, id, true))
    }

    /// Approve, decline, mark sent or mark delivered. An approval is charged to the approver's per-day
    /// room (refused, naming the limit, when there is not enough of it); a gesture that needs a delivery
    /// address is marked sent only once the case has one (`d.address` gives it on the spot).
    pub async fn gesture_action(
        &self,
        actor: &Actor,
        key: &str,
        gesture_id: &str,
        to: GestureStatus,
        d: Decision,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let d = super::approvals::checked_reason(to, &d)?; // a decline states its reason (issue 19)
        // Read before the transaction: waiting for a pool connection while holding the case lock can exhaust the pool.
        let c0 = self.case_row(actor, key).await?;
        let limits = self.limits_at(&c0.location_id).await?;
        let location = self.location(&c0.location_id).await?;
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        let deciding = matches!(to, GestureStatus::Approved | GestureStatus::Declined);
        let mut tx = self.db.begin().await?;
        if deciding {
            // The approver's day is decided one approval (or gesture of theirs) at a time; before the case
            // lock, in the same order as `give_gesture`.
            tx.lock_key(&format!("gestures-by:{}", actor.staff_id))
                .await?;
        }
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns([
                        "id",
                        "kind",
                        "status",
                        "value_cents",
                        "currency",
                        "given_by",
                        "given_at",
                        "step_id",
                    ])
                    .from("gestures")
                    .and_where(Expr::col("id").eq(gesture_id))
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("gesture"))?;
        let current = parse(&s(&row, "status")?, GestureStatus::parse)?;
        let value = Cents(i(&row, "value_cents")?);
        let given_by = s(&row, "given_by")?;
        let kind = s(&row, "kind")?;
        let role = actor.require_on(Permission::Change, &c.location_id, "case")?;
        if deciding {
            actor.require_on(Permission::Approve, &c.location_id, "case")?;
        }
        current
            .advance(to)
            .map_err(|e| StoreError::conflict("invalid_transition", e))?;
        if to == GestureStatus::Approved {
            let today = self
                .given(Some(&mut tx), &actor.staff_id, &c.id, &location, now)
                .await?
                .today;
            authority::may_approve(
                role,
                limits.for_role(role),
                today,
                given_by == actor.staff_id,
                value,
            )
            .map_err(|e| StoreError::Forbidden(e.to_string()))?;
        } else if to == GestureStatus::Declined {
            authority::may_decide(role, given_by == actor.staff_id)
                .map_err(|e| StoreError::Forbidden(e.to_string()))?;
        }
        let needs_address = playbook.gesture(&kind).is_some_and(|k| k.needs_address);
        if matches!(to, GestureStatus::Sent | GestureStatus::Delivered)
            && needs_address
            && c.customer.address.is_none()
        {
            let name = playbook
                .gesture(&kind)
                .map_or(kind.as_str(), |k| k.name.as_str());
            self.address_on_the_spot(&mut tx, actor, &c, name, d.address.as_deref(), now)
                .await?;
        }
        let mut u = Query::update()
            .table("gestures")
            .value("status", to.as_str())
            .to_owned();
        let (by, at, event) = match to {
            GestureStatus::Approved => ("decided_by", "decided_at", CaseEvent::GestureApproved),
            GestureStatus::Declined => ("decided_by", "decided_at", CaseEvent::GestureDeclined),
            GestureStatus::Sent => ("sent_by", "sent_at", CaseEvent::GestureSent),
            GestureStatus::Delivered => {
                ("delivered_by", "delivered_at", CaseEvent::GestureDelivered)
            }
            GestureStatus::PendingApproval => {
                return Err(StoreError::conflict(
                    "invalid_transition",
                    "a gesture cannot go back to pending",
                ));
            }
        };
        u.value(by, actor.staff_id.clone()).value(at, ms(now));
        if deciding {
            u.value("decision_note", d.note.clone());
            u.value("pending_reason", Option::<String>::None);
        }
        if to == GestureStatus::Approved {
            let given_at = crate::rows::from_ms(i(&row, "given_at")?);
            if let Some(ch) = ledger::charge(to, &given_by, given_at, Some((&actor.staff_id, now)))
            {
                u.value("charged_to", ch.to)
                    .value("charged_at", ms(ch.at))
                    .value("charged_on_case", i64::from(ch.on_case));
            }
        }
        u.and_where(Expr::col("id").eq(gesture_id));
        tx.execute(&u).await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Staff(actor),
            event,
            json!({"gesture_id": gesture_id, "kind": kind, "value_cents": value.0, "note": d.note}),
        )
        .await?;
        if let Some(step_id) = crate::rows::os(&row, "step_id")? {
            self.decided_for_step(&mut tx, actor, &c, &step_id, gesture_id, to, &given_by, now)
                .await?;
        }
        tx.execute(
            &Query::update()
                .table("cases")
                .value("updated_at", ms(now))
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        let decided = match to {
            GestureStatus::Approved => Some(EventType::GestureApproved),
            GestureStatus::Declined => Some(EventType::GestureDeclined),
            _ => None,
        };
        if let Some(event) = decided {
            crate::outbox::emit(
                &mut tx,
                event,
                &c.location_id,
                Some(&c.id),
                json!({"case_id": c.id, "ref": format!("C-{}", c.reference), "gesture_id": gesture_id, "kind": kind, "value_cents": value.0, "currency": s(&row, "currency")?, "requested_by": given_by, "decided_by": actor.staff_id}),
                now,
            )
            .await?;
        }
        // The requester is told who decided, when and why (issue 19).
        self.tell_requester(&mut tx, &c, &row, to, actor, d.note.as_deref(), now)
            .await?;
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// Gestures waiting for the caller's approval: at their locations, within what they may approve, not their own.
    pub async fn pending_gestures(
        &self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<(String, String, crate::views::GestureView)>, StoreError> {
        let mut q = Query::select()
            .columns([
                ("g", "id"),
                ("g", "kind"),
                ("g", "value_cents"),
                ("g", "currency"),
                ("g", "note"),
                ("g", "status"),
                ("g", "given_by"),
                ("g", "given_at"),
                ("g", "decided_by"),
                ("g", "decided_at"),
                ("g", "decision_note"),
                ("g", "sent_at"),
                ("g", "delivered_at"),
                ("g", "step_id"),
                ("g", "pending_reason"),
                ("g", "escalated_at"),
                ("g", "case_id"),
            ])
            .from_as("gestures", "g")
            .inner_join(
                sea_query::TableRef::Table("cases".into(), Some("c".into())),
                Expr::col(("c", "id")).equals(("g", "case_id")),
            )
            .and_where(Expr::col(("g", "status")).eq(GestureStatus::PendingApproval.as_str()))
            .order_by(("g", "given_at"), Order::Asc)
            .to_owned();
        if let Some(scope) = actor.scope() {
            q.and_where(Expr::col(("c", "location_id")).is_in(scope));
        }
        q.expr_as(Expr::col(("c", "location_id")), "loc")
            .expr_as(Expr::col(("c", "ref")), "case_ref");
        let mut limits = std::collections::HashMap::new();
        let mut rows = Vec::new();
        for r in self.db.fetch_all(&q).await? {
            let loc = s(&r, "loc")?;
            let Some(role) = actor.role_at(&loc) else {
                continue;
            };
            if !limits.contains_key(&loc) {
                // What this approver has left of their day at that location: a request that would not fit
                // is left to another manager or an admin.
                let location = self.location(&loc).await?;
                let today = self
                    .given(None, &actor.staff_id, "", &location, now)
                    .await?
                    .today;
                limits.insert(
                    loc.clone(),
                    (self.limits_at(&loc).await?.for_role(role), today),
                );
            }
            let (limit, today) = limits[&loc];
            let own = s(&r, "given_by")? == actor.staff_id;
            if authority::may_approve(role, limit, today, own, Cents(i(&r, "value_cents")?)).is_ok()
            {
                rows.push(r);
            }
        }
        let names = self
            .names(rows.iter().filter_map(|r| s(r, "given_by").ok()))
            .await?;
        let person = |id: String| crate::views::PersonRef {
            name: names.get(&id).cloned().unwrap_or_default(),
            id,
        };
        rows.iter()
            .map(|r| {
                Ok((
                    s(r, "case_id")?,
                    format!("C-{}", i(r, "case_ref")?),
                    crate::cases::gesture_view(r, &s(r, "case_id")?, &person)?,
                ))
            })
            .collect()
    }
}
