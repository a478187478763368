//! Storage integration tests: the gesture ledger — whose authority a gesture uses, gesture steps completed by
//! recording their gesture, the delivery-address rule, totals per currency, and gestures given at the same
//! instant — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::StepStatus;
use olive_domain::gesture::GestureStatus;
use olive_domain::playbook::StepKind;
use olive_storage::actions::{Decision, NewGesture, StepAction};
use olive_storage::views::CaseDetail;
use olive_storage::{Store, StoreError};

fn decide(note: &str) -> Decision {
    Decision {
        note: Some(note.into()),
        address: None,
    }
}

fn step_of(d: &CaseDetail, kind: StepKind, gesture: &str) -> String {
    d.steps
        .iter()
        .find(|s| s.kind == kind && s.gesture_code.as_deref() == Some(gesture))
        .expect("the protocol has that step")
        .id
        .clone()
}

fn step_status(d: &CaseDetail, id: &str) -> StepStatus {
    d.steps
        .iter()
        .find(|s| s.id == id)
        .expect("the step")
        .status
}

both!(an_approval_uses_the_approvers_room_not_the_requesters);
async fn an_approval_uses_the_approvers_room_not_the_requesters(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let now = tuesday_10am();
    let a = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    let b = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Ben Ortiz"),
        now,
    )
    .await;
    let (a, b) = (a.summary.id.as_str(), b.summary.id.as_str());

    // $300 flowers: beyond the front desk's authority; a pending request uses nobody's room.
    let (d, flowers) = give(&store, fd, a, "flowers", 300_00, now).await;
    assert_eq!(gesture_status(&d, &flowers), GestureStatus::PendingApproval);
    assert_eq!(d.my_remaining_authority_cents, Some(100_00));
    let why = d.gestures[0].pending_reason.clone().expect("a reason");
    assert!(why.contains("per-case limit is AUD 100.00"), "{why}");

    // Maria approves: it is charged to her day, and Fiona's room is untouched.
    let t = plus_min(now, 5);
    let d = store
        .gesture_action(mgr, a, &flowers, GestureStatus::Approved, decide("yes"), t)
        .await
        .expect("approve");
    let g = &d.gestures[0];
    assert_eq!(
        g.decided_by.as_ref().map(|p| p.id.as_str()),
        Some(mgr.staff_id.as_str())
    );
    assert_eq!(g.pending_reason, None);
    let fiona_on_b = store.get_case(fd, b, t).await.unwrap();
    assert_eq!(fiona_on_b.my_remaining_authority_cents, Some(100_00));
    assert_eq!(fiona_on_b.my_authority.limit_cents, Some(100_00));
    // Her $6 coffee on another case is within her own authority: no approval.
    let (d, coffee) = give(&store, fd, b, "coffee", 6_00, plus_min(t, 1)).await;
    assert_eq!(gesture_status(&d, &coffee), GestureStatus::Approved);

    // Maria has 700.00 left today: a 450.00 request is approved, then a 300.00 one is refused, naming the limit…
    let (_, big) = give(&store, fd, b, "flowers", 450_00, plus_min(t, 2)).await;
    store
        .gesture_action(
            mgr,
            b,
            &big,
            GestureStatus::Approved,
            decide("ok"),
            plus_min(t, 3),
        )
        .await
        .expect("approve 450");
    let (_, more) = give(&store, fd, a, "gift-voucher", 300_00, plus_min(t, 4)).await;
    match store
        .gesture_action(
            mgr,
            a,
            &more,
            GestureStatus::Approved,
            decide("ok"),
            plus_min(t, 5),
        )
        .await
    {
        Err(StoreError::Forbidden(m)) => {
            assert!(
                m.contains("per-day limit of 1,000.00 (250.00 left today)"),
                "{m}"
            )
        }
        other => panic!("expected a refusal naming the per-day limit, got {other:?}"),
    }
    // …so it no longer shows in her queue, and an admin approves it.
    let queue = store.pending_gestures(mgr, plus_min(t, 5)).await.unwrap();
    assert!(queue.iter().all(|(_, _, g)| g.id != more), "{queue:?}");
    assert!(
        store
            .pending_gestures(&org.admin, plus_min(t, 5))
            .await
            .unwrap()
            .iter()
            .any(|(_, _, g)| g.id == more)
    );
    store
        .gesture_action(
            &org.admin,
            a,
            &more,
            GestureStatus::Approved,
            decide("ok"),
            plus_min(t, 6),
        )
        .await
        .expect("the admin approves");

    // A declined request uses nobody's room either.
    let (_, no) = give(&store, fd, b, "flowers", 200_00, plus_min(t, 7)).await;
    store
        .gesture_action(
            &org.admin,
            b,
            &no,
            GestureStatus::Declined,
            decide("not this time"),
            plus_min(t, 8),
        )
        .await
        .expect("decline");
    let d = store.get_case(fd, b, plus_min(t, 9)).await.unwrap();
    // Fiona gave 6.00 herself today: 94.00 left on case B, 194.00 of her day.
    assert_eq!(d.my_remaining_authority_cents, Some(94_00));
    // The next local day, Maria's room is back.
    let tomorrow = plus_min(now, 24 * 60);
    let (_, next) = give(&store, fd, a, "gift-voucher", 300_00, tomorrow).await;
    store
        .gesture_action(
            mgr,
            a,
            &next,
            GestureStatus::Approved,
            decide("ok"),
            tomorrow,
        )
        .await
        .expect("a new day, a new room");
}

