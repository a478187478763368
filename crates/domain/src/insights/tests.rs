//! The figures against values computed by hand on a small set of facts.

use super::*;
use crate::case::{CaseStatus, CloseOutcome};
use jiff::civil::date;
use jiff::{Timestamp, tz::TimeZone};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn case(
    id: &str,
    stage: &str,
    defect: Option<&str>,
    noticed: &str,
    first: Option<&str>,
) -> CaseFact {
    let noticed = at(noticed);
    CaseFact {
        id: id.into(),
        location_id: "L1".into(),
        stage: stage.into(),
        defect: defect.map(str::to_string),
        severity: "minor".into(),
        owner_id: "ava".into(),
        status: CaseStatus::Open,
        outcome: None,
        noticed,
        noticed_local: noticed.to_zoned(TimeZone::UTC).datetime(),
        first_action: first.map(at),
        next_due: None,
        closed_on: None,
        handoff_count: 0,
        reopened: false,
        root_cause: None,
    }
}

fn labels() -> Labels {
    Labels {
        stages: vec![
            ("arrival".into(), "Arrival".into()),
            ("treatment".into(), "Treatment".into()),
        ],
        defects: [("late".to_string(), "Kept waiting".to_string())].into(),
        gestures: [("flowers".to_string(), "Flowers".to_string())].into(),
        people: [
            ("ava".to_string(), "Ava Reed".to_string()),
            ("bo".to_string(), "Bo Chen".to_string()),
        ]
        .into(),
        locations: vec![LocationLabel {
            id: "L1".into(),
            name: "Harbour Dental".into(),
            currency: "USD".into(),
            budget_cents: Some(300_00),
        }],
    }
}

