//! Managing staff without a terminal: adding and editing someone, resetting their secrets, deactivating them (their open cases are reassigned).

use super::*;

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
        // Their open steps wait in their roles' queues for someone else to take.
        self.return_steps_of(&mut tx, staff_id, actor, now).await?;
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
        self.changed(crate::store::changes::Change::People).await;
        Ok(rows.len())
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
        self.changed(crate::store::changes::Change::People).await;
        self.staff_view(staff_id).await
    }
}
