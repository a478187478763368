//! `olive bench-seed` (hidden): many synthetic cases, for the benchmarks.

use crate::db::DbArgs;
use crate::settings::Settings;
use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct BenchSeedArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, default_value_t = 100_000)]
    pub cases: usize,
}

pub async fn run(a: BenchSeedArgs, settings: &Settings) -> Result<()> {
    crate::demo::bench_seed(&a.db.open(settings).await?, a.cases).await
}
