//! `olive demo`: seed the demo organisation if the database is empty, print how to sign in, and serve.

use crate::db::{DbArgs, public_url_default};
use crate::settings::Settings;
use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[arg(long, env = "OLIVE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// seed and exit without serving
    #[arg(long)]
    pub no_serve: bool,
    #[command(flatten)]
    pub web: crate::serve::WebArgs,
}

pub async fn run(a: DemoArgs, settings: Settings) -> Result<()> {
    let store = public_url_default(a.db.open(&settings).await?, &settings, &a.addr);
    let info = crate::demo::ensure(&store, &a.db.data_dir).await?;
    crate::demo::print(&info, &a.addr);
    if !a.no_serve {
        crate::serve::serve(store, &settings, &a.addr, &a.web, true, true).await?;
    }
    Ok(())
}
