//! Subcommands: serve, demo, migrate, backup, export, check-wording, playbook, user, token.

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use jiff::Timestamp;
use olive_domain::playbook::Playbook;
use olive_domain::role::Role;
use olive_domain::wording::WordingChecker;
use olive_storage::Store;
use olive_storage::org::NewStaff;
use std::io::Read;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "olive",
    version,
    about = "Service recovery: turn defects into moments customers remember well"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Clone)]
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

    pub async fn open(&self) -> Result<Store> {
        let url = self.url()?;
        let (loop_cfg, _) = settings()?;
        Ok(Store::open(&url)
            .await
            .with_context(|| format!("opening the database ({})", redact(&url)))?
            .with_loop_config(loop_cfg))
    }
}

/// Without `OLIVE_PUBLIC_URL`, links in emails point at the address Olive serves on.
fn public_url_default(store: Store, addr: &str) -> Store {
    if std::env::var("OLIVE_PUBLIC_URL").is_ok_and(|v| !v.trim().is_empty()) {
        return store;
    }
    let cfg = olive_storage::LoopConfig {
        public_url: format!("http://{addr}"),
        ..store.loop_config().clone()
    };
    store.with_loop_config(cfg)
}

/// Warn once, at start-up, about settings left at defaults that are wrong in production.
fn warn_defaults() {
    for w in olive_jobs::config::default_warnings(&|k| std::env::var(k).ok()) {
        tracing::warn!("{w}");
    }
}

/// Loop and worker settings from `OLIVE_*` variables (a bad value stops start-up with its name).
pub fn settings() -> Result<(olive_storage::LoopConfig, olive_jobs::WorkerConfig)> {
    olive_jobs::config::from_env(&|k| std::env::var(k).ok()).map_err(|e| anyhow::anyhow!("{e}"))
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

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web interface and the API, with the background worker (reminders, email, webhooks)
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, env = "OLIVE_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// do not run the background worker in this process (run `olive worker` elsewhere)
        #[arg(long, env = "OLIVE_NO_WORKER", value_parser = clap::builder::BoolishValueParser::new())]
        no_worker: bool,
        #[command(flatten)]
        web: crate::serve::WebArgs,
    },
    /// Run only the background worker: reminders, escalations, follow-up timeouts, email and webhooks
    Worker {
        #[command(flatten)]
        db: DbArgs,
        /// serve Prometheus metrics at http://<this address>/metrics (no authentication)
        #[arg(long, env = "OLIVE_METRICS_ADDR")]
        metrics_addr: Option<String>,
    },
    /// Seed a demo organisation (if the database is empty) and serve it
    Demo {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, env = "OLIVE_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        /// seed and exit without serving
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        web: crate::serve::WebArgs,
    },
    /// Apply database migrations
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Copy the SQLite database to a new file (a consistent snapshot; PostgreSQL: use pg_dump)
    Backup {
        /// the new file (never overwritten)
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write every case with its timeline as JSON or CSV (to stdout without --out)
    Export {
        #[arg(long, value_enum)]
        format: crate::data::Format,
        #[arg(long)]
        out: Option<PathBuf>,
        /// CSV: one row per timeline entry instead of one per case
        #[arg(long)]
        timeline: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Check customer-facing wording (exit 0 clean, 1 flagged, 2 error)
    CheckWording {
        /// the text (or use --file, or stdin)
        text: Option<String>,
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Playbooks: list, show, export, validate, import
    Playbook {
        #[command(subcommand)]
        cmd: PlaybookCmd,
    },
    /// Staff accounts
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// API tokens
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    /// Fill the database with many synthetic cases (for benchmarks)
    #[command(hide = true)]
    BenchSeed {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, default_value_t = 100_000)]
        cases: usize,
    },
}

#[derive(Subcommand)]
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

#[derive(Subcommand)]
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

#[derive(Subcommand)]
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

pub async fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Serve {
            db,
            addr,
            no_worker,
            web,
        } => {
            let store = public_url_default(db.open().await?, &addr);
            warn_defaults();
            crate::serve::serve(store, &addr, &web, false, !no_worker).await?;
        }
        Command::Worker { db, metrics_addr } => {
            let store = db.open().await?;
            let (_, cfg) = settings()?;
            warn_defaults();
            let window = crate::observe::worker_window(&cfg);
            let mut state = olive_web::AppState::new(store.clone());
            let worker = olive_jobs::Worker::new(store, cfg, std::sync::Arc::new(Timestamp::now))
                .map_err(anyhow::Error::msg)?;
            let probe = olive_web::observe::ready::WorkerProbe::new(worker.heartbeat(), window);
            state.observe.worker = Some(probe);
            crate::observe::metrics(metrics_addr.as_deref(), &state).await?;
            tracing::info!("worker running");
            worker.run(olive_web::shutdown_signal()).await;
        }
        Command::Demo {
            db,
            addr,
            no_serve,
            web,
        } => {
            let store = public_url_default(db.open().await?, &addr);
            let info = crate::demo::ensure(&store, &db.data_dir).await?;
            crate::demo::print(&info, &addr);
            if !no_serve {
                crate::serve::serve(store, &addr, &web, true, true).await?;
            }
        }
        Command::Migrate { db } => {
            db.open().await?;
            println!("migrations applied");
        }
        Command::Backup { out, db } => crate::data::backup(&db, &out).await?,
        Command::Export {
            format,
            out,
            timeline,
            db,
        } => crate::data::export(&db, format, timeline, out.as_deref()).await?,
        Command::CheckWording { text, file, json } => return check_wording(text, file, json),
        Command::Playbook { cmd } => playbook(cmd).await?,
        Command::User {
            cmd:
                UserCmd::Add {
                    name,
                    email,
                    username,
                    admin,
                    locations,
                    db,
                },
        } => {
            let store = db.open().await?;
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
        }
        Command::Token {
            cmd:
                TokenCmd::Create {
                    email,
                    username,
                    name,
                    db,
                },
        } => {
            let store = db.open().await?;
            let login = email.or(username).unwrap_or_default();
            let id = store
                .find_staff(&login)
                .await
                .map_err(|_| anyhow::anyhow!("no staff member with email or username '{login}'"))?;
            let t = store
                .create_token(&id, &name, None, Timestamp::now())
                .await?;
            println!("{}", t.token);
        }
        Command::BenchSeed { db, cases } => {
            crate::demo::bench_seed(&db.open().await?, cases).await?
        }
    }
    Ok(0)
}

fn check_wording(text: Option<String>, file: Option<PathBuf>, json: bool) -> Result<i32> {
    let text = match (text, file) {
        (Some(t), _) => t,
        (None, Some(f)) => {
            std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?
        }
        (None, None) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading stdin")?;
            s
        }
    };
    let findings = WordingChecker::built_in().check(&text);
    if json {
        println!(
            "{}",
            serde_json::json!({ "clean": findings.is_empty(), "findings": findings })
        );
    } else if findings.is_empty() {
        println!("clean");
    } else {
        for f in &findings {
            println!(
                "{}..{} [{}] \"{}\": {}\n  try: {}",
                f.start, f.end, f.rule_id, f.excerpt, f.message, f.suggestion
            );
        }
    }
    Ok(if findings.is_empty() { 0 } else { 1 })
}

async fn playbook(cmd: PlaybookCmd) -> Result<()> {
    match cmd {
        PlaybookCmd::List { db } => {
            for (code, name, _) in db.open().await?.list_playbooks().await? {
                println!("{code}\t{name}");
            }
        }
        PlaybookCmd::Show { code, db } => {
            let p = db
                .open()
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
            let store = db.open().await?;
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
                .open()
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
