//! The steps on someone's My work: those assigned to them, and the unclaimed steps of their roles
//! at their locations, soonest due first.

use crate::actor::Actor;
use crate::cases::{case_from_row, case_select};
use crate::error::StoreError;
use crate::rows::{i, ms, os, rfc3339, s};
use crate::store::Store;
use crate::views::{MyStep, PersonRef};
use jiff::Timestamp;
use olive_domain::case::{CaseStatus, StepStatus};
use olive_domain::playbook::StepOwner;
use olive_domain::role::Role;
use sea_query::{Cond, Expr, ExprTrait, Order, Query};
use std::collections::HashMap;

/// How many steps each half of My work (mine, the queue) lists.
const MY_STEPS: u64 = 100;

fn open_steps() -> sea_query::SelectStatement {
    let active = [
        CaseStatus::Open.as_str(),
        CaseStatus::InProgress.as_str(),
        CaseStatus::AwaitingVerification.as_str(),
    ];
    Query::select()
        .columns([
            ("st", "id"),
            ("st", "case_id"),
            ("st", "title"),
            ("st", "due_at"),
            ("st", "owner_role"),
            ("st", "for_provider"),
            ("st", "assignee_id"),
        ])
        .from_as("case_steps", "st")
        .inner_join(
            sea_query::TableRef::Table("cases".into(), Some("c".into())),
            Expr::col(("c", "id")).equals(("st", "case_id")),
        )
        .and_where(Expr::col(("st", "status")).eq(StepStatus::Pending.as_str()))
        .and_where(Expr::col(("c", "status")).is_in(active))
        .order_by(("st", "due_at"), Order::Asc)
        .order_by(("st", "id"), Order::Asc)
        .limit(MY_STEPS)
        .to_owned()
}

impl Store {
    /// My steps and my roles' unclaimed ones, by due time.
    pub async fn my_steps(&self, actor: &Actor, now: Timestamp) -> Result<Vec<MyStep>, StoreError> {
        let mine = open_steps()
            .and_where(Expr::col(("st", "assignee_id")).eq(actor.staff_id.clone()))
            .to_owned();
        let mut rows = self.db.fetch_all(&mine).await?;
        // The queues: each of my roles at its location (an administrator: the owner's steps everywhere).
        let mut queues = Cond::any();
        for (location, role) in &actor.roles {
            queues = queues.add(
                Expr::col(("c", "location_id"))
                    .eq(location.clone())
                    .and(Expr::col(("st", "owner_role")).eq(role.as_str())),
            );
        }
        if actor.is_admin {
            queues = queues.add(Expr::col(("st", "owner_role")).eq(Role::Admin.as_str()));
        }
        if !queues.is_empty() {
            let queue = open_steps()
                .and_where(Expr::col(("st", "assignee_id")).is_null())
                .cond_where(queues)
                .to_owned();
            rows.extend(self.db.fetch_all(&queue).await?);
        }
        let mut case_ids: Vec<String> = rows
            .iter()
            .map(|r| s(r, "case_id"))
            .collect::<Result<_, _>>()?;
        case_ids.sort_unstable();
        case_ids.dedup();
        let mut cases = HashMap::new();
        for chunk in case_ids.chunks(500) {
            let q = case_select()
                .and_where(Expr::col("id").is_in(chunk.iter().cloned()))
                .to_owned();
            for r in self.db.fetch_all(&q).await? {
                let c = case_from_row(&r)?;
                cases.insert(c.id.clone(), c);
            }
        }
        let assignees = rows
            .iter()
            .filter_map(|r| os(r, "assignee_id").ok().flatten());
        let names = self.names(assignees.collect::<Vec<_>>()).await?;
        let now_ms = ms(now);
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let Some(c) = cases.get(&s(r, "case_id")?) else {
                continue;
            };
            let l = self.location(&c.location_id).await?;
            let p = self
                .playbook_at(&l.playbook_code, l.playbook_updated_at)
                .await?;
            let role: Role = crate::rows::parse(&s(r, "owner_role")?, |v| v.parse().ok())?;
            let owner = if i(r, "for_provider")? != 0 {
                StepOwner::Provider
            } else {
                StepOwner::Role(role)
            };
            let due_at = i(r, "due_at")?;
            out.push(MyStep {
                step_id: s(r, "id")?,
                case_id: c.id.clone(),
                case_ref: format!("C-{}", c.reference),
                customer: p.display_name(&c.customer.name, &c.fields),
                location: l.name.clone(),
                title: s(r, "title")?,
                owner_role: role,
                owner_label: p.owner_label(owner),
                assignee: os(r, "assignee_id")?.map(|id| PersonRef {
                    name: names.get(&id).cloned().unwrap_or_default(),
                    id,
                }),
                due_at: rfc3339(due_at),
                overdue: due_at < now_ms,
                severity: c.severity,
            });
        }
        out.sort_by(|a, b| a.due_at.cmp(&b.due_at).then(a.step_id.cmp(&b.step_id)));
        Ok(out)
    }
}
