//! Storage integration tests, part 1: logging cases (due instants, lookup, idempotency, validation) — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::StepStatus::Pending;
use olive_domain::case::{CaseEvent, CaseStatus};
use olive_domain::playbook::{Severity, StepKind};
use olive_domain::role::Role;
use olive_storage::actions::StepAction;
use olive_storage::cases::{CaseFilter, CustomerInput};
use olive_storage::stats::StatsFilter;
use olive_storage::{Store, StoreError};

both!(case_gets_due_instants);
async fn case_gets_due_instants(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let (c, created) = store
        .create_case(
            &org.dental_front,
            report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
            None,
            now,
        )
        .await
        .unwrap();
    assert!(created);
    let s = &c.summary;
    assert_eq!(s.reference, "C-1001");
    assert_eq!(s.status, CaseStatus::Open);
    assert_eq!(s.outcome, None);
    assert_eq!(
        (s.stage.as_str(), s.defect.code.as_str()),
        ("arrival", "appointment-not-in-book")
    );
    assert_eq!(s.severity, Severity::Major);
    assert_eq!(s.location_id, org.dental);
    assert_eq!(s.owner.id, org.dental_front.staff_id);
    assert_eq!(s.reporter.id, org.dental_front.staff_id);
    assert_eq!(s.owner.name, "Fiona Frost");
    assert_eq!(
        (s.handoff_count, s.hot_potato, s.overdue),
        (0, false, false)
    );
    assert_eq!(ts(&s.created_at), now);
    assert_eq!(c.currency, "AUD");
    assert_eq!(c.my_remaining_authority_cents, Some(100_00));

    // Reported Tuesday 10:00 AEDT (+11:00); Wednesday 25th is a closed date.
    let got: Vec<_> = c
        .steps
        .iter()
        .map(|st| {
            (
                st.position,
                st.kind,
                st.due_rule.as_str(),
                ts(&st.due_at),
                st.status,
            )
        })
        .collect();
    let expected = vec![
        (
            1,
            StepKind::Acknowledge,
            "PT5M",
            ts("2026-11-23T23:05:00Z"),
            Pending,
        ), // Tue 10:05
        (
            2,
            StepKind::Fix,
            "PT15M",
            ts("2026-11-23T23:20:00Z"),
            Pending,
        ), // Tue 10:20: 15 minutes after the apology (after = 1), provisionally from its due
        (
            3,
            StepKind::Gesture,
            "same_day 17:00",
            ts("2026-11-24T06:00:00Z"),
            Pending,
        ), // Tue 17:00
        (
            4,
            StepKind::Gesture,
            "next_business_day 10:00",
            ts("2026-11-25T23:00:00Z"),
            Pending,
        ), // Thu 10:00
        (
            5,
            StepKind::FollowUp,
            "PT30M",
            ts("2026-11-23T23:50:00Z"),
            Pending,
        ), // Tue 10:50: 30 minutes after the new appointment is offered (after = 2)
        (
            6,
            StepKind::Verify,
            "business_days 2 16:00",
            ts("2026-11-27T05:00:00Z"),
            Pending,
        ), // Fri 16:00
    ];
    assert_eq!(got, expected);
    assert_eq!(c.steps[2].gesture_code.as_deref(), Some("flowers"));
    assert_eq!(c.steps[3].gesture_code.as_deref(), Some("lottery-card"));
    assert_eq!(c.steps[0].owner_role, Role::FrontDesk);
    // The customer's protocol has no manager's "fix the process" step: that is the prevention action.
    assert!(c.steps.iter().all(|s| s.owner_role == Role::FrontDesk));
    assert_eq!(
        s.next_due_at.as_deref().map(ts),
        Some(ts("2026-11-23T23:05:00Z"))
    );

    assert_eq!(events(&c), [CaseEvent::Created]);
    let created_entry = &c.timeline[0];
    assert_eq!(
        created_entry.actor.as_ref().map(|a| a.id.as_str()),
        Some(org.dental_front.staff_id.as_str())
    );
    assert_eq!(created_entry.data["defect"], "appointment-not-in-book");
    assert_eq!(ts(&created_entry.at), now);

    // The reference increments; reported after closing time, "same_day 17:00" rolls past the closed Wednesday.
    let evening = local("2026-11-24T17:30");
    let c2 = create(
        &store,
        &org.dental_team,
        report(&org.dental, "appointment-not-in-book", "Noah Smith"),
        evening,
    )
    .await;
    assert_eq!(c2.summary.reference, "C-1002");
    assert_eq!(c2.summary.owner.id, org.dental_team.staff_id);
    let dues: Vec<_> = c2.steps.iter().map(|st| ts(&st.due_at)).collect();
    assert_eq!(
        dues,
        [
            ts("2026-11-24T06:35:00Z"), // Tue 17:35
            ts("2026-11-24T06:50:00Z"), // Tue 17:50 (15 minutes after the apology's due)
            ts("2026-11-26T06:00:00Z"), // Thu 17:00
            ts("2026-11-25T23:00:00Z"), // Thu 10:00
            ts("2026-11-24T07:20:00Z"), // Tue 18:20 (the written confirmation, 30 minutes after step 2)
            ts("2026-11-27T05:00:00Z"), // Fri 16:00
        ]
    );

    // `other` at the restaurant: the generic three-step protocol, the stage as given.
    let mut other = report(&org.grill, "other", "Liam Brown");
    other.stage = Some("bill".into());
    let c3 = create(&store, &org.grill_front, other, now).await;
    assert_eq!(c3.summary.reference, "C-1003");
    assert_eq!(
        (c3.summary.defect.code.as_str(), c3.summary.stage.as_str()),
        ("other", "bill")
    );
    assert_eq!(c3.summary.severity, Severity::Minor);
    let rules: Vec<_> = c3.steps.iter().map(|st| st.due_rule.as_str()).collect();
    assert_eq!(
        rules,
        ["PT10M", "same_day 17:00", "next_business_day 12:00"]
    );
    assert_eq!(ts(&c3.steps[0].due_at), ts("2026-11-23T23:10:00Z"));
}

