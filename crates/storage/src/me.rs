//! A person's own settings (for now: whether the monthly report is emailed to them), changed by
//! themselves only and audited.

use crate::actor::Actor;
use crate::audit::By;
use crate::error::StoreError;
use crate::rows::i;
use crate::store::Store;
use jiff::Timestamp;
use sea_query::{Expr, ExprTrait, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A person's own settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MySettings {
    /// email me the monthly report (managers: their locations'; admins: the group's)
    pub monthly_report: bool,
}

impl Store {
    /// The caller's own settings (404 for the command-line operator, who is nobody on the staff).
    pub async fn my_settings(&self, actor: &Actor) -> Result<MySettings, StoreError> {
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .column("monthly_report_opt_out")
                    .from("staff")
                    .and_where(Expr::col("id").eq(actor.staff_id.clone()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("staff member"))?;
        Ok(MySettings {
            monthly_report: i(&row, "monthly_report_opt_out")? == 0,
        })
    }

    /// Change the caller's own settings; a change is audited (`staff.settings_changed`).
    pub async fn set_my_settings(
        &self,
        actor: &Actor,
        new: MySettings,
        now: Timestamp,
    ) -> Result<MySettings, StoreError> {
        let old = self.my_settings(actor).await?;
        if old == new {
            return Ok(new);
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::update()
                .table("staff")
                .value("monthly_report_opt_out", i64::from(!new.monthly_report))
                .and_where(Expr::col("id").eq(actor.staff_id.clone()))
                .to_owned(),
        )
        .await?;
        tx.audit_staff(
            By::Staff(actor),
            now,
            "staff.settings_changed",
            &actor.staff_id,
            json!({"monthly_report": {"from": old.monthly_report, "to": new.monthly_report}}),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }
}
