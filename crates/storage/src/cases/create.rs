//! Logging a defect: the case, its protocol instantiated with due instants, and the answer built from what was written.

use super::*;
use olive_domain::case::{assignment, logging};
use olive_domain::playbook::anchor;

/// A new case row, waiting only for its reference number.
struct NewCaseRow {
    id: String,
    location_id: String,
    playbook_code: String,
    defect_code: Option<String>,
    title: String,
    stage: String,
    severity: Severity,
    customer: ParsedCustomer,
    description: String,
    fields: olive_domain::FieldValues,
    /// `Open`, or further along when the reporter already did steps on the spot
    status: CaseStatus,
    /// when it was noticed, if the reporter said earlier than now
    noticed: Option<i64>,
    /// the reporter, who is also the owner
    owner_id: String,
    next_due: Option<i64>,
    now: i64,
}

impl NewCaseRow {
    /// The row's values, given its reference number.
    fn values(self, reference: i64) -> Vec<sea_query::Expr> {
        vec![
            self.id.into(),
            reference.into(),
            self.location_id.into(),
            self.playbook_code.into(),
            self.defect_code.into(),
            self.title.into(),
            self.stage.into(),
            self.severity.as_str().into(),
            self.status.as_str().into(),
            None::<String>.into(),
            self.customer.name.into(),
            self.customer.phone.into(),
            self.customer.email.into(),
            self.customer.address.into(),
            self.description.into(),
            self.owner_id.clone().into(),
            self.owner_id.into(),
            None::<String>.into(),
            None::<String>.into(),
            None::<String>.into(),
            0i64.into(),
            self.next_due.into(),
            // Steps done on the spot are the first action, taken as the case is logged.
            (self.status != CaseStatus::Open).then_some(self.now).into(),
            self.now.into(),
            self.now.into(),
            None::<i64>.into(),
            None::<i64>.into(),
            serde_json::to_string(&self.fields)
                .unwrap_or_else(|_| "{}".into())
                .into(),
            self.customer.preferred_name.into(),
            self.noticed.into(),
            self.customer.phone_display.into(),
        ]
    }
}

fn request_hash(input: &NewCase) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(input).unwrap_or_default(),
    ))
}

