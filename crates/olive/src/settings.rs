//! One `Settings`, loaded once at start-up and handed to the store, the web state and the worker: the
//! command line's flags, then the `OLIVE_*` environment variables, then an optional TOML file
//! (`--config FILE` or `OLIVE_CONFIG`), then the defaults — the first that says something wins.
//!
//! The file's keys are the variables' names in lower case without `OLIVE_` (`public_url`,
//! `smtp_host`, `reminder_lead_minutes`) and the flags' names with underscores (`addr`, `data_dir`,
//! `trusted_proxies`). A key that is neither stops start-up with its name; a key the command does not
//! take (`addr` for `olive worker`) is left alone.

use anyhow::{Context, Result, bail};
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Command};
use olive_jobs::WorkerConfig;
use olive_storage::LoopConfig;
use std::collections::BTreeMap;
use std::path::Path;

/// The settings read from the environment and the file (besides the flags, which clap holds).
const VARIABLES: &[&str] = &[
    "PUBLIC_URL",
    "REMINDER_LEAD_MINUTES",
    "ESCALATE_SHORT_MINUTES",
    "ESCALATE_LONG_MINUTES",
    "FOLLOWUP_EXPIRY_DAYS",
    "FOLLOWUP_WAIT_HOURS",
    "WEBHOOK_ALLOW_PRIVATE",
    "WORKER_TICK_MS",
    "WORKER_BATCH",
    "OUTBOX_MAX_ATTEMPTS",
    "OUTBOX_BACKOFF_MS",
    "OUTBOX_LEASE_MS",
    "MONTHLY_REPORTS",
    "RETENTION_DAYS",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_STARTTLS",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_FROM",
    "SMTP_HELO_NAME",
    "INSECURE_COOKIES",
    "METRICS_TOKEN",
    "LOG",
    "LOG_FORMAT",
];

/// Everything Olive is told at start-up, read once.
#[derive(Debug, Clone)]
pub struct Settings {
    /// links, alerts, follow-ups (the store's part)
    pub loop_cfg: LoopConfig,
    /// the background worker's part
    pub worker: WorkerConfig,
    /// whether `OLIVE_PUBLIC_URL` was given; without it, links point at the address Olive serves on
    pub public_url_set: bool,
    /// mark cookies `Secure` (`OLIVE_INSECURE_COOKIES=1` turns it off for plain-http local use)
    pub secure_cookies: bool,
    /// `OLIVE_METRICS_TOKEN`: serve `/metrics` on the main address to bearers of this token
    pub metrics_token: Option<String>,
    /// `OLIVE_LOG`: the log filter
    pub log_filter: Option<String>,
    /// `OLIVE_LOG_FORMAT=json`: one JSON object a line
    pub log_json: bool,
    /// settings left at defaults that are wrong in production, to warn about once
    pub warnings: Vec<String>,
}

/// The TOML file's values, by key, as text.
#[derive(Debug, Default, Clone)]
pub struct ConfigFile {
    values: BTreeMap<String, String>,
    shown: String,
}

