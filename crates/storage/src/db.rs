//! The database handle: one sqlx `Any` pool, a sea-query builder per backend, migrations, transactions.

use crate::checkpoint::Checkpoints;
use crate::error::StoreError;
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, AssertSqlSafe, Executor, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which SQL dialect the pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database connection pool plus what the query layer needs to know about it.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer: writers queue here in-process instead of spinning on SQLITE_BUSY.
    write_lock: Option<Arc<Mutex<()>>>,
    /// SQLite: the one connection every write goes through. Its page cache stays valid from one write
    /// to the next (a commit on another connection would make it re-read every page it touches).
    write_pool: Option<AnyPool>,
    /// SQLite: the checkpointer, told of every commit.
    checkpoints: Option<Arc<Checkpoints>>,
    /// PostgreSQL: the URL, for a listening connection of its own
    pg_url: Option<Arc<str>>,
}

/// A write transaction (holding the SQLite writer slot when there is one).
pub struct Tx {
    // Declared first so it is dropped (rolled back) before the writer slot is released.
    pub(crate) tx: Transaction<'static, sqlx::Any>,
    backend: Backend,
    checkpoints: Option<Arc<Checkpoints>>,
    _guard: Option<OwnedMutexGuard<()>>,
}

static MIGRATE_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATE_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connect to `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::Config(format!(
                "DATABASE_URL must start with sqlite:// or postgres:// (got '{}')",
                url.split(':').next().unwrap_or_default()
            )));
        };
        match backend {
            Backend::Sqlite => {
                let url = if url.contains('?') {
                    url.to_string()
                } else {
                    format!("{url}?mode=rwc")
                };
                // Create the file with WAL once; per-connection pragmas in after_connect.
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)?
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .create_if_missing(true);
                let mut c =
                    <sqlx::SqliteConnection as sqlx::Connection>::connect_with(&opts).await?;
                sqlx::query("SELECT 1").execute(&mut c).await?;
                sqlx::Connection::close(c).await?;
                // temp_store = MEMORY keeps statement journals in memory: a multi-row insert inside a
                // transaction otherwise writes one to a temporary file, page by page.
                // No ping before handing out a connection: each is a round trip to the connection's
                // worker thread, and a local file does not hang up. (sqlx still pings on release.)
                // The writer never checkpoints: the checkpointer does, on a connection of its own.
                let options = |checkpoints: bool| {
                    AnyPoolOptions::new()
                        .test_before_acquire(false)
                        .after_connect(move |conn, _| {
                            Box::pin(async move {
                                conn.execute(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                     PRAGMA temp_store = MEMORY;",
                                )
                                .await?;
                                if !checkpoints {
                                    conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                                }
                                Ok(())
                            })
                        })
                };
                let single = |checkpoints| {
                    options(checkpoints)
                        .max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                };
                let writes = single(false).connect(&url).await?;
                let checkpointer = single(true).connect(&url).await?;
                let write_lock = Arc::new(Mutex::new(()));
                Ok(Db {
                    pool: options(true).max_connections(8).connect(&url).await?,
                    backend,
                    checkpoints: Some(Checkpoints::start(checkpointer, write_lock.clone())),
                    write_lock: Some(write_lock),
                    write_pool: Some(writes),
                    pg_url: None,
                })
            }
            Backend::Postgres => Ok(Db {
                pool: AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?,
                backend,
                write_lock: None,
                write_pool: None,
                checkpoints: None,
                pg_url: Some(url.into()),
            }),
        }
    }

    /// The pool writes go through: SQLite's one write connection, or the pool itself (PostgreSQL).
    fn writes(&self) -> &AnyPool {
        self.write_pool.as_ref().unwrap_or(&self.pool)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The versions of the migrations built into this binary for this backend.
    pub(crate) fn embedded_migrations(&self) -> Vec<i64> {
        let m = match self.backend {
            Backend::Sqlite => &MIGRATE_SQLITE,
            Backend::Postgres => &MIGRATE_POSTGRES,
        };
        m.iter().map(|m| m.version).collect()
    }

    /// Connections of each pool: (name, open, idle). SQLite has its readers' pool and the one writer.
    pub(crate) fn pools(&self) -> Vec<(&'static str, u32, usize)> {
        let mut out = vec![("main", self.pool.size(), self.pool.num_idle())];
        if let Some(w) = &self.write_pool {
            out.push(("writer", w.size(), w.num_idle()));
        }
        out
    }

    /// PostgreSQL's URL (for `LISTEN`); `None` on SQLite.
    pub(crate) fn postgres_url(&self) -> Option<String> {
        self.pg_url.as_deref().map(str::to_string)
    }

    /// PostgreSQL: `NOTIFY channel, payload` (delivered to listeners when this commits: at once here).
    pub(crate) async fn notify(&self, channel: &str, payload: &str) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel.to_string())
            .bind(payload.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Apply this backend's migrations (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                // A migration may rewrite a whole table in one statement: its statement journal and
                // sorts go to temporary files, not memory (see `temp_store` in `connect`).
                sqlx::query("PRAGMA temp_store = FILE")
                    .execute(self.writes())
                    .await?;
                MIGRATE_SQLITE.run(self.writes()).await?;
                sqlx::query("PRAGMA temp_store = MEMORY")
                    .execute(self.writes())
                    .await?;
            }
            Backend::Postgres => MIGRATE_POSTGRES.run(&self.pool).await?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        if let Some(w) = &self.write_pool {
            w.close().await;
        }
        if let Some(c) = &self.checkpoints {
            c.close().await;
        }
        self.pool.close().await;
    }

    /// Build a sea-query statement for this backend.
    fn build<S: SqlxBinder>(&self, stmt: &S) -> (String, SqlxValues) {
        match self.backend {
            Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
            Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
        }
    }

    pub async fn fetch_all<S: SqlxBinder>(&self, stmt: &S) -> Result<Vec<AnyRow>, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(AssertSqlSafe(sql), values)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn fetch_optional<S: SqlxBinder>(
        &self,
        stmt: &S,
    ) -> Result<Option<AnyRow>, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(AssertSqlSafe(sql), values)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// A single write outside a transaction. On SQLite it queues for the writer slot like `begin`, so
    /// concurrent writers wait in order instead of sleeping in SQLite's busy handler.
    pub async fn execute<S: SqlxBinder>(&self, stmt: &S) -> Result<u64, StoreError> {
        let (sql, values) = self.build(stmt);
        let _guard = match &self.write_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        let n = sqlx::query_with(AssertSqlSafe(sql), values)
            .execute(self.writes())
            .await?
            .rows_affected();
        if let Some(c) = &self.checkpoints {
            c.committed();
        }
        Ok(n)
    }

    /// Begin a write transaction. On SQLite this waits for the in-process writer slot and takes the
    /// database's write lock at once (`BEGIN IMMEDIATE`), so a transaction never fails half-way on a lock upgrade.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        match &self.write_lock {
            Some(lock) => {
                let guard = lock.clone().lock_owned().await;
                let tx = self.writes().begin_with("BEGIN IMMEDIATE").await?;
                Ok(Tx {
                    tx,
                    backend: self.backend,
                    checkpoints: self.checkpoints.clone(),
                    _guard: Some(guard),
                })
            }
            None => Ok(Tx {
                tx: self.pool.begin().await?,
                backend: self.backend,
                checkpoints: None,
                _guard: None,
            }),
        }
    }

    /// SQLite's plan for a statement, one line per step (tests check which index a query walks).
    #[cfg(test)]
    pub(crate) async fn explain(&self, sql: &str) -> Result<String, StoreError> {
        use sqlx::Row;
        let rows = sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .fetch_all(&self.pool)
            .await?;
        let lines: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>("detail"))
            .collect::<Result<_, _>>()?;
        Ok(lines.join("\n"))
    }

    /// The options the SQLite library was compiled with (`PRAGMA compile_options`).
    #[cfg(test)]
    pub(crate) async fn compile_options(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA compile_options")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// SQLite integrity check (PostgreSQL: always "ok").
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let row: (String,) = sqlx::query_as("PRAGMA integrity_check")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.0)
            }
            Backend::Postgres => Ok("ok".into()),
        }
    }
}

impl Tx {
    fn build<S: SqlxBinder>(&self, stmt: &S) -> (String, SqlxValues) {
        match self.backend {
            Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
            Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
        }
    }

    fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub async fn fetch_all<S: SqlxBinder>(&mut self, stmt: &S) -> Result<Vec<AnyRow>, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(AssertSqlSafe(sql), values)
            .fetch_all(self.conn())
            .await?)
    }

    pub async fn fetch_optional<S: SqlxBinder>(
        &mut self,
        stmt: &S,
    ) -> Result<Option<AnyRow>, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(AssertSqlSafe(sql), values)
            .fetch_optional(self.conn())
            .await?)
    }

    /// `fetch_all` without keeping the prepared statement (see `execute_once`): for `IN (…)` lists of varying length.
    pub async fn fetch_all_once<S: SqlxBinder>(
        &mut self,
        stmt: &S,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(AssertSqlSafe(sql), values)
            .persistent(false)
            .fetch_all(self.conn())
            .await?)
    }

    pub async fn execute<S: SqlxBinder>(&mut self, stmt: &S) -> Result<u64, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(AssertSqlSafe(sql), values)
            .execute(self.conn())
            .await?
            .rows_affected())
    }

    /// `execute` without keeping the prepared statement: for statements whose text changes with their
    /// size (the multi-row inserts of a group commit). Cached, every batch size would be one more large
    /// prepared statement in each connection's cache (the server's memory grew under load).
    pub async fn execute_once<S: SqlxBinder>(&mut self, stmt: &S) -> Result<u64, StoreError> {
        let (sql, values) = self.build(stmt);
        Ok(sqlx::query_with(AssertSqlSafe(sql), values)
            .persistent(false)
            .execute(self.conn())
            .await?
            .rows_affected())
    }

    /// Serialise the transactions that share `key` until they end: a PostgreSQL advisory lock. (SQLite
    /// writers already run one at a time.)
    pub async fn lock_key(&mut self, key: &str) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind(key.to_string())
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Run a fixed statement (savepoints and the like).
    pub async fn raw(&mut self, sql: &'static str) -> Result<(), StoreError> {
        sqlx::query(sql).execute(self.conn()).await?;
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        if let Some(c) = &self.checkpoints {
            c.committed();
        }
        Ok(())
    }
}