both!(a_gesture_step_is_done_by_recording_its_gesture);
async fn a_gesture_step_is_done_by_recording_its_gesture(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let now = tuesday_10am();
    let d = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    let key = d.summary.id.clone();
    let card = step_of(&d, StepKind::Gesture, "lottery-card");
    let flowers = step_of(&d, StepKind::Gesture, "flowers");

    // Ticking it done without a gesture is refused, naming the field; the step stays pending.
    let r = store
        .step_action(fd, &key, &card, false, StepAction::default(), now)
        .await;
    assert_eq!(invalid_fields(r), ["gesture"]);
    assert_eq!(
        step_status(&store.get_case(fd, &key, now).await.unwrap(), &card),
        StepStatus::Pending
    );

    // Recording the $10 card for it, within authority, completes the step and links the two.
    let (d, gid, _) = store
        .give_gesture(
            fd,
            &key,
            NewGesture {
                step_id: Some(card.clone()),
                ..gift("lottery-card", 10_00)
            },
            None,
            now,
        )
        .await
        .expect("record the card");
    assert_eq!(step_status(&d, &card), StepStatus::Done);
    let s = d.steps.iter().find(|s| s.id == card).unwrap();
    assert_eq!(s.gesture_id.as_deref(), Some(gid.as_str()));
    assert_eq!(
        s.done_by.as_ref().map(|p| p.id.as_str()),
        Some(fd.staff_id.as_str())
    );
    assert_eq!(
        d.gestures
            .iter()
            .find(|g| g.id == gid)
            .unwrap()
            .step_id
            .as_deref(),
        Some(card.as_str())
    );
    // A second gesture for a finished step is refused.
    let again = store
        .give_gesture(
            fd,
            &key,
            NewGesture {
                step_id: Some(card.clone()),
                ..gift("lottery-card", 10_00)
            },
            None,
            now,
        )
        .await;
    assert_eq!(conflict_code(again), "step_finished");

    // $300 flowers for the flowers step: the step waits for the manager, and cannot be ticked meanwhile.
    let (d, fl, _) = store
        .give_gesture(
            fd,
            &key,
            NewGesture {
                step_id: Some(flowers.clone()),
                ..gift("flowers", 300_00)
            },
            None,
            now,
        )
        .await
        .expect("request flowers");
    assert_eq!(step_status(&d, &flowers), StepStatus::Pending);
    let r = store
        .step_action(fd, &key, &flowers, false, StepAction::default(), now)
        .await;
    assert_eq!(conflict_code(r), "gesture_pending");
    // Declined: the step is free again (for another gesture, or a skip with a reason).
    let d = store
        .gesture_action(
            mgr,
            &key,
            &fl,
            GestureStatus::Declined,
            decide("too much"),
            plus_min(now, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        d.steps.iter().find(|s| s.id == flowers).unwrap().gesture_id,
        None
    );
    // A smaller bunch, approved by the manager, completes it (done by the giver).
    let (_, fl2, _) = store
        .give_gesture(
            fd,
            &key,
            NewGesture {
                step_id: Some(flowers.clone()),
                ..gift("flowers", 150_00)
            },
            None,
            plus_min(now, 2),
        )
        .await
        .unwrap();
    let d = store
        .gesture_action(
            mgr,
            &key,
            &fl2,
            GestureStatus::Approved,
            decide("yes"),
            plus_min(now, 3),
        )
        .await
        .unwrap();
    let s = d.steps.iter().find(|s| s.id == flowers).unwrap();
    assert_eq!(s.status, StepStatus::Done);
    assert_eq!(
        s.done_by.as_ref().map(|p| p.id.as_str()),
        Some(fd.staff_id.as_str())
    );

    // A step that is not a gesture step takes no gesture.
    let ack = d
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Acknowledge)
        .unwrap()
        .id
        .clone();
    let r = store
        .give_gesture(
            fd,
            &key,
            NewGesture {
                step_id: Some(ack),
                ..gift("coffee", 6_00)
            },
            None,
            now,
        )
        .await;
    assert_eq!(invalid_fields(r), ["step_id"]);
}

