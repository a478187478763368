//! Tests of the authority rules as the ledger applies them: requester and approver, pending and declined, per currency, per location-local day.

use super::ledger::{Charged, charge, day_window, local_day, used};
use super::*;
use crate::gesture::GestureStatus;
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn at(s: &str) -> Timestamp {
    s.parse().expect("an instant")
}

fn entry<'a>(c: &'a super::ledger::Charge, case: &'a str, value: i64, cur: &'a str) -> Charged<'a> {
    Charged {
        to: &c.to,
        case_id: case,
        at: c.at,
        on_case: c.on_case,
        value: Cents(value),
        currency: cur,
    }
}

#[test]
fn an_approved_request_uses_the_approvers_day_not_the_requesters_room() {
    let sydney = TimeZone::get("Australia/Sydney").unwrap();
    let t = at("2026-12-07T00:00:00Z"); // 11:00 in Sydney
    // Fiona asks for 300.00 of flowers on case A; Maria approves it ten minutes later.
    let flowers = charge(
        GestureStatus::Approved,
        "fiona",
        t,
        Some(("maria", at("2026-12-07T00:10:00Z"))),
    )
    .unwrap();
    assert_eq!(flowers.to, "maria");
    assert!(!flowers.on_case);
    let ledger = [entry(&flowers, "A", 300_00, "AUD")];
    let day = local_day(t, &sydney);
    let fiona = used(ledger, "fiona", "B", "AUD", day, &sydney);
    assert_eq!(fiona, Given::default());
    // So her 6.00 coffee on case B is within her own authority.
    let fd = AuthorityLimit::default_for(Role::FrontDesk);
    assert_eq!(decide(fd, fiona, Cents(6_00)), AuthorityDecision::Approved);
    // And the approval used Maria's day, not her room on case A.
    let maria = used(ledger, "maria", "A", "AUD", day, &sydney);
    assert_eq!(
        maria,
        Given {
            on_case: Cents::ZERO,
            today: Cents(300_00)
        }
    );
}

#[test]
fn pending_and_declined_requests_use_nobodys_room() {
    let t = at("2026-12-07T00:00:00Z");
    assert_eq!(
        charge(GestureStatus::PendingApproval, "fiona", t, None),
        None
    );
    assert_eq!(
        charge(GestureStatus::Declined, "fiona", t, Some(("maria", t))),
        None
    );
    // A gesture within the giver's own authority stays hers through sending and delivery.
    for s in [
        GestureStatus::Approved,
        GestureStatus::Sent,
        GestureStatus::Delivered,
    ] {
        let c = charge(s, "fiona", t, None).unwrap();
        assert_eq!((c.to.as_str(), c.at, c.on_case), ("fiona", t, true));
    }
}

#[test]
fn sums_are_kept_per_currency() {
    let utc = TimeZone::UTC;
    let t = at("2026-12-07T09:00:00Z");
    let c = charge(GestureStatus::Approved, "sam", t, None).unwrap();
    let ledger = [
        entry(&c, "A", 150_00, "GBP"),
        entry(&c, "A", 40_00, "EUR"),
        entry(&c, "B", 10_00, "gbp"),
    ];
    let g = used(ledger, "sam", "A", "GBP", local_day(t, &utc), &utc);
    assert_eq!(
        g,
        Given {
            on_case: Cents(150_00),
            today: Cents(160_00)
        }
    );
    let g = used(ledger, "sam", "A", "EUR", local_day(t, &utc), &utc);
    assert_eq!(
        g,
        Given {
            on_case: Cents(40_00),
            today: Cents(40_00)
        }
    );
}

#[test]
fn the_day_is_the_locations_day_across_midnight() {
    let ny = TimeZone::get("America/New_York").unwrap();
    // 23:30 on the 7th and 00:30 on the 8th in New York (04:30 and 05:30 UTC on the 8th).
    let late = charge(
        GestureStatus::Approved,
        "gabe",
        at("2026-12-08T04:30:00Z"),
        None,
    )
    .unwrap();
    let early = charge(
        GestureStatus::Approved,
        "gabe",
        at("2026-12-08T05:30:00Z"),
        None,
    )
    .unwrap();
    let ledger = [
        entry(&late, "A", 120_00, "USD"),
        entry(&early, "B", 70_00, "USD"),
    ];
    let on_8th = local_day(at("2026-12-08T12:00:00Z"), &ny);
    assert_eq!(
        used(ledger, "gabe", "C", "USD", on_8th, &ny).today,
        Cents(70_00)
    );
    let on_7th = local_day(at("2026-12-07T20:00:00Z"), &ny);
    assert_eq!(
        used(ledger, "gabe", "C", "USD", on_7th, &ny).today,
        Cents(120_00)
    );
    // In UTC both would have been one day.
    assert_eq!(
        used(ledger, "gabe", "C", "USD", on_8th, &TimeZone::UTC).today,
        Cents(190_00)
    );
    // The per-case sum ignores days.
    assert_eq!(
        used(ledger, "gabe", "A", "USD", on_8th, &ny).on_case,
        Cents(120_00)
    );
}

#[test]
fn the_day_is_the_locations_day_across_a_clock_change() {
    let ny = TimeZone::get("America/New_York").unwrap();
    // 8 March 2026: clocks go forward at 02:00, the day is 23 hours long.
    let (start, end) = day_window(at("2026-03-08T15:00:00Z"), &ny);
    assert_eq!(start, at("2026-03-08T05:00:00Z"));
    assert_eq!(end, at("2026-03-09T04:00:00Z"));
    assert_eq!(end.duration_since(start).as_secs(), 23 * 3600);
    // 1 November 2026: clocks go back, the day is 25 hours long.
    let (start, end) = day_window(at("2026-11-01T15:00:00Z"), &ny);
    assert_eq!(end.duration_since(start).as_secs(), 25 * 3600);
    // A gesture at 23:30 local on the long day is still that day; one at 00:10 the next day is not.
    let late = charge(
        GestureStatus::Approved,
        "gabe",
        at("2026-11-02T04:30:00Z"),
        None,
    )
    .unwrap();
    let next = charge(
        GestureStatus::Approved,
        "gabe",
        at("2026-11-02T05:10:00Z"),
        None,
    )
    .unwrap();
    let ledger = [
        entry(&late, "A", 50_00, "USD"),
        entry(&next, "A", 20_00, "USD"),
    ];
    let nov1 = local_day(at("2026-11-01T15:00:00Z"), &ny);
    assert_eq!(
        used(ledger, "gabe", "Z", "USD", nov1, &ny).today,
        Cents(50_00)
    );
    assert!(late.at >= start && late.at < end && next.at >= end);
}

#[test]
fn a_refusal_names_the_limit_and_what_is_left() {
    let fd = AuthorityLimit::default_for(Role::FrontDesk);
    let d = decide(
        fd,
        Given {
            on_case: Cents(80_00),
            today: Cents(80_00),
        },
        Cents(30_00),
    );
    assert_eq!(
        d.explain("AUD").as_deref(),
        Some(
            "Sent to a manager for approval: your per-case limit is AUD 100.00 (AUD 20.00 left on this case)."
        )
    );
}
