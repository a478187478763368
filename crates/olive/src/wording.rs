//! `olive check-wording`: customer-facing wording checked from the command line.

use anyhow::{Context, Result};
use olive_domain::wording::WordingChecker;
use std::io::Read;
use std::path::PathBuf;

/// Check `text` (or the file, or stdin): exit code 0 clean, 1 flagged.
pub fn check(text: Option<String>, file: Option<PathBuf>, json: bool) -> Result<i32> {
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
