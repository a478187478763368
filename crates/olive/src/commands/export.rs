//! `olive export`: every case with its timeline, as JSON or CSV, to a file or stdout.

use crate::db::DbArgs;
use crate::settings::Settings;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub format: crate::data::Format,
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CSV: one row per timeline entry instead of one per case
    #[arg(long)]
    pub timeline: bool,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(a: ExportArgs, settings: &Settings) -> Result<()> {
    let store = a.db.open(settings).await?;
    crate::data::export(&store, a.format, a.timeline, a.out.as_deref()).await
}
