//! Olive's monthly report: the month's headline figures for a location or the group, as text lines
//! (the email's body) and as an A4 PDF with three bar charts (`monthly_pdf`). Aggregates only: a
//! `MonthlyReport` holds counts, rates and sums, never a customer's name, contact or words.

mod figures;
mod layout;
mod pdf;
mod summary;

pub use figures::{Bar, Month, MonthlyReport, Ratio, Spend, money};
pub use pdf::monthly_pdf;

/// What the group's report is called: it covers every location.
pub const GROUP_NAME: &str = "All locations";

/// Why a report could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// the embedded font could not be read (a build problem, not the input's)
    #[error("the report's font could not be loaded")]
    Font,
    /// the PDF writer refused the document
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// One line of the report's headline figures: what it is, and its value in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub label: String,
    pub value: String,
}

/// The headline figures as label/value lines, in the order the PDF and the email show them.
pub fn headline(r: &MonthlyReport) -> Vec<Line> {
    r.lines()
}

/// The plain-text body of the monthly email: a greeting, the headline figures (the PDF's very lines),
/// the link to the Insights page, and a word about the attachment.
pub fn email_body(r: &MonthlyReport, greeting: Option<&str>, insights_url: &str) -> String {
    let mut body = match greeting {
        Some(name) => format!("Hi {name},\n\n"),
        None => "Hello,\n\n".to_string(),
    };
    body.push_str(&format!(
        "Here is the monthly report for {} at {}.\n\n",
        r.month.title(),
        r.business
    ));
    for l in r.lines() {
        body.push_str(&format!("- {}: {}\n", l.label, l.value));
    }
    body.push_str(&format!(
        "\nEvery figure, with the cases behind it: {insights_url}\n\nThe report is attached as a PDF. \
         You can stop these emails under \"Your settings\" on the Settings page.\n"
    ));
    body
}

/// The email's subject: "Olive — November 2026 at Harbour Dental".
pub fn email_subject(r: &MonthlyReport) -> String {
    format!("Olive — {} at {}", r.month.title(), r.business)
}

/// The PDF's file name: `olive-2026-11-harbour-dental.pdf`.
pub fn file_name(r: &MonthlyReport) -> String {
    format!("olive-{}-{}.pdf", r.month, slug(&r.business))
}

/// Lower-case ASCII letters and digits joined by single dashes ("Harbour Dental" → "harbour-dental").
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "report".into() } else { out }
}

#[cfg(test)]
mod tests;
