//! Data the users own: `olive backup` (a consistent SQLite snapshot) and `olive export` (every case with
//! its timeline, as JSON or CSV).

use crate::db::DbArgs;
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use olive_domain::export::spreadsheet_safe;
use olive_storage::cases::CaseFilter;
use olive_storage::views::CaseSummary;
use olive_storage::{Actor, Store};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

/// Where personal data may be written: a new file readable by its owner only.
fn private_file(path: &Path) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
        .with_context(|| format!("creating {}", path.display()))
}

/// `VACUUM INTO` a new file (never over an existing one), then check the copy.
pub async fn backup(db: &DbArgs, out: &Path) -> Result<()> {
    let url = db.url()?;
    if !url.starts_with("sqlite:") {
        bail!(
            "olive backup copies the built-in SQLite database only. On PostgreSQL use pg_dump, e.g. \
             pg_dump --format=custom --file=olive.dump \"$DATABASE_URL\" (restore with pg_restore); \
             see docs/operations.md"
        );
    }
    if out.exists() {
        bail!(
            "{} already exists: a backup never overwrites a file; choose a new name",
            out.display()
        );
    }
    let shown = crate::db::redact(&url);
    let done = olive_storage::backup::sqlite_backup(&url, out)
        .await
        .with_context(|| {
            format!(
                "opening the database ({shown}) to copy it to {}",
                out.display()
            )
        })?;
    let size = done.bytes;
    println!(
        "backup written to {} ({size} bytes, integrity ok)",
        out.display()
    );
    Ok(())
}

/// The text of a serialised enum (`in_progress`, `recovered`).
fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

const CASE_HEADER: [&str; 18] = [
    "reference",
    "id",
    "location",
    "defect",
    "stage",
    "severity",
    "status",
    "outcome",
    "customer_name",
    "customer_phone",
    "customer_email",
    "created_at",
    "closed_at",
    "owner",
    "handoffs",
    "escalated_at",
    "display_name",
    "fields",
];

const TIMELINE_HEADER: [&str; 6] = ["reference", "case_id", "at", "event", "actor", "data"];

fn case_row(c: &CaseSummary, locations: &HashMap<String, String>) -> Vec<String> {
    let location = locations.get(&c.location_id).unwrap_or(&c.location_id);
    vec![
        c.reference.clone(),
        c.id.clone(),
        spreadsheet_safe(location),
        c.defect.code.clone(),
        c.stage.clone(),
        word(&c.severity),
        word(&c.status),
        c.outcome.as_ref().map(word).unwrap_or_default(),
        spreadsheet_safe(&c.customer.name),
        c.customer.phone.clone().unwrap_or_default(),
        spreadsheet_safe(c.customer.email.as_deref().unwrap_or_default()),
        c.created_at.clone(),
        c.closed_at.clone().unwrap_or_default(),
        spreadsheet_safe(&c.owner.name),
        c.handoff_count.to_string(),
        c.escalated_at.clone().unwrap_or_default(),
        spreadsheet_safe(&c.display_name),
        spreadsheet_safe(&serde_json::to_string(&c.fields).unwrap_or_default()),
    ]
}

/// Every case summary, newest first.
async fn all_cases(store: &Store, actor: &Actor, now: Timestamp) -> Result<Vec<CaseSummary>> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let filter = CaseFilter {
            limit: Some(100),
            cursor: cursor.take(),
            ..CaseFilter::default()
        };
        let page = store.list_cases(actor, &filter, now).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(all),
        }
    }
}

/// Write every case (JSON: the API's case detail with steps, gestures and timeline; CSV: one row per
/// case, or with `timeline` one row per timeline entry) to `out` or to standard output.
pub async fn export(
    store: &Store,
    format: Format,
    timeline: bool,
    out: Option<&Path>,
) -> Result<()> {
    let system = Actor::operator("export");
    let now = Timestamp::now();
    let cases = all_cases(store, &system, now).await?;
    let locations: HashMap<String, String> = store
        .list_locations(&system)
        .await?
        .into_iter()
        .map(|l| (l.id, l.name))
        .collect();
    // Written next to the target and renamed at the end, so a failed export leaves no half file.
    let part = out.map(|p| {
        let mut name = p.as_os_str().to_owned();
        name.push(".part");
        PathBuf::from(name)
    });
    let sink: Box<dyn Write> = match &part {
        Some(p) => Box::new(private_file(p)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let bar = ProgressBar::new(cases.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("exporting {bar:40} {pos}/{len} cases ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    match format {
        Format::Json => {
            let mut w = std::io::BufWriter::new(sink);
            w.write_all(b"[")?;
            for (n, summary) in cases.iter().enumerate() {
                let d = store.get_case(&system, &summary.id, now).await?;
                w.write_all(if n == 0 { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut w, &d)?;
                bar.inc(1);
            }
            w.write_all(if cases.is_empty() { b"]\n" } else { b"\n]\n" })?;
            w.flush().context("writing the export")?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(sink);
            w.write_record(if timeline {
                &TIMELINE_HEADER[..]
            } else {
                &CASE_HEADER[..]
            })?;
            for summary in &cases {
                if !timeline {
                    w.write_record(case_row(summary, &locations))?;
                    bar.inc(1);
                    continue;
                }
                let d = store.get_case(&system, &summary.id, now).await?;
                for e in &d.timeline {
                    let actor = e.actor.as_ref().map(|p| p.name.as_str()).unwrap_or("");
                    w.write_record([
                        d.summary.reference.as_str(),
                        d.summary.id.as_str(),
                        e.at.as_str(),
                        e.event.as_str(),
                        spreadsheet_safe(actor).as_str(),
                        e.data.to_string().as_str(),
                    ])?;
                }
                bar.inc(1);
            }
            w.flush().context("writing the export")?;
        }
    }
    bar.finish_and_clear();
    if let (Some(part), Some(out)) = (&part, out) {
        std::fs::rename(part, out).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("exported {} cases to {}", cases.len(), out.display());
    }
    Ok(())
}
