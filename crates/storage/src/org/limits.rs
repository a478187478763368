//! Authority limits: reading a location's limits per role and replacing them.

use super::*;

impl Store {
    pub async fn limits(
        &self,
        actor: &Actor,
        location_id: &str,
    ) -> Result<Vec<LimitView>, StoreError> {
        actor.require(Permission::Read, location_id)?;
        let limits = self.limits_at(location_id).await?;
        Ok(Role::ALL
            .iter()
            .map(|&role| {
                let l = limits.for_role(role);
                LimitView {
                    role,
                    per_case_cents: l.per_case_cents.map(|c| c.0),
                    per_day_cents: l.per_day_cents.map(|c| c.0),
                }
            })
            .collect())
    }

    pub(crate) async fn limits_at(&self, location_id: &str) -> Result<AuthorityLimits, StoreError> {
        let q = Query::select()
            .columns(["role", "per_case_cents", "per_day_cents"])
            .from("authority_limits")
            .and_where(Expr::col("location_id").eq(location_id))
            .to_owned();
        let mut out = Vec::new();
        for r in self.db.fetch_all(&q).await? {
            let role: Role = parse(&s(&r, "role")?, |v| v.parse().ok())?;
            out.push((
                role,
                AuthorityLimit {
                    per_case_cents: oi(&r, "per_case_cents")?.map(Cents),
                    per_day_cents: oi(&r, "per_day_cents")?.map(Cents),
                },
            ));
        }
        Ok(AuthorityLimits(out))
    }

    /// Replace limits for the given roles. Managers may not change the manager or admin rows (nobody raises their own limit).
    pub async fn set_limits(
        &self,
        actor: &Actor,
        location_id: &str,
        limits: &[LimitView],
    ) -> Result<Vec<LimitView>, StoreError> {
        let role = actor.require(Permission::Configure, location_id)?;
        let mut errs = FieldErrors::default();
        for l in limits {
            let field = l.role.as_str();
            errs.check(
                l.per_case_cents.is_none_or(|v| v >= 0) && l.per_day_cents.is_none_or(|v| v >= 0),
                field,
                "limits cannot be negative",
            );
            errs.check(l.role != Role::Admin, field, "admins are unlimited");
            if role != Role::Admin && matches!(l.role, Role::Manager | Role::Admin) {
                return Err(StoreError::Forbidden(
                    "only an admin can change the managers' limits".into(),
                ));
            }
        }
        errs.into_result()?;
        let before = self.limits(actor, location_id).await?;
        let mut tx = self.db.begin().await?;
        let changed: Vec<serde_json::Value> = limits
            .iter()
            .map(|l| {
                let was = before.iter().find(|b| b.role == l.role);
                serde_json::json!({
                    "role": l.role,
                    "from": was.map(|b| serde_json::json!({"per_case_cents": b.per_case_cents, "per_day_cents": b.per_day_cents})),
                    "to": {"per_case_cents": l.per_case_cents, "per_day_cents": l.per_day_cents},
                })
            })
            .collect();
        tx.audit(
            By::Staff(actor),
            Timestamp::now(),
            "limits.changed",
            Target::new("location", location_id, Some(location_id)),
            serde_json::json!({ "limits": changed }),
        )
        .await?;
        for l in limits {
            let limit = AuthorityLimit {
                per_case_cents: l.per_case_cents.map(Cents),
                per_day_cents: l.per_day_cents.map(Cents),
            };
            tx.execute(&limit_insert(location_id, l.role, limit))
                .await?;
        }
        tx.commit().await?;
        self.changed(crate::store::changes::Change::Settings).await;
        self.limits(actor, location_id).await
    }
}
