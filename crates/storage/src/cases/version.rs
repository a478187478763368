//! A case's version: raised with every timeline entry (in the change's own transaction), read by the
//! case page's live updates, and checked by a form that carries the version it was shown with.

use super::*;

/// Where a case stands now, for a page that shows it: its version and its latest change.
#[derive(Debug, Clone)]
pub struct CaseVersion {
    pub case_id: String,
    pub version: i64,
    pub updated_at: i64,
    /// the latest timeline entry (who did what; a status change that followed is passed over), if any
    pub last: Option<TimelineEntry>,
}

impl Store {
    /// The case's version and its latest change (the caller must be able to read the case).
    pub async fn case_version(&self, actor: &Actor, key: &str) -> Result<CaseVersion, StoreError> {
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["id", "location_id", "version", "updated_at"])
                    .from("cases")
                    .cond_where(key_cond(key)?)
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        actor.require_on(Permission::Read, &s(&row, "location_id")?, "case")?;
        let case_id = s(&row, "id")?;
        let last = self
            .db
            .fetch_optional(
                &Query::select()
                    .columns(["id", "at", "actor_id", "event", "data"])
                    .from("timeline")
                    .and_where(Expr::col("case_id").eq(case_id.clone()))
                    // what a person did, not the status change that followed from it
                    .and_where(Expr::col("event").ne(CaseEvent::StatusChanged.as_str()))
                    .order_by("at", Order::Desc)
                    .order_by("id", Order::Desc)
                    .limit(1)
                    .to_owned(),
            )
            .await?;
        let last = match last {
            None => None,
            Some(r) => {
                let actor_id = os(&r, "actor_id")?;
                let names = self.names(actor_id.clone()).await?;
                Some(TimelineEntry {
                    id: s(&r, "id")?,
                    at: rfc3339(i(&r, "at")?),
                    actor: actor_id.map(|id| PersonRef {
                        name: match names.get(&id) {
                            Some(n) => n.clone(),
                            None if id == CUSTOMER => "The customer".into(),
                            None => String::new(),
                        },
                        id,
                    }),
                    event: parse(&s(&r, "event")?, |v| {
                        serde_json::from_value(serde_json::Value::String(v.into())).ok()
                    })?,
                    data: serde_json::from_str(&s(&r, "data")?).unwrap_or_default(),
                })
            }
        };
        Ok(CaseVersion {
            version: i(&row, "version")?,
            updated_at: i(&row, "updated_at")?,
            case_id,
            last,
        })
    }
}

/// Raise a case's version: every timeline entry does, in the change's transaction.
pub(crate) async fn bump(tx: &mut crate::db::Tx, case_id: &str) -> Result<(), StoreError> {
    tx.execute(
        &Query::update()
            .table("cases")
            .value("version", Expr::col("version").add(1))
            .and_where(Expr::col("id").eq(case_id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// A form shown with `expected` (the case's version then): refused as `stale` when the case changed
/// since, before anything is written. `None`: no check (the API without a version).
pub(crate) async fn expect(
    tx: &mut crate::db::Tx,
    case_id: &str,
    expected: Option<i64>,
) -> Result<(), StoreError> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let row = tx
        .fetch_optional(
            &Query::select()
                .column("version")
                .from("cases")
                .and_where(Expr::col("id").eq(case_id))
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound("case"))?;
    if i(&row, "version")? == expected {
        Ok(())
    } else {
        Err(StoreError::conflict(
            "stale",
            "someone else changed this case while you were on it",
        ))
    }
}
