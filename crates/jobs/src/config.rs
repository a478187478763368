//! Worker and loop settings from `OLIVE_*` environment variables, with clear errors for bad values.

use jiff::SignedDuration;
use olive_storage::LoopConfig;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

/// Where email goes.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// upgrade the connection with STARTTLS (required when set)
    pub starttls: bool,
    pub username: Option<String>,
    pub password: Option<String>,
    /// the From mailbox, e.g. `Olive <olive@example.com>`
    pub from: String,
    /// the name Olive greets the SMTP server with (EHLO): `OLIVE_SMTP_HELO_NAME`, else the public URL's host
    pub hello_name: String,
    /// the right-hand side of Message-IDs (`<id@olive.example.com>`): the public URL's host
    pub message_domain: String,
}

/// The From mailbox used while `OLIVE_SMTP_FROM` is not set.
pub const DEFAULT_FROM: &str = "Olive <olive@localhost>";

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// time between ticks
    pub tick: Duration,
    /// steps, jobs or messages handled per round of a tick
    pub batch: u64,
    /// rows a pass of a tick takes on per phase (steps scanned, jobs run, messages tried) before the
    /// next phase has its turn; large, so an ordinary tick is one pass
    pub pass: u64,
    /// how long a claimed message is held before another worker may try it
    pub lease: SignedDuration,
    /// attempts before a message is marked dead
    pub max_attempts: i64,
    /// the first retry waits about this long; each later one twice as long (with jitter)
    pub backoff_base: SignedDuration,
    pub backoff_cap: SignedDuration,
    /// messages delivered at once
    pub concurrency: usize,
    pub http_timeout: Duration,
    /// None: email stays queued until SMTP is configured
    pub smtp: Option<SmtpConfig>,
    pub allow_private_webhooks: bool,
    /// erase the customer's data from cases closed or cancelled this many days ago (None: keep forever)
    pub retention_days: Option<u32>,
    /// email the monthly report to managers and admins (`OLIVE_MONTHLY_REPORTS`, on unless 0)
    pub monthly_reports: bool,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            tick: Duration::from_secs(5),
            batch: 500,
            pass: 10_000,
            lease: SignedDuration::from_secs(60),
            max_attempts: 8,
            backoff_base: SignedDuration::from_secs(30),
            backoff_cap: SignedDuration::from_hours(2),
            concurrency: 16,
            http_timeout: Duration::from_secs(10),
            smtp: None,
            allow_private_webhooks: false,
            retention_days: None,
            monthly_reports: true,
        }
    }
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn num<T: std::str::FromStr>(env: Env<'_>, name: &'static str) -> Result<Option<T>, ConfigError> {
    match env(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| ConfigError {
            name,
            message: format!("'{v}' is not a valid number"),
        }),
    }
}

fn flag(env: Env<'_>, name: &'static str) -> Result<Option<bool>, ConfigError> {
    match env(name).as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some("1" | "true" | "yes" | "on") => Ok(Some(true)),
        Some("0" | "false" | "no" | "off") => Ok(Some(false)),
        Some(v) => Err(ConfigError {
            name,
            message: format!("'{v}' is not a yes/no value (use 1 or 0)"),
        }),
    }
}

