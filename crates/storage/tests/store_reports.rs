//! Storage integration tests: the Insights summary against hand-counted values on a small fixture, and
//! each figure's case-list link counting the same cases — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::{CloseOutcome, RootCause, VerificationMethod};
use olive_domain::playbook::StepKind;
use olive_storage::actions::{CloseCase, NewHandoff, Verification};
use olive_storage::cases::CaseFilter;
use olive_storage::reports::ReportFilter;
use olive_storage::views::CaseDetail;
use olive_storage::{Actor, Store, StoreError};

fn november(location: &str) -> ReportFilter {
    ReportFilter {
        location_id: Some(location.into()),
        from: Some("2026-11-01".into()),
        to: Some("2026-11-30".into()),
        ..ReportFilter::default()
    }
}

/// The case list's filter for November at one location, plus `more`.
fn list(location: &str, more: CaseFilter) -> CaseFilter {
    CaseFilter {
        location_id: Some(location.into()),
        from: Some("2026-11-01".into()),
        to: Some("2026-11-30".into()),
        ..more
    }
}

async fn settle_all(store: &Store, who: &Actor, c: &CaseDetail, at: jiff::Timestamp) {
    let c = store.get_case(who, &c.summary.id, at).await.unwrap();
    for st in c
        .steps
        .iter()
        .filter(|s| s.kind != StepKind::Verify && s.status.as_str() == "pending")
    {
        store
            .step_action(who, &c.summary.id, &st.id, true, skip_because("done"), at)
            .await
            .unwrap();
    }
}

async fn close(store: &Store, mgr: &Actor, key: &str, outcome: CloseOutcome, at: jiff::Timestamp) {
    store
        .close(
            mgr,
            key,
            CloseCase {
                outcome,
                root_cause: RootCause::Communication,
                prevention_note: None,
            },
            at,
        )
        .await
        .unwrap();
}

