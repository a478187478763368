//! Reading prevention actions: their rows, and their cases, root causes and people for the views.

use super::{PreventionCase, PreventionView, RootCauseCount};
use crate::error::StoreError;
use crate::rows::{i, oi, opt_rfc3339, os, parse, rfc3339, s};
use crate::store::Store;
use crate::views::PersonRef;
use olive_domain::case::{CaseStatus, RootCause};
use olive_domain::prevention::PreventionStatus;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use std::collections::{BTreeMap, HashMap};

/// A `prevention_actions` row.
pub(super) struct ActionRow {
    pub id: String,
    pub location_id: String,
    pub defect_code: String,
    pub defect_title: String,
    pub action: String,
    pub owner_id: Option<String>,
    pub due_on: Option<String>,
    pub status: PreventionStatus,
    pub notes: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
}

/// The select of every column `action_row` reads.
pub(super) fn action_select() -> SelectStatement {
    Query::select()
        .columns([
            "id",
            "location_id",
            "defect_code",
            "defect_title",
            "action",
            "owner_id",
            "due_on",
            "status",
            "notes",
            "created_at",
            "updated_at",
            "done_at",
            "done_by",
        ])
        .from("prevention_actions")
        .to_owned()
}

pub(super) fn action_row(r: &sqlx::any::AnyRow) -> Result<ActionRow, StoreError> {
    Ok(ActionRow {
        id: s(r, "id")?,
        location_id: s(r, "location_id")?,
        defect_code: s(r, "defect_code")?,
        defect_title: s(r, "defect_title")?,
        action: s(r, "action")?,
        owner_id: os(r, "owner_id")?,
        due_on: os(r, "due_on")?,
        status: parse(&s(r, "status")?, PreventionStatus::parse)?,
        notes: s(r, "notes")?,
        created_at: i(r, "created_at")?,
        updated_at: i(r, "updated_at")?,
        done_at: oi(r, "done_at")?,
        done_by: os(r, "done_by")?,
    })
}

impl Store {
    /// The actions' cases, root causes and people, in three reads for the whole list.
    pub(super) async fn prevention_views(
        &self,
        rows: Vec<ActionRow>,
    ) -> Result<Vec<PreventionView>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let case_rows = self
            .db
            .fetch_all(
                &Query::select()
                    .column(("p", "action_id"))
                    .columns([
                        ("c", "id"),
                        ("c", "ref"),
                        ("c", "status"),
                        ("c", "root_cause"),
                        ("c", "prevention_note"),
                        ("c", "created_at"),
                        ("c", "closed_at"),
                    ])
                    .from_as("prevention_cases", "p")
                    .inner_join(
                        sea_query::TableRef::Table("cases".into(), Some("c".into())),
                        Expr::col(("c", "id")).equals(("p", "case_id")),
                    )
                    .and_where(Expr::col(("p", "action_id")).is_in(ids))
                    .order_by(("c", "created_at"), Order::Desc)
                    .to_owned(),
            )
            .await?;
        let mut cases: HashMap<String, Vec<PreventionCase>> = HashMap::new();
        for r in &case_rows {
            let root_cause = os(r, "root_cause")?
                .map(|v| parse(&v, RootCause::parse))
                .transpose()?;
            cases
                .entry(s(r, "action_id")?)
                .or_default()
                .push(PreventionCase {
                    id: s(r, "id")?,
                    reference: format!("C-{}", i(r, "ref")?),
                    status: parse(&s(r, "status")?, CaseStatus::parse)?,
                    root_cause,
                    prevention_note: os(r, "prevention_note")?,
                    created_at: rfc3339(i(r, "created_at")?),
                    closed_at: opt_rfc3339(oi(r, "closed_at")?),
                });
        }
        let people: Vec<String> = rows
            .iter()
            .flat_map(|r| [r.owner_id.clone(), r.done_by.clone()])
            .flatten()
            .collect();
        let names = self.names(people).await?;
        let person = |id: &Option<String>| {
            id.as_ref().map(|id| PersonRef {
                id: id.clone(),
                name: names.get(id).cloned().unwrap_or_default(),
            })
        };
        Ok(rows
            .into_iter()
            .map(|r| {
                let cases = cases.remove(&r.id).unwrap_or_default();
                let mut counts: BTreeMap<&'static str, (RootCause, i64)> = BTreeMap::new();
                for c in &cases {
                    if let Some(rc) = c.root_cause {
                        counts.entry(rc.as_str()).or_insert((rc, 0)).1 += 1;
                    }
                }
                let mut root_causes: Vec<RootCauseCount> = counts
                    .into_values()
                    .map(|(root_cause, count)| RootCauseCount { root_cause, count })
                    .collect();
                root_causes.sort_by_key(|c| std::cmp::Reverse(c.count));
                PreventionView {
                    owner: person(&r.owner_id),
                    done_by: person(&r.done_by),
                    id: r.id,
                    location_id: r.location_id,
                    defect_code: r.defect_code,
                    defect_title: r.defect_title,
                    action: r.action,
                    due_on: r.due_on,
                    status: r.status,
                    notes: r.notes,
                    created_at: rfc3339(r.created_at),
                    updated_at: rfc3339(r.updated_at),
                    done_at: opt_rfc3339(r.done_at),
                    cases,
                    root_causes,
                }
            })
            .collect())
    }
}