both!(get_by_id_or_reference);
async fn get_by_id_or_reference(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let c = create(
        &store,
        &org.dental_front,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    let id = c.summary.id.clone();
    let by_id = store.get_case(&org.dental_front, &id, now).await.unwrap();
    let by_ref = store
        .get_case(&org.dental_front, "C-1001", now)
        .await
        .unwrap();
    let by_lower = store
        .get_case(&org.dental_manager, "c-1001", now)
        .await
        .unwrap();
    assert_eq!(by_id.summary.id, id);
    assert_eq!(by_ref.summary.id, id);
    assert_eq!(by_lower.summary.id, id);
    assert_eq!(by_ref.steps.len(), 6);
    assert_eq!(
        store
            .get_case(&org.admin, "C-1001", now)
            .await
            .unwrap()
            .summary
            .id,
        id
    );

    assert_not_found(store.get_case(&org.dental_front, "C-1002", now).await);
    assert_not_found(
        store
            .get_case(
                &org.dental_front,
                "0190f3a2-7c1e-7b3a-9d2e-1a2b3c4d5e6f",
                now,
            )
            .await,
    );
    assert_not_found(store.get_case(&org.dental_front, "not-a-key", now).await);
    // Staff of another location cannot tell the case exists, by id or by reference, nor act on it.
    for outsider in [&org.grill_front, &org.grill_manager] {
        assert_not_found(store.get_case(outsider, &id, now).await);
        assert_not_found(store.get_case(outsider, "C-1001", now).await);
    }
    let step = c.steps[0].id.clone();
    assert_not_found(
        store
            .step_action(
                &org.grill_manager,
                &id,
                &step,
                false,
                StepAction::default(),
                now,
            )
            .await,
    );
    assert_not_found(
        store
            .customer_history(&org.grill_front, "C-1001", now)
            .await,
    );
}

both!(idempotent_create);
async fn idempotent_create(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let input = report(&org.dental, "appointment-not-in-book", "Ava Nguyen");
    let (first, created) = store
        .create_case(&org.dental_front, input.clone(), Some("key-1"), now)
        .await
        .unwrap();
    assert!(created);
    let (again, created) = store
        .create_case(
            &org.dental_front,
            input.clone(),
            Some("key-1"),
            plus_min(now, 1),
        )
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.summary.id, first.summary.id);
    assert_eq!(again.summary.reference, "C-1001");
    let all = store
        .list_cases(&org.admin, &CaseFilter::default(), now)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);

    let mut changed = input.clone();
    changed.customer.name = "Somebody Else".into();
    let reused = store
        .create_case(&org.dental_front, changed, Some("key-1"), now)
        .await;
    assert!(
        matches!(reused, Err(StoreError::IdempotencyReused)),
        "{:?}",
        reused.err()
    );
    let all = store
        .list_cases(&org.admin, &CaseFilter::default(), now)
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);

    // Keys belong to the person: a colleague's identical key is a new request.
    let (theirs, created) = store
        .create_case(&org.dental_team, input, Some("key-1"), now)
        .await
        .unwrap();
    assert!(created);
    assert_ne!(theirs.summary.id, first.summary.id);
    assert_eq!(theirs.summary.reference, "C-1002");
}

