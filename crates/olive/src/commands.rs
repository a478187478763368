//! The subcommands, one module each: what each takes (its clap arguments) and what it does.

mod backup;
mod bench_seed;
mod check_wording;
mod demo;
mod export;
mod migrate;
mod playbook;
mod serve;
mod token;
mod user;
mod worker;

use crate::settings::Settings;
use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web interface and the API, with the background worker (reminders, email, webhooks)
    Serve(serve::ServeArgs),
    /// Run only the background worker: reminders, escalations, follow-up timeouts, email and webhooks
    Worker(worker::WorkerArgs),
    /// Seed a demo organisation (if the database is empty) and serve it
    Demo(demo::DemoArgs),
    /// Apply database migrations
    Migrate(migrate::MigrateArgs),
    /// Copy the SQLite database to a new file (a consistent snapshot; PostgreSQL: use pg_dump)
    Backup(backup::BackupArgs),
    /// Write every case with its timeline as JSON or CSV (to stdout without --out)
    Export(export::ExportArgs),
    /// Check customer-facing wording (exit 0 clean, 1 flagged, 2 error)
    CheckWording(check_wording::CheckWordingArgs),
    /// Playbooks: list, show, export, validate, import
    Playbook {
        #[command(subcommand)]
        cmd: playbook::PlaybookCmd,
    },
    /// Staff accounts
    User {
        #[command(subcommand)]
        cmd: user::UserCmd,
    },
    /// API tokens
    Token {
        #[command(subcommand)]
        cmd: token::TokenCmd,
    },
    /// Fill the database with many synthetic cases (for benchmarks)
    #[command(hide = true)]
    BenchSeed(bench_seed::BenchSeedArgs),
}

/// Run the chosen subcommand; its exit code.
pub async fn run(command: Command, settings: Settings) -> Result<i32> {
    match command {
        Command::Serve(a) => serve::run(a, settings).await?,
        Command::Worker(a) => worker::run(a, settings).await?,
        Command::Demo(a) => demo::run(a, settings).await?,
        Command::Migrate(a) => migrate::run(a, &settings).await?,
        Command::Backup(a) => backup::run(a).await?,
        Command::Export(a) => export::run(a, &settings).await?,
        Command::CheckWording(a) => return check_wording::run(a),
        Command::Playbook { cmd } => playbook::run(cmd, &settings).await?,
        Command::User { cmd } => user::run(cmd, &settings).await?,
        Command::Token { cmd } => token::run(cmd, &settings).await?,
        Command::BenchSeed(a) => bench_seed::run(a, &settings).await?,
    }
    Ok(0)
}

/// Warn once, at start-up, about settings left at defaults that are wrong in production.
fn warn_defaults(settings: &Settings) {
    for w in &settings.warnings {
        tracing::warn!("{w}");
    }
}