both!(the_six_questions_on_a_small_fixture);
async fn the_six_questions_on_a_small_fixture(store: Store) {
    let org = org(&store).await;
    let (fd, team, mgr) = (&org.dental_front, &org.dental_team, &org.dental_manager);
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
    // Another location's case and an October case are not November's at Harbour Dental.
    create(
        &store,
        &org.grill_front,
        report(&org.grill, "reservation-not-found", "Zara Chen"),
        at("10:04"),
    )
    .await;
    let old = create(
        &store,
        fd,
        report(&org.dental, "phone-unanswered", "Old Case"),
        local("2026-10-30T10:00"),
    )
    .await;

    // First actions 30 and 10 minutes after the report; c3 has none.
    settle_all(&store, fd, &c1, at("10:30")).await;
    settle_all(&store, fd, &c2, at("10:11")).await;
    let ok = Verification {
        method: VerificationMethod::InPerson,
        customer_said: "All good".into(),
        satisfied: true,
    };
    store
        .verify(fd, &c1.summary.id, ok, at("10:35"))
        .await
        .unwrap();
    close(
        &store,
        mgr,
        &c1.summary.id,
        CloseOutcome::Recovered,
        at("10:36"),
    )
    .await;
    // c2: closed as not recovered, reopened, worked again and closed again.
    close(
        &store,
        mgr,
        &c2.summary.id,
        CloseOutcome::NotRecovered,
        at("10:37"),
    )
    .await;
    store
        .reopen(mgr, &c2.summary.id, reason("they rang back"), at("10:38"))
        .await
        .unwrap();
    settle_all(&store, mgr, &c2, at("10:39")).await;
    close(
        &store,
        mgr,
        &c2.summary.id,
        CloseOutcome::NotRecovered,
        at("10:40"),
    )
    .await;
    // A gesture on c3 and a hand-off of it, accepted.
    give(&store, fd, &c3.summary.id, "coffee", 6_00, at("10:41")).await;
    let d = store
        .propose_handoff(
            fd,
            &c3.summary.id,
            NewHandoff {
                to: team.staff_id.clone(),
                reason: "going to lunch".into(),
            },
            at("10:42"),
        )
        .await
        .unwrap();
    let h = d.handoffs.last().unwrap().id.clone();
    store
        .answer_handoff(team, &c3.summary.id, &h, true, reason(""), at("10:43"))
        .await
        .unwrap();

    let now = at("12:00");
    let s = store
        .report_summary(mgr, &november(&org.dental), now)
        .await
        .unwrap();

    // 1. Where are we leaking: 3 cases in November here (arrival 2, booking 1), none in October's
    //    previous 30 days but the one on the 30th.
    assert_eq!(s.leaking.logged, 3);
    assert_eq!(s.leaking.previous_logged, 1);
    let arrival = s
        .leaking
        .by_stage
        .iter()
        .find(|t| t.key == "arrival")
        .unwrap();
    assert_eq!((arrival.count, arrival.previous), (2, 0));
    assert_eq!(arrival.label, "Arrival and check-in");
    assert_eq!(s.leaking.top_defects[0].key, "appointment-not-in-book");
    assert_eq!(s.leaking.top_defects[0].count, 2);
    assert_eq!(s.leaking.by_weekday[1].count, 3, "the 24th was a Tuesday");
    assert_eq!(s.leaking.by_hour[10].count, 3, "at 10 o'clock Sydney time");
    for t in &s.leaking.by_stage {
        let n = store
            .count_cases(
                mgr,
                &list(
                    &org.dental,
                    CaseFilter {
                        stage: Some(t.key.clone()),
                        ..Default::default()
                    },
                ),
                now,
            )
            .await
            .unwrap();
        assert_eq!(n, t.count, "the link behind stage {}", t.key);
    }
    for d in &s.leaking.top_defects {
        let n = store
            .count_cases(
                mgr,
                &list(
                    &org.dental,
                    CaseFilter {
                        defect: Some(d.key.clone()),
                        ..Default::default()
                    },
                ),
                now,
            )
            .await
            .unwrap();
        assert_eq!(n, d.count, "the link behind defect {}", d.key);
    }

    // 2. On top of it: first actions 30 (10:00 → 10:30) and 10 (10:01 → 10:11) minutes → median 10,
    //    p90 30 (nearest rank).
    assert_eq!(s.response.first_action.cases, 2);
    assert_eq!(s.response.first_action.median_minutes, Some(10));
    assert_eq!(s.response.first_action.p90_minutes, Some(30));
    assert_eq!(s.response.open_by_age[0].count, 1, "c3, two hours old");
    let n = store
        .count_cases(
            mgr,
            &CaseFilter {
                location_id: Some(org.dental.clone()),
                age: Some("0-1".into()),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
    let n = store
        .count_cases(
            mgr,
            &CaseFilter {
                location_id: Some(org.dental.clone()),
                overdue: Some(true),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(n, s.response.overdue_now);
    // Steps due in November, counted by hand from the cases' own steps (the October case's too: its
    // steps may come due in November).
    let mut due = 0;
    let mut on_time = 0;
    for c in [&c1, &c2, &c3, &old] {
        let d = store.get_case(mgr, &c.summary.id, now).await.unwrap();
        for st in &d.steps {
            let due_at = ts(&st.due_at);
            if due_at >= local("2026-11-01T00:00") && due_at < local("2026-12-01T00:00") {
                due += 1;
                if st.status.as_str() != "pending"
                    && st.done_at.as_deref().is_some_and(|t| ts(t) <= due_at)
                {
                    on_time += 1;
                }
            }
        }
    }
    assert_eq!(
        (s.response.steps_due, s.response.steps_on_time),
        (due, on_time)
    );
    assert!(due > 0);

    // 3. Does it hit home: 1 of 2 closed recovered; c2 was reopened.
    assert_eq!(
        (
            s.recovery.closed,
            s.recovery.recovered,
            s.recovery.not_recovered
        ),
        (2, 1, 1)
    );
    assert_eq!(s.recovery.rate, Some(0.5));
    assert_eq!(s.recovery.reopened, 1);
    let closed_in_nov = |more: CaseFilter| CaseFilter {
        location_id: Some(org.dental.clone()),
        closed_from: Some("2026-11-01".into()),
        closed_to: Some("2026-11-30".into()),
        ..more
    };
    for (outcome, want) in [("recovered", 1), ("not_recovered", 1)] {
        let n = store
            .count_cases(
                mgr,
                &closed_in_nov(CaseFilter {
                    outcome: Some(outcome.into()),
                    ..Default::default()
                }),
                now,
            )
            .await
            .unwrap();
        assert_eq!(n, want, "closed as {outcome}");
    }
    let n = store
        .count_cases(
            mgr,
            &closed_in_nov(CaseFilter {
                reopened: Some(true),
                ..Default::default()
            }),
            now,
        )
        .await
        .unwrap();
    assert_eq!(n, s.recovery.reopened);

    // 4. Cost: A$6.00 of coffee; no recovered case had a gesture, so per recovered = 6.00 / 1.
    assert_eq!(s.cost.spend.len(), 1);
    assert_eq!(
        (s.cost.spend[0].currency.as_str(), s.cost.spend[0].cents),
        ("AUD", 6_00)
    );
    assert_eq!(s.cost.per_recovered[0].cents, 6_00);
    assert_eq!(s.cost.by_kind[0].key, "coffee");
    let nov = s
        .cost
        .by_month
        .iter()
        .find(|m| m.month == "2026-11")
        .unwrap();
    assert_eq!(nov.cents, 6_00);
    let n = store
        .count_cases(
            mgr,
            &list(
                &org.dental,
                CaseFilter {
                    gesture: Some("coffee".into()),
                    ..Default::default()
                },
            ),
            now,
        )
        .await
        .unwrap();
    assert_eq!(n, 1);

    // 5. Hot potato: the front desk offered one hand-off, accepted; no case twice.
    assert_eq!(s.handoffs.total_offered, 1);
    let p = &s.handoffs.by_person[0];
    assert_eq!(
        (p.staff_id.as_str(), p.offered, p.accepted, p.cases),
        (fd.staff_id.as_str(), 1, 1, 1)
    );
    assert_eq!(p.reasons[0].key, "going to lunch");
    assert_eq!(s.handoffs.cases_twice_or_more, 0);
    let n = store
        .count_cases(
            mgr,
            &list(
                &org.dental,
                CaseFilter {
                    handed_off_by: Some(fd.staff_id.clone()),
                    ..Default::default()
                },
            ),
            now,
        )
        .await
        .unwrap();
    assert_eq!(n, p.cases);
    let n = store
        .count_cases(
            mgr,
            &list(
                &org.dental,
                CaseFilter {
                    handoffs_min: Some(2),
                    ..Default::default()
                },
            ),
            now,
        )
        .await
        .unwrap();
    assert_eq!(n, s.handoffs.cases_twice_or_more);

    // 6. Why: both closed cases were communication.
    assert_eq!(s.causes.by_cause[0].key, "communication");
    assert_eq!(s.causes.by_cause[0].count, 2);

    // A stage filter narrows every figure.
    let arrival_only = ReportFilter {
        stage: Some("arrival".into()),
        ..november(&org.dental)
    };
    let a = store.report_summary(mgr, &arrival_only, now).await.unwrap();
    assert_eq!(
        (
            a.leaking.logged,
            a.recovery.closed,
            a.handoffs.total_offered
        ),
        (2, 2, 0)
    );

    // The group owner sees both locations; the grill manager does not see Harbour Dental.
    let all = ReportFilter {
        location_id: None,
        ..november(&org.dental)
    };
    let g = store.report_summary(&org.admin, &all, now).await.unwrap();
    assert_eq!(g.location_ids.len(), 2);
    assert_eq!(g.leaking.logged, 4);
    assert_eq!(g.leaking.by_location.len(), 2);
    assert_not_found(
        store
            .report_summary(&org.grill_manager, &november(&org.dental), now)
            .await,
    );
    let mine = store
        .report_summary(&org.grill_manager, &all, now)
        .await
        .unwrap();
    assert_eq!(mine.location_ids, vec![org.grill.clone()]);
}

both!(reports_refuse_the_front_desk_and_bad_filters);
async fn reports_refuse_the_front_desk_and_bad_filters(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    assert_forbidden(
        store
            .report_summary(&org.dental_front, &november(&org.dental), now)
            .await,
    );
    assert_forbidden(
        store
            .report_summary(&org.dental_team, &ReportFilter::default(), now)
            .await,
    );
    let mgr = &org.dental_manager;
    let store = &store;
    let bad =
        |f: ReportFilter| async move { invalid_fields(store.report_summary(mgr, &f, now).await) };
    assert_eq!(
        bad(ReportFilter {
            from: Some("2026-13-01".into()),
            ..november(&org.dental)
        })
        .await,
        ["from"]
    );
    assert_eq!(
        bad(ReportFilter {
            to: Some("soon".into()),
            ..november(&org.dental)
        })
        .await,
        ["to"]
    );
    assert_eq!(
        bad(ReportFilter {
            from: Some("2026-12-01".into()),
            ..november(&org.dental)
        })
        .await,
        ["from"]
    );
    assert_eq!(
        bad(ReportFilter {
            severity: Some("huge".into()),
            ..november(&org.dental)
        })
        .await,
        ["severity"]
    );
    let list_bad =
        |f: CaseFilter| async move { invalid_fields(store.count_cases(mgr, &f, now).await) };
    assert_eq!(
        list_bad(CaseFilter {
            from: Some("31/11/2026".into()),
            ..Default::default()
        })
        .await,
        ["from"]
    );
    assert_eq!(
        list_bad(CaseFilter {
            outcome: Some("maybe".into()),
            ..Default::default()
        })
        .await,
        ["outcome"]
    );
    assert_eq!(
        list_bad(CaseFilter {
            age: Some("old".into()),
            ..Default::default()
        })
        .await,
        ["age"]
    );
    assert_eq!(
        list_bad(CaseFilter {
            handoffs_min: Some(-1),
            ..Default::default()
        })
        .await,
        ["handoffs_min"]
    );
    let r: Result<_, StoreError> = store
        .list_cases(
            mgr,
            &CaseFilter {
                closed_to: Some("x".into()),
                ..Default::default()
            },
            now,
        )
        .await;
    assert_eq!(invalid_fields(r), ["closed_to"]);
}
