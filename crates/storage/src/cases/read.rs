//! Reading one case (with its parts), remaining authority, and editing a case's details.

use super::*;
use olive_domain::role::Role;

impl Store {
    /// Load a case row the caller may see (404 otherwise).
    pub(crate) async fn case_row(&self, actor: &Actor, key: &str) -> Result<CaseRow, StoreError> {
        let q = case_select().cond_where(key_cond(key)?).to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        let case = case_from_row(&row)?;
        actor.require_on(Permission::Read, &case.location_id, "case")?;
        Ok(case)
    }

    /// Load and lock a case row inside a write transaction (the caller must hold `Change`).
    pub(crate) async fn case_row_tx(
        &self,
        tx: &mut crate::db::Tx,
        actor: &Actor,
        key: &str,
    ) -> Result<CaseRow, StoreError> {
        let q = case_select()
            .cond_where(key_cond(key)?)
            .lock(LockType::Update)
            .to_owned();
        let row = tx
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        let case = case_from_row(&row)?;
        actor.require_on(Permission::Change, &case.location_id, "case")?;
        Ok(case)
    }

    /// Names of staff by id (one query).
    pub(crate) async fn names(
        &self,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<HashMap<String, String>, StoreError> {
        let ids: HashSet<String> = ids.into_iter().collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let q = Query::select()
            .columns(["id", "name"])
            .from("staff")
            .and_where(Expr::col("id").is_in(ids))
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| Ok((s(r, "id")?, s(r, "name")?)))
            .collect()
    }

    /// A case as a list shows it; `playbook` (its location's) names a customer who gave no name.
    pub(crate) fn summary(
        c: &CaseRow,
        names: &HashMap<String, String>,
        now: Timestamp,
        playbook: Option<&olive_domain::Playbook>,
    ) -> CaseSummary {
        let person = |id: &str| PersonRef {
            id: id.to_string(),
            name: names.get(id).cloned().unwrap_or_default(),
        };
        CaseSummary {
            id: c.id.clone(),
            reference: format!("C-{}", c.reference),
            location_id: c.location_id.clone(),
            status: c.status,
            outcome: c.outcome,
            stage: c.stage_code.clone(),
            defect: DefectRef {
                code: c.defect_code.clone().unwrap_or_else(|| "other".into()),
                title: c.defect_title.clone(),
            },
            severity: c.severity,
            customer: c.customer.clone(),
            display_name: match playbook {
                Some(p) => p.display_name(&c.customer.name, &c.fields),
                None => {
                    olive_domain::followup::full_name(&c.customer.name, "Customer").into_owned()
                }
            },
            fields: c.fields.clone(),
            description: c.description.clone(),
            reporter: person(&c.reporter_id),
            owner: person(&c.owner_id),
            handoff_count: c.handoff_count,
            hot_potato: c.handoff_count >= HOT_POTATO_HANDOFFS,
            reopen_count: c.reopen_count,
            next_due_at: opt_rfc3339(c.next_due_at),
            overdue: c.status.is_active() && c.next_due_at.is_some_and(|d| d < ms(now)),
            created_at: rfc3339(c.created_at),
            noticed_at: rfc3339(c.noticed_at),
            updated_at: rfc3339(c.updated_at),
            closed_at: opt_rfc3339(c.closed_at),
            escalated_at: opt_rfc3339(c.escalated_at),
        }
    }

