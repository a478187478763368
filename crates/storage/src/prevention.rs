//! Prevention actions: one open action per (location, defect) collects every case with the defect.
//!
//! The action is opened in the transaction that logs the case (`open_and_link`, called by the case
//! writer): an insert that does nothing when an action is already open (the unique `open_key`), then
//! the case is linked to whichever action is open. Managers assign, update and close actions; the
//! Prevention page and `GET /api/v1/prevention` read them with their cases and the root causes given
//! at closing. The rules (one open action, status changes, a note to close) are in
//! `olive_domain::prevention`.

use crate::actor::Actor;
use crate::audit::{By, Target};
use crate::db::Tx;
use crate::error::{FieldErrors, StoreError};
use crate::rows::{ms, new_id};
use crate::store::Store;
use crate::views::PersonRef;
use jiff::Timestamp;
use olive_domain::case::{CaseStatus, RootCause};
use olive_domain::permission::Permission;
use olive_domain::prevention::{self as rules, PreventionStatus};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use serde::{Deserialize, Serialize};

use utoipa::ToSchema;

mod backfill;
mod read;

/// What a new case with a playbook defect needs to join (or open) its prevention action.
#[derive(Debug, Clone)]
pub(crate) struct Opening {
    pub location_id: String,
    pub defect_code: String,
    pub defect_title: String,
    /// the playbook defect's `prevention` text
    pub prevention: String,
}

impl Opening {
    /// The opening for a case logged with this defect; none for an `other` case.
    pub(crate) fn for_case(
        location_id: &str,
        defect: Option<&olive_domain::playbook::Defect>,
    ) -> Option<Opening> {
        let d = defect?;
        rules::needs_action(Some(&d.code), None).then(|| Opening {
            location_id: location_id.to_string(),
            defect_code: d.code.clone(),
            defect_title: d.title.clone(),
            prevention: rules::initial_text(&d.prevention, &d.title),
        })
    }
}

/// Open the action for the case's (location, defect) unless one is open, and link the case to the
/// open one. Two statements, in the transaction that writes the case.
pub(crate) async fn open_and_link(
    tx: &mut Tx,
    o: &Opening,
    case_id: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let key = rules::open_key(&o.location_id, &o.defect_code, PreventionStatus::Open)
        .ok_or_else(|| StoreError::Corrupt("an open action has a key".into()))?;
    tx.execute(&action_insert(o, &key, now)).await?;
    tx.execute(
        &Query::insert()
            .into_table("prevention_cases")
            .columns(["case_id", "action_id", "created_at"])
            .select_from(
                Query::select()
                    .expr(Expr::val(case_id.to_string()))
                    .column("id")
                    .expr(Expr::val(ms(now)))
                    .from("prevention_actions")
                    .and_where(Expr::col("open_key").eq(key))
                    .to_owned(),
            )
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// The insert of an open action, doing nothing when one is already open for its (location, defect).
fn action_insert(o: &Opening, key: &str, now: Timestamp) -> sea_query::InsertStatement {
    Query::insert()
        .into_table("prevention_actions")
        .columns([
            "id",
            "location_id",
            "defect_code",
            "defect_title",
            "open_key",
            "action",
            "status",
            "notes",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            new_id().into(),
            o.location_id.clone().into(),
            o.defect_code.clone().into(),
            o.defect_title.clone().into(),
            key.into(),
            o.prevention.clone().into(),
            PreventionStatus::Open.as_str().into(),
            "".into(),
            ms(now).into(),
            ms(now).into(),
        ])
        .on_conflict(OnConflict::column("open_key").do_nothing().to_owned())
        .to_owned()
}

/// One case an action collects, with what was said at its closing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreventionCase {
    pub id: String,
    /// e.g. `C-1042`
    #[serde(rename = "ref")]
    pub reference: String,
    pub status: CaseStatus,
    /// the root cause given when the case was closed
    pub root_cause: Option<RootCause>,
    /// the prevention note given when the case was closed
    pub prevention_note: Option<String>,
    pub created_at: String,
    pub closed_at: Option<String>,
}

/// How often each root cause was given at closing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RootCauseCount {
    pub root_cause: RootCause,
    pub count: i64,
}

/// A prevention action with the cases it collects.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreventionView {
    pub id: String,
    pub location_id: String,
    pub defect_code: String,
    pub defect_title: String,
    /// what to change, from the playbook defect's `prevention` text
    pub action: String,
    pub owner: Option<PersonRef>,
    /// the location-local due date, `YYYY-MM-DD`
    pub due_on: Option<String>,
    pub status: PreventionStatus,
    pub notes: String,
    pub created_at: String,
    pub updated_at: String,
    pub done_at: Option<String>,
    pub done_by: Option<PersonRef>,
    /// the cases with the defect logged while the action was open, newest first
    pub cases: Vec<PreventionCase>,
    /// the root causes given when those cases were closed, most frequent first
    pub root_causes: Vec<RootCauseCount>,
}

