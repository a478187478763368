//! Micro-benchmarks for Olive's pure domain rules.
//!
//! Run: `cargo bench -p olive-domain --bench domain -- --warm-up-time 1 --measurement-time 3`
//! Results and targets are recorded in BENCHMARKS.md at the repository root.

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use jiff::Timestamp;
use jiff::civil::{Time, time};
use jiff::tz::TimeZone;
use olive_domain::deadline::{BusinessCalendar, DayHours, DeadlineRule};
use olive_domain::playbook::Playbook;
use olive_domain::wording::WordingChecker;

/// Pads or trims `s` to exactly 500 characters (padding with a neutral sentence).
fn to_500_chars(s: &str) -> String {
    const FILL: &str = " Thank you for your patience today.";
    let mut out = s.to_string();
    while out.chars().count() < 500 {
        out.push_str(FILL);
    }
    out.chars().take(500).collect()
}

/// A realistic customer-facing reply with nothing the built-in rules flag.
fn clean_text() -> String {
    to_500_chars(
        "Hi Sam, I'm really sorry you waited so long in reception this morning; that isn't the \
         experience we want for anyone at Harbour Dental. Your appointment was booked for 9:30 \
         and you weren't seen until after 10:15, which is simply not good enough. There's no \
         charge for today's check-up and clean, and I've refunded the amount to your card. I'll \
         look after this myself and call you back by 4pm tomorrow to confirm your next visit. \
         We've also changed how we tell patients about delays so it doesn't happen again.",
    )
}

/// The same kind of reply containing exactly two flagged phrases ("calm down", "our policy").
fn flagged_text() -> String {
    to_500_chars(
        "Hi Sam, I'm really sorry you waited so long in reception this morning; please calm down \
         and let me explain what happened at Harbour Dental. Your appointment was booked for \
         9:30 and you weren't seen until after 10:15. We can't move the fee because that's our \
         policy, but I've asked the front desk to note your account. I'll look after this \
         myself and call you back by 4pm tomorrow to confirm your next visit. We've also \
         changed how we tell patients about delays so it doesn't happen again. Thanks for your \
         patience.",
    )
}

fn wording(c: &mut Criterion) {
    let checker = WordingChecker::built_in();
    let clean = clean_text();
    let flagged = flagged_text();
    assert_eq!(clean.chars().count(), 500);
    assert_eq!(flagged.chars().count(), 500);
    assert!(
        checker.check(&clean).is_empty(),
        "clean text must not be flagged"
    );
    let found: Vec<String> = checker
        .check(&flagged)
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    assert_eq!(
        found,
        ["calm-down", "policy"],
        "flagged text must hit exactly two rules"
    );

    let mut group = c.benchmark_group("wording_check_500_chars");
    group.throughput(Throughput::Bytes(clean.len() as u64));
    group.bench_function("clean", |b| b.iter(|| checker.check(black_box(&clean))));
    group.throughput(Throughput::Bytes(flagged.len() as u64));
    group.bench_function("two_flagged", |b| {
        b.iter(|| checker.check(black_box(&flagged)))
    });
    group.finish();
}

fn playbook(c: &mut Criterion) {
    let source = Playbook::built_in_source("dental").expect("built-in dental playbook");
    let dental = Playbook::from_toml(source).expect("dental playbook parses");
    c.bench_function("playbook_parse/dental", |b| {
        b.iter(|| Playbook::from_toml(black_box(source)))
    });
    // Building a checker compiles every rule's regex; the store does this per call of
    // `wording_checker_for` (adding a note, checking wording for a location).
    let mut group = c.benchmark_group("wording_checker_build");
    group.bench_function("built_in", |b| b.iter(WordingChecker::built_in));
    group.bench_function("dental_playbook", |b| {
        b.iter(|| black_box(&dental).wording_checker())
    });
    group.finish();
}

/// Dental practice in Sydney: Mon–Fri 08:00–17:00, closed weekends and Easter 2026.
fn practice() -> BusinessCalendar {
    let hours = |open: Time, close: Time| Some(DayHours { open, close });
    let day = hours(time(8, 0, 0, 0), time(17, 0, 0, 0));
    BusinessCalendar {
        tz: TimeZone::get("Australia/Sydney").expect("tzdb zone"),
        hours: [day, day, day, day, day, None, None],
        // Good Friday and Easter Monday.
        closed: BTreeSet::from([jiff::civil::date(2026, 4, 3), jiff::civil::date(2026, 4, 6)]),
    }
}

fn deadlines(c: &mut Criterion) {
    let cal = practice();
    // Thursday 2 April 2026, 15:30 Sydney: "business_days 2" skips the Easter long weekend
    // (and the end of daylight saving on 5 April), exercising the business-day search.
    let reported: Timestamp = "2026-04-02T15:30:00+11:00[Australia/Sydney]"
        .parse::<jiff::Zoned>()
        .expect("zoned")
        .timestamp();
    let rules = [
        ("after", "PT10M"),
        ("same_day", "same_day 17:00"),
        ("next_business_day", "next_business_day 10:00"),
        ("business_days", "business_days 2"),
        ("business_days_at", "business_days 2 16:00"),
        ("calendar_days", "calendar_days 3"),
        ("calendar_days_at", "calendar_days 1 09:00"),
    ];
    let mut group = c.benchmark_group("deadline_due");
    for (name, text) in rules {
        let rule: DeadlineRule = text.parse().expect("valid rule");
        cal.due(&rule, reported).expect("due instant");
        group.bench_with_input(BenchmarkId::from_parameter(name), &rule, |b, rule| {
            b.iter(|| cal.due(black_box(rule), black_box(reported)))
        });
    }
    group.finish();
}

criterion_group!(benches, wording, playbook, deadlines);
criterion_main!(benches);
