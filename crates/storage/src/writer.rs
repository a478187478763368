//! Writing new cases. On SQLite, concurrent creations share one transaction and one fsync (group commit):
//! a single writer task takes every case waiting, gives each its reference, writes each inside a savepoint
//! (so one failure does not sink the others) and commits once. On PostgreSQL each case is its own transaction.

use crate::db::{Backend, Db};
use crate::error::StoreError;
use crate::rows::i;
use sea_query::{Expr, ExprTrait, InsertStatement, Query};
use tokio::sync::{mpsc, oneshot};

/// Everything a new case writes: the case row (which needs its reference) and the rest (steps, timeline, …).
pub(crate) struct CaseWrite {
    pub case: Box<dyn FnOnce(i64) -> InsertStatement + Send>,
    pub rest: Vec<InsertStatement>,
}

struct Job {
    write: CaseWrite,
    reply: oneshot::Sender<Result<i64, StoreError>>,
}

/// Cases waiting for the writer; at most this many share a commit.
const BATCH: usize = 64;

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
    pub async fn write(&self, db: &Db, write: CaseWrite) -> Result<i64, StoreError> {
        let Some(queue) = &self.queue else {
            let mut tx = db.begin().await?;
            let reference = next_refs(&mut tx, 1).await?;
            tx.execute(&(write.case)(reference)).await?;
            for st in &write.rest {
                tx.execute(st).await?;
            }
            tx.commit().await?;
            return Ok(reference);
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

/// Reserve `n` references; returns the first.
async fn next_refs(tx: &mut crate::db::Tx, n: i64) -> Result<i64, StoreError> {
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
    Ok(i(&row, "value")? - n + 1)
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < BATCH {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
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

/// One transaction for the batch; each case in a savepoint. Outcomes only count once the commit succeeded.
async fn write_batch(
    db: &Db,
    writes: Vec<CaseWrite>,
) -> Result<Vec<Result<i64, StoreError>>, StoreError> {
    let mut tx = db.begin().await?;
    let first = next_refs(&mut tx, writes.len() as i64).await?;
    let mut outcomes = Vec::with_capacity(writes.len());
    for (k, w) in writes.into_iter().enumerate() {
        let reference = first + k as i64;
        tx.raw("SAVEPOINT case_write").await?;
        let mut res = tx.execute(&(w.case)(reference)).await.map(|_| ());
        for st in &w.rest {
            if res.is_ok() {
                res = tx.execute(st).await.map(|_| ());
            }
        }
        match res {
            Ok(()) => {
                tx.raw("RELEASE case_write").await?;
                outcomes.push(Ok(reference));
            }
            Err(e) => {
                tx.raw("ROLLBACK TO case_write").await?;
                tx.raw("RELEASE case_write").await?;
                outcomes.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}