impl Store {
    /// Log a defect. The caller is the reporter and the owner. With an idempotency key, a retry returns the first case.
    pub async fn create_case(
        &self,
        actor: &Actor,
        input: NewCase,
        idempotency_key: Option<&str>,
        now: Timestamp,
    ) -> Result<(CaseDetail, bool), StoreError> {
        let mut errs = FieldErrors::default();
        let customer = parse_customer(&input.customer, &mut errs);
        errs.check(
            input.description.chars().count() <= 4000,
            "description",
            "the description is too long (4000 characters at most)",
        );
        errs.check(
            !input.location_id.trim().is_empty(),
            "location_id",
            "choose a location",
        );
        // Only a request with a key is compared with an earlier one.
        let hash = idempotency_key.map_or_else(String::new, |_| request_hash(&input));
        if let Some(key) = idempotency_key
            && let Some(existing) = self.idempotent(actor, "case", key, &hash).await?
        {
            return Ok((self.get_case(actor, &existing, now).await?, false));
        }
        // Unknown or foreign location: 422 naming the field (it is input, not a URL).
        let location =
            match actor.require_named(Permission::Create, &input.location_id, "location_id") {
                Ok(_) => self.location(&input.location_id).await.ok(),
                Err(StoreError::Validation { .. }) => None,
                Err(e) => return Err(e),
            };
        let Some(location) = location else {
            errs.add("location_id", crate::actor::NOT_YOURS);
            return Err(errs
                .into_result()
                .err()
                .unwrap_or(StoreError::NotFound("location")));
        };
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        need_name(&customer.name, &playbook, &mut errs);
        let noticed = match input
            .noticed_at
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None => None,
            Some(v) => match parse_time(v, &location)
                .ok_or_else(|| "enter a date and time, e.g. 2026-12-05T14:30".to_string())
                .and_then(|t| logging::check_noticed(Some(t), now))
            {
                Ok(t) => Some(t),
                Err(e) => {
                    errs.add("noticed_at", &e);
                    None
                }
            },
        };
        let fields = self
            .parse_fields(&playbook, &location, &input.fields, None, &mut errs)
            .await?;
        let (defect, stage): (Option<&Defect>, String) = if input.defect == "other" {
            match input
                .stage
                .as_deref()
                .filter(|s| playbook.stage(s).is_some())
            {
                Some(st) => (None, st.to_string()),
                None => {
                    errs.add(
                        "stage",
                        "for an 'other' defect, choose the stage of the visit it happened at",
                    );
                    (None, String::new())
                }
            }
        } else {
            match playbook.defect(&input.defect) {
                Some(d) => (Some(d), d.stage.clone()),
                None => {
                    errs.add(
                        "defect",
                        format!(
                            "'{}' is not a defect in the {} playbook",
                            input.defect, playbook.playbook.code
                        ),
                    );
                    (None, String::new())
                }
            }
        };
        let steps: Vec<StepTemplate> = defect
            .map(|d| d.steps.clone())
            .unwrap_or_else(other_protocol);
        let done_now = match logging::check_done_at_logging(&steps, &input.done_steps) {
            Ok(d) => d,
            Err(e) => {
                errs.add("done_steps", &e);
                Vec::new()
            }
        };
        errs.into_result()?;
        let done_at = noticed.unwrap_or(now);
        let status = olive_domain::case::status_from_steps(
            CaseStatus::Open,
            &steps
                .iter()
                .enumerate()
                .map(|(i, s)| olive_domain::case::StepState {
                    kind: s.kind,
                    status: if done_now.contains(&i) {
                        StepStatus::Done
                    } else {
                        StepStatus::Pending
                    },
                })
                .collect::<Vec<_>>(),
        );
        // Each step's due from its anchor; steps done on the spot count as done when it was noticed,
        // so the steps after them are due from then (domain::playbook::anchor).
        let timings = anchor::timings(&steps);
        let done_then: BTreeMap<u32, Timestamp> =
            done_now.iter().map(|i| (*i as u32 + 1, done_at)).collect();
        let moments = anchor::CaseMoments {
            noticed: done_at,
            logged: now,
        };
        let dues = anchor::plan_dues(&timings, moments, &location.calendar(), &done_then)
            .map_err(|e| StoreError::Config(format!("a deadline of this protocol: {e}")))?;
        let next_due = dues
            .iter()
            .enumerate()
            .filter(|(i, _)| !done_now.contains(i))
            .map(|(_, d)| *d)
            .min();
        let severity = input
            .severity
            .or(defect.map(|d| d.severity))
            .unwrap_or(Severity::Minor);
        let title = defect.map_or_else(|| "Other".to_string(), |d| d.title.clone());
        let id = new_id();
        let step_ids: Vec<String> = steps.iter().map(|_| new_id()).collect();
        let entry_id = new_id();
        let mut created_data = serde_json::json!({"defect": defect.map(|d| d.code.as_str()).unwrap_or("other"), "stage": stage, "severity": severity, "owner": actor.staff_id});
        if let Some(n) = noticed {
            created_data["noticed_at"] = serde_json::json!(rfc3339(ms(n)));
        }
        if !done_now.is_empty() {
            created_data["done_on_the_spot"] =
                serde_json::json!(done_now.iter().map(|i| i + 1).collect::<Vec<_>>());
        }
        // The new case as it will read back, so the answer needs no second trip to the database.
        let mut created = CaseRow {
            id: id.clone(),
            reference: 0,
            location_id: location.id.clone(),
            defect_code: defect.map(|d| d.code.clone()),
            defect_title: title.clone(),
            stage_code: stage.clone(),
            severity,
            status,
            outcome: None,
            customer: Customer {
                name: customer.name.clone(),
                phone: customer.phone.clone(),
                email: customer.email.clone(),
                address: customer.address.clone(),
                preferred_name: customer.preferred_name.clone(),
                phone_display: customer.phone_display.clone(),
            },
            description: input.description.trim().to_string(),
            reporter_id: actor.staff_id.clone(),
            owner_id: actor.staff_id.clone(),
            root_cause: None,
            prevention_note: None,
            status_reason: None,
            handoff_count: 0,
            next_due_at: next_due.map(ms),
            created_at: ms(now),
            updated_at: ms(now),
            closed_at: None,
            escalated_at: None,
            fields: fields.clone(),
            noticed_at: ms(done_at),
            reopen_count: 0,
        };

