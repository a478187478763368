//! A consistent copy of an SQLite database (`VACUUM INTO` a new file, readable by its owner only),
//! checked with `PRAGMA integrity_check` before it is called a backup.

use crate::error::StoreError;
use sqlx::ConnectOptions;
use std::path::Path;
use std::str::FromStr;

/// What a backup wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backup {
    /// the copy's size in bytes
    pub bytes: u64,
}

/// Copy the SQLite database at `url` to `out`, which must not exist, and check the copy.
/// The caller says what to do on PostgreSQL (`pg_dump`) and with an existing file.
pub async fn sqlite_backup(url: &str, out: &Path) -> Result<Backup, StoreError> {
    let target = out
        .to_str()
        .ok_or_else(|| StoreError::Config("the backup path must be valid UTF-8".into()))?
        .to_string();
    let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(url)?
        .create_if_missing(false)
        .connect()
        .await?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(&mut conn)
        .await?;
    sqlx::Connection::close(conn).await?;
    #[cfg(unix)]
    std::fs::set_permissions(out, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| StoreError::Config(format!("restricting {}: {e}", out.display())))?;
    let mut copy = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(out)
        .read_only(true)
        .connect()
        .await?;
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut copy)
        .await?;
    sqlx::Connection::close(copy).await?;
    if check != "ok" {
        return Err(StoreError::Corrupt(format!(
            "the backup {} failed its integrity check: {check}",
            out.display()
        )));
    }
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok(Backup { bytes })
}
