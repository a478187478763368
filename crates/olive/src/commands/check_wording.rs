//! `olive check-wording`: the built-in wording check on a text, a file or stdin (exit 0 clean, 1 flagged).

use anyhow::{Context, Result};
use clap::Args;
use olive_domain::wording::WordingChecker;
use std::io::Read;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CheckWordingArgs {
    /// the text (or use --file, or stdin)
    pub text: Option<String>,
    #[arg(long)]
    pub file: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: CheckWordingArgs) -> Result<i32> {
    let text = match (a.text, a.file) {
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
    if a.json {
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