    /// A case with steps, gestures, handoffs, verifications and its timeline.
    pub async fn get_case(
        &self,
        actor: &Actor,
        key: &str,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let c = self.case_row(actor, key).await?;
        let by_case = |table: &'static str, cols: &[&'static str], order: &'static str| {
            Query::select()
                .columns(cols.iter().copied())
                .from(table)
                .and_where(Expr::col("case_id").eq(c.id.clone()))
                .order_by(order, Order::Asc)
                .order_by("id", Order::Asc)
                .to_owned()
        };
        let q_steps = by_case(
            "case_steps",
            &[
                "id",
                "position",
                "title",
                "kind",
                "owner_role",
                "due_rule",
                "due_at",
                "wording",
                "say_text",
                "write_text",
                "gesture_code",
                "gesture_id",
                "status",
                "done_by",
                "done_at",
                "skip_reason",
                "note",
                "assignee_id",
                "for_provider",
            ],
            "position",
        );
        let q_gestures = by_case(
            "gestures",
            &[
                "id",
                "kind",
                "value_cents",
                "currency",
                "note",
                "status",
                "given_by",
                "given_at",
                "decided_by",
                "decided_at",
                "decision_note",
                "sent_at",
                "delivered_at",
                "step_id",
                "pending_reason",
                "escalated_at",
            ],
            "given_at",
        );
        let q_handoffs = by_case(
            "handoffs",
            &[
                "id",
                "from_id",
                "to_id",
                "reason",
                "status",
                "created_at",
                "decided_at",
                "decline_reason",
            ],
            "created_at",
        );
        let q_verifs = by_case(
            "verifications",
            &[
                "verified_by",
                "method",
                "customer_said",
                "satisfied",
                "created_at",
            ],
            "created_at",
        );
        let q_events = by_case("timeline", &["id", "at", "actor_id", "event", "data"], "at");
        // Five independent reads: run them side by side on the pool.
        let (steps, gestures, handoffs, verifs, events) = tokio::try_join!(
            self.db.fetch_all(&q_steps),
            self.db.fetch_all(&q_gestures),
            self.db.fetch_all(&q_handoffs),
            self.db.fetch_all(&q_verifs),
            self.db.fetch_all(&q_events),
        )?;

        let mut ids = vec![c.owner_id.clone(), c.reporter_id.clone()];
        for r in &steps {
            ids.extend(os(r, "done_by")?);
            ids.extend(os(r, "assignee_id")?);
        }
        for r in &gestures {
            ids.push(s(r, "given_by")?);
            ids.extend(os(r, "decided_by")?);
        }
        for r in &handoffs {
            ids.push(s(r, "from_id")?);
            ids.push(s(r, "to_id")?);
        }
        for r in &verifs {
            ids.push(s(r, "verified_by")?);
        }
        for r in &events {
            ids.extend(os(r, "actor_id")?);
        }
        let location = self.location(&c.location_id).await?;
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        ids.extend(staff_in_fields(&c, &playbook));
        let names = self.names(ids).await?;
        let scene = Scene::new(&c, &playbook, &location, &names);
        let person = |id: String| PersonRef {
            name: match names.get(&id) {
                Some(n) => n.clone(),
                None if id == CUSTOMER => "The customer".into(),
                None => String::new(),
            },
            id,
        };
        let now_ms = ms(now);
        let (follow_ups, customer_opted_out) =
            tokio::try_join!(self.followups_of(&c.id, now), self.opted_out(&c))?;
        let remaining = self
            .remaining_authority(actor, &c, &location, now, false)
            .await?;
        Ok(CaseDetail {
            summary: Self::summary(&c, &names, now, Some(&playbook)),
            case_fields: scene.fields.clone(),
            customer_noun: playbook.playbook.customer_noun.clone(),
            currency: location.currency.to_string(),
            root_cause: c.root_cause,
            prevention_note: c.prevention_note.clone(),
            status_reason: c.status_reason.clone(),
            steps: steps
                .iter()
                .map(|r| {
                    let status = parse(&s(r, "status")?, StepStatus::parse)?;
                    let due_at = i(r, "due_at")?;
                    let done_by = os(r, "done_by")?.map(&person);
                    let owner_role: Role = parse(&s(r, "owner_role")?, |v| v.parse().ok())?;
                    let for_provider = i(r, "for_provider")? != 0;
                    let assignee = os(r, "assignee_id")?.map(&person);
                    let me = crate::actions::assign::speaker(
                        done_by.as_ref().map(|p| p.name.as_str()),
                        assignee.as_ref().map(|p| p.name.as_str()),
                        actor,
                        owner_role,
                        &c.location_id,
                    );
                    let wording = s(r, "wording")?;
                    let say = Some(s(r, "say_text")?)
                        .filter(|t| !t.is_empty())
                        .unwrap_or_else(|| wording.clone());
                    Ok(StepView {
                        id: s(r, "id")?,
                        position: i(r, "position")?,
                        title: s(r, "title")?,
                        kind: parse(&s(r, "kind")?, StepKind::parse)?,
                        owner_role,
                        for_provider,
                        owner_label: playbook.owner_label(if for_provider {
                            StepOwner::Provider
                        } else {
                            StepOwner::Role(owner_role)
                        }),
                        due_rule: s(r, "due_rule")?,
                        due_at: rfc3339(due_at),
                        overdue: status == StepStatus::Pending
                            && c.status.is_active()
                            && due_at < now_ms,
                        say: scene.render(&say, me),
                        write: scene.render(&s(r, "write_text")?, me),
                        assignee: assignee.clone(),
                        wording,
                        gesture_code: os(r, "gesture_code")?,
                        gesture_id: os(r, "gesture_id")?,
                        status,
                        done_by,
                        done_at: opt_rfc3339(oi(r, "done_at")?),
                        skip_reason: os(r, "skip_reason")?,
                        note: os(r, "note")?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            gestures: gestures
                .iter()
                .map(|r| gesture_view(r, &c.id, &person))
                .collect::<Result<_, _>>()?,
            handoffs: handoffs
                .iter()
                .map(|r| {
                    Ok(HandoffView {
                        id: s(r, "id")?,
                        from: person(s(r, "from_id")?),
                        to: person(s(r, "to_id")?),
                        reason: s(r, "reason")?,
                        status: parse(&s(r, "status")?, |v| {
                            serde_json::from_value(serde_json::Value::String(v.into())).ok()
                        })?,
                        created_at: rfc3339(i(r, "created_at")?),
                        decided_at: opt_rfc3339(oi(r, "decided_at")?),
                        decline_reason: os(r, "decline_reason")?,
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            verifications: verifs
                .iter()
                .map(|r| {
                    Ok(VerificationView {
                        verified_by: person(s(r, "verified_by")?),
                        method: parse(&s(r, "method")?, |v| {
                            serde_json::from_value(serde_json::Value::String(v.into())).ok()
                        })?,
                        customer_said: s(r, "customer_said")?,
                        satisfied: i(r, "satisfied")? != 0,
                        at: rfc3339(i(r, "created_at")?),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            timeline: events
                .iter()
                .map(|r| {
                    Ok(TimelineEntry {
                        id: s(r, "id")?,
                        at: rfc3339(i(r, "at")?),
                        actor: os(r, "actor_id")?.map(&person),
                        event: parse(&s(r, "event")?, |v| {
                            serde_json::from_value(serde_json::Value::String(v.into())).ok()
                        })?,
                        data: serde_json::from_str(&s(r, "data")?)
                            .unwrap_or(serde_json::Value::Null),
                    })
                })
                .collect::<Result<_, StoreError>>()?,
            follow_ups,
            customer_opted_out,
            my_remaining_authority_cents: remaining.left.map(|c| c.0),
            my_authority: remaining.into(),
        })
    }

    /// What the actor may still give on this case without approval, and the limit that binds (for display:
    /// the limits may be a few seconds old, see `cache`; deciding a gesture reads them afresh).
    /// `new_case`: nothing was given on it yet.
    pub(crate) async fn remaining_authority(
        &self,
        actor: &Actor,
        c: &CaseRow,
        location: &crate::store::Location,
        now: Timestamp,
        new_case: bool,
    ) -> Result<authority::Room, StoreError> {
        let role = actor.require_on(Permission::Read, &c.location_id, "case")?;
        let limit = self.limits_cached(&c.location_id).await?.for_role(role);
        if limit.per_day_cents.is_none() && (new_case || limit.per_case_cents.is_none()) {
            // Nothing given counts against this limit: no need to add it up.
            return Ok(authority::room(limit, Given::default()));
        }
        let given = self
            .given(None, &actor.staff_id, &c.id, location, now)
            .await?;
        Ok(authority::room(limit, given))
    }

    /// What a person has used of their authority on a case and on the location-local day of `now`, in the
    /// location's currency (the rule: `domain::authority::ledger`). Inside a write transaction pass it:
    /// waiting for a second pool connection while holding one can exhaust the pool.
    pub(crate) async fn given(
        &self,
        tx: Option<&mut crate::db::Tx>,
        staff_id: &str,
        case_id: &str,
        location: &crate::store::Location,
        now: Timestamp,
    ) -> Result<Given, StoreError> {
        let (start, end) = ledger::day_window(now, &location.tz);
        let q = Query::select()
            .columns([
                "case_id",
                "value_cents",
                "currency",
                "charged_to",
                "charged_at",
                "charged_on_case",
            ])
            .from("gestures")
            .and_where(Expr::col("charged_to").eq(staff_id))
            .and_where(Expr::col("currency").eq(location.currency.to_string()))
            .cond_where(
                Cond::any().add(Expr::col("case_id").eq(case_id)).add(
                    Cond::all()
                        .add(Expr::col("charged_at").gte(ms(start)))
                        .add(Expr::col("charged_at").lt(ms(end))),
                ),
            )
            .to_owned();
        let rows = match tx {
            Some(tx) => tx.fetch_all(&q).await?,
            None => self.db.fetch_all(&q).await?,
        };
        let rows = rows
            .iter()
            .map(|r| {
                Ok((
                    s(r, "case_id")?,
                    s(r, "currency")?,
                    s(r, "charged_to")?,
                    i(r, "charged_at")?,
                    i(r, "charged_on_case")? != 0,
                    Cents(i(r, "value_cents")?),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let entries = rows
            .iter()
            .map(|(case, cur, to, at, on_case, v)| ledger::Charged {
                to,
                case_id: case,
                at: crate::rows::from_ms(*at),
                on_case: *on_case,
                value: *v,
                currency: cur,
            });
        Ok(ledger::used(
            entries,
            staff_id,
            case_id,
            location.currency.as_str(),
            location.local_date(now),
            &location.tz,
        ))
    }
}
