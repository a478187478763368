//! Set-up without a terminal: edit a location, deactivate staff (their open cases are reassigned), reset secrets,
//! edit a playbook step, and the hand-offs waiting for someone's answer.

use crate::actor::Actor;
use crate::audit::{By, Target};
use crate::auth::Secret;
use crate::cases::{case_from_row, case_select};
use crate::error::{FieldErrors, StoreError};
use crate::rows::{ms, s};
use crate::store::Store;
use crate::views::CaseSummary;
use jiff::Timestamp;
use jiff::civil::Date;
use olive_domain::case::{CaseEvent, CaseStatus};
use olive_domain::deadline::{DayHours, DeadlineRule};
use olive_domain::money::Currency;
use olive_domain::permission::Permission;
use olive_domain::playbook::Playbook;
use olive_domain::role::Role;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;
use std::collections::BTreeSet;

/// New settings for a location.
pub struct LocationUpdate {
    pub timezone: String,
    pub currency: String,
    pub hours: [Option<DayHours>; 7],
    pub closed: BTreeSet<Date>,
}

/// A defect added from the playbook editor.
pub struct NewDefect {
    pub code: String,
    pub stage: String,
    pub title: String,
    pub severity: olive_domain::playbook::Severity,
    /// comma-separated words the front desk may type
    pub keywords: String,
}

/// A change to one step of a playbook's protocol.
pub struct StepUpdate {
    pub defect: String,
    /// 0-based position in the protocol
    pub index: usize,
    pub due: String,
    pub owner: String,
    pub wording: String,
}

/// A new staff member at one location, with optional sign-in secrets.
pub struct StaffInput {
    pub name: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub location_id: String,
    pub role: Role,
    pub password: Option<String>,
    pub pin: Option<String>,
}

impl Store {
    /// Add someone at a location: managers add front desk and team members, admins add managers too.
    /// Secrets are checked before anything is stored.
    pub async fn create_staff(
        &self,
        actor: &Actor,
        input: StaffInput,
        now: Timestamp,
    ) -> Result<crate::views::StaffView, StoreError> {
        actor.require_named(Permission::Configure, &input.location_id, "location_id")?;
        match input.role {
            Role::Admin => {
                return Err(StoreError::field(
                    "role",
                    "an admin is organisation-wide; use `olive user add --admin`",
                ));
            }
            Role::Manager => actor.require_org(Permission::Administer)?,
            _ => {}
        }
        let nz = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
        let (password, pin) = (nz(input.password), nz(input.pin));
        if let Some(p) = &password {
            crate::auth::check_password(p)?;
        }
        if let Some(p) = &pin {
            crate::auth::check_pin(p)?;
        }
        let new = crate::org::NewStaff {
            name: input.name,
            email: nz(input.email),
            username: nz(input.username),
            is_admin: false,
            locations: vec![(input.location_id, input.role)],
        };
        let s = self.add_staff_by(actor, new, now).await?;
        if let Some(p) = &password {
            self.set_secret(actor, &s.id, Secret::Password(p), "staff.password_set")
                .await?;
        }
        if let Some(p) = &pin {
            self.set_secret(actor, &s.id, Secret::Pin(p), "staff.pin_set")
                .await?;
        }
        Ok(s)
    }

    pub async fn update_location(
        &self,
        actor: &Actor,
        id: &str,
        u: LocationUpdate,
    ) -> Result<(), StoreError> {
        actor.require(Permission::Configure, id)?;
        let mut errs = FieldErrors::default();
        errs.check(
            jiff::tz::TimeZone::get(&u.timezone).is_ok(),
            "timezone",
            "unknown time zone (use a name like Australia/Sydney)",
        );
        errs.check(
            u.currency.parse::<Currency>().is_ok(),
            "currency",
            "use a three-letter currency code such as AUD",
        );
        for h in u.hours.iter().flatten() {
            errs.check(
                h.close > h.open,
                "hours",
                "closing time must be after opening time",
            );
        }
        errs.check(
            u.hours.iter().any(Option::is_some),
            "hours",
            "a location needs at least one open day",
        );
        errs.into_result()?;
        let hours =
            serde_json::to_string(&u.hours).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let closed =
            serde_json::to_string(&u.closed).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let before = self.location(id).await?;
        let after = serde_json::json!({"timezone": u.timezone, "currency": u.currency.to_ascii_uppercase(), "hours": u.hours, "closed": u.closed});
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::update()
                .table("locations")
                .values([
                    ("timezone", u.timezone.into()),
                    ("currency", u.currency.to_ascii_uppercase().into()),
                    ("hours", hours.into()),
                    ("closed_dates", closed.into()),
                ])
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        tx.audit(
            By::Staff(actor),
            jiff::Timestamp::now(),
            "location.settings_changed",
            Target::new("location", id, Some(id)),
            serde_json::json!({"from": {"timezone": before.tz_name, "currency": before.currency.to_string(), "hours": before.hours, "closed": before.closed}, "to": after}),
        )
        .await?;
        tx.commit().await?;
        self.settings.clear();
        Ok(())
    }

