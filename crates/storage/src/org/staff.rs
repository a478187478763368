//! Staff: adding someone with their roles, reading, listing and finding staff members.

use super::*;

/// The staff member an email or username names (compared trimmed and in lower case).
pub(crate) fn login_is(login: &str) -> sea_query::Condition {
    let login = login.trim().to_lowercase();
    sea_query::Cond::any()
        .add(Expr::col("email").eq(login.clone()))
        .add(Expr::col("username").eq(login))
}

impl Store {
    /// Add a staff member from the command line.
    pub async fn add_staff(
        &self,
        input: NewStaff,
        now: Timestamp,
    ) -> Result<StaffView, StoreError> {
        self.add_staff_by(&Actor::operator("olive"), input, now)
            .await
    }

    /// Add a staff member (the caller's permission is checked by the caller); audited as `by`.
    pub(crate) async fn add_staff_by(
        &self,
        by: &Actor,
        input: NewStaff,
        now: Timestamp,
    ) -> Result<StaffView, StoreError> {
        let mut errs = FieldErrors::default();
        errs.check(
            !input.name.trim().is_empty(),
            "name",
            "a staff member needs a name",
        );
        let (email, username) =
            sign_in_names(input.email.as_deref(), input.username.as_deref(), &mut errs);
        errs.into_result()?;
        for (loc, _) in &input.locations {
            self.location(loc)
                .await
                .map_err(|_| StoreError::field("locations", "unknown location"))?;
        }
        let id = new_id();
        let mut tx = self.db.begin().await?;
        let res = tx
            .execute(
                &Query::insert()
                    .into_table("staff")
                    .columns([
                        "id",
                        "name",
                        "email",
                        "username",
                        "is_admin",
                        "active",
                        "created_at",
                    ])
                    .values_panic([
                        id.clone().into(),
                        input.name.trim().into(),
                        email.clone().into(),
                        username.clone().into(),
                        i64::from(input.is_admin).into(),
                        1i64.into(),
                        ms(now).into(),
                    ])
                    .to_owned(),
            )
            .await;
        if crate::cases::is_unique_violation(&res) {
            return Err(StoreError::conflict(
                "already_exists",
                "a staff member with that email or username already exists",
            ));
        }
        res?;
        for (loc, role) in &input.locations {
            tx.execute(
                &Query::insert()
                    .into_table("staff_locations")
                    .columns(["staff_id", "location_id", "role"])
                    .values_panic([id.clone().into(), loc.clone().into(), role.as_str().into()])
                    .to_owned(),
            )
            .await?;
        }
        let detail = serde_json::json!({"name": input.name.trim(), "email": email, "username": username, "is_admin": input.is_admin, "locations": input.locations.iter().map(|(l, r)| serde_json::json!({"location_id": l, "role": r})).collect::<Vec<_>>()});
        tx.audit_staff(By::Staff(by), now, "staff.added", &id, detail)
            .await?;
        tx.commit().await?;
        self.staff_view(&id).await
    }

    pub async fn staff_view(&self, id: &str) -> Result<StaffView, StoreError> {
        let q = Query::select()
            .columns(["id", "name", "email", "username", "is_admin", "active"])
            .from("staff")
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("staff member"))?;
        let roles = self.roles_of(id).await?;
        Ok(StaffView {
            id: s(&row, "id")?,
            name: s(&row, "name")?,
            email: os(&row, "email")?,
            username: os(&row, "username")?,
            is_admin: i(&row, "is_admin")? != 0,
            active: i(&row, "active")? != 0,
            locations: roles
                .into_iter()
                .map(|(location_id, role)| LocationRole { location_id, role })
                .collect(),
        })
    }

    pub(super) async fn roles_of(&self, staff_id: &str) -> Result<Vec<(String, Role)>, StoreError> {
        let q = Query::select()
            .columns(["location_id", "role"])
            .from("staff_locations")
            .and_where(Expr::col("staff_id").eq(staff_id))
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    s(r, "location_id")?,
                    parse(&s(r, "role")?, |v| v.parse().ok())?,
                ))
            })
            .collect()
    }

    /// Staff who work at any of the caller's locations (admins: everyone).
    pub async fn list_staff(&self, actor: &Actor) -> Result<Vec<StaffView>, StoreError> {
        let mut q = Query::select()
            .distinct()
            .column(("s", "id"))
            .column(("s", "name"))
            .from_as("staff", "s")
            .to_owned();
        if let Some(scope) = actor.scope() {
            q.inner_join(
                sea_query::TableRef::Table("staff_locations".into(), Some("sl".into())),
                Expr::col(("sl", "staff_id")).equals(("s", "id")),
            )
            .and_where(Expr::col(("sl", "location_id")).is_in(scope));
        }
        q.order_by(("s", "name"), Order::Asc);
        let mut out = Vec::new();
        for r in self.db.fetch_all(&q).await? {
            out.push(self.staff_view(&s(&r, "id")?).await?);
        }
        Ok(out)
    }

    /// Find a staff member by email or username.
    pub async fn find_staff(&self, login: &str) -> Result<String, StoreError> {
        let q = Query::select()
            .column("id")
            .from("staff")
            .cond_where(login_is(login))
            .to_owned();
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("staff member"))?;
        s(&row, "id")
    }
}
