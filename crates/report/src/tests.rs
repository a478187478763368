//! The report's words, its file name, and the PDF itself (checked by `qpdf` and read back by
//! `pdftotext` when they are installed, as `scripts/test` does).

use super::*;

pub(crate) fn sample() -> MonthlyReport {
    MonthlyReport {
        business: "Harbour Dental".into(),
        month: Month::new(2026, 11).unwrap(),
        logged: 14,
        previous_logged: 9,
        top_stage: Some(("Arrival".into(), 6)),
        top_defect: Some((
            "Patient kept waiting well past the appointment time".into(),
            4,
        )),
        recovery: Ratio { part: 6, whole: 8 },
        first_action_median_min: Some(12),
        first_action_p90_min: Some(95),
        on_time: Ratio {
            part: 17,
            whole: 20,
        },
        spend: vec![Spend {
            currency: "USD".into(),
            spent_cents: 240_00,
            budget_cents: Some(300_00),
            per_recovered_cents: Some(40_00),
        }],
        handoffs_offered: 5,
        handed_off_twice: 1,
        defects_by_stage: vec![
            Bar::count("Arrival", 6),
            Bar::count("Treatment", 3),
            Bar::count("Billing", 1),
        ],
        spend_by_gesture: vec![
            Bar {
                label: "Waived fee".into(),
                value: 180_00,
                shown: "$180.00".into(),
            },
            Bar {
                label: "Gift card".into(),
                value: 60_00,
                shown: "$60.00".into(),
            },
        ],
        ratings: [1, 0, 2, 3, 4],
    }
}

#[test]
fn lines_say_the_figures_in_words() {
    let lines = headline(&sample());
    let find = |label: &str| {
        lines
            .iter()
            .find(|l| l.label == label)
            .map(|l| l.value.clone())
            .unwrap()
    };
    assert_eq!(find("Recovery rate"), "75% (6 of 8 closed cases)");
    assert_eq!(find("Gesture spend"), "$240.00 of a $300.00 budget");
    assert_eq!(find("Cases logged"), "14 (9 in the 30 days before)");
    assert_eq!(find("On-time rate"), "85% (17 of 20 steps due)");
    assert_eq!(
        find("Time to first action"),
        "median 12 minutes, 90th percentile 1 h 35 min"
    );
    assert_eq!(find("Spend per recovered case"), "$40.00");
    assert_eq!(
        find("Hand-offs offered"),
        "5 (1 case handed off twice or more)"
    );
}

#[test]
fn empty_month_reads_as_nothing_not_zero_percent() {
    let mut r = sample();
    r.recovery = Ratio::default();
    r.on_time = Ratio::default();
    r.spend.clear();
    r.first_action_median_min = None;
    r.first_action_p90_min = None;
    let lines = headline(&r);
    assert!(lines.iter().any(|l| l.value == "no case closed"));
    assert!(lines.iter().any(|l| l.value == "no step was due"));
    assert!(lines.iter().any(|l| l.value == "no first action"));
    assert!(monthly_pdf(&r).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn subject_body_and_file_name() {
    let r = sample();
    assert_eq!(email_subject(&r), "Olive — November 2026 at Harbour Dental");
    assert_eq!(file_name(&r), "olive-2026-11-harbour-dental.pdf");
    assert_eq!(slug("  The Grill & Bar!"), "the-grill-bar");
    assert_eq!(slug("Ünïcode"), "n-code");
    let body = email_body(&r, Some("Fiona"), "https://o.test/insights?x=1");
    assert!(body.starts_with("Hi Fiona,"));
    assert!(body.contains("- Recovery rate: 75% (6 of 8 closed cases)"));
    assert!(body.contains("https://o.test/insights?x=1"));
}

#[test]
fn money_has_its_sign() {
    assert_eq!(money(240_00, "USD"), "$240.00");
    assert_eq!(money(1_234_50, "GBP"), "£1,234.50");
    assert_eq!(money(-5, "EUR"), "-€0.05");
    assert_eq!(money(300, "CHF"), "CHF 3.00");
}

#[test]
fn a_long_report_breaks_onto_more_pages() {
    let mut r = sample();
    r.defects_by_stage = (0..40)
        .map(|k| Bar::count(format!("Stage {k}"), k))
        .collect();
    let pages = layout::lay_out(&r).pages;
    assert!(pages.len() >= 2);
    let pdf = monthly_pdf(&r).unwrap();
    if let Some(text) = check_and_read(&pdf, "long") {
        assert!(text.contains("Page 2 of"), "{text}");
        assert!(text.contains("Stage 39"));
    }
}

#[test]
fn the_pdf_is_valid_and_shows_the_headline() {
    let r = sample();
    let pdf = monthly_pdf(&r).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(text) = check_and_read(&pdf, "sample") else {
        return;
    };
    for want in [
        "Harbour Dental",
        "November 2026",
        "75% (6 of 8 closed cases)",
        "$240.00 of a $300.00 budget",
        "14 (9 in the 30 days before)",
        "85% (17 of 20 steps due)",
        "Patient kept waiting well past the appointment time (4 cases)",
        "Defects by stage",
        "Gesture spend by kind",
        "Follow-up ratings",
        "Arrival",
        "$180.00",
        "Aggregates only; no customer details.",
    ] {
        assert!(text.contains(want), "'{want}' missing from:\n{text}");
    }
    // The title in the document's information.
    if let Ok(out) = std::process::Command::new("pdfinfo")
        .arg(temp_path("sample"))
        .output()
    {
        let info = String::from_utf8_lossy(&out.stdout);
        assert!(
            info.contains("Olive monthly report — Harbour Dental — November 2026"),
            "{info}"
        );
    }
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "olive-report-test-{}-{name}.pdf",
        std::process::id()
    ))
}

/// `qpdf --check` must pass; the text `pdftotext` reads. None when the tools are not installed.
pub(crate) fn check_and_read(pdf: &[u8], name: &str) -> Option<String> {
    let path = temp_path(name);
    std::fs::write(&path, pdf).unwrap();
    let qpdf = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output();
    let Ok(qpdf) = qpdf else {
        eprintln!("SKIPPED qpdf --check: qpdf is not installed");
        return None;
    };
    assert!(
        qpdf.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&qpdf.stdout)
    );
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    assert!(out.status.success());
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}