        // Everything but the reference is known now; the writer assigns it in the transaction.
        let row = NewCaseRow {
            id: id.clone(),
            location_id: location.id.clone(),
            playbook_code: location.playbook_code.clone(),
            defect_code: defect.map(|d| d.code.clone()),
            title,
            stage: stage.clone(),
            severity,
            customer,
            description: input.description.trim().to_string(),
            fields,
            status,
            noticed: noticed.map(ms),
            owner_id: actor.staff_id.clone(),
            next_due: next_due.map(ms),
            now: ms(now),
        };
        // Whose each step is: the case's provider, the reporter (who owns the case) where they hold
        // the step's role, else the role's queue.
        let provider = playbook
            .field_for(olive_domain::script::Placeholder::Provider)
            .filter(|f| f.kind == olive_domain::FieldKind::Staff)
            .and_then(|f| row.fields.get(&f.key).cloned());
        let me = crate::actions::assign::person_of(actor, &location.id);
        let assignees: Vec<Option<&str>> = steps
            .iter()
            .map(|st| assignment::assign_at_logging(st.owner, me, provider.as_deref()))
            .collect();
        let write = crate::writer::CaseWrite {
            case: Box::new(move |reference| row.values(reference)),
            steps: steps
                .iter()
                .zip(&dues)
                .enumerate()
                .map(|(pos, (st, due))| {
                    let done = done_now
                        .contains(&pos)
                        .then_some((actor.staff_id.as_str(), done_at));
                    let at = (pos as i64 + 1, timings[pos].anchor);
                    step_values(&step_ids[pos], &id, at, st, *due, done, assignees[pos])
                })
                .collect(),
            timeline: timeline_values(
                &entry_id,
                &id,
                now,
                Some(&actor.staff_id),
                CaseEvent::Created,
                created_data.clone(),
            ),
            audit: crate::audit::audit_values(
                crate::audit::By::Staff(actor),
                now,
                &case_action(CaseEvent::Created),
                crate::audit::Target::new("case", &id, Some(&location.id)),
                &created_data,
            ),
            contacts: crate::followup::contact_keys(&created),
            idempotency: idempotency_key
                .map(|key| idempotency_insert(actor, "case", key, &hash, &id, now)),
            prevention: crate::prevention::Opening::for_case(&location.id, defect)
                .map(|o| (id.clone(), o)),
            event: {
                let (location_id, case_id) = (location.id.clone(), id.clone());
                let data = created_data.clone();
                Box::new(move |reference| {
                    let mut data = data;
                    data["case_id"] = serde_json::json!(case_id);
                    data["ref"] = serde_json::json!(format!("C-{reference}"));
                    (location_id, Some(case_id), data)
                })
            },
            now,
        };
        let res = self.writer.write(&self.db, write).await;
        if let Some(key) = idempotency_key
            && is_unique_violation(&res)
        {
            // A concurrent retry with the same key won the race: answer with its resource.
            return match self.idempotent(actor, "case", key, &hash).await? {
                Some(existing) => Ok((self.get_case(actor, &existing, now).await?, false)),
                None => Err(StoreError::IdempotencyReused),
            };
        }
        let written = res?;
        created.reference = written.reference;
        // A critical case tells the location's managers now (domain::alerts::severity).
        self.severity_alert_logged(actor, &created, now).await?;
        let me = PersonRef {
            id: actor.staff_id.clone(),
            name: actor.name.clone(),
        };
        let mut names = self.names(staff_in_fields(&created, &playbook)).await?;
        names.insert(me.id.clone(), me.name.clone());
        let scene = Scene::new(&created, &playbook, &location, &names);
        // Who says each step's words: who did it on the spot, its assignee, or nobody yet.
        let speakers: Vec<&str> = steps
            .iter()
            .enumerate()
            .map(|(pos, t)| {
                let assignee = assignees[pos]
                    .and_then(|id| names.get(id))
                    .map(String::as_str);
                let done = done_now.contains(&pos).then_some(actor.name.as_str());
                crate::actions::assign::speaker(done, assignee, actor, t.owner.role(), &location.id)
            })
            .collect();
        let room = self
            .remaining_authority(actor, &created, &location, now, true)
            .await?;
        let detail = CaseDetail {
            summary: Self::summary(&created, &names, now, Some(&playbook)),
            case_fields: scene.fields.clone(),
            customer_noun: playbook.playbook.customer_noun.clone(),
            currency: location.currency.to_string(),
            root_cause: None,
            prevention_note: None,
            status_reason: None,
            steps: steps
                .iter()
                .zip(&dues)
                .zip(step_ids)
                .enumerate()
                .map(|(pos, ((t, due), step_id))| StepView {
                    id: step_id,
                    position: pos as i64 + 1,
                    title: t.title.clone(),
                    kind: t.kind,
                    owner_role: t.owner.role(),
                    for_provider: t.owner == olive_domain::playbook::StepOwner::Provider,
                    owner_label: playbook.owner_label(t.owner),
                    assignee: assignees[pos].map(|id| PersonRef {
                        id: id.to_string(),
                        name: names.get(id).cloned().unwrap_or_default(),
                    }),
                    due_rule: t.due.to_string(),
                    due_at: rfc3339(ms(*due)),
                    overdue: !done_now.contains(&pos) && ms(*due) < ms(now),
                    wording: t.say().to_string(),
                    say: scene.render(t.say(), speakers[pos]),
                    write: scene.render(&t.write, speakers[pos]),
                    gesture_code: t.gesture.clone(),
                    gesture_id: None,
                    status: if done_now.contains(&pos) {
                        StepStatus::Done
                    } else {
                        StepStatus::Pending
                    },
                    done_by: done_now.contains(&pos).then(|| me.clone()),
                    done_at: done_now.contains(&pos).then(|| rfc3339(ms(done_at))),
                    skip_reason: None,
                    note: None,
                })
                .collect(),
            gestures: Vec::new(),
            handoffs: Vec::new(),
            verifications: Vec::new(),
            timeline: vec![TimelineEntry {
                id: entry_id,
                at: rfc3339(ms(now)),
                actor: Some(me),
                event: CaseEvent::Created,
                data: created_data,
            }],
            follow_ups: Vec::new(),
            customer_opted_out: written.opted_out,
            my_remaining_authority_cents: room.left.map(|c| c.0),
            my_authority: room.into(),
        };
        Ok((detail, true))
    }

    /// The resource a key already produced, if the body matches; `IdempotencyReused` if it does not.
    pub(crate) async fn idempotent(
        &self,
        actor: &Actor,
        scope: &str,
        key: &str,
        hash: &str,
    ) -> Result<Option<String>, StoreError> {
        let q = Query::select()
            .columns(["request_hash", "resource_id"])
            .from("idempotency")
            .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
            .and_where(Expr::col("scope").eq(scope))
            .and_where(Expr::col("key").eq(key))
            .to_owned();
        match self.db.fetch_optional(&q).await? {
            Some(r) if s(&r, "request_hash")? == hash => Ok(Some(s(&r, "resource_id")?)),
            Some(_) => Err(StoreError::IdempotencyReused),
            None => Ok(None),
        }
    }
}

/// The protocol for a defect not in the playbook (`other`): acknowledge, fix, verify.
pub fn other_protocol() -> Vec<StepTemplate> {
    olive_domain::playbook::protocols::other()
}
