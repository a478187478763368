//! `olive backup --out FILE`: a consistent copy of the SQLite database in a new file.

use crate::db::DbArgs;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// the new file (never overwritten)
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(a: BackupArgs) -> Result<()> {
    crate::data::backup(&a.db, &a.out).await
}
