//! Storage integration tests: the approvals queue carries each request's context (customer in the
//! playbook's words, defect, gesture name and typical value, what was already given, who asked and
//! why), and a phone keeps the format it was typed in for pages — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::gesture::GestureStatus;
use olive_storage::Store;
use olive_storage::actions::{Decision, NewGesture};
use olive_storage::cases::{CaseEdit, CustomerInput};

both!(the_queue_shows_each_request_with_its_context);
async fn the_queue_shows_each_request_with_its_context(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let now = tuesday_10am();
    let a = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Ava Nguyen"),
        now,
    )
    .await;
    let a_id = a.summary.id.as_str();
    // Already given: a coffee, within the receptionist's authority.
    let (d, coffee) = give(&store, fd, a_id, "coffee", 6_00, now).await;
    assert_eq!(gesture_status(&d, &coffee), GestureStatus::Approved);
    // Then flowers above it, with a reason.
    let (_, flowers, _) = store
        .give_gesture(
            fd,
            a_id,
            NewGesture {
                kind: "flowers".into(),
                value_cents: 300_00,
                note: "She waited 50 minutes with a toddler".into(),
                step_id: None,
            },
            None,
            plus_min(now, 1),
        )
        .await
        .expect("ask for flowers");
    let b = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Ben Okafor"),
        plus_min(now, 2),
    )
    .await;
    let (_, taxi) = give(
        &store,
        fd,
        &b.summary.id,
        "taxi-home",
        250_00,
        plus_min(now, 3),
    )
    .await;

    let q = store.approval_queue(mgr, plus_min(now, 13)).await.unwrap();
    assert_eq!(q.len(), 2, "two requests wait for the manager");
    let first = &q[0];
    assert_eq!(first.gesture.id, flowers, "oldest first");
    assert_eq!(first.case_ref, a.summary.reference);
    assert_eq!(first.customer, "Ava Nguyen");
    assert_eq!(first.customer_noun, "patient");
    assert_eq!(first.defect_title, a.summary.defect.title);
    assert_eq!(
        first.gesture_name,
        "Flowers delivered to the patient's home"
    );
    assert_eq!(first.typical_cents, Some(60_00));
    assert_eq!(first.gesture.value_cents, 300_00);
    assert_eq!(first.gesture.note, "She waited 50 minutes with a toddler");
    assert_eq!(first.gesture.given_by.name, fd.name);
    assert_eq!(
        first.given,
        vec![(
            "Coffee or tea from the cafe nearby, brought to the waiting room".to_string(),
            6_00
        )]
    );
    assert_eq!(first.given_cents, 6_00);
    assert_eq!(q[1].gesture.id, taxi);
    assert_eq!(q[1].customer, "Ben Okafor");
    assert!(q[1].given.is_empty());
    assert_eq!(q[1].given_cents, 0);

    // The receptionist has nothing to approve; another location's manager sees none of these.
    assert!(store.approval_queue(fd, now).await.unwrap().is_empty());
    assert!(
        store
            .approval_queue(&org.grill_manager, now)
            .await
            .unwrap()
            .is_empty()
    );

    // Decided: it leaves the queue; an approved one now counts as given on its case.
    store
        .gesture_action(
            mgr,
            &b.summary.id,
            &taxi,
            GestureStatus::Approved,
            Decision {
                note: None,
                address: None,
            },
            plus_min(now, 14),
        )
        .await
        .unwrap();
    let q = store.approval_queue(mgr, plus_min(now, 15)).await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].gesture.id, flowers);
}

both!(a_phone_keeps_the_format_it_was_typed_in);
async fn a_phone_keeps_the_format_it_was_typed_in(store: Store) {
    let org = org(&store).await;
    let fd = &org.dental_front;
    let now = tuesday_10am();
    let mut input = report(&org.dental, "long-wait", "Ava Nguyen");
    input.customer.phone = Some("  0412  345 678 ".into());
    let a = create(&store, fd, input, now).await;
    let c = &a.summary.customer;
    assert_eq!(c.phone_display.as_deref(), Some("0412 345 678"));
    assert_ne!(
        c.phone.as_deref(),
        Some("0412 345 678"),
        "stored normalised"
    );
    // Read back: the same, and the API's JSON is unchanged (no new key).
    let d = store.get_case(fd, &a.summary.id, now).await.unwrap();
    assert_eq!(
        d.summary.customer.phone_shown(),
        Some("0412 345 678"),
        "pages show it as typed"
    );
    let json = serde_json::to_value(&d.summary.customer).unwrap();
    assert!(json.get("phone_display").is_none());
    assert_eq!(json["phone"].as_str(), c.phone.as_deref());
    // Found by the phone typed any other way.
    let f = olive_storage::cases::CaseFilter {
        q: Some("0412345678".into()),
        ..Default::default()
    };
    let found = store.list_cases(fd, &f, now).await.unwrap().items;
    assert!(found.iter().any(|x| x.id == a.summary.id));
    let f = olive_storage::cases::CaseFilter {
        q: Some("0412 345 678".into()),
        ..Default::default()
    };
    let found = store.list_cases(fd, &f, now).await.unwrap().items;
    assert!(found.iter().any(|x| x.id == a.summary.id));
    // Edited with other spacing: the new format is kept.
    let d = store
        .edit_case(
            fd,
            &a.summary.id,
            CaseEdit {
                customer: Some(CustomerInput {
                    name: "Ava Nguyen".into(),
                    phone: Some("0412-345-678".into()),
                    ..CustomerInput::default()
                }),
                ..CaseEdit::default()
            },
            plus_min(now, 1),
        )
        .await
        .unwrap();
    assert_eq!(d.summary.customer.phone_shown(), Some("0412-345-678"));
    // A case without a phone shows none.
    let b = create(&store, fd, report(&org.dental, "long-wait", "Ben"), now).await;
    assert_eq!(b.summary.customer.phone_shown(), None);
}