impl ConfigFile {
    /// Read `path` (a missing or malformed file, or a value that is a table or a list, stops start-up).
    pub fn read(path: &Path) -> Result<ConfigFile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the settings file {}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, shown: &str) -> Result<ConfigFile> {
        let table: toml::Table =
            toml::from_str(text).with_context(|| format!("{shown} is not valid TOML"))?;
        let mut values = BTreeMap::new();
        for (key, value) in table {
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => if b { "1" } else { "0" }.to_string(),
                other => bail!(
                    "{shown}: '{key}' must be text, a number or true/false, not {}",
                    other.type_str()
                ),
            };
            values.insert(key, text);
        }
        Ok(ConfigFile {
            values,
            shown: shown.to_string(),
        })
    }

    /// A key that is neither a setting nor any command's flag.
    pub fn check_keys(&self, cli: &Command) -> Result<()> {
        let mut flags = Vec::new();
        collect_flags(cli, &mut flags);
        for key in self.values.keys() {
            let variable = VARIABLES.contains(&key.to_ascii_uppercase().as_str());
            if !variable && !flags.contains(key) && key != "config" {
                bail!(
                    "{}: '{key}' is not a setting Olive knows (settings are the OLIVE_* variables in \
                     lower case without OLIVE_, e.g. public_url, and the flags, e.g. data_dir)",
                    self.shown
                );
            }
        }
        Ok(())
    }

    /// The command line with the file's values added for the flags the command takes and that the
    /// command line and the environment left at their defaults.
    pub fn fill_flags(
        &self,
        argv: Vec<String>,
        matches: &ArgMatches,
        cli: &Command,
    ) -> Vec<String> {
        let (command, matches) = leaf(cli, matches);
        let mut out = argv;
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            let Some(value) = self.values.get(id) else {
                continue;
            };
            if arg.get_long().is_none()
                || !matches!(
                    matches.value_source(id),
                    None | Some(ValueSource::DefaultValue)
                )
            {
                continue;
            }
            let long = arg.get_long().unwrap_or(id);
            match arg.get_action() {
                ArgAction::SetTrue => {
                    if value == "1" || value == "true" {
                        out.push(format!("--{long}"));
                    }
                }
                _ => out.push(format!("--{long}={value}")),
            }
        }
        out
    }

    fn get(&self, variable: &str) -> Option<String> {
        self.values
            .get(&variable.trim_start_matches("OLIVE_").to_ascii_lowercase())
            .cloned()
    }
}

/// The subcommand the matches chose, all the way down (`olive playbook list` → `list`).
fn leaf<'a>(command: &'a Command, matches: &'a ArgMatches) -> (&'a Command, &'a ArgMatches) {
    match matches.subcommand() {
        Some((name, sub)) => match command.find_subcommand(name) {
            Some(c) => leaf(c, sub),
            None => (command, matches),
        },
        None => (command, matches),
    }
}

fn collect_flags(command: &Command, out: &mut Vec<String>) {
    for arg in command.get_arguments() {
        if arg.get_long().is_some() {
            out.push(arg.get_id().as_str().to_string());
        }
    }
    for sub in command.get_subcommands() {
        collect_flags(sub, out);
    }
}

/// The command line (with the settings file's values for the flags it left at their defaults) and
/// the settings; clap prints help, the version and command-line mistakes itself and exits.
pub fn from_command_line() -> Result<(crate::cli::Cli, Settings)> {
    use clap::{CommandFactory, FromArgMatches};
    let command = crate::cli::Cli::command();
    let argv: Vec<String> = std::env::args().collect();
    let matches = command.clone().get_matches_from(&argv);
    let cli = crate::cli::Cli::from_arg_matches(&matches).map_err(|e| e.exit())?;
    let Some(path) = cli.config.clone() else {
        let settings = Settings::load(&|k| std::env::var(k).ok(), &ConfigFile::default())?;
        return Ok((cli, settings));
    };
    let file = ConfigFile::read(&path)?;
    file.check_keys(&command)?;
    let argv = file.fill_flags(argv, &matches, &command);
    let matches = command.get_matches_from(&argv);
    let cli = crate::cli::Cli::from_arg_matches(&matches).map_err(|e| e.exit())?;
    let settings = Settings::load(&|k| std::env::var(k).ok(), &file)?;
    Ok((cli, settings))
}

