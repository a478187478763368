//! The scheduler's alerts: which steps are due an alert, and how a batch of alert jobs becomes My-work
//! entries, digest parts and escalations, in a few statements whatever the batch size.

use super::AlertJob;
use crate::audit::By;
use crate::cases::{CaseRow, case_from_row, case_select};
use crate::db::Tx;
use crate::digest::{Digests, Item};
use crate::error::StoreError;
use crate::outbox;
use crate::rows::{from_ms, i, ms, os, s};
use crate::severity::Reason;
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::alerts::AlertKind;
use olive_domain::alerts::severity::notification_kind;
use olive_domain::case::{CaseEvent, StepStatus};
use olive_domain::events::EventType;
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, Order, Query, ValueTuple};
use serde_json::{Value, json};
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, HashMap, HashSet};

impl Store {
    /// Alerts become one notification per item and one email per person (a digest when there are several).
    pub(super) async fn send_alerts(
        &self,
        tx: &mut Tx,
        jobs: Vec<AlertJob>,
        now: Timestamp,
        digests: &mut Digests,
    ) -> Result<(), StoreError> {
        let mut per_person: BTreeMap<String, Vec<Item>> = BTreeMap::new();
        let mut escalated: Vec<(CaseRow, Value)> = Vec::new();
        let mut severity_checked: HashSet<String> = HashSet::new();
        let mut queues: HashMap<(String, olive_domain::role::Role), Vec<String>> = HashMap::new();
        // Every step and case the batch names, in a few statements rather than two per job.
        let (steps, cases) = alert_subjects(tx, &jobs).await?;
        for job in jobs {
            let Some(kind) = AlertKind::parse(&job.kind) else {
                continue;
            };
            let Some(step) = steps.get(&job.step_id) else {
                continue;
            };
            let Some(c) = cases.get(&job.case_id) else {
                continue;
            };
            if s(step, "status")? != StepStatus::Pending.as_str() || !c.status.is_active() {
                continue; // done meanwhile: nothing to say
            }
            let location = self.location(&c.location_id).await?;
            let due = from_ms(i(step, "due_at")?)
                .to_zoned(location.tz.clone())
                .strftime("%H:%M %a %-d %b")
                .to_string();
            let title = s(step, "title")?;
            let who = self.display_name(c).await?;
            let text = match kind {
                AlertKind::Reminder => {
                    format!("C-{} ({who}): \"{title}\" is due at {due}.", c.reference)
                }
                AlertKind::Overdue => format!(
                    "C-{} ({who}): \"{title}\" was due at {due} and is not done.",
                    c.reference
                ),
                AlertKind::Escalation => format!(
                    "Escalated: C-{} ({who}): \"{title}\" was due at {due} and is still not done.",
                    c.reference
                ),
            };
            // The case's first overdue step: its severity may tell the managers (major), once.
            // It goes in the managers' digests, so a backlog still makes one email each.
            if kind >= AlertKind::Overdue
                && severity_checked.insert(c.id.clone())
                && let Some(told) = self
                    .claim_severity_alert(tx, c, c.severity, Reason::StepOverdue, By::System, now)
                    .await?
            {
                for m in told.managers {
                    per_person.entry(m).or_default().push(Item {
                        case: c.clone(),
                        kind,
                        text: told.text.clone(),
                        note: Some(notification_kind(c.severity)),
                    });
                }
            }
            // The step's assignee; while it waits in its role's queue, everyone who holds the role.
            let mut people = match os(step, "assignee_id")? {
                Some(a) => vec![a],
                None => {
                    let role = crate::rows::parse(&s(step, "owner_role")?, |v| v.parse().ok())?;
                    let key = (c.location_id.clone(), role);
                    if !queues.contains_key(&key) {
                        let holders = self.holders_of(tx, &c.location_id, role).await?;
                        queues.insert(key.clone(), holders);
                    }
                    queues[&key].clone()
                }
            };
            if kind == AlertKind::Escalation {
                let managers = self.managers_of(tx, &c.location_id).await?;
                people.extend(managers.iter().cloned());
                let data = json!({"step_id": job.step_id, "step": title, "due_at": crate::rows::rfc3339(i(step, "due_at")?), "told": managers});
                tx.case_event(
                    &c.id,
                    &c.location_id,
                    now,
                    By::System,
                    CaseEvent::Escalated,
                    data.clone(),
                )
                .await?;
                tx.execute(
                    &Query::update()
                        .table("cases")
                        .value("escalated_at", Expr::col("escalated_at").if_null(ms(now)))
                        .and_where(Expr::col("id").eq(c.id.clone()))
                        .to_owned(),
                )
                .await?;
                escalated.push((c.clone(), data));
            }
            people.sort();
            people.dedup();
            for p in people {
                per_person.entry(p).or_default().push(Item {
                    case: c.clone(),
                    kind,
                    text: text.clone(),
                    note: None,
                });
            }
        }
        for (c, data) in escalated {
            let mut data = data;
            data["case_id"] = json!(c.id);
            data["ref"] = json!(format!("C-{}", c.reference));
            outbox::emit(
                tx,
                EventType::CaseEscalated,
                &c.location_id,
                Some(&c.id),
                data,
                now,
            )
            .await?;
        }
        let ids: Vec<String> = per_person.keys().cloned().collect();
        let base = self.public_base();
        let recipients = self.recipients(tx, &ids).await?;
        let notes: Vec<_> = recipients
            .iter()
            .flat_map(|p| {
                per_person[&p.id].iter().map(|it| {
                    (
                        p.id.as_str(),
                        Some(it.case.id.as_str()),
                        it.note.unwrap_or(it.kind.as_str()),
                        it.text.as_str(),
                    )
                })
            })
            .collect();
        crate::notify::insert_notifications(tx, &notes, now).await?;
        for person in &recipients {
            let Some(email) = &person.email else { continue };
            let items = per_person.remove(&person.id).unwrap_or_default();
            digests.add(tx, person, email, items, &base, now).await?;
        }
        Ok(())
    }
}

