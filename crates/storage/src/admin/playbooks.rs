//! Editing a playbook from the browser: adding and retiring defects, changing one protocol step, the
//! playbook-wide settings (words, role labels, gestures, case fields), and who may edit.

use super::*;

impl Store {
    /// Add a defect to a playbook with a starting protocol (acknowledge, put right, verify) to refine step by step.
    pub async fn add_defect(
        &self,
        actor: &Actor,
        code: &str,
        defect: NewDefect,
        now: Timestamp,
    ) -> Result<Playbook, StoreError> {
        self.require_playbook_editor(actor, code).await?;
        let mut p = (*self.playbook(code).await?).clone();
        let mut errs = FieldErrors::default();
        errs.check(
            p.defect(&defect.code).is_none()
                && !p.retired_defects.iter().any(|d| d.code == defect.code),
            "code",
            "a defect with that code already exists",
        );
        errs.check(
            p.stage(&defect.stage).is_some(),
            "stage",
            "choose a stage of the cycle",
        );
        errs.check(
            !defect.title.trim().is_empty(),
            "title",
            "give the defect a title",
        );
        errs.into_result()?;
        let step = |title: &str,
                    kind,
                    due: &str,
                    wording: &str|
         -> Result<olive_domain::playbook::StepTemplate, StoreError> {
            Ok(olive_domain::playbook::StepTemplate {
                title: title.into(),
                kind,
                owner: Role::FrontDesk.into(),
                anchor: None,
                due: due
                    .parse()
                    .map_err(|_| StoreError::Corrupt("rule".into()))?,
                say: wording.into(),
                write: String::new(),
                wording: String::new(),
                gesture: None,
            })
        };
        use olive_domain::playbook::StepKind;
        p.defects.push(olive_domain::playbook::Defect {
            code: defect.code.trim().to_string(),
            stage: defect.stage,
            title: defect.title.trim().to_string(),
            severity: defect.severity,
            keywords: defect
                .keywords
                .split(',')
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .collect(),
            prevention: String::new(),
            early_detection: String::new(),
            gestures: Vec::new(),
            steps: vec![
                step(
                    "Acknowledge and apologise",
                    StepKind::Acknowledge,
                    "PT10M",
                    "I'm sorry this happened. I'll look after it myself, right now.",
                )?,
                step("Put it right", StepKind::Fix, "same_day 17:00", "")?,
                step(
                    "Check the recovery hit home",
                    StepKind::Verify,
                    "next_business_day 12:00",
                    "I wanted to check that we put things right for you.",
                )?,
            ],
        });
        let detail = json!({"defect": defect.code.trim(), "stage": p.defects.last().map(|d| d.stage.clone()), "title": defect.title.trim()});
        self.store_playbook(actor, &p.to_toml(), now, "playbook.defect_added", detail)
            .await
    }

    /// Retire a defect: new cases can no longer choose it; cases already logged keep their protocol.
    pub async fn retire_defect(
        &self,
        actor: &Actor,
        code: &str,
        defect: &str,
        now: Timestamp,
    ) -> Result<Playbook, StoreError> {
        self.require_playbook_editor(actor, code).await?;
        let mut p = (*self.playbook(code).await?).clone();
        let at = p
            .defects
            .iter()
            .position(|d| d.code == defect)
            .ok_or(StoreError::NotFound("defect"))?;
        let gone = p.defects.remove(at);
        p.retired_defects.retain(|d| d.code != defect);
        p.retired_defects.push(gone);
        let detail = json!({ "defect": defect });
        self.store_playbook(actor, &p.to_toml(), now, "playbook.defect_retired", detail)
            .await
    }

    /// Change one protocol step (deadline, owner role, wording). Validated like an upload; applies to new cases only.
    pub async fn update_playbook_step(
        &self,
        actor: &Actor,
        code: &str,
        u: StepUpdate,
        now: Timestamp,
    ) -> Result<Playbook, StoreError> {
        self.require_playbook_editor(actor, code).await?;
        let mut p = (*self.playbook(code).await?).clone();
        let mut errs = FieldErrors::default();
        let due = u.due.parse::<DeadlineRule>();
        if let Err(e) = &due {
            errs.add("due", e.to_string());
        }
        let owner = u.owner.parse::<olive_domain::playbook::StepOwner>();
        if let Err(e) = &owner {
            errs.add("owner", e.clone());
        }
        errs.into_result()?;
        let step = p
            .defects
            .iter_mut()
            .find(|d| d.code == u.defect)
            .and_then(|d| d.steps.get_mut(u.index))
            .ok_or(StoreError::NotFound("step"))?;
        let from = json!({"due": step.due.to_string(), "owner": step.owner, "say": step.say(), "write": step.write});
        if let (Ok(due), Ok(owner)) = (due, owner) {
            step.due = due;
            step.owner = owner;
        }
        step.say = u.say.trim().to_string();
        step.write = u.write.trim().to_string();
        step.wording = String::new();
        let to = json!({"due": step.due.to_string(), "owner": step.owner, "say": step.say, "write": step.write});
        let detail = json!({"defect": u.defect, "step": u.index + 1, "from": from, "to": to});
        self.store_playbook(actor, &p.to_toml(), now, "playbook.step_changed", detail)
            .await
    }

    /// Admins, or a manager of a location that uses this playbook.
    pub async fn require_playbook_editor(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<(), StoreError> {
        if actor.is_admin {
            return Ok(());
        }
        for l in self.list_locations(actor).await? {
            if l.playbook == code && actor.may(Permission::EditPlaybook, &l.id) {
                return Ok(());
            }
        }
        Err(StoreError::Forbidden(Permission::EditPlaybook.refusal()))
    }

    /// Save a row's playbook-wide settings: the parts `settings` changes from `shown` (what the form
    /// was drawn with), validated with the whole playbook; nothing changes on error. With [`EditScope::All`] on the group's playbook, each part is also passed on to every
    /// location copy that still had it as the group had it. Returns how many copies took a part.
    pub async fn save_playbook_settings(
        &self,
        actor: &Actor,
        row: &super::PlaybookRow,
        shown: &olive_domain::playbook::settings::Settings,
        settings: &olive_domain::playbook::settings::Settings,
        scope: super::EditScope,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        use olive_domain::playbook::settings::Settings;
        let mut p = (*self.playbook(&row.code).await?).clone();
        let before = Settings::of(&p);
        settings.apply_changes(shown, &mut p);
        let detail = json!({"gestures": settings.gestures.len(), "case_fields": settings.case_fields.len(), "customer_noun": settings.customer_noun});
        self.save_playbook_row(
            actor,
            row,
            &p,
            now,
            "playbook.settings_changed",
            detail.clone(),
        )
        .await?;
        if scope != super::EditScope::All || row.location_id.is_some() {
            return Ok(0);
        }
        // A copy whose own defects no longer fit the change (a gesture it still offers was taken
        // out) keeps what it had.
        let pass = |c: &mut Playbook| {
            settings.pass_on(&before, c).any() && Playbook::from_toml(&c.to_toml()).is_ok()
        };
        self.pass_to_copies(actor, row, now, "playbook.settings_changed", &detail, pass)
            .await
    }
}
