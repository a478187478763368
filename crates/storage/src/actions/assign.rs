//! Steps reach their people: whose each new step is, claiming from a role's queue, a manager's
//! assignment, who may complete a step, and steps returned or moved when people change. The rules are
//! `olive_domain::case::assignment`; assigning or claiming a step is never a hand-off of the case.

use crate::actor::Actor;
use crate::audit::By;
use crate::cases::CaseRow;
use crate::db::Tx;
use crate::error::StoreError;
use crate::rows::{i, ms, os, s};
use crate::store::Store;
use crate::views::CaseDetail;
use jiff::Timestamp;
use olive_domain::case::assignment::{self, Person, StepRefusal, the};
use olive_domain::case::{CaseEvent, StepStatus};
use olive_domain::permission::Permission;
use olive_domain::playbook::{Playbook, StepOwner};
use olive_domain::role::Role;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;
use sqlx::any::AnyRow;

/// The caller as the assignment rules see them at a location.
pub(crate) fn person_of<'a>(actor: &'a Actor, location_id: &str) -> Person<'a> {
    Person {
        id: &actor.staff_id,
        role: actor.role_at(location_id),
        is_admin: actor.is_admin,
    }
}

/// Who says a step's words (`{me}`): whoever did it, else its assignee, else the reader when the step
/// is theirs to do (they hold its role there, or manage); otherwise nobody yet (a blank to fill), so a
/// receptionist reading the manager's call never reads "it's Fiona, the practice manager".
pub(crate) fn speaker<'a>(
    done_by: Option<&'a str>,
    assignee: Option<&'a str>,
    reader: &'a Actor,
    role: Role,
    location_id: &str,
) -> &'a str {
    done_by.or(assignee).unwrap_or_else(|| {
        let me = person_of(reader, location_id);
        if me.holds(role) || me.manages() {
            reader.name.as_str()
        } else {
            ""
        }
    })
}

/// Someone's name, role at a location and standing (None: no such active person).
pub(crate) struct StaffAt {
    pub name: String,
    pub role: Option<Role>,
    pub is_admin: bool,
}

impl StaffAt {
    pub(crate) fn person<'a>(&self, id: &'a str) -> Person<'a> {
        Person {
            id,
            role: self.role,
            is_admin: self.is_admin,
        }
    }
}

/// An active staff member's name and role at `location_id`.
pub(crate) async fn staff_at(
    tx: &mut Tx,
    staff_id: &str,
    location_id: &str,
) -> Result<Option<StaffAt>, StoreError> {
    let Some(r) = tx
        .fetch_optional(
            &Query::select()
                .columns(["name", "is_admin"])
                .from("staff")
                .and_where(Expr::col("id").eq(staff_id))
                .and_where(Expr::col("active").eq(1))
                .to_owned(),
        )
        .await?
    else {
        return Ok(None);
    };
    let role = tx
        .fetch_optional(
            &Query::select()
                .column("role")
                .from("staff_locations")
                .and_where(Expr::col("staff_id").eq(staff_id))
                .and_where(Expr::col("location_id").eq(location_id))
                .to_owned(),
        )
        .await?
        .map(|r| s(&r, "role"))
        .transpose()?
        .and_then(|r| r.parse().ok());
    let is_admin = i(&r, "is_admin")? != 0;
    Ok(Some(StaffAt {
        name: s(&r, "name")?,
        role: if is_admin { Some(Role::Admin) } else { role },
        is_admin,
    }))
}

/// Whose a step added to a case is (a reopened case's fix, a call when the follow-up went unanswered):
/// the case owner's where they hold its role, else its role's queue.
pub(crate) async fn owner_takes(
    tx: &mut Tx,
    c: &CaseRow,
    owner: StepOwner,
) -> Result<Option<String>, StoreError> {
    let at = staff_at(tx, &c.owner_id, &c.location_id).await?;
    Ok(at.and_then(|a| {
        assignment::assign_at_logging(owner, a.person(&c.owner_id), None).map(str::to_string)
    }))
}

/// A refusal as the store reports it: 403 for who may act, 409 for a step someone else has.
fn refused(e: StepRefusal) -> StoreError {
    match e {
        StepRefusal::Taken { .. } => StoreError::conflict("step_taken", e.to_string()),
        StepRefusal::CannotDo { .. } => StoreError::field("staff_id", e.to_string()),
        _ => StoreError::Forbidden(e.to_string()),
    }
}

/// A step row read for an assignment decision.
struct StepRow {
    title: String,
    role: Role,
    for_provider: bool,
    assignee: Option<String>,
}

