//! Tests for step anchors: the TOML keys and their round trip, the refusals with their lines, the
//! planner (provisional dues, chains, business hours from the anchor), and both built-in playbooks.

use super::*;
use crate::deadline::DayHours;
use crate::playbook::Playbook;
use jiff::civil::{DateTime, time};
use jiff::tz::TimeZone;
use std::collections::BTreeSet;

fn playbook(steps: &str) -> String {
    format!(
        r#"
[playbook]
code = "small"
name = "Small"

[[stages]]
code = "arrival"
name = "Arrival"

[[defects]]
code = "late"
stage = "arrival"
title = "Kept waiting"
severity = "minor"
{steps}"#
    )
}

fn step(kind: &str, extra: &str) -> String {
    format!(
        "\n  [[defects.steps]]\n  title = \"A {kind} step\"\n  kind = \"{kind}\"\n  owner = \"front_desk\"\n{extra}\n"
    )
}

const ACK_NOW: &str = "  anchor = \"noticed\"\n  due = \"PT5M\"";
const FIX_LOGGED: &str = "  anchor = \"logged\"\n  due = \"same_day 17:00\"";

/// Sydney, Mon–Fri 08:00–17:00 (a practice).
fn practice() -> BusinessCalendar {
    let day = Some(DayHours {
        open: time(8, 0, 0, 0),
        close: time(17, 0, 0, 0),
    });
    let mut hours = [None; 7];
    hours[..5].fill(day);
    BusinessCalendar {
        tz: TimeZone::get("Australia/Sydney").unwrap(),
        hours,
        closed: BTreeSet::new(),
    }
}

/// Sydney, every day 11:00–23:00 (a restaurant).
fn restaurant() -> BusinessCalendar {
    let day = Some(DayHours {
        open: time(11, 0, 0, 0),
        close: time(23, 0, 0, 0),
    });
    BusinessCalendar {
        tz: TimeZone::get("Australia/Sydney").unwrap(),
        hours: [day; 7],
        closed: BTreeSet::new(),
    }
}

/// "2026-11-24T16:50" in Sydney.
fn local(s: &str) -> Timestamp {
    let dt: DateTime = s.parse().unwrap();
    dt.to_zoned(TimeZone::get("Australia/Sydney").unwrap())
        .unwrap()
        .timestamp()
}

fn timing(anchor: Anchor, due: &str) -> Timing {
    Timing {
        anchor,
        due: due.parse().unwrap(),
    }
}

#[test]
fn anchors_are_read_and_written_back_with_the_same_keys() {
    let text = playbook(
        &[
            step("acknowledge", ACK_NOW),
            step("fix", FIX_LOGGED),
            step("follow_up", "  after = 2\n  within = \"PT20M\""),
            step(
                "gesture",
                "  after = 1\n  due = \"next_business_day 10:00\"",
            ),
            step("follow_up", "  due = \"PT1H\""),
            step("verify", "  after = 5\n  due = \"business_days 1\""),
        ]
        .concat(),
    );
    let p = Playbook::from_toml(&text).unwrap();
    let steps = &p.defects[0].steps;
    let written: Vec<Option<Anchor>> = steps.iter().map(|s| s.anchor).collect();
    assert_eq!(
        written,
        [
            Some(Anchor::Noticed),
            Some(Anchor::Logged),
            Some(Anchor::After(2)),
            Some(Anchor::After(1)),
            None,
            Some(Anchor::After(5)),
        ]
    );
    assert_eq!(steps[2].due, "PT20M".parse().unwrap());
    assert_eq!(anchors(steps)[4], Anchor::Logged);
    let out = p.to_toml();
    for key in [
        "anchor = \"noticed\"",
        "anchor = \"logged\"",
        "after = 2",
        "within = \"PT20M\"",
        "due = \"next_business_day 10:00\"",
    ] {
        assert!(out.contains(key), "{key} in\n{out}");
    }
    assert_eq!(Playbook::from_toml(&out).unwrap(), p);
}

#[test]
fn a_verification_with_no_anchor_follows_the_last_step_it_checks() {
    let text = playbook(
        &[
            step("acknowledge", ACK_NOW),
            step("fix", FIX_LOGGED),
            step("verify", "  due = \"PT1H\""),
        ]
        .concat(),
    );
    let p = Playbook::from_toml(&text).unwrap();
    let steps = &p.defects[0].steps;
    assert_eq!(steps[2].anchor, None);
    assert_eq!(
        anchors(steps),
        [Anchor::Noticed, Anchor::Logged, Anchor::After(2)]
    );
    // Written back as it was: no anchor given.
    assert!(!p.to_toml().contains("after ="));
}

/// The one issue the file gives, its line, and the line's text.
fn refused(text: &str) -> (String, String) {
    let err = Playbook::from_toml(text).unwrap_err();
    assert_eq!(err.issues.len(), 1, "{err}");
    let issue = &err.issues[0];
    let line = issue.line.expect("a line");
    let at = text.lines().nth(line - 1).unwrap().trim().to_string();
    (issue.message.clone(), at)
}