/// Read both configurations from the environment (`std::env::var` in the binary; a map in tests).
pub fn from_env(env: Env<'_>) -> Result<(LoopConfig, WorkerConfig), ConfigError> {
    let mut lc = LoopConfig::default();
    let mut wc = WorkerConfig::default();
    if let Some(u) = env("OLIVE_PUBLIC_URL").filter(|v| !v.trim().is_empty()) {
        let parsed = url::Url::parse(u.trim()).map_err(|e| ConfigError {
            name: "OLIVE_PUBLIC_URL",
            message: format!("not a URL: {e}"),
        })?;
        lc.public_url = parsed.as_str().trim_end_matches('/').to_string();
    }
    if let Some(m) = num::<i64>(env, "OLIVE_REMINDER_LEAD_MINUTES")? {
        lc.alerts.lead = SignedDuration::from_mins(m.clamp(0, 24 * 60));
    }
    if let Some(m) = num::<i64>(env, "OLIVE_ESCALATE_SHORT_MINUTES")? {
        lc.alerts.short_grace = SignedDuration::from_mins(m.clamp(0, 24 * 60));
    }
    if let Some(m) = num::<i64>(env, "OLIVE_ESCALATE_LONG_MINUTES")? {
        lc.alerts.long_grace = SignedDuration::from_mins(m.clamp(0, 7 * 24 * 60));
    }
    if let Some(d) = num::<i64>(env, "OLIVE_FOLLOWUP_EXPIRY_DAYS")? {
        lc.followup_expiry = SignedDuration::from_hours(24 * d.clamp(1, 365));
    }
    if let Some(h) = num::<i64>(env, "OLIVE_FOLLOWUP_WAIT_HOURS")? {
        lc.followup_wait = SignedDuration::from_hours(h.clamp(1, 24 * 90));
    }
    if let Some(allow) = flag(env, "OLIVE_WEBHOOK_ALLOW_PRIVATE")? {
        lc.allow_private_webhooks = allow;
        wc.allow_private_webhooks = allow;
    }
    if let Some(ms) = num::<u64>(env, "OLIVE_WORKER_TICK_MS")? {
        wc.tick = Duration::from_millis(ms.clamp(10, 3_600_000));
    }
    if let Some(n) = num::<u64>(env, "OLIVE_WORKER_BATCH")? {
        wc.batch = n.clamp(1, 5000);
    }
    if let Some(n) = num::<i64>(env, "OLIVE_OUTBOX_MAX_ATTEMPTS")? {
        wc.max_attempts = n.clamp(1, 100);
    }
    if let Some(ms) = num::<i64>(env, "OLIVE_OUTBOX_BACKOFF_MS")? {
        wc.backoff_base = SignedDuration::from_millis(ms.clamp(1, 86_400_000));
    }
    if let Some(ms) = num::<i64>(env, "OLIVE_OUTBOX_LEASE_MS")? {
        wc.lease = SignedDuration::from_millis(ms.clamp(100, 86_400_000));
    }
    if let Some(on) = flag(env, "OLIVE_MONTHLY_REPORTS")? {
        wc.monthly_reports = on;
    }
    if let Some(d) = num::<u64>(env, "OLIVE_RETENTION_DAYS")? {
        wc.retention_days = Some(d.clamp(1, 36_500) as u32);
    }
    let public_host = url::Url::parse(&lc.public_url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()))
        .unwrap_or_else(|| "localhost".into());
    if let Some(host) = env("OLIVE_SMTP_HOST").filter(|v| !v.trim().is_empty()) {
        let starttls = flag(env, "OLIVE_SMTP_STARTTLS")?.unwrap_or(false);
        wc.smtp = Some(SmtpConfig {
            host: host.trim().to_string(),
            port: num(env, "OLIVE_SMTP_PORT")?.unwrap_or(if starttls { 587 } else { 25 }),
            starttls,
            username: env("OLIVE_SMTP_USERNAME").filter(|v| !v.is_empty()),
            password: env("OLIVE_SMTP_PASSWORD").filter(|v| !v.is_empty()),
            from: env("OLIVE_SMTP_FROM")
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_FROM.into()),
            hello_name: match env("OLIVE_SMTP_HELO_NAME").filter(|v| !v.trim().is_empty()) {
                Some(name) => hello_name(name.trim())?,
                None => public_host.clone(),
            },
            message_domain: public_host,
        });
        if let Some(smtp) = &wc.smtp
            && smtp.from.parse::<lettre::message::Mailbox>().is_err()
        {
            return Err(ConfigError {
                name: "OLIVE_SMTP_FROM",
                message: format!(
                    "'{}' is not a mailbox like 'Olive <olive@example.com>'",
                    smtp.from
                ),
            });
        }
    }
    Ok((lc, wc))
}

/// An EHLO name: a host name (letters, digits, dots, hyphens) or an IP address.
fn hello_name(name: &str) -> Result<String, ConfigError> {
    let bare = name.trim_matches(['[', ']']);
    let host_name = !bare.is_empty()
        && bare.len() <= 253
        && bare
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if host_name || bare.parse::<std::net::IpAddr>().is_ok() {
        Ok(bare.to_string())
    } else {
        Err(ConfigError {
            name: "OLIVE_SMTP_HELO_NAME",
            message: format!("'{name}' is not a host name like 'olive.example.com'"),
        })
    }
}