async fn step_row(tx: &mut Tx, c: &CaseRow, step_id: &str) -> Result<StepRow, StoreError> {
    let r = tx
        .fetch_optional(
            &Query::select()
                .columns([
                    "title",
                    "status",
                    "owner_role",
                    "for_provider",
                    "assignee_id",
                ])
                .from("case_steps")
                .and_where(Expr::col("id").eq(step_id))
                .and_where(Expr::col("case_id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound("step"))?;
    if s(&r, "status")? != StepStatus::Pending.as_str() || !c.status.is_active() {
        return Err(StoreError::conflict(
            "invalid_transition",
            "this step is no longer open",
        ));
    }
    step_from(&r)
}

fn step_from(r: &AnyRow) -> Result<StepRow, StoreError> {
    Ok(StepRow {
        title: s(r, "title")?,
        role: crate::rows::parse(&s(r, "owner_role")?, |v| v.parse().ok())?,
        for_provider: i(r, "for_provider")? != 0,
        assignee: os(r, "assignee_id")?,
    })
}

impl StepRow {
    fn owner(&self) -> StepOwner {
        if self.for_provider {
            StepOwner::Provider
        } else {
            StepOwner::Role(self.role)
        }
    }
}

impl Store {
    /// "the dentist", "the server": how refusals name whom a step is for.
    async fn for_whom(&self, c: &CaseRow, owner: StepOwner) -> Result<String, StoreError> {
        let playbook = self.playbook_of_location(&c.location_id).await?;
        Ok(the(&playbook.owner_label(owner)))
    }

    async fn playbook_of_location(
        &self,
        location_id: &str,
    ) -> Result<std::sync::Arc<Playbook>, StoreError> {
        let location = self.location(location_id).await?;
        self.playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await
    }

    /// Whether the caller may complete or skip a step (`row` has `owner_role`, `for_provider` and
    /// `assignee_id`): 403 naming whom the step is for otherwise.
    pub(crate) async fn check_may_complete(
        &self,
        actor: &Actor,
        c: &CaseRow,
        row: &AnyRow,
    ) -> Result<(), StoreError> {
        let st = step_from(row)?;
        let me = person_of(actor, &c.location_id);
        if assignment::may_complete(st.role, st.assignee.as_deref(), me, String::new).is_ok() {
            return Ok(());
        }
        let whom = self.for_whom(c, st.owner()).await?;
        let whom = match &st.assignee {
            Some(id) => {
                let names = self.names([id.clone()]).await?;
                match names.get(id) {
                    Some(n) => format!("{whom} ({n})"),
                    None => whom,
                }
            }
            None => whom,
        };
        assignment::may_complete(st.role, st.assignee.as_deref(), me, || whom).map_err(refused)
    }

    /// Take a step from its role's queue (or keep one already mine).
    pub async fn claim_step(
        &self,
        actor: &Actor,
        key: &str,
        step_id: &str,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        actor.require(Permission::Change, &c.location_id)?;
        let st = step_row(&mut tx, &c, step_id).await?;
        let holder = match &st.assignee {
            Some(id) if id != &actor.staff_id => {
                let names = self.names([id.clone()]).await?;
                Some((id.clone(), names.get(id).cloned().unwrap_or_default()))
            }
            other => other.clone().map(|id| (id, actor.name.clone())),
        };
        let whom = self.for_whom(&c, st.owner()).await?;
        assignment::may_claim(
            st.role,
            holder.as_ref().map(|(i, n)| (i.as_str(), n.as_str())),
            person_of(actor, &c.location_id),
            || whom,
        )
        .map_err(refused)?;
        if st.assignee.as_deref() != Some(actor.staff_id.as_str()) {
            self.set_assignee(
                &mut tx,
                &c,
                step_id,
                &st,
                Some(&actor.staff_id),
                actor,
                "claimed",
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// A manager gives a step to someone at the location who can do it, or (`None`) returns it to
    /// its role's queue.
    pub async fn assign_step(
        &self,
        actor: &Actor,
        key: &str,
        step_id: &str,
        staff_id: Option<&str>,
        now: Timestamp,
    ) -> Result<CaseDetail, StoreError> {
        let mut tx = self.db.begin().await?;
        let c = self.case_row_tx(&mut tx, actor, key).await?;
        actor.require(Permission::Reassign, &c.location_id)?;
        let st = step_row(&mut tx, &c, step_id).await?;
        let to = staff_id.map(str::trim).filter(|v| !v.is_empty());
        if let Some(to) = to {
            let Some(them) = staff_at(&mut tx, to, &c.location_id).await? else {
                return Err(StoreError::field(
                    "staff_id",
                    "choose someone who works at this location",
                ));
            };
            let whom = self.for_whom(&c, st.owner()).await?;
            if them.role.is_none() {
                return Err(StoreError::field(
                    "staff_id",
                    format!("{} does not work at this location", them.name),
                ));
            }
            assignment::may_receive(st.role, them.person(to), &them.name, || whom)
                .map_err(refused)?;
        }
        if st.assignee.as_deref() != to {
            self.set_assignee(&mut tx, &c, step_id, &st, to, actor, "assigned", now)
                .await?;
        }
        tx.commit().await?;
        self.get_case(actor, &c.id, now).await
    }

    /// Record a step's new assignee (None: its role's queue) on the case's timeline. `how`:
    /// `claimed`, `assigned` or `returned`.
    #[allow(clippy::too_many_arguments)]
    async fn set_assignee(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        step_id: &str,
        st: &StepRow,
        to: Option<&str>,
        actor: &Actor,
        how: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        set_assignees(tx, vec![step_id.to_string()], to).await?;
        tx.execute(
            &Query::update()
                .table("cases")
                .value("updated_at", ms(now))
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::Staff(actor),
            CaseEvent::StepAssigned,
            json!({"step_id": step_id, "title": st.title, "from": st.assignee, "to": to, "how": how}),
        )
        .await
    }
}

/// Open steps of a case (`for_provider` = `provider`) assigned to `who`, or (`who` None) unassigned.
fn open_steps_of(
    case_id: &str,
    who: Option<&str>,
    provider: Option<bool>,
) -> sea_query::SelectStatement {
    let mut q = Query::select()
        .columns(["id", "title", "owner_role", "for_provider", "assignee_id"])
        .from("case_steps")
        .and_where(Expr::col("case_id").eq(case_id))
        .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
        .to_owned();
    match who {
        Some(w) => q.and_where(Expr::col("assignee_id").eq(w)),
        None => q.and_where(Expr::col("assignee_id").is_null()),
    };
    if let Some(p) = provider {
        q.and_where(Expr::col("for_provider").eq(i64::from(p)));
    }
    q
}

async fn set_assignees(tx: &mut Tx, ids: Vec<String>, to: Option<&str>) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    tx.execute(
        &Query::update()
            .table("case_steps")
            .value("assignee_id", to.map(str::to_string))
            .and_where(Expr::col("id").is_in(ids))
            .to_owned(),
    )
    .await?;
    Ok(())
}

impl Store {
    /// A case handed to someone else: the steps its old owner held as the owner follow it to the new
    /// owner where they hold the step's role, else they wait in the role's queue. The provider's
    /// steps stay with the provider.
    pub(crate) async fn steps_follow_owner(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        new_owner: &str,
    ) -> Result<(), StoreError> {
        let rows = tx
            .fetch_all(&open_steps_of(&c.id, Some(&c.owner_id), Some(false)))
            .await?;
        let new = staff_at(tx, new_owner, &c.location_id).await?;
        let (mut follow, mut queue) = (Vec::new(), Vec::new());
        for r in &rows {
            let st = step_from(r)?;
            let takes = new.as_ref().and_then(|n| {
                assignment::assign_at_logging(st.role.into(), n.person(new_owner), None)
            });
            if takes.is_some() {
                follow.push(s(r, "id")?);
            } else {
                queue.push(s(r, "id")?);
            }
        }
        set_assignees(tx, follow, Some(new_owner)).await?;
        set_assignees(tx, queue, None).await
    }

    /// The case's provider changed: the provider's open steps that were the old provider's, or
    /// waiting in the queue, go to the new one (or, with none named, back to the queue).
    pub(crate) async fn steps_follow_provider(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        old: Option<&str>,
        new: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut ids = Vec::new();
        // The old provider's steps, and (when someone is named now) those waiting in the queue.
        let whose = [old.map(Some), new.map(|_| None)];
        for who in whose.into_iter().flatten() {
            for r in tx.fetch_all(&open_steps_of(&c.id, who, Some(true))).await? {
                ids.push(s(&r, "id")?);
            }
        }
        set_assignees(tx, ids, new).await
    }

    /// Someone leaving: their open steps return to their roles' queues, recorded on each case.
    pub(crate) async fn return_steps_of(
        &self,
        tx: &mut Tx,
        staff_id: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let rows = tx
            .fetch_all(
                &Query::select()
                    .columns([("st", "id"), ("st", "title"), ("st", "case_id")])
                    .column(("c", "location_id"))
                    .from_as("case_steps", "st")
                    .inner_join(
                        sea_query::TableRef::Table("cases".into(), Some("c".into())),
                        Expr::col(("c", "id")).equals(("st", "case_id")),
                    )
                    .and_where(Expr::col(("st", "assignee_id")).eq(staff_id))
                    .and_where(Expr::col(("st", "status")).eq(StepStatus::Pending.as_str()))
                    .to_owned(),
            )
            .await?;
        tx.execute(
            &Query::update()
                .table("case_steps")
                .value("assignee_id", None::<String>)
                .and_where(Expr::col("assignee_id").eq(staff_id))
                .and_where(Expr::col("status").eq(StepStatus::Pending.as_str()))
                .to_owned(),
        )
        .await?;
        for r in &rows {
            tx.case_event(
                &s(r, "case_id")?,
                &s(r, "location_id")?,
                now,
                By::Staff(actor),
                CaseEvent::StepAssigned,
                json!({"step_id": s(r, "id")?, "title": s(r, "title")?, "from": staff_id, "to": null, "how": "returned", "reason": "staff member deactivated"}),
            )
            .await?;
        }
        Ok(rows.len())
    }
}
