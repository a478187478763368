//! `olive playbook`: list, show, export, validate and import playbooks (a bad file names its lines).

use crate::db::DbArgs;
use crate::settings::Settings;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use jiff::Timestamp;
use olive_domain::playbook::Playbook;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum PlaybookCmd {
    /// Stored playbooks
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Stages, defects and protocols of a playbook
    Show {
        code: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print a playbook as TOML
    Export {
        code: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Check a TOML playbook file (names file, line and what is wrong)
    Validate { file: PathBuf },
    /// Validate and store a TOML playbook (replaces one with the same code)
    Import {
        file: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: PlaybookCmd, settings: &Settings) -> Result<()> {
    match cmd {
        PlaybookCmd::List { db } => {
            for (code, name, _) in db.open(settings).await?.list_playbooks().await? {
                println!("{code}\t{name}");
            }
        }
        PlaybookCmd::Show { code, db } => {
            let p = db
                .open(settings)
                .await?
                .playbook(&code)
                .await
                .map_err(|_| anyhow::anyhow!("no playbook '{code}'"))?;
            println!("{} — {}\n", p.playbook.name, p.playbook.description);
            for st in &p.stages {
                println!("## {} ({})", st.name, st.code);
                for d in p.defects.iter().filter(|d| d.stage == st.code) {
                    println!("  - {} [{}] {}", d.code, d.severity.as_str(), d.title);
                    for (n, s) in d.steps.iter().enumerate() {
                        println!(
                            "      {}. {} ({}, {}, due {})",
                            n + 1,
                            s.title,
                            s.kind.as_str(),
                            s.owner,
                            s.due
                        );
                    }
                }
            }
        }
        PlaybookCmd::Export { code, db } => {
            let store = db.open(settings).await?;
            let p = store
                .playbook(&code)
                .await
                .map_err(|_| anyhow::anyhow!("no playbook '{code}'"))?;
            print!("{}", p.to_toml());
        }
        PlaybookCmd::Validate { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            match Playbook::from_toml(&text) {
                Ok(p) => {
                    warn_old_tokens(&p, &text, &file);
                    println!(
                        "{}: ok ({} stages, {} defects)",
                        file.display(),
                        p.stages.len(),
                        p.defects.len()
                    )
                }
                Err(e) => {
                    for issue in &e.issues {
                        eprintln!(
                            "{}:{}: {}",
                            file.display(),
                            issue
                                .line
                                .map(|l| l.to_string())
                                .unwrap_or_else(|| "-".into()),
                            issue.message
                        );
                    }
                    bail!(
                        "{} is not a valid playbook ({} problem(s))",
                        file.display(),
                        e.issues.len()
                    );
                }
            }
        }
        PlaybookCmd::Import { file, db } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let p = db
                .open(settings)
                .await?
                .import_playbook(&text, Timestamp::now())
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            warn_old_tokens(&p, &text, &file);
            println!("imported {} ({} defects)", p.playbook.code, p.defects.len());
        }
    }
    Ok(())
}

/// Old tokens in a playbook's scripts: a warning each, with its replacement (never a refusal).
fn warn_old_tokens(p: &Playbook, text: &str, file: &std::path::Path) {
    for w in p.warnings(text) {
        eprintln!(
            "{}:{}: warning: {}",
            file.display(),
            w.line.map(|l| l.to_string()).unwrap_or_else(|| "-".into()),
            w.message
        );
    }
}