/// Where one prevention action stands, as a case page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreventionSummary {
    pub id: String,
    pub status: PreventionStatus,
    pub owner: Option<PersonRef>,
    /// the location-local due date, `YYYY-MM-DD`
    pub due_on: Option<String>,
    /// how many cases it holds
    pub cases: i64,
}

/// A change to an action; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreventionUpdate {
    /// a staff id at the action's location; `""` clears the owner
    pub owner_id: Option<String>,
    /// `YYYY-MM-DD`; `""` clears the due date
    pub due_on: Option<String>,
    /// `open`, `in_progress` or `done` (done needs notes saying what was changed)
    pub status: Option<String>,
    /// the notes, replacing the ones there were
    pub notes: Option<String>,
}

/// Which actions to list.
#[derive(Debug, Clone, Default)]
pub struct PreventionFilter {
    pub location_id: Option<String>,
    /// `open` (open and in progress), `done`, or all
    pub status: Option<String>,
}

impl Store {
    /// Change an action's owner, due date, status or notes (managers and admins at its location).
    pub async fn update_prevention(
        &self,
        actor: &Actor,
        id: &str,
        change: PreventionUpdate,
        now: Timestamp,
    ) -> Result<PreventionView, StoreError> {
        let current = self.prevention_row(id).await?;
        actor.require_on(
            Permission::Prevent,
            &current.location_id,
            "prevention action",
        )?;
        let mut errs = FieldErrors::default();
        let status = match change.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => {
                let parsed = PreventionStatus::parse(v);
                errs.check(
                    parsed.is_some(),
                    "status",
                    "status is one of open, in_progress, done",
                );
                parsed
            }
        };
        let due_on = match change.due_on.as_deref().map(str::trim) {
            None => current.due_on.clone(),
            Some("") => None,
            Some(v) => match v.parse::<jiff::civil::Date>() {
                Ok(d) => Some(d.to_string()),
                Err(_) => {
                    errs.add("due_on", "give the due date as YYYY-MM-DD");
                    None
                }
            },
        };
        let owner_id = match change.owner_id.as_deref().map(str::trim) {
            None => current.owner_id.clone(),
            Some("") => None,
            Some(v) => {
                let works_here = self
                    .db
                    .fetch_optional(
                        &Query::select()
                            .column(("s", "id"))
                            .from_as("staff", "s")
                            .inner_join(
                                sea_query::TableRef::Table(
                                    "staff_locations".into(),
                                    Some("sl".into()),
                                ),
                                Expr::col(("sl", "staff_id")).equals(("s", "id")),
                            )
                            .and_where(Expr::col(("s", "id")).eq(v))
                            .and_where(Expr::col(("s", "active")).eq(1))
                            .and_where(
                                Expr::col(("sl", "location_id")).eq(current.location_id.clone()),
                            )
                            .to_owned(),
                    )
                    .await?
                    .is_some();
                errs.check(
                    works_here,
                    "owner_id",
                    "the owner must be an active staff member at this location",
                );
                Some(v.to_string())
            }
        };
        errs.into_result()?;
        let notes = change.notes.as_deref().map(str::trim).map(str::to_string);
        let resulting_notes = notes.clone().unwrap_or_else(|| current.notes.clone());
        let next = rules::check_change(current.status, status, Some(&resulting_notes)).map_err(
            |e| match e {
                rules::PreventionError::AlreadyDone => {
                    StoreError::conflict("prevention_done", e.to_string())
                }
                e => StoreError::field(e.field(), e.to_string()),
            },
        )?;
        let done = next == PreventionStatus::Done;
        let mut tx = self.db.begin().await?;
        let changed = tx
            .execute(
                &Query::update()
                    .table("prevention_actions")
                    .values([
                        ("owner_id", owner_id.clone().into()),
                        ("due_on", due_on.clone().into()),
                        ("status", next.as_str().into()),
                        ("notes", resulting_notes.clone().into()),
                        (
                            "open_key",
                            rules::open_key(&current.location_id, &current.defect_code, next)
                                .into(),
                        ),
                        ("updated_at", ms(now).into()),
                        ("done_at", done.then(|| ms(now)).into()),
                        (
                            "done_by",
                            done.then(|| actor.staff_id.clone())
                                .filter(|s| !s.is_empty())
                                .into(),
                        ),
                    ])
                    .and_where(Expr::col("id").eq(id))
                    // Refused if someone closed it meanwhile.
                    .and_where(Expr::col("status").ne(PreventionStatus::Done.as_str()))
                    .to_owned(),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::conflict(
                "prevention_done",
                rules::PreventionError::AlreadyDone.to_string(),
            ));
        }
        tx.audit(
            By::Staff(actor),
            now,
            if done {
                "prevention.closed"
            } else {
                "prevention.updated"
            },
            Target::new("prevention_action", id, Some(&current.location_id)),
            serde_json::json!({"defect": current.defect_code, "owner_id": owner_id, "due_on": due_on, "status": next, "notes": resulting_notes}),
        )
        .await?;
        tx.commit().await?;
        self.prevention(actor, id).await
    }

    /// One action with its cases (anyone who may read its location).
    pub async fn prevention(&self, actor: &Actor, id: &str) -> Result<PreventionView, StoreError> {
        let row = self.prevention_row(id).await?;
        actor.require_on(Permission::Read, &row.location_id, "prevention action")?;
        let mut views = self.prevention_views(vec![row]).await?;
        views.pop().ok_or(StoreError::NotFound("prevention action"))
    }

    /// Where the prevention action a case belongs to stands (the process fix for its defect, which the
    /// case never waits for), if it has one: its state, owner, due date and how many cases it holds,
    /// without reading those cases.
    pub async fn prevention_of_case(
        &self,
        actor: &Actor,
        case_id: &str,
    ) -> Result<Option<PreventionSummary>, StoreError> {
        let link = self
            .db
            .fetch_optional(
                &Query::select()
                    .column("action_id")
                    .from("prevention_cases")
                    .and_where(Expr::col("case_id").eq(case_id))
                    .to_owned(),
            )
            .await?;
        let Some(link) = link else { return Ok(None) };
        let row = self
            .prevention_row(&crate::rows::s(&link, "action_id")?)
            .await?;
        actor.require_on(Permission::Read, &row.location_id, "prevention action")?;
        let count = self
            .db
            .fetch_optional(
                &Query::select()
                    .expr_as(Expr::col("case_id").count(), "n")
                    .from("prevention_cases")
                    .and_where(Expr::col("action_id").eq(row.id.clone()))
                    .to_owned(),
            )
            .await?;
        let cases = count
            .map(|r| crate::rows::i(&r, "n"))
            .transpose()?
            .unwrap_or(0);
        let names = self.names(row.owner_id.clone()).await?;
        Ok(Some(PreventionSummary {
            owner: row.owner_id.map(|id| PersonRef {
                name: names.get(&id).cloned().unwrap_or_default(),
                id,
            }),
            id: row.id,
            due_on: row.due_on,
            status: row.status,
            cases,
        }))
    }

    /// The actions at the caller's locations (or one of them), open ones first, newest first.
    pub async fn list_prevention(
        &self,
        actor: &Actor,
        filter: PreventionFilter,
    ) -> Result<Vec<PreventionView>, StoreError> {
        actor.require_somewhere(Permission::Read)?;
        let mut q = read::action_select();
        if let Some(l) = filter.location_id.as_deref().filter(|l| !l.is_empty()) {
            actor.require(Permission::Read, l)?;
            q.and_where(Expr::col("location_id").eq(l));
        } else if let Some(scope) = actor.scope() {
            q.and_where(Expr::col("location_id").is_in(scope));
        }
        match filter.status.as_deref().filter(|s| !s.is_empty()) {
            None | Some("all") => {}
            Some("open") => {
                q.and_where(Expr::col("status").ne(PreventionStatus::Done.as_str()));
            }
            Some("done") => {
                q.and_where(Expr::col("status").eq(PreventionStatus::Done.as_str()));
            }
            Some(_) => {
                return Err(StoreError::field(
                    "status",
                    "status is one of open, done, all",
                ));
            }
        }
        q.order_by("done_at", Order::Asc)
            .order_by("created_at", Order::Desc)
            .limit(200);
        let rows = self
            .db
            .fetch_all(&q)
            .await?
            .iter()
            .map(read::action_row)
            .collect::<Result<Vec<_>, _>>()?;
        let mut views = self.prevention_views(rows).await?;
        // Open actions first (NULL `done_at` sorts differently on the two databases).
        views.sort_by_key(|v| !v.status.is_open());
        Ok(views)
    }

    async fn prevention_row(&self, id: &str) -> Result<read::ActionRow, StoreError> {
        let mut q = read::action_select();
        q.and_where(Expr::col("id").eq(id));
        let row = self
            .db
            .fetch_optional(&q)
            .await?
            .ok_or(StoreError::NotFound("prevention action"))?;
        read::action_row(&row)
    }
}