both!(a_waived_fee_has_its_real_value_and_posted_gestures_an_address);
async fn a_waived_fee_has_its_real_value_and_posted_gestures_an_address(store: Store) {
    let org = org(&store).await;
    let fd = &org.dental_front;
    let now = tuesday_10am();
    let d = create(
        &store,
        fd,
        report(&org.dental, "pain-during-treatment", "Ava Nguyen"),
        now,
    )
    .await;
    let key = d.summary.id.clone();
    // The fee waiver has no typical value: 0 is refused, the real fee is recorded.
    let r = store
        .give_gesture(fd, &key, gift("no-charge", 0), None, now)
        .await;
    assert_eq!(invalid_fields(r), ["value_cents"]);
    let (d, _) = give(&store, fd, &key, "no-charge", 85_00, now).await;
    assert_eq!(d.gestures[0].value_cents, 85_00);

    // A handwritten card is posted: it cannot be marked sent until the case has an address.
    let (_, card) = give(&store, fd, &key, "handwritten-card", 5_00, now).await;
    let r = store
        .gesture_action(
            fd,
            &key,
            &card,
            GestureStatus::Sent,
            Decision::default(),
            now,
        )
        .await;
    assert_eq!(invalid_fields(r), ["address"]);
    let d = store.get_case(fd, &key, now).await.unwrap();
    assert_eq!(gesture_status(&d, &card), GestureStatus::Approved);
    // Given on the spot, it is saved on the case and the card is sent.
    let with = Decision {
        note: None,
        address: Some(" 12 Ferry Rd, Balmain NSW 2041 ".into()),
    };
    let d = store
        .gesture_action(fd, &key, &card, GestureStatus::Sent, with, plus_min(now, 1))
        .await
        .expect("sent with the address");
    assert_eq!(gesture_status(&d, &card), GestureStatus::Sent);
    assert_eq!(
        d.summary.customer.address.as_deref(),
        Some("12 Ferry Rd, Balmain NSW 2041")
    );
    // A gesture that needs no address (coffee) is marked delivered without one.
    let d2 = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Ben Ortiz"),
        now,
    )
    .await;
    let (_, coffee) = give(&store, fd, &d2.summary.id, "coffee", 6_00, now).await;
    store
        .gesture_action(
            fd,
            &d2.summary.id,
            &coffee,
            GestureStatus::Delivered,
            Decision::default(),
            now,
        )
        .await
        .expect("coffee needs no address");
}

