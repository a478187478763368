//! The durable jobs table and the scheduler: steps coming due become alert jobs (one per step and
//! kind, by unique key), gesture requests nobody decided become escalation jobs (`scheduler/approvals.rs`), and due jobs run in one transaction each batch — claimed with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL so two instances never run the same job.

use crate::audit::By;
use crate::cases::steps_insert;
use crate::db::Tx;
use crate::digest::Digests;
use crate::error::StoreError;
use crate::rows::{from_ms, i, ms, new_id, oi, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::alerts::is_short;
use olive_domain::case::CaseEvent;
use olive_domain::deadline::{BusinessCalendar, DeadlineRule};
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

mod alerts;
mod approvals;
pub mod monthly;
use alerts::{UPDATE_CHUNK, alert_candidates, alert_levels_update};

const JOB_COLS: [&str; 7] = [
    "id",
    "kind",
    "unique_key",
    "payload",
    "run_at",
    "status",
    "created_at",
];

/// A job queued unless one with the same unique key already exists (returns whether it was new).
pub(crate) async fn queue_job(
    tx: &mut Tx,
    kind: &str,
    unique_key: &str,
    payload: Value,
    run_at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = tx
        .execute(
            &Query::insert()
                .into_table("jobs")
                .columns(JOB_COLS)
                .values_panic(job_values(kind, unique_key, &payload, run_at, now))
                .on_conflict(OnConflict::column("unique_key").do_nothing().to_owned())
                .to_owned(),
        )
        .await?;
    Ok(n > 0)
}

fn job_values(
    kind: &str,
    unique_key: &str,
    payload: &Value,
    run_at: Timestamp,
    now: Timestamp,
) -> [Expr; 7] {
    [
        new_id().into(),
        kind.into(),
        unique_key.into(),
        payload.to_string().into(),
        ms(run_at).into(),
        "queued".into(),
        ms(now).into(),
    ]
}

#[derive(Deserialize)]
struct AlertJob {
    step_id: String,
    case_id: String,
    kind: String,
}

#[derive(Deserialize)]
struct TimeoutJob {
    followup_id: String,
    case_id: String,
}

/// Rows one background write transaction handles (steps scanned, jobs run). Each holds SQLite's single
/// writer for a millisecond or two, so a case being logged meanwhile never waits long behind the scheduler.
pub const BACKGROUND_CHUNK: u64 = 100;

/// How many times a failing job is tried before it is marked dead.
const JOB_ATTEMPTS: i64 = 5;

impl Store {
    /// Queue alert jobs for steps whose reminder, overdue notice or escalation has come. Returns how
    /// many steps were looked at (at most `limit`; call again while it returns `limit`).
    pub async fn scan_steps(&self, now: Timestamp, limit: u64) -> Result<usize, StoreError> {
        let policy = self.loop_config().alerts;
        let horizon = now.checked_add(policy.lead).unwrap_or(now);
        let mut tx = self.db.begin().await?;
        // Steps alerted before (overdue notices, escalations) first, then steps never alerted. Each
        // select walks only rows it takes: every step it returns gets a new level or alert instant.
        let mut rows = tx
            .fetch_all(&alert_candidates(ms(now), None, limit))
            .await?;
        let room = limit.saturating_sub(rows.len() as u64);
        if room > 0 {
            rows.extend(
                tx.fetch_all(&alert_candidates(ms(now), Some(ms(horizon)), room))
                    .await?,
            );
        }
        let mut calendars: HashMap<String, BusinessCalendar> = HashMap::new();
        let mut jobs = Query::insert()
            .into_table("jobs")
            .columns(JOB_COLS)
            .on_conflict(OnConflict::column("unique_key").do_nothing().to_owned())
            .to_owned();
        let mut any_job = false;
        let mut levels: Vec<(String, i64, Option<i64>)> = Vec::with_capacity(rows.len());
        for r in &rows {
            let step_id = s(r, "id")?;
            let active = olive_domain::case::CaseStatus::parse(&s(r, "status")?)
                .is_some_and(|st| st.is_active());
            let (level, next_at) = if active {
                let location = s(r, "location_id")?;
                if !calendars.contains_key(&location) {
                    let cal = self.location(&location).await?.calendar();
                    calendars.insert(location.clone(), cal);
                }
                let cal = &calendars[&location];
                let short = s(r, "due_rule")?
                    .parse::<DeadlineRule>()
                    .is_ok_and(|rule| is_short(&rule));
                let plan = policy.plan(
                    i(r, "alert_level")?,
                    from_ms(i(r, "due_at")?),
                    short,
                    now,
                    cal,
                );
                if let Some(kind) = plan.fire {
                    let payload = json!({"step_id": step_id, "case_id": s(r, "case_id")?, "kind": kind.as_str()});
                    let key = format!("alert:{step_id}:{}", kind.as_str());
                    jobs.values_panic(job_values("alert", &key, &payload, now, now));
                    any_job = true;
                }
                // A step still at level 0 is picked again when `next_alert_at` is within the lead
                // (`horizon`), so its reminder moved to the opening is stored that much later.
                let next_at = match plan.next_at {
                    Some(t) if plan.level == 0 => Some(t.checked_add(policy.lead).unwrap_or(t)),
                    other => other,
                };
                (plan.level, next_at.map(ms))
            } else {
                (i(r, "alert_level")?, None)
            };
            levels.push((step_id, level, next_at));
        }
        for chunk in levels.chunks(UPDATE_CHUNK) {
            tx.execute_once(&alert_levels_update(chunk)).await?;
        }
        if any_job {
            tx.execute_once(&jobs).await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Run up to `limit` due jobs, `BACKGROUND_CHUNK` per transaction. Returns how many ran (done or
    /// failed). A person's alerts from the whole call become one digest email.
    pub async fn run_jobs(&self, now: Timestamp, limit: u64) -> Result<usize, StoreError> {
        let mut digests = Digests::default();
        let mut ran = 0;
        let outcome = async {
            while ran < limit {
                let want = Ord::min(limit - ran, BACKGROUND_CHUNK);
                let n = self.run_chunk(now, want, &mut digests).await? as u64;
                ran += n;
                if n < want {
                    break;
                }
            }
            Ok::<_, StoreError>(())
        }
        .await;
        // What was committed goes out even when a later chunk failed.
        digests.release(&self.db, &self.public_base(), now).await?;
        outcome?;
        Ok(ran as usize)
    }

    /// The public address links in emails start with.
    fn public_base(&self) -> String {
        self.loop_config()
            .public_url
            .trim_end_matches('/')
            .to_string()
    }

    /// One transaction of `run_jobs`.
    async fn run_chunk(
        &self,
        now: Timestamp,
        limit: u64,
        digests: &mut Digests,
    ) -> Result<usize, StoreError> {
        let mut tx = self.db.begin().await?;
        let rows = tx.fetch_all(&due_jobs(now, limit)).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<String> = rows.iter().map(|r| s(r, "id")).collect::<Result<_, _>>()?;
        match self.run_batch(&mut tx, &rows, now, digests).await {
            Ok(()) => {
                finish_jobs(&mut tx, &ids, now).await?;
                tx.commit().await?;
                digests.commit();
                for r in &rows {
                    record_lag(r, now);
                }
            }
            Err(_) => {
                // Something in the batch failed: run each job on its own so one bad job cannot hold up the rest.
                drop(tx);
                digests.discard();
                for id in &ids {
                    let mut tx = self.db.begin().await?;
                    let row = tx
                        .fetch_optional(
                            &due_jobs(now, 1)
                                .and_where(Expr::col("id").eq(id.clone()))
                                .to_owned(),
                        )
                        .await?;
                    let Some(row) = row else { continue };
                    match self
                        .run_batch(&mut tx, std::slice::from_ref(&row), now, digests)
                        .await
                    {
                        Ok(()) => {
                            finish_jobs(&mut tx, std::slice::from_ref(id), now).await?;
                            tx.commit().await?;
                            digests.commit();
                            record_lag(&row, now);
                        }
                        Err(e) => {
                            drop(tx);
                            digests.discard();
                            self.job_failed(id, i(&row, "attempts")? + 1, &e.to_string(), now)
                                .await?;
                        }
                    }
                }
            }
        }
        Ok(ids.len())
    }

    async fn job_failed(
        &self,
        id: &str,
        attempts: i64,
        error: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let retry = now
            .checked_add(jiff::SignedDuration::from_mins(attempts * attempts))
            .unwrap_or(now);
        let mut u = Query::update()
            .table("jobs")
            .value("attempts", attempts)
            .value("last_error", error.chars().take(500).collect::<String>())
            .value("run_at", ms(retry))
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        if attempts >= JOB_ATTEMPTS {
            u.value("status", "dead");
        }
        self.db.execute(&u).await?;
        Ok(())
    }

    async fn run_batch(
        &self,
        tx: &mut Tx,
        rows: &[sqlx::any::AnyRow],
        now: Timestamp,
        digests: &mut Digests,
    ) -> Result<(), StoreError> {
        let mut alerts = Vec::new();
        for r in rows {
            let payload = s(r, "payload")?;
            let bad = |e: serde_json::Error| StoreError::Corrupt(format!("job payload: {e}"));
            match s(r, "kind")?.as_str() {
                "alert" => alerts.push(serde_json::from_str::<AlertJob>(&payload).map_err(bad)?),
                "followup_timeout" => {
                    let job: TimeoutJob = serde_json::from_str(&payload).map_err(bad)?;
                    self.followup_timed_out(tx, job, now).await?;
                }
                approvals::KIND => {
                    let job = serde_json::from_str(&payload).map_err(bad)?;
                    self.escalate_approval(tx, job, now).await?;
                }
                other => return Err(StoreError::Corrupt(format!("unknown job kind '{other}'"))),
            }
        }
        if !alerts.is_empty() {
            self.send_alerts(tx, alerts, now, digests).await?;
        }
        Ok(())
    }

    /// No answer to a follow-up in time: a verification call becomes a step, and the owner is told.
    async fn followup_timed_out(
        &self,
        tx: &mut Tx,
        job: TimeoutJob,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns(["answered_at", "timed_out_at"])
                    .from("followups")
                    .and_where(Expr::col("id").eq(job.followup_id.clone()))
                    .to_owned(),
            )
            .await?;
        let Some(row) = row else { return Ok(()) };
        let c = self.case_by_id_tx(tx, &job.case_id).await?;
        if oi(&row, "answered_at")?.is_some()
            || oi(&row, "timed_out_at")?.is_some()
            || !c.status.is_active()
        {
            return Ok(());
        }
        tx.execute(
            &Query::update()
                .table("followups")
                .value("timed_out_at", ms(now))
                .and_where(Expr::col("id").eq(job.followup_id.clone()))
                .to_owned(),
        )
        .await?;
        let location = self.location(&c.location_id).await?;
        let who = self.display_name(&c).await?;
        let step = olive_domain::playbook::protocols::unanswered_call(&who);
        let due = location
            .calendar()
            .due(&step.due, now)
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let max = crate::actions::last_position(tx, &c.id).await?;
        let takes = crate::actions::assign::owner_takes(tx, &c, step.owner).await?;
        tx.execute(&steps_insert(
            &c.id,
            &[(max + 1, &step, due, takes.as_deref())],
        ))
        .await?;
        let next_due = c.next_due_at.map_or(ms(due), |d| std::cmp::min(d, ms(due)));
        tx.execute(
            &Query::update()
                .table("cases")
                .value("next_due_at", next_due)
                .value("updated_at", ms(now))
                .and_where(Expr::col("id").eq(c.id.clone()))
                .to_owned(),
        )
        .await?;
        tx.case_event(
            &c.id,
            &c.location_id,
            now,
            By::System,
            CaseEvent::FollowUpUnanswered,
            json!({"follow_up_id": job.followup_id, "step": step.title}),
        )
        .await?;
        let text = format!(
            "C-{} ({who}) has not answered the follow-up: call to verify the recovery.",
            c.reference
        );
        self.notify(
            tx,
            std::slice::from_ref(&c.owner_id),
            &c,
            "follow_up_unanswered",
            &format!("No answer yet: C-{}", c.reference),
            &text,
            now,
        )
        .await
    }

    /// Jobs by status (tests and benchmarks).
    pub async fn job_counts(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(["kind", "status"])
                    .expr_as(Expr::col("id").count(), "n")
                    .from("jobs")
                    .group_by_col("kind")
                    .group_by_col("status")
                    .to_owned(),
            )
            .await?;
        rows.iter()
            .map(|r| Ok((s(r, "kind")?, s(r, "status")?, i(r, "n")?)))
            .collect()
    }
}

/// How late a job ran: `olive_job_lag_seconds`, from its run time to `now` (the tick that ran it).
fn record_lag(row: &sqlx::any::AnyRow, now: Timestamp) {
    if let Ok(run_at) = i(row, "run_at") {
        let lag = Ord::max(ms(now) - run_at, 0) as f64 / 1000.0;
        metrics::histogram!("olive_job_lag_seconds").record(lag);
    }
}

fn due_jobs(now: Timestamp, limit: u64) -> sea_query::SelectStatement {
    Query::select()
        .columns(["id", "kind", "payload", "attempts", "run_at"])
        .from("jobs")
        .and_where(Expr::cust("status = 'queued'"))
        .and_where(Expr::col("run_at").lte(ms(now)))
        .order_by("run_at", Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned()
}

async fn finish_jobs(tx: &mut Tx, ids: &[String], now: Timestamp) -> Result<(), StoreError> {
    tx.execute_once(
        &Query::update()
            .table("jobs")
            .value("status", "done")
            .value("finished_at", ms(now))
            .value("attempts", Expr::col("attempts").add(1))
            .and_where(Expr::col("id").is_in(ids.iter().cloned()))
            .to_owned(),
    )
    .await?;
    Ok(())
}