#[test]
fn the_six_questions_on_a_hand_counted_fixture() {
    let period = Period::parse(Some("2026-11-01"), Some("2026-11-30"), date(2026, 12, 5)).unwrap();
    let now = at("2026-12-05T12:00:00Z");
    let mut closed_a = case(
        "a",
        "arrival",
        Some("late"),
        "2026-11-02T09:00:00Z",
        Some("2026-11-02T09:10:00Z"),
    );
    closed_a.outcome = Some(CloseOutcome::Recovered);
    closed_a.status = CaseStatus::Closed;
    closed_a.root_cause = Some("scheduling".into());
    let mut closed_b = case(
        "b",
        "arrival",
        Some("late"),
        "2026-11-03T09:00:00Z",
        Some("2026-11-03T08:00:00Z"),
    );
    closed_b.outcome = Some(CloseOutcome::NotRecovered);
    closed_b.status = CaseStatus::Closed;
    closed_b.reopened = true;
    closed_b.root_cause = Some("scheduling".into());
    let mut open_c = case(
        "c",
        "treatment",
        None,
        "2026-11-20T15:30:00Z",
        Some("2026-11-20T16:30:00Z"),
    );
    open_c.handoff_count = 2;
    open_c.next_due = Some(at("2026-12-01T00:00:00Z"));
    let open_now = {
        let mut c = open_c.clone();
        c.noticed = at("2026-12-05T02:00:00Z");
        c
    };
    let facts = Facts {
        noticed: vec![closed_a.clone(), closed_b.clone(), open_c.clone()],
        previous_by_stage: [("arrival".to_string(), 1)].into(),
        closed: vec![(closed_a, vec!["flowers".into()]), (closed_b, vec![])],
        open: vec![open_c, open_now],
        steps_due: vec![
            StepDue {
                due: at("2026-11-02T10:00:00Z"),
                settled: Some(at("2026-11-02T09:10:00Z")),
            },
            StepDue {
                due: at("2026-11-03T10:00:00Z"),
                settled: Some(at("2026-11-03T11:00:00Z")),
            },
            StepDue {
                due: at("2026-11-04T10:00:00Z"),
                settled: None,
            },
            StepDue {
                due: at("2026-11-05T10:00:00Z"),
                settled: Some(at("2026-11-05T10:00:00Z")),
            },
        ],
        gestures: vec![GestureFact {
            case_id: "a".into(),
            location_id: "L1".into(),
            kind: "flowers".into(),
            currency: "USD".into(),
            cents: 60_00,
            given_on: date(2026, 11, 2),
        }],
        approvals: vec![
            Approval {
                asked: at("2026-11-02T09:00:00Z"),
                decided: Some((true, at("2026-11-02T09:12:00Z"))),
            },
            Approval {
                asked: at("2026-11-03T09:00:00Z"),
                decided: Some((false, at("2026-11-03T09:30:00Z"))),
            },
            Approval {
                asked: at("2026-11-04T09:00:00Z"),
                decided: None,
            },
        ],
        answers: vec![
            Answer {
                rating: Some(5),
                would_return: Some(true),
            },
            Answer {
                rating: Some(2),
                would_return: Some(false),
            },
        ],
        handoffs: vec![
            Handoff {
                case_id: "a".into(),
                from_id: "bo".into(),
                status: "accepted".into(),
                reason: "off shift".into(),
            },
            Handoff {
                case_id: "a".into(),
                from_id: "bo".into(),
                status: "declined".into(),
                reason: "off shift".into(),
            },
            Handoff {
                case_id: "c".into(),
                from_id: "bo".into(),
                status: "accepted".into(),
                reason: "not mine".into(),
            },
            Handoff {
                case_id: "b".into(),
                from_id: "ava".into(),
                status: "pending".into(),
                reason: "lunch".into(),
            },
        ],
        claims: vec![Claim {
            staff_id: "ava".into(),
        }],
        prevention: (2, 1),
    };
    let s = summarise(period, vec!["L1".into()], &facts, &labels(), now);

    // 1. leaking: 3 noticed (2 arrival, 1 treatment) against 1 before
    assert_eq!((s.leaking.logged, s.leaking.previous_logged), (3, 1));
    assert_eq!(s.leaking.by_stage[0].label, "Arrival");
    assert_eq!(
        (s.leaking.by_stage[0].count, s.leaking.by_stage[0].previous),
        (2, 1)
    );
    assert_eq!(s.leaking.top_defects[0].label, "Kept waiting");
    assert_eq!(s.leaking.top_defects[0].count, 2);
    assert_eq!(s.leaking.top_defects[1].label, "Other (no protocol)");
    let week_of_2nd = s
        .leaking
        .weeks
        .iter()
        .position(|w| w == "2026-11-02")
        .unwrap();
    assert_eq!(s.leaking.heatmap[0].counts[week_of_2nd], 2);
    assert_eq!(s.leaking.by_weekday[0].count, 1, "the 2nd was a Monday");
    assert_eq!(s.leaking.by_hour[9].count, 2);
    assert_eq!(s.leaking.by_hour[15].count, 1);
    assert_eq!(
        s.leaking.by_severity.iter().map(|c| c.count).sum::<i64>(),
        3
    );

    // 2. response: first actions 10, 0 (before noticed: floored), 60 minutes
    assert_eq!(s.response.first_action.cases, 3);
    assert_eq!(s.response.first_action.median_minutes, Some(10));
    assert_eq!(s.response.first_action.p90_minutes, Some(60));
    assert_eq!((s.response.steps_due, s.response.steps_on_time), (4, 2));
    assert_eq!(s.response.on_time_rate, Some(0.5));
    assert_eq!(s.response.overdue_now, 2);
    let ages: Vec<i64> = s.response.open_by_age.iter().map(|c| c.count).collect();
    assert_eq!(ages, vec![1, 0, 0, 1]);

    // 3. recovery: 1 of 2 closed
    assert_eq!(
        (
            s.recovery.closed,
            s.recovery.recovered,
            s.recovery.not_recovered
        ),
        (2, 1, 1)
    );
    assert_eq!(s.recovery.rate, Some(0.5));
    assert_eq!(percent(s.recovery.rate), "50%");
    assert_eq!(s.recovery.reopened, 1);
    assert_eq!(
        (s.recovery.would_return_yes, s.recovery.would_return_no),
        (1, 1)
    );
    assert_eq!(s.recovery.ratings[4].count, 1);
    assert_eq!(s.recovery.by_gesture[0].label, "Flowers");
    assert_eq!(
        (
            s.recovery.by_gesture[0].closed,
            s.recovery.by_gesture[0].recovered
        ),
        (1, 1)
    );

    // 4. cost: $60 of a $300 budget, $60 per recovered case; approvals 3 asked, waits 12 and 30
    assert_eq!(s.cost.spend[0].cents, 60_00);
    assert_eq!(s.cost.by_month[0].budget_cents, Some(300_00));
    assert_eq!(s.cost.by_month[0].cents, 60_00);
    assert_eq!(s.cost.per_recovered[0].cents, 60_00);
    let a = &s.cost.approvals;
    assert_eq!((a.asked, a.approved, a.declined, a.waiting), (3, 1, 1, 1));
    assert_eq!(a.median_wait_minutes, Some(12));

    // 5. hand-offs: Bo offered 3 (2 accepted, 1 declined), Ava 1; median of 1 and 3 is 2
    assert_eq!(s.handoffs.total_offered, 4);
    assert_eq!(s.handoffs.by_person[0].name, "Bo Chen");
    let bo = &s.handoffs.by_person[0];
    assert_eq!(
        (bo.offered, bo.cases, bo.accepted, bo.declined),
        (3, 2, 2, 1)
    );
    assert_eq!(bo.reasons[0].key, "off shift");
    assert_eq!(s.handoffs.median_per_person, Some(2.0));
    assert_eq!(s.handoffs.cases_twice_or_more, 1);
    assert_eq!(s.handoffs.claimed[0].label, "Ava Reed");

    // 6. causes: both closed cases were scheduling
    assert_eq!(s.causes.by_cause[0].key, "scheduling");
    assert_eq!(s.causes.by_cause[0].count, 2);
    assert_eq!(s.causes.by_defect[0].defect_label, "Kept waiting");
    assert_eq!((s.causes.prevention_open, s.causes.prevention_done), (2, 1));
}

#[test]
fn an_empty_period_has_no_rates_and_no_panic() {
    let period = Period::month("2026-11").unwrap();
    let s = summarise(
        period,
        vec![],
        &Facts::default(),
        &Labels::default(),
        at("2026-12-01T00:00:00Z"),
    );
    assert_eq!(s.recovery.rate, None);
    assert_eq!(s.response.on_time_rate, None);
    assert_eq!(s.response.first_action.median_minutes, None);
    assert_eq!(percent(None), "–");
    assert!(s.cost.per_recovered.is_empty());
}
