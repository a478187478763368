//! Which database a command opens (`--database-url`, else SQLite under `--data-dir`), opened with the
//! settings' loop configuration, and a database URL with its password hidden.

use crate::settings::Settings;
use anyhow::{Context, Result};
use clap::Args;
use olive_storage::Store;
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct DbArgs {
    /// sqlite://path or postgres://… (default: SQLite under --data-dir)
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// where the embedded database lives
    #[arg(long, env = "OLIVE_DATA_DIR", default_value = "./olive-data")]
    pub data_dir: PathBuf,
}

impl DbArgs {
    pub fn url(&self) -> Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        Ok(format!(
            "sqlite://{}",
            self.data_dir.join("olive.db").display()
        ))
    }

    pub async fn open(&self, settings: &Settings) -> Result<Store> {
        let url = self.url()?;
        Ok(Store::open(&url)
            .await
            .with_context(|| format!("opening the database ({})", redact(&url)))?
            .with_loop_config(settings.loop_cfg.clone()))
    }
}

/// Without `OLIVE_PUBLIC_URL`, links in emails point at the address Olive serves on.
pub fn public_url_default(store: Store, settings: &Settings, addr: &str) -> Store {
    if settings.public_url_set {
        return store;
    }
    let cfg = olive_storage::LoopConfig {
        public_url: format!("http://{addr}"),
        ..store.loop_config().clone()
    };
    store.with_loop_config(cfg)
}

/// Hide a password in a database URL before it is shown anywhere.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}