    /// May the actor manage this staff member (an admin, or a manager at one of their locations)?
    async fn require_manage_staff(
        &self,
        actor: &Actor,
        staff_id: &str,
    ) -> Result<crate::views::StaffView, StoreError> {
        let target = self.staff_view(staff_id).await?;
        if actor.is_admin {
            return Ok(target);
        }
        if target.is_admin {
            actor.require_org(Permission::Administer)?;
        }
        let configures =
            |l: &crate::views::LocationRole| actor.may(Permission::Configure, &l.location_id);
        // Someone who works at none of the caller's locations is not there to see (404).
        if !target
            .locations
            .iter()
            .any(|l| actor.role_at(&l.location_id).is_some())
        {
            return Err(StoreError::NotFound("staff member"));
        }
        if !target.locations.iter().any(configures) {
            return Err(StoreError::Forbidden(Permission::Configure.refusal()));
        }
        // Someone who also works elsewhere is managed by an admin (a manager's reach ends at their locations).
        if !target.locations.iter().all(configures) {
            return Err(StoreError::Forbidden(
                "this person also works at a location you do not manage; an admin can change them"
                    .into(),
            ));
        }
        if target.locations.iter().any(|l| l.role == Role::Manager) && target.id != actor.staff_id {
            actor.require_org(Permission::Administer)?;
        }
        Ok(target)
    }

    pub async fn reset_password(
        &self,
        actor: &Actor,
        staff_id: &str,
        password: &str,
    ) -> Result<(), StoreError> {
        self.require_manage_staff(actor, staff_id).await?;
        self.set_secret(
            actor,
            staff_id,
            Secret::Password(password),
            "staff.password_reset",
        )
        .await?;
        // A reset password ends every session the person had.
        self.end_sessions_of(staff_id, None).await?;
        Ok(())
    }

    pub async fn reset_pin(
        &self,
        actor: &Actor,
        staff_id: &str,
        pin: &str,
    ) -> Result<(), StoreError> {
        self.require_manage_staff(actor, staff_id).await?;
        self.set_secret(actor, staff_id, Secret::Pin(pin), "staff.pin_reset")
            .await
    }

