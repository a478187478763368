//! SQLite's WAL checkpoints, run beside the writer instead of inside its commits. SQLite's own
//! auto-checkpoint runs in the connection whose commit crosses 1,000 WAL pages, so every tenth group
//! commit or so stalled for the copy and the database file's fsync while every request behind it
//! waited. Here a task with its own connection copies the WAL back (`PASSIVE`: it never blocks the
//! writer), and only when the WAL has grown large does it hold the writer back for the short tail, so
//! the next write can start the WAL file from its beginning again.

use sqlx::{AnyPool, Row};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinHandle;

/// Commits between two checkpoints (about 600 WAL pages when eight cases share each commit).
const EVERY: u64 = 8;

/// A quiet spell after which whatever is left in the WAL is copied back.
const QUIET: Duration = Duration::from_secs(1);

/// WAL frames (pages of 4 KiB) beyond which the checkpointer briefly holds the writer back so the
/// WAL can start again from its beginning: it never grows much past 16 MiB under a steady load.
const RESTART_FRAMES: i64 = 4096;

/// What the writer side tells the checkpointer: one more commit.
pub(crate) struct Checkpoints {
    pool: AnyPool,
    commits: AtomicU64,
    wake: Notify,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Checkpoints {
    /// Start the checkpointer on `pool` (a connection of its own). `writer` is the in-process writer
    /// slot it takes for the tail before a restart.
    pub(crate) fn start(pool: AnyPool, writer: Arc<Mutex<()>>) -> Arc<Checkpoints> {
        let shared = Arc::new(Checkpoints {
            pool: pool.clone(),
            commits: AtomicU64::new(0),
            wake: Notify::new(),
            task: std::sync::Mutex::new(None),
        });
        let task = tokio::spawn(run(pool, writer, Arc::downgrade(&shared)));
        if let Ok(mut slot) = shared.task.lock() {
            *slot = Some(task);
        }
        shared
    }

    /// A write transaction committed.
    pub(crate) fn committed(&self) {
        if (self.commits.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(EVERY) {
            self.wake.notify_one();
        }
    }

    /// Stop the checkpointer and close its connection.
    pub(crate) async fn close(&self) {
        self.stop();
        self.pool.close().await;
    }

    fn stop(&self) {
        if let Ok(mut slot) = self.task.lock()
            && let Some(task) = slot.take()
        {
            task.abort();
        }
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `(frames in the WAL, frames copied back)` after one passive checkpoint.
async fn passive(pool: &AnyPool) -> Result<(i64, i64), sqlx::Error> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await?;
    Ok((row.try_get(1)?, row.try_get(2)?))
}

async fn run(pool: AnyPool, writer: Arc<Mutex<()>>, shared: std::sync::Weak<Checkpoints>) {
    let mut seen = 0;
    loop {
        let Some(s) = shared.upgrade() else { return };
        // Woken every `EVERY` commits, or after a quiet spell with whatever has come since.
        let _ = tokio::time::timeout(QUIET, s.wake.notified()).await;
        let now = s.commits.load(Ordering::Relaxed);
        drop(s);
        if now == seen {
            continue;
        }
        seen = now;
        let result = match passive(&pool).await {
            Ok((log, _)) if log > RESTART_FRAMES => restart(&pool, &writer).await,
            other => other.map(|_| ()),
        };
        match result {
            Ok(()) => {}
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; trying again later");
                tokio::time::sleep(QUIET).await;
            }
        }
    }
}

/// Under load the writer is always a transaction ahead of the copy, so the WAL is never wholly copied
/// back when a write begins, and SQLite restarts the WAL only when it is. Two more passes shrink what
/// the writer added meanwhile; the last, with the writer held back, copies the rest. The next write
/// then starts the WAL from its beginning.
async fn restart(pool: &AnyPool, writer: &Mutex<()>) -> Result<(), sqlx::Error> {
    passive(pool).await?;
    passive(pool).await?;
    let _slot = writer.lock().await;
    passive(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::db::Db;
    use crate::testing::fresh_url;
    use sea_query::{Expr, Query};

    /// Under a steady stream of commits the WAL is copied back and started afresh: it stays near
    /// `RESTART_FRAMES` pages instead of growing with everything written (about 90 MB here), and
    /// every row is still there after reopening. On a busy machine (the whole suite running at once)
    /// the checkpointer can fall behind for a while: the WAL was seen at 25 MB with 45 MB written, so
    /// enough is written that "bounded" and "grows with the writes" stay far apart.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_steady_writes() {
        let url = fresh_url(false).await.unwrap();
        let path = url.trim_start_matches("sqlite://").to_string();
        let db = Db::connect(&url).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.raw("CREATE TABLE blobs (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let body = "x".repeat(3_000);
        let (commits, rows) = (3_000, 10);
        let mut largest_wal = 0;
        for _ in 0..commits {
            let mut insert = Query::insert()
                .into_table("blobs")
                .columns(["body"])
                .to_owned();
            for _ in 0..rows {
                insert.values_panic([Expr::val(body.as_str())]);
            }
            let mut tx = db.begin().await.unwrap();
            tx.execute_once(&insert).await.unwrap();
            tx.commit().await.unwrap();
            let wal = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
            largest_wal = largest_wal.max(wal);
        }
        let written = commits * rows * 3_000;
        assert!(
            largest_wal < written / 2,
            "the WAL grew to {largest_wal} bytes for {written} bytes written"
        );
        db.close().await;
        let db = Db::connect(&url).await.unwrap();
        let q = Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from("blobs")
            .to_owned();
        let row = db.fetch_optional(&q).await.unwrap().unwrap();
        let n: i64 = sqlx::Row::try_get(&row, 0).unwrap();
        assert_eq!(n, (commits * rows) as i64);
    }
}
