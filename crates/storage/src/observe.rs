//! What operators watch: readiness probes (database reachable, migrations applied) and the gauges the
//! metrics page reads at scrape time (pool use, outbox backlog, overdue jobs); database contention counted.

use crate::error::StoreError;
use crate::rows::{i, ms, oi};
use crate::store::Store;
use jiff::Timestamp;
use sea_query::{Expr, ExprTrait, Query};

/// One pool's connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUse {
    /// `main` (every read, and writes on PostgreSQL) or `writer` (SQLite's one write connection)
    pub pool: &'static str,
    pub open: u32,
    pub idle: usize,
}

/// Messages waiting in the outbox on one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Backlog {
    pub channel: String,
    pub pending: i64,
    /// seconds since the oldest pending message was written
    pub oldest_age_secs: f64,
}

/// Jobs whose run time has come and that have not run yet.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Overdue {
    pub jobs: i64,
    /// seconds since the run time of the most overdue one (0 when none)
    pub oldest_secs: f64,
}

fn secs_since(now: Timestamp, then_ms: i64) -> f64 {
    Ord::max(ms(now) - then_ms, 0) as f64 / 1000.0
}

impl Store {
    /// One trivial query: is the database reachable?
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db
            .fetch_optional(&Query::select().expr_as(Expr::val(1), "one").to_owned())
            .await?;
        Ok(())
    }

    /// Migrations built into this binary that the database has not applied (successfully): empty when
    /// the schema is up to date.
    pub async fn pending_migrations(&self) -> Result<Vec<i64>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .column("version")
                    .from("_sqlx_migrations")
                    .and_where(Expr::col("success").eq(true))
                    .to_owned(),
            )
            .await?;
        let applied: Vec<i64> = rows
            .iter()
            .map(|r| i(r, "version"))
            .collect::<Result<_, _>>()?;
        Ok(self
            .db
            .embedded_migrations()
            .into_iter()
            .filter(|v| !applied.contains(v))
            .collect())
    }

    /// Connections open and idle in each pool (no query).
    pub fn pool_use(&self) -> Vec<PoolUse> {
        self.db
            .pools()
            .into_iter()
            .map(|(pool, open, idle)| PoolUse { pool, open, idle })
            .collect()
    }

    /// Pending outbox messages by channel, with the age of the oldest.
    pub async fn outbox_backlog(&self, now: Timestamp) -> Result<Vec<Backlog>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .column("channel")
                    .expr_as(Expr::col("id").count(), "n")
                    .expr_as(Expr::col("created_at").min(), "oldest")
                    .from("outbox")
                    .and_where(Expr::cust("status = 'pending'"))
                    .group_by_col("channel")
                    .to_owned(),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Backlog {
                    channel: crate::rows::s(r, "channel")?,
                    pending: i(r, "n")?,
                    oldest_age_secs: oi(r, "oldest")?.map_or(0.0, |t| secs_since(now, t)),
                })
            })
            .collect()
    }

    /// Queued jobs already due at `now`: how many, and how late the latest-running one is.
    pub async fn overdue_jobs(&self, now: Timestamp) -> Result<Overdue, StoreError> {
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .expr_as(Expr::col("id").count(), "n")
                    .expr_as(Expr::col("run_at").min(), "oldest")
                    .from("jobs")
                    .and_where(Expr::cust("status = 'queued'"))
                    .and_where(Expr::col("run_at").lte(ms(now)))
                    .to_owned(),
            )
            .await?;
        let Some(r) = row else {
            return Ok(Overdue::default());
        };
        Ok(Overdue {
            jobs: i(&r, "n")?,
            oldest_secs: oi(&r, "oldest")?.map_or(0.0, |t| secs_since(now, t)),
        })
    }
}

/// The kind of contention a database error is, if it is one: a lock held too long (`busy`: SQLite
/// BUSY or LOCKED), a transaction PostgreSQL could not serialise (`serialization`, 40001), a deadlock
/// (`deadlock`, 40P01), or no connection free in time (`pool_timeout`).
pub fn contention(e: &sqlx::Error) -> Option<&'static str> {
    match e {
        sqlx::Error::PoolTimedOut => Some("pool_timeout"),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("40001") => Some("serialization"),
            Some("40P01") => Some("deadlock"),
            Some(c) => match c.parse::<i64>() {
                // SQLite: the primary result code is the low byte of the extended one.
                Ok(n) if matches!(n & 0xff, 5 | 6) => Some("busy"),
                _ => None,
            },
            None => None,
        },
        _ => None,
    }
}

/// Count a database error that is contention (`olive_db_contention_errors_total{kind}`). Olive retries
/// no transaction itself (SQLite writers queue in-process and wait in `busy_timeout`), so these are the
/// failures a retry would be for: the request or worker pass that met one failed.
pub(crate) fn count(e: &sqlx::Error) {
    if let Some(kind) = contention(e) {
        metrics::counter!("olive_db_contention_errors_total", "kind" => kind).increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;

    async fn probes(postgres: bool) {
        let store = fresh_store(postgres).await.unwrap();
        store.ping().await.unwrap();
        assert_eq!(store.pending_migrations().await.unwrap(), Vec::<i64>::new());
        assert!(!store.db.embedded_migrations().is_empty());
        let now = Timestamp::now();
        assert_eq!(store.overdue_jobs(now).await.unwrap().jobs, 0);
        assert!(store.outbox_backlog(now).await.unwrap().is_empty());
        let pools = store.pool_use();
        assert_eq!(pools[0].pool, "main");
        assert!(pools[0].open >= 1, "{pools:?}");
    }

    #[test]
    fn contention_kinds() {
        assert_eq!(contention(&sqlx::Error::PoolTimedOut), Some("pool_timeout"));
        assert_eq!(contention(&sqlx::Error::RowNotFound), None);
    }

    #[tokio::test]
    async fn probes_sqlite() {
        probes(false).await;
    }

    #[tokio::test]
    async fn probes_postgres() {
        probes(true).await;
    }
}