#[test]
fn a_verification_anchored_elsewhere_is_refused_with_its_line() {
    let text = playbook(
        &[
            step("acknowledge", ACK_NOW),
            step("fix", FIX_LOGGED),
            step("follow_up", "  after = 2\n  within = \"PT1H\""),
            step("verify", "  after = 2\n  due = \"PT2H\""),
        ]
        .concat(),
    );
    let (message, line) = refused(&text);
    assert_eq!(
        message,
        "defect 'late' step 4 (verify) must come after step 3, the last step it checks: write after = 3"
    );
    assert_eq!(line, "after = 2");
    assert!(text.lines().filter(|l| l.trim() == "after = 2").count() == 2);
    // The first `after = 2` is step 3's (fine); the line named is step 4's.
    let err = Playbook::from_toml(&text).unwrap_err();
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.iter().rposition(|l| l.trim() == "after = 2").unwrap() + 1;
    assert_eq!(err.issues[0].line, Some(last));

    // Counted from the logging is not after the work either.
    let text = playbook(
        &[
            step("fix", FIX_LOGGED),
            step("verify", "  anchor = \"logged\"\n  due = \"PT2H\""),
        ]
        .concat(),
    );
    let (message, line) = refused(&text);
    assert!(
        message.contains("step 2 (verify) must come after step 1"),
        "{message}"
    );
    assert_eq!(line, "anchor = \"logged\"");
}

#[test]
fn a_step_after_the_verification_is_refused() {
    let text = playbook(
        &[
            step("acknowledge", ACK_NOW),
            step("verify", "  due = \"PT2H\""),
            step("fix", FIX_LOGGED),
        ]
        .concat(),
    );
    let (message, line) = refused(&text);
    assert_eq!(
        message,
        "defect 'late' step 3 (fix) follows a verify step: the verification comes last"
    );
    assert_eq!(line, "anchor = \"logged\"");
}

#[test]
fn after_must_name_an_earlier_step() {
    for (after, says) in [
        (2, "step 2 is anchored after itself"),
        (3, "step 2 is anchored after step 3, a later step"),
        (9, "step 2 is anchored after step 9, which does not exist"),
        (0, "step 2 is anchored after step 0, which does not exist"),
    ] {
        let text = playbook(
            &[
                step("acknowledge", ACK_NOW),
                step("fix", &format!("  after = {after}\n  within = \"PT1H\"")),
                step("verify", "  due = \"PT2H\""),
            ]
            .concat(),
        );
        let (message, line) = refused(&text);
        assert!(message.contains(says), "{message}");
        assert!(message.starts_with("defect 'late' "), "{message}");
        assert_eq!(line, format!("after = {after}"));
    }
}

#[test]
fn within_needs_after_and_due_is_given_once() {
    for (extra, says) in [
        ("  within = \"PT20M\"", "within but no after"),
        (
            "  after = 1\n  due = \"PT20M\"\n  within = \"PT20M\"",
            "both due and within",
        ),
        (
            "  anchor = \"soon\"\n  due = \"PT20M\"",
            "anchor = \"soon\"",
        ),
        (
            "  anchor = \"logged\"\n  after = 1\n  due = \"PT20M\"",
            "give one",
        ),
        ("  after = 1", "needs a due rule"),
    ] {
        let text = playbook(
            &[
                step("acknowledge", ACK_NOW),
                step("fix", extra),
                step("verify", "  due = \"PT2H\""),
            ]
            .concat(),
        );
        let err = Playbook::from_toml(&text).unwrap_err();
        assert!(err.to_string().contains(says), "{extra}: {err}");
        // The line is the step's own (the table that holds the keys).
        let line = err.issues[0].line.expect("a line");
        let fix = text.lines().position(|l| l.contains("A fix step")).unwrap() + 1;
        assert!(
            (fix - 1..=fix + 6).contains(&line),
            "{extra}: line {line}, step at {fix}"
        );
    }
}

