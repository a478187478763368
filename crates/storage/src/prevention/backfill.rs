//! Upgrading to prevention actions: cases logged before migration 0015 join an action per
//! (location, defect), so the Prevention page starts with the history it already has.

use super::Opening;
use crate::error::StoreError;
use crate::rows::{ms, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::prevention::{self as rules, PreventionStatus};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

impl Store {
    /// Run at start-up: does nothing once any prevention action exists (every case with a defect
    /// opens or joins one), so it costs one read after the first time. Otherwise each (location,
    /// defect) with cases gets an open action from the playbook's prevention text, collecting them.
    /// Safe to run from several instances at once (the inserts do nothing on conflict).
    pub(crate) async fn backfill_prevention(&self, now: Timestamp) -> Result<usize, StoreError> {
        let any_action = self
            .db
            .fetch_optional(
                &Query::select()
                    .column("id")
                    .from("prevention_actions")
                    .limit(1)
                    .to_owned(),
            )
            .await?
            .is_some();
        if any_action {
            return Ok(0);
        }
        let pairs = self
            .db
            .fetch_all(
                &Query::select()
                    .distinct()
                    .columns(["location_id", "defect_code"])
                    .from("cases")
                    .and_where(Expr::col("defect_code").is_not_null())
                    .to_owned(),
            )
            .await?;
        let mut opened = 0;
        for r in &pairs {
            let (location_id, code) = (s(r, "location_id")?, s(r, "defect_code")?);
            let location = self.location(&location_id).await?;
            let playbook = self.playbook(&location.playbook_code).await?;
            // A defect since retired from the playbook still gets its action, under its code.
            let (title, prevention) = playbook
                .defect(&code)
                .map_or((code.clone(), String::new()), |d| {
                    (d.title.clone(), d.prevention.clone())
                });
            let opening = Opening {
                location_id: location_id.clone(),
                defect_code: code.clone(),
                prevention: rules::initial_text(&prevention, &title),
                defect_title: title,
            };
            let key = rules::open_key(&location_id, &code, PreventionStatus::Open)
                .ok_or_else(|| StoreError::Corrupt("an open action has a key".into()))?;
            let mut tx = self.db.begin().await?;
            tx.execute(&super::action_insert(&opening, &key, now))
                .await?;
            let link = Query::insert()
                .into_table("prevention_cases")
                .columns(["case_id", "action_id", "created_at"])
                .select_from(
                    Query::select()
                        .column(("c", "id"))
                        .column(("a", "id"))
                        .expr(Expr::val(ms(now)))
                        .from_as("cases", "c")
                        .from_as("prevention_actions", "a")
                        .and_where(Expr::col(("c", "location_id")).eq(location_id.clone()))
                        .and_where(Expr::col(("c", "defect_code")).eq(code.clone()))
                        .and_where(Expr::col(("a", "open_key")).eq(key))
                        .to_owned(),
                )
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
                .on_conflict(OnConflict::column("case_id").do_nothing().to_owned())
                .to_owned();
            tx.execute(&link).await?;
            tx.commit().await?;
            opened += 1;
        }
        Ok(opened)
    }
}
