//! `olive user add`: a staff member with their roles per location (prints the new id).

use crate::db::DbArgs;
use crate::settings::Settings;
use anyhow::{Context, Result};
use clap::Subcommand;
use jiff::Timestamp;
use olive_domain::role::Role;
use olive_storage::org::NewStaff;

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Add a staff member
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        username: Option<String>,
        /// administers the whole organisation
        #[arg(long)]
        admin: bool,
        /// LOCATION_ID=ROLE (front_desk, team_member, manager), repeatable
        #[arg(long = "location")]
        locations: Vec<String>,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: UserCmd, settings: &Settings) -> Result<()> {
    let UserCmd::Add {
        name,
        email,
        username,
        admin,
        locations,
        db,
    } = cmd;
    let store = db.open(settings).await?;
    let mut locs = Vec::new();
    for l in locations {
        let (id, role) = l
            .split_once('=')
            .context("--location takes LOCATION_ID=ROLE")?;
        let role: Role = role.parse().map_err(anyhow::Error::msg)?;
        locs.push((id.to_string(), role));
    }
    let s = store
        .add_staff(
            NewStaff {
                name,
                email,
                username,
                is_admin: admin,
                locations: locs,
            },
            Timestamp::now(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{}", s.id);
    Ok(())
}