#[test]
fn dues_count_from_noticed_logged_and_earlier_steps() {
    let cal = restaurant();
    let at = CaseMoments {
        noticed: local("2026-11-24T19:10"),
        logged: local("2026-11-24T19:30"),
    };
    let steps = [
        timing(Anchor::Noticed, "PT2M"),
        timing(Anchor::Logged, "PT10M"),
        timing(Anchor::After(1), "PT20M"),
        timing(Anchor::After(3), "PT15M"),
        timing(Anchor::After(4), "next_business_day 12:00"),
    ];
    let none = BTreeMap::new();
    let dues = plan_dues(&steps, at, &cal, &none).unwrap();
    assert_eq!(
        dues,
        [
            local("2026-11-24T19:12"),
            local("2026-11-24T19:40"),
            // Provisional: step 1's due, then 20 minutes; step 4 from that.
            local("2026-11-24T19:32"),
            local("2026-11-24T19:47"),
            local("2026-11-25T12:00"),
        ]
    );
    // Step 1 done at 19:35: its followers move, the rest stay.
    let done = BTreeMap::from([(1, local("2026-11-24T19:35"))]);
    let dues = plan_dues(&steps, at, &cal, &done).unwrap();
    assert_eq!(dues[2], local("2026-11-24T19:55"));
    assert_eq!(dues[3], local("2026-11-24T20:10"));
    assert_eq!(dues[1], local("2026-11-24T19:40"));
    let moved = redue_after(&steps, at, &cal, &none, (1, local("2026-11-24T19:35"))).unwrap();
    assert_eq!(
        moved,
        [
            (3, local("2026-11-24T19:55")),
            (4, local("2026-11-24T20:10")),
            (5, local("2026-11-25T12:00")),
        ]
    );
    // Once step 3 is done, completing step 1 later moves nothing that follows step 3.
    let three = BTreeMap::from([(3, local("2026-11-24T19:50"))]);
    assert_eq!(
        redue_after(&steps, at, &cal, &three, (1, local("2026-11-24T19:55"))).unwrap(),
        []
    );
    // Completing step 2 moves nobody: nothing follows it.
    assert_eq!(
        redue_after(&steps, at, &cal, &none, (2, local("2026-11-24T19:45"))).unwrap(),
        []
    );
}

#[test]
fn business_hours_rules_are_read_from_the_anchor_instant() {
    let cal = practice();
    // Logged Tuesday 16:30; the fix is due 16:50; a call after it "same_day 17:00".
    let at = CaseMoments {
        noticed: local("2026-11-24T16:30"),
        logged: local("2026-11-24T16:30"),
    };
    let steps = [
        timing(Anchor::Logged, "PT20M"),
        timing(Anchor::After(1), "same_day 17:00"),
        timing(Anchor::After(2), "next_business_day 10:00"),
    ];
    let provisional = plan_dues(&steps, at, &cal, &BTreeMap::new()).unwrap();
    assert_eq!(provisional[1], local("2026-11-24T17:00"));
    assert_eq!(provisional[2], local("2026-11-25T10:00"));
    // The fix is done late, at 17:10: the call is tomorrow 17:00, and the check the day after.
    let late = BTreeMap::from([(1, local("2026-11-24T17:10"))]);
    let dues = plan_dues(&steps, at, &cal, &late).unwrap();
    assert_eq!(dues[1], local("2026-11-25T17:00"));
    assert_eq!(dues[2], local("2026-11-26T10:00"));
    // Done on Friday evening: Monday, then Tuesday.
    let friday = BTreeMap::from([(1, local("2026-11-27T18:00"))]);
    let dues = plan_dues(&steps, at, &cal, &friday).unwrap();
    assert_eq!(dues[1], local("2026-11-30T17:00"));
    assert_eq!(dues[2], local("2026-12-01T10:00"));
}

/// Every built-in protocol is sequential: each verification is written after the last step it checks,
/// and no step is due before a step it follows, for a case logged at any time of day or week.
#[test]
fn built_in_protocols_are_sequential_at_every_hour() {
    for (code, cal) in [("dental", practice()), ("restaurant", restaurant())] {
        let p = Playbook::from_toml(Playbook::built_in_source(code).unwrap()).unwrap();
        for d in &p.defects {
            let last_work = d.steps.iter().rposition(|s| s.kind != StepKind::Verify);
            let verify = d.steps.last().unwrap();
            assert_eq!(verify.kind, StepKind::Verify, "{code} {}", d.code);
            assert_eq!(
                verify.anchor,
                last_work.map(|w| Anchor::After(w as u32 + 1)),
                "{code} {}: the verification names the step it follows",
                d.code
            );
            let steps = timings(&d.steps);
            // Monday to Sunday, early, mid-morning, lunch, late afternoon, evening, late night.
            for day in 23..=29 {
                for hour in ["07:30", "10:00", "12:45", "16:50", "19:30", "22:55"] {
                    let logged = local(&format!("2026-11-{day}T{hour}"));
                    for early in [0, 25, 180] {
                        let at = CaseMoments {
                            noticed: logged
                                .checked_sub(jiff::SignedDuration::from_mins(early))
                                .unwrap(),
                            logged,
                        };
                        let dues = plan_dues(&steps, at, &cal, &BTreeMap::new()).unwrap();
                        for (i, t) in steps.iter().enumerate() {
                            if let Anchor::After(n) = t.anchor {
                                assert!(
                                    dues[i] >= dues[n as usize - 1],
                                    "{code} {} step {} due before step {n} (logged {day} {hour})",
                                    d.code,
                                    i + 1
                                );
                            }
                        }
                        let v = dues.len() - 1;
                        for (i, due) in dues[..v].iter().enumerate() {
                            assert!(
                                dues[v] >= *due,
                                "{code} {}: the verification is due before step {} (logged 2026-11-{day} {hour}, noticed {early} min before)",
                                d.code,
                                i + 1
                            );
                        }
                    }
                }
            }
        }
    }
}