both!(totals_are_kept_per_currency);
async fn totals_are_kept_per_currency(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    // The Grill moves to New Zealand dollars; the practice stays in Australian dollars.
    let grill = store.location(&org.grill).await.unwrap();
    store
        .update_location(
            &org.admin,
            &org.grill,
            olive_storage::admin::LocationUpdate {
                timezone: grill.tz_name.clone(),
                currency: "NZD".into(),
                hours: grill.hours,
                closed: grill.closed.clone(),
                approval_escalation_minutes: None,
                contact: Default::default(),
            },
        )
        .await
        .expect("change the currency");
    let d = create(
        &store,
        &org.dental_front,
        report(&org.dental, "long-wait", "Ava Nguyen"),
        now,
    )
    .await;
    give(
        &store,
        &org.dental_front,
        &d.summary.id,
        "coffee",
        6_00,
        now,
    )
    .await;
    let g = create(
        &store,
        &org.grill_front,
        report(&org.grill, "long-wait-to-order", "Table 12"),
        now,
    )
    .await;
    let (gd, _) = give(
        &store,
        &org.grill_front,
        &g.summary.id,
        "complimentary-dessert",
        12_00,
        now,
    )
    .await;
    assert_eq!(gd.gestures[0].currency, "NZD");
    let all = store
        .stats(
            &org.admin,
            &olive_storage::stats::StatsFilter::default(),
            now,
        )
        .await
        .unwrap();
    let totals: Vec<(String, i64)> = all
        .gestures_given
        .iter()
        .map(|t| (t.currency.clone(), t.cents))
        .collect();
    assert_eq!(
        totals,
        [("AUD".to_string(), 6_00), ("NZD".to_string(), 12_00)]
    );
}

both!(gestures_given_at_the_same_instant_stay_within_every_limit);
async fn gestures_given_at_the_same_instant_stay_within_every_limit(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    // Two people, ten cases each, a 30.00 gesture on every case at the same instant: each may give 200.00 a day.
    let mut cases = Vec::new();
    for (who, loc, defect) in [
        (&org.dental_front, &org.dental, "long-wait"),
        (&org.grill_front, &org.grill, "long-wait-to-order"),
    ] {
        for n in 0..10 {
            let c = create(&store, who, report(loc, defect, &format!("Guest {n}")), now).await;
            cases.push((who.clone(), c.summary.id));
        }
    }
    let kinds = |a: &olive_storage::Actor| {
        if a.staff_id == org.dental_front.staff_id {
            "coffee"
        } else {
            "complimentary-drink"
        }
    };
    let tasks: Vec<_> = cases
        .iter()
        .map(|(who, key)| {
            let (store, who, key, kind) = (store.clone(), who.clone(), key.clone(), kinds(who));
            tokio::spawn(async move {
                store
                    .give_gesture(&who, &key, gift(kind, 30_00), None, now)
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("give");
    }
    for who in [&org.dental_front, &org.grill_front] {
        let mut approved = 0;
        for (_, key) in cases.iter().filter(|(w, _)| w.staff_id == who.staff_id) {
            let d = store.get_case(who, key, now).await.unwrap();
            approved += d
                .gestures
                .iter()
                .filter(|g| g.status == GestureStatus::Approved)
                .count();
        }
        // 6 × 30.00 = 180.00 fits in the day; a 7th would make 210.00.
        assert_eq!(approved, 6, "{}", who.staff_id);
    }

    // One manager approving three 400.00 requests at the same instant: only two fit in a 1,000.00 day.
    let mut requests = Vec::new();
    for n in 0..3 {
        let c = create(
            &store,
            &org.dental_front,
            report(&org.dental, "appointment-not-in-book", &format!("P {n}")),
            now,
        )
        .await;
        let (_, id) = give(
            &store,
            &org.dental_team,
            &c.summary.id,
            "flowers",
            400_00,
            now,
        )
        .await;
        requests.push((c.summary.id, id));
    }
    let tasks: Vec<_> = requests
        .iter()
        .map(|(key, id)| {
            let (store, m, key, id) = (
                store.clone(),
                org.dental_manager.clone(),
                key.clone(),
                id.clone(),
            );
            tokio::spawn(async move {
                store
                    .gesture_action(&m, &key, &id, GestureStatus::Approved, decide("ok"), now)
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => ok += 1,
            Err(StoreError::Forbidden(m)) => assert!(m.contains("per-day limit"), "{m}"),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 2);
}
