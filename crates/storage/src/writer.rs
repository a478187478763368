//! Writing new cases. On SQLite, concurrent creations share one transaction and one fsync (group commit):
//! a single writer task takes every case waiting, gives each its reference, and writes them with one
//! multi-row insert per table. A case whose Idempotency-Key is already taken is dropped from the batch
//! (its key is written first, inside a savepoint) without sinking the others. On PostgreSQL each case is
//! its own one-case batch in its own transaction.

use crate::cases::{CASE_COLS, STEP_COLS, TIMELINE_COLS};
use crate::db::{Backend, Db};
use crate::error::StoreError;
use crate::rows::i;
use sea_query::{Expr, ExprTrait, InsertStatement, Query};
use std::collections::HashSet;
use tokio::sync::{mpsc, oneshot};

/// Everything a new case writes. The case row needs its reference, which the writer assigns.
pub(crate) struct CaseWrite {
    pub case: Box<dyn FnOnce(i64) -> Vec<Expr> + Send>,
    pub steps: Vec<Vec<Expr>>,
    pub timeline: Vec<Expr>,
    /// the `case.created` audit row
    pub audit: Vec<Expr>,
    /// the customer's contact keys (`followup::contact_keys`), checked against opt-outs in the transaction
    pub contacts: Vec<String>,
    pub idempotency: Option<InsertStatement>,
    /// the `case.created` event for webhooks, given the reference
    pub event: Box<dyn FnOnce(i64) -> crate::outbox::EventOut + Send>,
    /// the case's id and the prevention action it joins (or opens): none for an `other` case
    pub prevention: Option<(String, crate::prevention::Opening)>,
    pub now: jiff::Timestamp,
}

/// What the writer tells each case: its reference, and whether its customer has opted out of contact.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Written {
    pub reference: i64,
    pub opted_out: bool,
}

struct Job {
    write: CaseWrite,
    reply: oneshot::Sender<Result<Written, StoreError>>,
}

/// Cases waiting for the writer; at most this many share a commit.
const BATCH: usize = 64;

/// How many yields in a row that bring no new case end the gathering of a batch.
const GATHER_YIELDS: usize = 3;

#[derive(Clone)]
pub(crate) struct Writer {
    queue: Option<mpsc::Sender<Job>>,
}

impl Writer {
    pub fn new(db: &Db) -> Writer {
        if db.backend() != Backend::Sqlite {
            return Writer { queue: None };
        }
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(run(db.clone(), rx));
        Writer { queue: Some(tx) }
    }

    /// Write a new case; returns its reference number.
    pub async fn write(&self, db: &Db, write: CaseWrite) -> Result<Written, StoreError> {
        let Some(queue) = &self.queue else {
            return write_batch(db, vec![write])
                .await?
                .pop()
                .unwrap_or_else(|| Err(StoreError::Corrupt("no outcome".into())));
        };
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job { write, reply })
            .await
            .map_err(|_| StoreError::Config("the case writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Config("the case writer has stopped".into()))?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        // Let the other requests in flight on this runtime reach the queue before the batch is taken:
        // one commit (and one fsync) for all of them. A yield with nothing else to run costs next to
        // nothing, so a lone request is written at once.
        let mut idle = 0;
        loop {
            let before = jobs.len();
            while jobs.len() < BATCH {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
            idle = if jobs.len() == before { idle + 1 } else { 0 };
            if jobs.len() == BATCH || idle == GATHER_YIELDS {
                break;
            }
            tokio::task::yield_now().await;
        }
        let (writes, replies): (Vec<_>, Vec<_>) =
            jobs.into_iter().map(|j| (j.write, j.reply)).unzip();
        match write_batch(&db, writes).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                let message = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(StoreError::Db(sqlx::Error::Protocol(message.clone()))));
                }
            }
        }
    }
}

