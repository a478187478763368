//! `olive migrate`: apply the database migrations (every command also does at start-up) and say so.

use crate::db::DbArgs;
use crate::settings::Settings;
use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

pub async fn run(a: MigrateArgs, settings: &Settings) -> Result<()> {
    a.db.open(settings).await?;
    println!("migrations applied");
    Ok(())
}