    /// Deactivate someone: they can no longer sign in, their sessions and tokens end, and their open
    /// cases move to the person deactivating them (recorded on each case's timeline). Returns how many moved.
    pub async fn deactivate_staff(
        &self,
        actor: &Actor,
        staff_id: &str,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        self.require_manage_staff(actor, staff_id).await?;
        if staff_id == actor.staff_id {
            return Err(StoreError::field("staff", "you cannot deactivate yourself"));
        }
        let active = [
            CaseStatus::Open.as_str(),
            CaseStatus::InProgress.as_str(),
            CaseStatus::AwaitingVerification.as_str(),
        ];
        let mut tx = self.db.begin().await?;
        let rows = tx
            .fetch_all(
                &case_select()
                    .and_where(Expr::col("owner_id").eq(staff_id))
                    .and_where(Expr::col("status").is_in(active))
                    .to_owned(),
            )
            .await?;
        for r in &rows {
            let c = case_from_row(r)?;
            tx.execute(
                &Query::update()
                    .table("cases")
                    .value("owner_id", actor.staff_id.clone())
                    .value("updated_at", ms(now))
                    .and_where(Expr::col("id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?;
            tx.case_event(&c.id, &c.location_id, now, By::Staff(actor), CaseEvent::OwnerChanged, json!({"from": staff_id, "to": actor.staff_id, "reason": "previous owner deactivated"})).await?;
        }
        // Hand-offs waiting on (or from) the person are declined, so the cases can be handed on again.
        let pending = tx
            .fetch_all(
                &Query::select()
                    .columns([("h", "id"), ("h", "case_id")])
                    .column(("c", "location_id"))
                    .from_as("handoffs", "h")
                    .inner_join(
                        sea_query::TableRef::Table("cases".into(), Some("c".into())),
                        Expr::col(("c", "id")).equals(("h", "case_id")),
                    )
                    .and_where(Expr::col(("h", "status")).eq("proposed"))
                    .cond_where(
                        Expr::col(("h", "to_id"))
                            .eq(staff_id)
                            .or(Expr::col(("h", "from_id")).eq(staff_id)),
                    )
                    .to_owned(),
            )
            .await?;
        for h in &pending {
            tx.execute(
                &Query::update()
                    .table("handoffs")
                    .values([
                        ("status", "declined".into()),
                        ("decided_at", ms(now).into()),
                        ("decline_reason", "staff member deactivated".into()),
                    ])
                    .and_where(Expr::col("id").eq(s(h, "id")?))
                    .to_owned(),
            )
            .await?;
            tx.case_event(
                &s(h, "case_id")?,
                &s(h, "location_id")?,
                now,
                By::Staff(actor),
                CaseEvent::HandoffDeclined,
                json!({"handoff_id": s(h, "id")?, "reason": "staff member deactivated"}),
            )
            .await?;
        }
        tx.execute(
            &Query::update()
                .table("staff")
                .value("active", 0)
                .and_where(Expr::col("id").eq(staff_id))
                .to_owned(),
        )
        .await?;
        tx.execute(
            &Query::delete()
                .from_table("sessions")
                .and_where(Expr::col("staff_id").eq(staff_id))
                .to_owned(),
        )
        .await?;
        tx.execute(
            &Query::update()
                .table("api_tokens")
                .value("revoked_at", ms(now))
                .and_where(Expr::col("staff_id").eq(staff_id))
                .and_where(Expr::col("revoked_at").is_null())
                .to_owned(),
        )
        .await?;
        tx.audit_staff(
            By::Staff(actor),
            now,
            "staff.deactivated",
            staff_id,
            json!({"cases_moved_to": actor.staff_id, "cases_moved": rows.len(), "handoffs_declined": pending.len()}),
        )
        .await?;
        tx.commit().await?;
        self.tokens.clear();
        Ok(rows.len())
    }

    /// Cases with a hand-off waiting for the actor's answer.
    pub async fn handoffs_offered_to(
        &self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        let ids: Vec<String> = self
            .db
            .fetch_all(
                &Query::select()
                    .column("case_id")
                    .from("handoffs")
                    .and_where(Expr::col("to_id").eq(actor.staff_id.clone()))
                    .and_where(Expr::col("status").eq("proposed"))
                    .to_owned(),
            )
            .await?
            .iter()
            .map(|r| s(r, "case_id"))
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.scoped_summaries(
            actor,
            crate::cases::case_select_named()
                .and_where(Expr::col("id").is_in(ids))
                .to_owned(),
            now,
        )
        .await
    }

    /// Edit a staff member's name, email, username and role at a location.
    pub async fn update_staff(
        &self,
        actor: &Actor,
        staff_id: &str,
        input: StaffInput,
    ) -> Result<crate::views::StaffView, StoreError> {
        let target = self.require_manage_staff(actor, staff_id).await?;
        actor.require_named(Permission::Configure, &input.location_id, "location_id")?;
        if input.role == Role::Admin {
            return Err(StoreError::field(
                "role",
                "an admin is organisation-wide; use `olive user add --admin`",
            ));
        }
        if input.role == Role::Manager {
            actor.require_org(Permission::Administer)?;
        }
        let mut errs = FieldErrors::default();
        errs.check(
            !input.name.trim().is_empty(),
            "name",
            "a staff member needs a name",
        );
        let (email, username) =
            crate::org::sign_in_names(input.email.as_deref(), input.username.as_deref(), &mut errs);
        errs.into_result()?;
        let mut tx = self.db.begin().await?;
        let res = tx
            .execute(
                &Query::update()
                    .table("staff")
                    .values([
                        ("name", input.name.trim().into()),
                        ("email", email.clone().into()),
                        ("username", username.clone().into()),
                    ])
                    .and_where(Expr::col("id").eq(staff_id))
                    .to_owned(),
            )
            .await;
        if crate::cases::is_unique_violation(&res) {
            return Err(StoreError::conflict(
                "already_exists",
                "another staff member has that email or username",
            ));
        }
        res?;
        if !target.is_admin {
            tx.execute(
                &Query::update()
                    .table("staff_locations")
                    .value("role", input.role.as_str())
                    .and_where(Expr::col("staff_id").eq(staff_id))
                    .and_where(Expr::col("location_id").eq(input.location_id.clone()))
                    .to_owned(),
            )
            .await?;
        }
        let role_before = target
            .locations
            .iter()
            .find(|l| l.location_id == input.location_id)
            .map(|l| l.role);
        tx.audit_staff(
            By::Staff(actor),
            jiff::Timestamp::now(),
            "staff.changed",
            staff_id,
            json!({
                "from": {"name": target.name, "email": target.email, "username": target.username, "role": role_before},
                "to": {"name": input.name.trim(), "email": email, "username": username, "role": (!target.is_admin).then_some(input.role)},
                "location_id": input.location_id,
            }),
        )
        .await?;
        tx.commit().await?;
        self.tokens.clear();
        self.staff_view(staff_id).await
    }

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
            p.defect(&defect.code).is_none(),
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
                owner: Role::FrontDesk,
                due: due
                    .parse()
                    .map_err(|_| StoreError::Corrupt("rule".into()))?,
                wording: wording.into(),
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
        let before = p.defects.len();
        p.defects.retain(|d| d.code != defect);
        if p.defects.len() == before {
            return Err(StoreError::NotFound("defect"));
        }
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
        let owner = u.owner.parse::<Role>();
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
        let from =
            json!({"due": step.due.to_string(), "owner": step.owner, "wording": step.wording});
        if let (Ok(due), Ok(owner)) = (due, owner) {
            step.due = due;
            step.owner = owner;
        }
        step.wording = u.wording.trim().to_string();
        let to = json!({"due": step.due.to_string(), "owner": step.owner, "wording": step.wording});
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
}