impl Settings {
    /// From the environment over the file (`std::env::var` in the binary; a map in tests).
    pub fn load(env: &dyn Fn(&str) -> Option<String>, file: &ConfigFile) -> Result<Settings> {
        let get = |k: &str| env(k).or_else(|| file.get(k));
        let (loop_cfg, worker) =
            olive_jobs::config::from_env(&get).map_err(|e| anyhow::anyhow!("{e}"))?;
        let set = |k: &str| get(k).is_some_and(|v| !v.trim().is_empty());
        let log_json = match get("OLIVE_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("" | "text") => false,
            Some("json") => true,
            Some(other) => bail!("OLIVE_LOG_FORMAT: '{other}' is not text or json"),
        };
        Ok(Settings {
            loop_cfg,
            worker,
            public_url_set: set("OLIVE_PUBLIC_URL"),
            secure_cookies: !get("OLIVE_INSECURE_COOKIES")
                .is_some_and(|v| matches!(v.trim(), "1" | "true")),
            metrics_token: get("OLIVE_METRICS_TOKEN")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            log_filter: get("OLIVE_LOG").filter(|v| !v.trim().is_empty()),
            log_json,
            warnings: olive_jobs::config::default_warnings(&get),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    fn file(text: &str) -> ConfigFile {
        ConfigFile::parse(text, "olive.toml").unwrap()
    }

    fn with_env(pairs: &[(&str, &str)], f: &ConfigFile) -> Result<Settings> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load(&|k| map.get(k).cloned(), f)
    }

    #[test]
    fn the_environment_wins_over_the_file_and_the_file_over_the_defaults() {
        let f = file(
            "public_url = \"https://file.example.com\"\nreminder_lead_minutes = 40\ninsecure_cookies = true\n",
        );
        let s = with_env(&[], &f).unwrap();
        assert_eq!(s.loop_cfg.public_url, "https://file.example.com");
        assert_eq!(s.loop_cfg.alerts.lead, jiff::SignedDuration::from_mins(40));
        assert!(!s.secure_cookies);
        assert!(s.public_url_set);
        let s = with_env(&[("OLIVE_PUBLIC_URL", "https://env.example.com")], &f).unwrap();
        assert_eq!(s.loop_cfg.public_url, "https://env.example.com");
        let s = with_env(&[], &ConfigFile::default()).unwrap();
        assert!(s.secure_cookies && !s.public_url_set && s.metrics_token.is_none());
    }

    #[test]
    fn bad_values_and_unknown_keys_are_named() {
        let e = with_env(&[], &file("smtp_host = \"h\"\nsmtp_port = \"lots\"")).unwrap_err();
        assert!(e.to_string().contains("OLIVE_SMTP_PORT"), "{e}");
        let e = with_env(&[("OLIVE_LOG_FORMAT", "xml")], &ConfigFile::default()).unwrap_err();
        assert!(e.to_string().contains("OLIVE_LOG_FORMAT"), "{e}");
        let cli = crate::cli::Cli::command();
        let e = file("pubic_url = \"x\"").check_keys(&cli).unwrap_err();
        assert!(e.to_string().contains("'pubic_url'"), "{e}");
        file("data_dir = \"/srv/olive\"\naddr = \"0.0.0.0:80\"\nsmtp_host = \"h\"")
            .check_keys(&cli)
            .unwrap();
        let e = ConfigFile::parse("smtp = { host = \"h\" }", "olive.toml").unwrap_err();
        assert!(e.to_string().contains("'smtp'"), "{e}");
    }

    #[test]
    fn the_file_fills_flags_the_command_line_left_at_their_defaults() {
        let f = file("addr = \"127.0.0.1:9000\"\ndata_dir = \"/srv/olive\"\nno_worker = true");
        let cli = crate::cli::Cli::command();
        let argv: Vec<String> = ["olive", "serve", "--data-dir", "/tmp/mine"]
            .map(String::from)
            .to_vec();
        let m = cli.clone().try_get_matches_from(&argv).unwrap();
        let filled = f.fill_flags(argv, &m, &cli);
        assert_eq!(
            filled[4..],
            [
                "--addr=127.0.0.1:9000".to_string(),
                "--no-worker".to_string()
            ]
        );
        let parsed =
            crate::cli::Cli::from_arg_matches(&cli.clone().try_get_matches_from(&filled).unwrap())
                .unwrap();
        let crate::commands::Command::Serve(s) = parsed.command else {
            panic!("not serve")
        };
        assert_eq!(
            (s.addr.as_str(), s.no_worker, s.db.data_dir.to_str()),
            ("127.0.0.1:9000", true, Some("/tmp/mine"))
        );
    }
}