both!(create_validation);
async fn create_validation(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let fd = &org.dental_front;

    let mut bad = report(&org.dental, "appointment-not-in-book", "   ");
    bad.customer = CustomerInput {
        name: "  ".into(),
        email: Some("not-an-email".into()),
        phone: Some("12ab34".into()),
        address: None,
        preferred_name: None,
    };
    assert_eq!(
        invalid_fields(store.create_case(fd, bad, None, now).await),
        ["customer.email", "customer.name", "customer.phone"]
    );
    let unknown = report(&org.dental, "tooth-fell-out", "Ava Nguyen");
    assert_eq!(
        invalid_fields(store.create_case(fd, unknown, None, now).await),
        ["defect"]
    );
    let no_stage = report(&org.dental, "other", "Ava Nguyen");
    assert_eq!(
        invalid_fields(store.create_case(fd, no_stage, None, now).await),
        ["stage"]
    );
    let mut wrong_stage = report(&org.dental, "other", "Ava Nguyen");
    wrong_stage.stage = Some("bill".into()); // a restaurant stage, not a dental one
    assert_eq!(
        invalid_fields(store.create_case(fd, wrong_stage, None, now).await),
        ["stage"]
    );
    let foreign = report(&org.grill, "other", "Ava Nguyen");
    assert_eq!(
        invalid_fields(store.create_case(fd, foreign, None, now).await),
        ["location_id"]
    );
    let mut too_long = report(&org.dental, "appointment-not-in-book", "Ava Nguyen");
    too_long.description = "x".repeat(4001);
    assert_eq!(
        invalid_fields(store.create_case(fd, too_long, None, now).await),
        ["description"]
    );

    // Nothing was stored, and no reference was used up.
    let all = store
        .list_cases(&org.admin, &CaseFilter::default(), now)
        .await
        .unwrap();
    assert!(all.items.is_empty());
    assert_eq!(
        store
            .stats(&org.admin, &StatsFilter::default(), now)
            .await
            .unwrap()
            .total_cases,
        0
    );
    let mut ok = report(&org.dental, "appointment-not-in-book", "Ava Nguyen");
    ok.customer.email = Some(" Ava@Example.COM ".into());
    ok.customer.phone = Some("+61 (412) 345-678".into());
    let c = create(&store, fd, ok, now).await;
    assert_eq!(c.summary.reference, "C-1001");
    assert_eq!(c.summary.customer.email.as_deref(), Some("ava@example.com"));
    assert_eq!(c.summary.customer.phone.as_deref(), Some("+61412345678"));
}