/// Pending steps whose next alert has come. Without `horizon`: steps alerted before whose next alert
/// is due (`next_alert_at <= now`). With it: steps never alerted whose due instant is within the lead
/// (`<= horizon`), overdue ones first.
pub(super) fn alert_candidates(
    now: i64,
    horizon: Option<i64>,
    limit: u64,
) -> sea_query::SelectStatement {
    let mut q = Query::select()
        .columns([
            ("st", "id"),
            ("st", "case_id"),
            ("st", "due_at"),
            ("st", "due_rule"),
            ("st", "alert_level"),
        ])
        .columns([("c", "location_id"), ("c", "status")])
        .from_as("case_steps", "st")
        .inner_join(
            sea_query::TableRef::Table("cases".into(), Some("c".into())),
            Expr::col(("c", "id")).equals(("st", "case_id")),
        )
        .and_where(Expr::cust("st.status = 'pending'"))
        .order_by(("st", "next_alert_at"), Order::Asc)
        .limit(limit)
        .lock_with_tables_behavior(LockType::Update, ["st"], LockBehavior::SkipLocked)
        .to_owned();
    // Literal conditions, so each select uses its partial index (`case_steps_alert` holds alerted
    // steps, `case_steps_remind` the rest).
    match horizon {
        None => q
            .and_where(Expr::cust("st.alert_level > 0"))
            .and_where(Expr::col(("st", "next_alert_at")).lte(now)),
        Some(h) => q
            .and_where(Expr::cust("st.alert_level = 0"))
            .and_where(Expr::col(("st", "next_alert_at")).lte(h)),
    };
    q
}

/// Ids one `IN (…)` list carries.
const IN_CHUNK: usize = 500;

/// The steps (`title`, `due_at`, `status`, `owner_role`, `assignee_id`) and cases that alert jobs name, by id.
async fn alert_subjects(
    tx: &mut Tx,
    jobs: &[AlertJob],
) -> Result<(HashMap<String, AnyRow>, HashMap<String, CaseRow>), StoreError> {
    let mut step_ids: Vec<&str> = jobs.iter().map(|j| j.step_id.as_str()).collect();
    let mut case_ids: Vec<&str> = jobs.iter().map(|j| j.case_id.as_str()).collect();
    for ids in [&mut step_ids, &mut case_ids] {
        ids.sort_unstable();
        ids.dedup();
    }
    let mut steps = HashMap::with_capacity(step_ids.len());
    for chunk in step_ids.chunks(IN_CHUNK) {
        let q = Query::select()
            .columns([
                "id",
                "title",
                "due_at",
                "status",
                "owner_role",
                "assignee_id",
            ])
            .from("case_steps")
            .and_where(Expr::col("id").is_in(chunk.iter().map(|id| id.to_string())))
            .to_owned();
        for r in tx.fetch_all_once(&q).await? {
            steps.insert(s(&r, "id")?, r);
        }
    }
    let mut cases = HashMap::with_capacity(case_ids.len());
    for chunk in case_ids.chunks(IN_CHUNK) {
        let q = case_select()
            .and_where(Expr::col("id").is_in(chunk.iter().map(|id| id.to_string())))
            .to_owned();
        for r in tx.fetch_all_once(&q).await? {
            let c = case_from_row(&r)?;
            cases.insert(c.id.clone(), c);
        }
    }
    Ok((steps, cases))
}

/// Steps whose alert level one statement sets.
pub(super) const UPDATE_CHUNK: usize = 300;

/// One statement setting each step's `alert_level` and `next_alert_at`, `(step id, level, next alert)`:
/// `UPDATE … FROM (VALUES …)`, whose columns both backends name `column1`, `column2`, ….
pub(super) fn alert_levels_update(
    steps: &[(String, i64, Option<i64>)],
) -> sea_query::UpdateStatement {
    let rows = steps
        .iter()
        .map(|(id, l, n)| ValueTuple::Three(id.as_str().into(), (*l).into(), (*n).into()))
        .collect();
    Query::update()
        .table("case_steps")
        .value("alert_level", Expr::col(("v", "column2")))
        .value("next_alert_at", Expr::col(("v", "column3")))
        .from(sea_query::TableRef::ValuesList(rows, "v".into()))
        .and_where(Expr::col(("case_steps", "id")).equals(("v", "column1")))
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::alert_candidates;
    use crate::testing::fresh_store;
    use sea_query::SqliteQueryBuilder;
    use sea_query_sqlx::SqlxBinder;

    /// SQLite walks a partial index only when the query's conditions imply the index's own, so each
    /// scan's literal conditions must keep matching its index.
    #[tokio::test]
    async fn each_scan_walks_its_own_partial_index() {
        let store = fresh_store(false).await.unwrap();
        for (horizon, index) in [
            (None, "case_steps_alert"),
            (Some(2_000), "case_steps_remind"),
        ] {
            // As it runs: values bound, which SQLite plans without looking at (SQLITE_ENABLE_QPSG).
            let (sql, _) = alert_candidates(1_000, horizon, 100).build_sqlx(SqliteQueryBuilder);
            let plan = store.db.explain(&sql).await.unwrap();
            assert!(
                plan.contains(&format!("USING INDEX {index}")) && !plan.contains("TEMP B-TREE"),
                "{sql}\n{plan}"
            );
        }
    }
}
