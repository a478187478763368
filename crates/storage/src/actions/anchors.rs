//! Deadlines follow the work: when a step is done or skipped, the steps anchored after it (directly
//! or through a chain of steps still to do) are due from then (`domain::playbook::anchor`).

use super::*;
use crate::rows::{from_ms, oi};
use olive_domain::deadline::DeadlineRule;
use olive_domain::playbook::anchor::{self, Anchor, CaseMoments, Timing};
use std::collections::BTreeMap;

impl Store {
    /// Re-due a case's pending steps anchored after a step that is done or skipped: their `due_at`,
    /// their alerts afresh (level 0, next alert at the new due), and the case's `next_due_at`.
    /// Every path that marks a step done or skipped calls it in its own transaction (through
    /// `settle`, or directly).
    pub(crate) async fn follow_anchors(&self, tx: &mut Tx, c: &CaseRow) -> Result<(), StoreError> {
        let rows = tx
            .fetch_all(
                &Query::select()
                    .columns([
                        "id",
                        "position",
                        "anchor",
                        "after_position",
                        "due_rule",
                        "due_at",
                        "status",
                        "done_at",
                    ])
                    .from("case_steps")
                    .and_where(Expr::col("case_id").eq(c.id.clone()))
                    .order_by("position", Order::Asc)
                    .to_owned(),
            )
            .await?;
        let mut steps = Vec::with_capacity(rows.len());
        let mut done = BTreeMap::new();
        let mut pending = BTreeMap::new();
        for (n, r) in rows.iter().enumerate() {
            // The planner reads steps by position; a case whose positions are not 1, 2, 3… has no
            // `after` anchors to follow (only protocols written at logging have them).
            let position = u32::try_from(i(r, "position")?).unwrap_or(0);
            if position as usize != n + 1 {
                return Ok(());
            }
            let anchor = Anchor::from_parts(&s(r, "anchor")?, oi(r, "after_position")?)
                .unwrap_or(Anchor::Logged);
            let due = s(r, "due_rule")?
                .parse::<DeadlineRule>()
                .map_err(|e| StoreError::Corrupt(format!("step due rule: {e}")))?;
            steps.push(Timing { anchor, due });
            match (
                parse(&s(r, "status")?, StepStatus::parse)?,
                oi(r, "done_at")?,
            ) {
                (StepStatus::Pending, _) => {
                    pending.insert(position, (s(r, "id")?, i(r, "due_at")?));
                }
                (_, Some(at)) => {
                    done.insert(position, from_ms(at));
                }
                (_, None) => {}
            }
        }
        let any_follows = pending
            .keys()
            .any(|p| steps[*p as usize - 1].anchor.after_position().is_some());
        if done.is_empty() || !any_follows {
            return Ok(());
        }
        let calendar = self.location(&c.location_id).await?.calendar();
        let moments = CaseMoments {
            noticed: from_ms(c.noticed_at),
            logged: from_ms(c.created_at),
        };
        let mut moved = BTreeMap::new();
        for (&p, &at) in &done {
            for (q, due) in anchor::redue_after(&steps, moments, &calendar, &done, (p, at))
                .map_err(|e| StoreError::Config(format!("a deadline of this protocol: {e}")))?
            {
                moved.insert(q, ms(due));
            }
        }
        let mut changed = false;
        for (q, due) in moved {
            let Some((id, old)) = pending.get_mut(&q) else {
                continue;
            };
            if *old == due {
                continue;
            }
            *old = due;
            changed = true;
            // A new deadline starts its alerts afresh (level 0 looks at the due instant and the
            // scheduler plans from there): an alert sent for the provisional due must not turn into an
            // overdue notice or an escalation for a step that is not late.
            tx.execute(
                &Query::update()
                    .table("case_steps")
                    .value("due_at", due)
                    .value("alert_level", 0)
                    .value("next_alert_at", due)
                    .and_where(Expr::col("id").eq(id.clone()))
                    .to_owned(),
            )
            .await?;
        }
        if changed {
            let next_due = pending.values().map(|(_, d)| *d).min();
            tx.execute(
                &Query::update()
                    .table("cases")
                    .value("next_due_at", next_due)
                    .and_where(Expr::col("id").eq(c.id.clone()))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