/// What start-up should warn about, once: settings left at defaults that are wrong in production.
pub fn default_warnings(env: Env<'_>) -> Vec<String> {
    let set = |name: &str| env(name).is_some_and(|v| !v.trim().is_empty());
    let mut out = Vec::new();
    if !set("OLIVE_PUBLIC_URL") {
        out.push(
            "OLIVE_PUBLIC_URL is not set: links in emails point at the address Olive listens on, \
             and Message-IDs and the SMTP greeting use its host; set it to the address customers use"
                .to_string(),
        );
    }
    if set("OLIVE_SMTP_HOST") && !set("OLIVE_SMTP_FROM") {
        out.push(format!(
            "OLIVE_SMTP_FROM is not set: email goes out from '{DEFAULT_FROM}', which receiving \
             servers may refuse; set it to a mailbox on your domain"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<(LoopConfig, WorkerConfig), ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_env(&|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_and_overrides() {
        let (lc, wc) = read(&[]).unwrap();
        assert!(wc.smtp.is_none());
        assert_eq!(lc.alerts.lead, SignedDuration::from_mins(15));
        let (lc, wc) = read(&[
            ("OLIVE_SMTP_HOST", "127.0.0.1"),
            ("OLIVE_SMTP_PORT", "2525"),
            ("OLIVE_REMINDER_LEAD_MINUTES", "30"),
            ("OLIVE_PUBLIC_URL", "https://olive.example.com/"),
        ])
        .unwrap();
        let smtp = wc.smtp.unwrap();
        assert_eq!((smtp.port, smtp.starttls), (2525, false));
        assert_eq!(lc.alerts.lead, SignedDuration::from_mins(30));
        assert_eq!(lc.public_url, "https://olive.example.com");
    }

    #[test]
    fn retention_is_off_unless_set() {
        assert_eq!(read(&[]).unwrap().1.retention_days, None);
        let days = |v: &str| read(&[("OLIVE_RETENTION_DAYS", v)]).map(|c| c.1.retention_days);
        assert_eq!(days("730").unwrap(), Some(730));
        assert_eq!(days("0").unwrap(), Some(1));
        assert_eq!(days(" ").unwrap(), None);
        assert_eq!(days("two years").unwrap_err().name, "OLIVE_RETENTION_DAYS");
    }

    #[test]
    fn the_sender_names_itself_after_the_public_host() {
        let smtp = |pairs: &[(&str, &str)]| read(pairs).unwrap().1.smtp.unwrap();
        let s = smtp(&[
            ("OLIVE_SMTP_HOST", "mail.example.com"),
            ("OLIVE_PUBLIC_URL", "https://olive.example.com/"),
        ]);
        assert_eq!(s.hello_name, "olive.example.com");
        assert_eq!(s.message_domain, "olive.example.com");
        let s = smtp(&[
            ("OLIVE_SMTP_HOST", "mail.example.com"),
            ("OLIVE_PUBLIC_URL", "https://olive.example.com/"),
            ("OLIVE_SMTP_HELO_NAME", "mx1.example.com"),
        ]);
        assert_eq!(s.hello_name, "mx1.example.com");
        assert_eq!(s.message_domain, "olive.example.com");
        let e = read(&[
            ("OLIVE_SMTP_HOST", "h"),
            ("OLIVE_SMTP_HELO_NAME", "not a name"),
        ])
        .unwrap_err();
        assert_eq!(e.name, "OLIVE_SMTP_HELO_NAME");
    }

    #[test]
    fn defaults_left_in_place_are_warned_about() {
        let warnings = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            default_warnings(&|k| map.get(k).cloned())
        };
        let w = warnings(&[("OLIVE_SMTP_HOST", "mail.example.com")]);
        assert_eq!(w.len(), 2);
        assert!(w[0].starts_with("OLIVE_PUBLIC_URL"));
        assert!(w[1].starts_with("OLIVE_SMTP_FROM"));
        // Without SMTP no email leaves, so its sender does not matter.
        assert_eq!(
            warnings(&[("OLIVE_PUBLIC_URL", "https://o.example.com")]).len(),
            0
        );
        assert!(
            warnings(&[
                ("OLIVE_PUBLIC_URL", "https://o.example.com"),
                ("OLIVE_SMTP_HOST", "mail.example.com"),
                ("OLIVE_SMTP_FROM", "Olive <olive@example.com>"),
            ])
            .is_empty()
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = read(&[("OLIVE_SMTP_HOST", "h"), ("OLIVE_SMTP_PORT", "lots")]).unwrap_err();
        assert_eq!(e.name, "OLIVE_SMTP_PORT");
        let e = read(&[("OLIVE_WEBHOOK_ALLOW_PRIVATE", "maybe")]).unwrap_err();
        assert_eq!(e.name, "OLIVE_WEBHOOK_ALLOW_PRIVATE");
        let e = read(&[
            ("OLIVE_SMTP_HOST", "h"),
            ("OLIVE_SMTP_FROM", "not a mailbox"),
        ])
        .unwrap_err();
        assert_eq!(e.name, "OLIVE_SMTP_FROM");
    }
}