/// One transaction for the batch. Outcomes only count once the commit succeeded.
async fn write_batch(
    db: &Db,
    writes: Vec<CaseWrite>,
) -> Result<Vec<Result<Written, StoreError>>, StoreError> {
    let mut tx = db.begin().await?;
    let n = writes.len() as i64;
    let row = tx
        .fetch_optional(
            &Query::update()
                .table("counters")
                .value("value", Expr::col("value").add(n))
                .and_where(Expr::col("name").eq("case"))
                .returning_col("value")
                .to_owned(),
        )
        .await?
        .ok_or_else(|| StoreError::Corrupt("case counter missing".into()))?;
    let first = i(&row, "value")? - n + 1;
    let mut outcomes = Vec::with_capacity(writes.len());
    let mut kept = Vec::with_capacity(writes.len());
    for (k, w) in writes.into_iter().enumerate() {
        let reference = first + k as i64;
        if let Some(key) = &w.idempotency {
            tx.raw("SAVEPOINT idempotency").await?;
            if let Err(e) = tx.execute(key).await {
                tx.raw("ROLLBACK TO idempotency").await?;
                tx.raw("RELEASE idempotency").await?;
                outcomes.push(Err(e));
                continue;
            }
            tx.raw("RELEASE idempotency").await?;
        }
        outcomes.push(Ok(Written {
            reference,
            opted_out: false,
        }));
        kept.push((reference, w));
    }
    let keys: HashSet<String> = kept
        .iter()
        .flat_map(|(_, w)| w.contacts.iter().cloned())
        .collect();
    let opted_out = opted_out(&mut tx, keys).await?;
    for w in outcomes.iter_mut().flatten() {
        let contacts = kept
            .iter()
            .find(|(r, _)| *r == w.reference)
            .map(|(_, c)| &c.contacts);
        w.opted_out = contacts.is_some_and(|c| c.iter().any(|k| opted_out.contains(k)));
    }
    if !kept.is_empty() {
        let mut cases = Query::insert()
            .into_table("cases")
            .columns(CASE_COLS)
            .to_owned();
        let mut steps = Query::insert()
            .into_table("case_steps")
            .columns(STEP_COLS)
            .to_owned();
        let mut timeline = Query::insert()
            .into_table("timeline")
            .columns(TIMELINE_COLS)
            .to_owned();
        let mut audit = Query::insert()
            .into_table("audit_log")
            .columns(crate::audit::AUDIT_COLS)
            .to_owned();
        let mut any_steps = false;
        let now = kept[0].1.now;
        let mut events = Vec::with_capacity(kept.len());
        let mut openings = Vec::new();
        for (reference, w) in kept {
            openings.extend(w.prevention);
            events.push((w.event)(reference));
            cases.values_panic((w.case)(reference));
            for s in w.steps {
                steps.values_panic(s);
                any_steps = true;
            }
            timeline.values_panic(w.timeline);
            audit.values_panic(w.audit);
        }
        tx.execute_once(&cases).await?;
        if any_steps {
            tx.execute_once(&steps).await?;
        }
        tx.execute_once(&timeline).await?;
        tx.execute_once(&audit).await?;
        // In the order the cases were logged: the first of a defect opens its action, the others join it.
        for (case_id, o) in &openings {
            crate::prevention::open_and_link(&mut tx, o, case_id, now).await?;
        }
        crate::outbox::emit_many(
            &mut tx,
            olive_domain::events::EventType::CaseCreated,
            events,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Which of these contact keys have opted out (one read for the whole batch).
async fn opted_out(
    tx: &mut crate::db::Tx,
    keys: HashSet<String>,
) -> Result<HashSet<String>, StoreError> {
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let q = Query::select()
        .column("contact")
        .from("contact_opt_outs")
        .and_where(Expr::col("contact").is_in(keys))
        .to_owned();
    tx.fetch_all(&q)
        .await?
        .iter()
        .map(|r| crate::rows::s(r, "contact"))
        .collect()
}
