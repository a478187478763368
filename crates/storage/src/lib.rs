//! Olive's storage: one query layer (sea-query over sqlx `Any`) for SQLite and PostgreSQL, and the store operations.

pub mod actions;
pub mod actor;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod cases;
mod checkpoint;
pub mod db;
mod digest;
pub mod error;
pub mod followup;
pub mod loop_config;
pub mod me;
pub mod notify;
pub mod observe;
pub mod org;
pub mod outbox;
pub mod prevention;
pub mod privacy;
pub mod reports;
pub mod rows;
pub mod scheduler;
pub mod severity;
pub mod signins;
pub mod stats;
pub mod store;
pub mod testing;
pub mod tokens;
pub mod views;
pub mod webhooks;
mod writer;

pub use actor::Actor;
pub use db::{Backend, Db};
pub use error::StoreError;
pub use loop_config::LoopConfig;
pub use store::{Location, Store};
