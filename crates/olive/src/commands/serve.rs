//! `olive serve`: the web interface and the API, with the worker unless `--no-worker`.

use super::warn_defaults;
use crate::db::{DbArgs, public_url_default};
use crate::settings::Settings;
use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, env = "OLIVE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// do not run the background worker in this process (run `olive worker` elsewhere)
    #[arg(long, env = "OLIVE_NO_WORKER", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_worker: bool,
    #[command(flatten)]
    pub web: crate::serve::WebArgs,
}

pub async fn run(a: ServeArgs, settings: Settings) -> Result<()> {
    let store = public_url_default(a.db.open(&settings).await?, &settings, &a.addr);
    warn_defaults(&settings);
    crate::serve::serve(store, &settings, &a.addr, &a.web, false, !a.no_worker).await
}
