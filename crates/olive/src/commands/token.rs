//! `olive token create`: an API token for a staff member, printed once (only its hash is stored).

use crate::db::DbArgs;
use crate::settings::Settings;
use anyhow::Result;
use clap::Subcommand;
use jiff::Timestamp;

#[derive(Subcommand, Debug)]
pub enum TokenCmd {
    /// Create an API token and print it (only the token)
    Create {
        #[arg(
            long,
            conflicts_with = "username",
            required_unless_present = "username"
        )]
        email: Option<String>,
        #[arg(long)]
        username: Option<String>,
        #[arg(long, default_value = "cli")]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: TokenCmd, settings: &Settings) -> Result<()> {
    let TokenCmd::Create {
        email,
        username,
        name,
        db,
    } = cmd;
    let store = db.open(settings).await?;
    let login = email.or(username).unwrap_or_default();
    let id = store
        .find_staff(&login)
        .await
        .map_err(|_| anyhow::anyhow!("no staff member with email or username '{login}'"))?;
    let t = store
        .create_token(&id, &name, None, Timestamp::now())
        .await?;
    println!("{}", t.token);
    Ok(())
}
