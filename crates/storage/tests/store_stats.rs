//! Storage integration tests: statistics (first action, recovery, gestures, scope by location) — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::{CaseStatus, CloseOutcome, RootCause, VerificationMethod};
use olive_domain::gesture::GestureStatus;
use olive_storage::Store;
use olive_storage::actions::{CloseCase, Decision, Verification};
use olive_storage::stats::StatsFilter;
use olive_storage::views::CaseDetail;
use std::collections::BTreeMap;

both!(statistics);
async fn statistics(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let at = |hhmm: &str| local(&format!("2026-11-24T{hhmm}"));
    let c1 = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        at("10:00"),
    )
    .await;
    let c2 = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Noah Smith"),
        at("10:01"),
    )
    .await;
    let c3 = create(
        &store,
        fd,
        report(&org.dental, "phone-unanswered", "Mia Patel"),
        at("10:02"),
    )
    .await;
    let mut other = report(&org.dental, "other", "Liam Brown");
    other.stage = Some("checkout".into());
    let c4 = create(&store, fd, other, at("10:03")).await;
    let g1 = create(
        &store,
        &org.grill_front,
        report(&org.grill, "reservation-not-found", "Zara Chen"),
        at("10:04"),
    )
    .await;

    // Settle every step but the verification, the first action 30 and 10 minutes after the report.
    let settle = |c: CaseDetail, first: jiff::Timestamp| {
        let store = store.clone();
        let fd = fd.clone();
        async move {
            for st in c
                .steps
                .iter()
                .filter(|s| s.kind != olive_domain::playbook::StepKind::Verify)
            {
                store
                    .step_action(
                        &fd,
                        &c.summary.id,
                        &st.id,
                        true,
                        skip_because("test"),
                        first,
                    )
                    .await
                    .unwrap();
            }
        }
    };
    settle(c1.clone(), at("10:30")).await;
    settle(c2.clone(), at("10:11")).await;
    let v = Verification {
        method: VerificationMethod::InPerson,
        customer_said: "All good".into(),
        satisfied: true,
    };
    store
        .verify(fd, &c1.summary.id, v, at("10:35"))
        .await
        .unwrap();
    let close = |outcome| CloseCase {
        outcome,
        root_cause: RootCause::Communication,
        prevention_note: None,
    };
    store
        .close(
            mgr,
            &c1.summary.id,
            close(CloseOutcome::Recovered),
            at("10:36"),
        )
        .await
        .unwrap();
    store
        .close(
            mgr,
            &c2.summary.id,
            close(CloseOutcome::NotRecovered),
            at("10:37"),
        )
        .await
        .unwrap();

    // Gestures: approved (some sent on), pending, declined.
    let t = at("10:38");
    let c3k = c3.summary.id.as_str();
    give(&store, fd, c3k, "coffee", 6_00, t).await;
    let (_, card) = give(&store, fd, c3k, "lottery-card", 10_00, t).await;
    store
        .gesture_action(
            fd,
            c3k,
            &card,
            GestureStatus::Sent,
            Decision {
                note: None,
                address: Some("4 Darling St, Balmain".into()),
            },
            t,
        )
        .await
        .unwrap();
    let (_, waiting) = give(&store, fd, c3k, "flowers", 300_00, t).await;
    let (_, no) = give(&store, fd, &c4.summary.id, "gift-voucher", 150_00, t).await;
    store
        .gesture_action(
            mgr,
            &c4.summary.id,
            &no,
            GestureStatus::Declined,
            Decision {
                note: Some("no".into()),
                address: None,
            },
            t,
        )
        .await
        .unwrap();
    give(&store, mgr, &c4.summary.id, "gift-voucher", 50_00, t).await;
    give(
        &store,
        &org.grill_front,
        &g1.summary.id,
        "complimentary-drink",
        15_00,
        t,
    )
    .await;
    let pending = store.pending_gestures(mgr, t).await.unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|(_, _, g)| g.id.clone())
            .collect::<Vec<_>>(),
        [waiting]
    );

    let now = at("10:40");
    let s = store
        .stats(mgr, &StatsFilter::default(), now)
        .await
        .unwrap();
    let map = |v: &[olive_storage::views::CountBy]| {
        v.iter()
            .map(|c| (c.key.clone(), c.count))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(s.total_cases, 4);
    assert_eq!(s.open_cases, 2);
    assert_eq!(s.overdue_cases, 2); // c3 (due 10:04) and c4 (due 10:13)
    assert_eq!(
        map(&s.by_stage),
        BTreeMap::from([
            ("arrival".into(), 2),
            ("booking".into(), 1),
            ("checkout".into(), 1)
        ])
    );
    assert_eq!(
        map(&s.by_defect),
        BTreeMap::from([
            ("appointment-not-in-book".into(), 2),
            ("other".into(), 1),
            ("phone-unanswered".into(), 1)
        ])
    );
    assert_eq!((s.closed_cases, s.recovered_cases), (2, 1));
    assert_eq!(s.recovered_rate, Some(0.5));
    assert_eq!(s.gestures_given, aud(6_00 + 10_00 + 50_00));
    assert_eq!(s.gestures_pending, 1);
    assert_eq!(s.median_minutes_to_first_action, Some(20.0));
    assert_eq!((s.handoffs, s.hot_potato_cases), (0, 0));

    // Scope: the restaurant's desk sees only its own; the admin sees everything.
    let grill = store
        .stats(&org.grill_front, &StatsFilter::default(), now)
        .await
        .unwrap();
    assert_eq!(grill.total_cases, 1);
    assert_eq!(
        map(&grill.by_stage),
        BTreeMap::from([("arrival".into(), 1)])
    );
    assert_eq!(grill.gestures_given, aud(15_00));
    assert_eq!((grill.closed_cases, grill.recovered_rate), (0, None));
    let all = store
        .stats(&org.admin, &StatsFilter::default(), now)
        .await
        .unwrap();
    assert_eq!(all.total_cases, 5);
    assert_eq!(all.gestures_given, aud(6_00 + 10_00 + 50_00 + 15_00));
    let only_grill = StatsFilter {
        location_id: Some(org.grill.clone()),
        since: None,
    };
    assert_eq!(
        store
            .stats(&org.admin, &only_grill, now)
            .await
            .unwrap()
            .total_cases,
        1
    );
    assert_not_found(
        store
            .stats(
                &org.grill_front,
                &StatsFilter {
                    location_id: Some(org.dental.clone()),
                    since: None,
                },
                now,
            )
            .await,
    );
    let since = StatsFilter {
        location_id: None,
        since: Some(at("10:02").to_string()),
    };
    let recent = store.stats(mgr, &since, now).await.unwrap();
    assert_eq!(recent.total_cases, 2);
    assert_eq!(recent.recovered_rate, None);
    let bad = StatsFilter {
        location_id: None,
        since: Some("yesterday".into()),
    };
    assert_eq!(invalid_fields(store.stats(mgr, &bad, now).await), ["since"]);
    let closed = store.get_case(mgr, &c1.summary.id, now).await.unwrap();
    assert_eq!(
        (closed.summary.status, closed.summary.outcome),
        (CaseStatus::Closed, Some(CloseOutcome::Recovered))
    );
}

fn aud(cents: i64) -> Vec<olive_storage::views::CurrencyTotal> {
    vec![olive_storage::views::CurrencyTotal {
        currency: "AUD".into(),
        cents,
    }]
}
