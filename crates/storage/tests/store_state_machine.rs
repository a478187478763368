//! Storage integration tests: the case state machine (steps done and skipped, verification, close, reopen, cancel) — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::StepStatus::{Done, Pending, Skipped};
use olive_domain::case::{CaseEvent, CaseStatus, CloseOutcome, RootCause, VerificationMethod};
use olive_domain::playbook::StepKind;
use olive_storage::Store;
use olive_storage::actions::{CloseCase, StepAction, Verification};
use olive_storage::stats::StatsFilter;

both!(case_state_machine);
async fn case_state_machine(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let t0 = tuesday_10am();
    let c = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        t0,
    )
    .await;
    let key = c.summary.id.clone();
    let step = |n: usize| c.steps[n].id.clone();
    let no_stats = store.stats(mgr, &StatsFilter::default(), t0).await.unwrap();
    assert_eq!(no_stats.median_minutes_to_first_action, None);

    // First step done 30 minutes after the report.
    let t1 = plus_min(t0, 30);
    let d = store
        .step_action(fd, &key, &step(0), false, StepAction::default(), t1)
        .await
        .unwrap();
    assert_eq!(d.summary.status, CaseStatus::InProgress);
    assert_eq!(d.steps[0].status, Done);
    assert_eq!(
        d.steps[0].done_by.as_ref().map(|p| p.id.as_str()),
        Some(fd.staff_id.as_str())
    );
    assert_eq!(d.steps[0].done_at.as_deref().map(ts), Some(t1));
    // The new appointment is offered 15 minutes after the apology (after = 1): due from t1, not t0.
    assert_eq!(
        d.summary.next_due_at.as_deref().map(ts),
        Some(ts("2026-11-23T23:45:00Z"))
    );
    assert_eq!(
        events(&d),
        [
            CaseEvent::Created,
            CaseEvent::StepCompleted,
            CaseEvent::StatusChanged
        ]
    );
    let stats = store.stats(mgr, &StatsFilter::default(), t1).await.unwrap();
    assert_eq!(stats.median_minutes_to_first_action, Some(30.0));

    // Closing with steps still open is refused, whatever the outcome.
    let close = |outcome| CloseCase {
        outcome,
        root_cause: RootCause::Process,
        prevention_note: Some("Cards are printed from the book".into()),
    };
    assert_eq!(
        conflict_code(
            store
                .close(mgr, &key, close(CloseOutcome::NotRecovered), t1)
                .await
        ),
        "open_steps"
    );
    assert_eq!(
        conflict_code(
            store
                .close(mgr, &key, close(CloseOutcome::Recovered), t1)
                .await
        ),
        "open_steps"
    );

    // Skipping needs a reason; a done step cannot be done again.
    assert_eq!(
        invalid_fields(
            store
                .step_action(fd, &key, &step(2), true, StepAction::default(), t1)
                .await
        ),
        ["reason"]
    );
    assert_eq!(
        invalid_fields(
            store
                .step_action(fd, &key, &step(2), true, skip_because("   "), t1)
                .await
        ),
        ["reason"]
    );
    assert_eq!(
        conflict_code(
            store
                .step_action(fd, &key, &step(0), false, StepAction::default(), t1)
                .await
        ),
        "invalid_transition"
    );
    assert_eq!(
        conflict_code(
            store
                .step_action(fd, &key, &step(0), true, skip_because("again"), t1)
                .await
        ),
        "invalid_transition"
    );
    assert_not_found(
        store
            .step_action(fd, &key, "no-such-step", false, StepAction::default(), t1)
            .await,
    );

    // Everything but the verification settled → awaiting verification.
    store
        .step_action(fd, &key, &step(1), false, StepAction::default(), t1)
        .await
        .unwrap();
    let d = store
        .step_action(
            fd,
            &key,
            &step(2),
            true,
            skip_because("patient declined flowers"),
            t1,
        )
        .await
        .unwrap();
    assert_eq!(d.steps[2].status, Skipped);
    assert_eq!(
        d.steps[2].skip_reason.as_deref(),
        Some("patient declined flowers")
    );
    assert_eq!(d.summary.status, CaseStatus::InProgress);
    // A gesture step is done by recording its gesture.
    store
        .give_gesture(
            fd,
            &key,
            olive_storage::actions::NewGesture {
                step_id: Some(step(3)),
                ..gift("lottery-card", 10_00)
            },
            None,
            t1,
        )
        .await
        .unwrap();
    let d = store
        .step_action(mgr, &key, &step(4), false, StepAction::default(), t1)
        .await
        .unwrap();
    assert_eq!(d.summary.status, CaseStatus::AwaitingVerification);
    assert_eq!(d.steps[5].status, Pending);
    assert_eq!(
        d.summary.next_due_at.as_deref().map(ts),
        Some(ts("2026-11-27T05:00:00Z"))
    );

    // Recovered needs a satisfied verification; an unhappy customer does not count.
    assert_eq!(
        conflict_code(
            store
                .close(mgr, &key, close(CloseOutcome::Recovered), t1)
                .await
        ),
        "not_verified"
    );
    let verify = |satisfied| Verification {
        method: VerificationMethod::Phone,
        customer_said: "Lovely flowers, thank you".into(),
        satisfied,
    };
    let t2 = local("2026-11-26T15:00");
    let d = store.verify(fd, &key, verify(false), t2).await.unwrap();
    assert_eq!(d.steps[5].status, Pending);
    assert_eq!(
        conflict_code(
            store
                .close(mgr, &key, close(CloseOutcome::Recovered), t2)
                .await
        ),
        "not_verified"
    );
    let empty = Verification {
        method: VerificationMethod::Phone,
        customer_said: " ".into(),
        satisfied: true,
    };
    assert_eq!(
        invalid_fields(store.verify(fd, &key, empty, t2).await),
        ["customer_said"]
    );
    let d = store
        .verify(fd, &key, verify(true), plus_min(t2, 5))
        .await
        .unwrap();
    assert_eq!(d.steps[5].status, Done);
    assert_eq!(d.summary.status, CaseStatus::AwaitingVerification);
    assert_eq!(d.verifications.len(), 2);
    assert!(d.verifications[1].satisfied);

    let t3 = local("2026-11-27T11:00"); // Friday
    let d = store
        .close(mgr, &key, close(CloseOutcome::Recovered), t3)
        .await
        .unwrap();
    assert_eq!(d.summary.status, CaseStatus::Closed);
    assert_eq!(d.summary.outcome, Some(CloseOutcome::Recovered));
    assert_eq!(d.root_cause, Some(RootCause::Process));
    assert_eq!(
        d.prevention_note.as_deref(),
        Some("Cards are printed from the book")
    );
    assert_eq!(d.summary.closed_at.as_deref().map(ts), Some(t3));
    assert_eq!(d.summary.next_due_at, None);
    assert!(events(&d).contains(&CaseEvent::Closed));
    // A closed case is finished: no step changes, no second close.
    assert_eq!(
        conflict_code(
            store
                .close(mgr, &key, close(CloseOutcome::Recovered), t3)
                .await
        ),
        "invalid_transition"
    );
    assert_eq!(
        invalid_fields(store.reopen(mgr, &key, reason(""), t3).await),
        ["reason"]
    );

    // Reopen: in progress again with a new fix and a new verification (Friday 11:00 → Monday 12:00, Tuesday 17:00).
    let d = store
        .reopen(mgr, &key, reason("customer rang back"), t3)
        .await
        .unwrap();
    assert_eq!(d.summary.status, CaseStatus::InProgress);
    assert_eq!(d.summary.outcome, None);
    assert_eq!(d.status_reason.as_deref(), Some("customer rang back"));
    assert_eq!(d.steps.len(), 8);
    let new: Vec<_> = d
        .steps
        .iter()
        .filter(|st| st.status == Pending)
        .map(|st| (st.position, st.kind, ts(&st.due_at)))
        .collect();
    assert_eq!(
        new,
        [
            (7, StepKind::Fix, ts("2026-11-30T01:00:00Z")),
            (8, StepKind::Verify, ts("2026-12-01T06:00:00Z")),
        ]
    );
    assert_eq!(
        d.summary.next_due_at.as_deref().map(ts),
        Some(ts("2026-11-30T01:00:00Z"))
    );
    assert_eq!(*events(&d).last().unwrap(), CaseEvent::Reopened);
    // The old verification does not cover the reopened case.
    store
        .step_action(mgr, &key, &d.steps[6].id, false, StepAction::default(), t3)
        .await
        .unwrap();
    assert_eq!(
        conflict_code(
            store
                .close(mgr, &key, close(CloseOutcome::Recovered), t3)
                .await
        ),
        "not_verified"
    );
    assert_eq!(
        conflict_code(store.reopen(mgr, &key, reason("again"), t3).await),
        "invalid_transition"
    );

    // Cancelling needs a reason and happens once.
    assert_eq!(
        invalid_fields(store.cancel(fd, &key, reason("  "), t3).await),
        ["reason"]
    );
    let d = store
        .cancel(fd, &key, reason("logged twice"), t3)
        .await
        .unwrap();
    assert_eq!(d.summary.status, CaseStatus::Cancelled);
    assert_eq!(d.status_reason.as_deref(), Some("logged twice"));
    assert_eq!(d.summary.next_due_at, None);
    assert_eq!(
        conflict_code(store.cancel(fd, &key, reason("again"), t3).await),
        "invalid_transition"
    );
    assert_eq!(
        conflict_code(
            store
                .step_action(fd, &key, &d.steps[7].id, false, StepAction::default(), t3)
                .await
        ),
        "invalid_transition"
    );
    assert_eq!(
        conflict_code(store.reopen(mgr, &key, reason("oops"), t3).await),
        "invalid_transition"
    );
}
