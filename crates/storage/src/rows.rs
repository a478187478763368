//! Small helpers for reading rows and converting instants (stored as integer milliseconds UTC).

use crate::error::StoreError;
use jiff::Timestamp;
use sqlx::Row;
use sqlx::any::AnyRow;

pub fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub fn from_ms(v: i64) -> Timestamp {
    Timestamp::from_millisecond(v).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// RFC 3339 UTC text for an instant stored as milliseconds.
pub fn rfc3339(v: i64) -> String {
    from_ms(v).to_string()
}

pub fn opt_rfc3339(v: Option<i64>) -> Option<String> {
    v.map(rfc3339)
}

pub fn s(row: &AnyRow, col: &str) -> Result<String, StoreError> {
    row.try_get::<String, _>(col).map_err(StoreError::from)
}

pub fn os(row: &AnyRow, col: &str) -> Result<Option<String>, StoreError> {
    row.try_get::<Option<String>, _>(col)
        .map_err(StoreError::from)
}

pub fn i(row: &AnyRow, col: &str) -> Result<i64, StoreError> {
    row.try_get::<i64, _>(col).map_err(StoreError::from)
}

pub fn oi(row: &AnyRow, col: &str) -> Result<Option<i64>, StoreError> {
    row.try_get::<Option<i64>, _>(col).map_err(StoreError::from)
}

/// Parse a stored enum value, treating an unknown one as corrupt data rather than panicking.
pub fn parse<T>(value: &str, f: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError> {
    f(value).ok_or_else(|| StoreError::Corrupt(format!("unexpected stored value '{value}'")))
}

/// A new UUIDv7 as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
