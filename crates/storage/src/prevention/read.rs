//! Reading prevention action rows.

use crate::error::StoreError;
use crate::rows::{i, oi, os, parse, s};
use olive_domain::prevention::PreventionStatus;
use sea_query::{Query, SelectStatement};

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
