//! Olive's background worker: scheduler ticks (reminders, escalations, follow-up timeouts) and outbox
//! delivery (email over SMTP, signed webhooks) with retries and backoff.

pub mod config;
pub mod deliver;
pub mod monthly;
pub mod worker;

pub use config::{SmtpConfig, WorkerConfig};
pub use worker::{Clock, TickReport, Worker};
