//! Test support: a fresh, empty database per test run on either backend (never shared between runs).

use crate::error::StoreError;
use crate::store::Store;
use sqlx::Connection;

/// Where the PostgreSQL used by tests lives (override with `OLIVE_TEST_PG_URL`).
pub fn pg_admin_url() -> String {
    std::env::var("OLIVE_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A URL to a brand-new database: a temp SQLite file, or a new PostgreSQL database named `olive_t_<uuid>`.
pub async fn fresh_url(postgres: bool) -> Result<String, StoreError> {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    if postgres {
        let admin = pg_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        let name = format!("olive_t_{tag}");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
        conn.close().await?;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_string();
        Ok(format!("{base}/{name}"))
    } else {
        let dir = std::env::temp_dir().join("olive-tests");
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::Config(e.to_string()))?;
        Ok(format!("sqlite://{}", dir.join(format!("{tag}.db")).display()))
    }
}

/// Open a migrated store on a fresh database.
pub async fn fresh_store(postgres: bool) -> Result<Store, StoreError> {
    Store::open(&fresh_url(postgres).await?).await
}
