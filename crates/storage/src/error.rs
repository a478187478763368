//! Storage errors: what went wrong, in terms the web layer maps to HTTP statuses.

use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Unknown id, or something at a location the caller does not belong to (never reveal it exists).
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("{message}")]
    Validation {
        message: String,
        fields: BTreeMap<String, String>,
    },
    #[error("this Idempotency-Key was already used with a different request body")]
    IdempotencyReused,
    #[error("{0}")]
    Config(String),
    /// Too many attempts (PIN or sign-in): try again later.
    #[error("{0}")]
    TooMany(String),
    #[error("database error: {0}")]
    Db(#[source] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    /// Every database error passes here: contention (busy, serialisation, deadlock) is counted.
    fn from(e: sqlx::Error) -> Self {
        crate::observe::count(&e);
        StoreError::Db(e)
    }
}

impl StoreError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        StoreError::Conflict {
            code,
            message: message.into(),
        }
    }

    /// PostgreSQL refused a NUL character in text (SQLSTATE 22021): the client's input, not a fault.
    pub fn is_nul_in_text(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::Database(db)) if db.code().as_deref() == Some("22021"))
    }

    /// No database connection came free in time: the server is busy.
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Db(sqlx::Error::PoolTimedOut))
    }

    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        StoreError::Validation {
            fields: BTreeMap::from([(field.to_string(), message.clone())]),
            message,
        }
    }
}

/// Collects field errors so a form can show each next to its field.
#[derive(Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| message.into());
    }

    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }

    pub fn into_result(self) -> Result<(), StoreError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let message = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; ");
        Err(StoreError::Validation {
            message,
            fields: self.0,
        })
    }
}
