//! Storage integration tests: decisions on gesture requests reach the requester, and requests nobody
//! decides are escalated after the location's minutes of opening hours — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp};
use olive_domain::case::CaseEvent;
use olive_domain::deadline::DayHours;
use olive_domain::gesture::GestureStatus;
use olive_domain::role::Role;
use olive_storage::actions::Decision;
use olive_storage::admin::LocationUpdate;
use olive_storage::org::NewStaff;
use olive_storage::outbox::{Channel, OutboxMessage};
use olive_storage::views::LimitView;
use olive_storage::{Actor, Store};

fn because(text: &str) -> Decision {
    Decision {
        note: Some(text.into()),
        address: None,
    }
}

/// A second manager at Harbour Dental.
async fn second_manager(store: &Store, org: &Org) -> Actor {
    let view = store
        .add_staff(
            NewStaff {
                name: "Max Mercer".into(),
                email: Some("max@dental.test".into()),
                username: None,
                is_admin: false,
                locations: vec![(org.dental.clone(), Role::Manager)],
            },
            setup_time(),
        )
        .await
        .expect("add a second manager");
    actor_of(&view)
}

/// The emails waiting in the outbox (claimed and marked delivered, so each is seen once).
async fn emails(store: &Store, now: Timestamp) -> Vec<OutboxMessage> {
    let out = store
        .claim_outbox(&[Channel::Email], now, SignedDuration::from_mins(5), 1000)
        .await
        .expect("claim the outbox");
    let ids: Vec<String> = out.iter().map(|m| m.id.clone()).collect();
    store.outbox_delivered(&ids, now).await.expect("delivered");
    out
}

/// Notification kinds a person has, oldest first.
async fn kinds(store: &Store, who: &Actor) -> Vec<String> {
    let mut n = store.notifications(who, 200).await.unwrap();
    n.reverse();
    n.into_iter().map(|n| n.kind).collect()
}

/// Escalations: scan, then run the jobs it queued. Returns how many requests were escalated.
async fn escalate(store: &Store, now: Timestamp) -> usize {
    let queued = store.scan_approvals(now, 1000).await.expect("scan");
    store.run_jobs(now, 1000).await.expect("run jobs");
    queued
}

both!(decline_needs_a_reason_and_the_requester_is_told);
async fn decline_needs_a_reason_and_the_requester_is_told(store: Store) {
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
    let (_, flowers) = give(&store, fd, a_id, "flowers", 300_00, now).await;

    // No reason, or only spaces: refused, naming the field; the request still waits.
    for note in [None, Some("   ".to_string())] {
        let r = store
            .gesture_action(
                mgr,
                a_id,
                &flowers,
                GestureStatus::Declined,
                Decision {
                    note,
                    address: None,
                },
                now,
            )
            .await;
        assert_eq!(invalid_fields(r), ["note"]);
    }
    let d = store.get_case(fd, a_id, now).await.unwrap();
    assert_eq!(gesture_status(&d, &flowers), GestureStatus::PendingApproval);
    assert!(store.my_decisions(fd).await.unwrap().is_empty());

    // With a reason: recorded with the decider and the time.
    let t = plus_min(now, 3);
    let d = store
        .gesture_action(
            mgr,
            a_id,
            &flowers,
            GestureStatus::Declined,
            because(" A card fits better here "),
            t,
        )
        .await
        .unwrap();
    let g = d.gestures.iter().find(|g| g.id == flowers).unwrap();
    assert_eq!(g.status, GestureStatus::Declined);
    assert_eq!(
        g.decided_by.as_ref().map(|p| p.name.as_str()),
        Some("Maria Manning")
    );
    assert_eq!(g.decided_at.as_deref().map(ts), Some(t));
    assert_eq!(g.decision_note.as_deref(), Some("A card fits better here"));

    // The requester's My work: the decision with who, when and why; a notification; an email.
    let mine = store.my_decisions(fd).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].gesture_id, flowers);
    assert_eq!(mine[0].status, GestureStatus::Declined);
    assert_eq!(mine[0].decided_by.name, "Maria Manning");
    assert_eq!(ts(&mine[0].decided_at), t);
    assert_eq!(mine[0].reason.as_deref(), Some("A card fits better here"));
    assert_eq!(mine[0].case_ref, a.summary.reference);
    assert!(store.my_decisions(mgr).await.unwrap().is_empty());
    let notes = store.notifications(fd, 10).await.unwrap();
    let n = notes
        .iter()
        .find(|n| n.kind == "gesture_declined")
        .expect("a notification of the decline");
    assert_eq!(n.case_id.as_deref(), Some(a_id));
    // Sydney time (AEDT) of the decision, and the reason.
    assert!(
        n.text.contains("Maria Manning declined")
            && n.text.contains("10:03 Tue 24 Nov")
            && n.text.contains("A card fits better here"),
        "{}",
        n.text
    );
    let sent = emails(&store, t).await;
    let mail: Vec<_> = sent
        .iter()
        .filter(|m| m.event == "gesture_declined")
        .collect();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipient, "fiona@dental.test");
    assert!(mail[0].body.contains("A card fits better here"));
    assert!(mail[0].subject.starts_with("Declined"));

    // Only the requester acknowledges it; then it leaves My work and the notice is read.
    assert_not_found(store.acknowledge_decision(mgr, &flowers, t).await);
    store.acknowledge_decision(fd, &flowers, t).await.unwrap();
    store.acknowledge_decision(fd, &flowers, t).await.unwrap();
    assert!(store.my_decisions(fd).await.unwrap().is_empty());
    let notes = store.notifications(fd, 10).await.unwrap();
    assert!(
        notes
            .iter()
            .filter(|n| n.kind == "gesture_declined")
            .all(|n| n.read_at.is_some())
    );

    // An approval reaches the requester too, without needing a reason.
    let b = create(&store, fd, report(&org.dental, "long-wait", "Ben Ode"), t).await;
    let b_id = b.summary.id.as_str();
    let (_, card) = give(&store, fd, b_id, "flowers", 250_00, t).await;
    assert_eq!(
        conflict_code(store.acknowledge_decision(fd, &card, t).await),
        "not_decided"
    );
    let t2 = plus_min(t, 2);
    store
        .gesture_action(
            mgr,
            b_id,
            &card,
            GestureStatus::Approved,
            Decision::default(),
            t2,
        )
        .await
        .unwrap();
    let mine = store.my_decisions(fd).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].status, GestureStatus::Approved);
    assert_eq!(mine[0].reason, None);
    assert_eq!(kinds(&store, fd).await.last().unwrap(), "gesture_approved");
    let sent = emails(&store, t2).await;
    assert!(
        sent.iter()
            .any(|m| m.event == "gesture_approved" && m.recipient == "fiona@dental.test")
    );
    // Nobody else is told of the decision.
    assert!(
        !kinds(&store, mgr)
            .await
            .iter()
            .any(|k| k.starts_with("gesture_"))
    );
}

both!(undecided_requests_escalate_once_in_opening_hours);
async fn undecided_requests_escalate_once_in_opening_hours(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let max = second_manager(&store, &org).await;
    // Tuesday 16:55: five minutes before the practice closes; Wednesday is a closed date.
    let asked = local("2026-11-24T16:55");
    let a = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Ava Nguyen"),
        asked,
    )
    .await;
    let a_id = a.summary.id.as_str();
    let (_, flowers) = give(&store, fd, a_id, "flowers", 300_00, asked).await;

    // Not before ten minutes of opening hours: not at closing, not overnight, not on the closed
    // Wednesday, not at Thursday 08:04.
    for when in [
        "2026-11-24T17:04",
        "2026-11-24T23:00",
        "2026-11-25T12:00",
        "2026-11-26T08:04",
    ] {
        assert_eq!(escalate(&store, local(when)).await, 0, "at {when}");
    }
    assert!(
        !kinds(&store, mgr)
            .await
            .contains(&"approval_escalation".to_string())
    );

    // Thursday 08:05: escalated, once, to the managers and the admin, not the requester.
    let at = local("2026-11-26T08:05");
    assert_eq!(escalate(&store, at).await, 1);
    for who in [mgr, &max, &org.admin] {
        assert_eq!(
            kinds(&store, who)
                .await
                .iter()
                .filter(|k| *k == "approval_escalation")
                .count(),
            1,
            "{}",
            who.name
        );
    }
    for who in [fd, &org.dental_team, &org.grill_manager] {
        assert!(
            !kinds(&store, who)
                .await
                .contains(&"approval_escalation".to_string()),
            "{}",
            who.name
        );
    }
    let mut to: Vec<String> = emails(&store, at)
        .await
        .into_iter()
        .filter(|m| m.event == "approval_escalation")
        .map(|m| m.recipient)
        .collect();
    to.sort();
    assert_eq!(
        to,
        ["maria@dental.test", "max@dental.test", "olivia@olive.test"]
    );
    // The requester is told, and the case shows it next to the gesture and in the timeline.
    let told = store.notifications(fd, 10).await.unwrap();
    let n = told
        .iter()
        .find(|n| n.kind == "approval_escalated")
        .expect("the requester is told");
    assert!(
        n.text.contains("Maria Manning") && n.text.contains("Max Mercer"),
        "{}",
        n.text
    );
    let d = store.get_case(fd, a_id, at).await.unwrap();
    let g = d.gestures.iter().find(|g| g.id == flowers).unwrap();
    assert_eq!(g.escalated_at.as_deref().map(ts), Some(at));
    assert_eq!(g.status, GestureStatus::PendingApproval);
    assert!(events(&d).contains(&CaseEvent::Escalated));

    // Never twice.
    assert_eq!(escalate(&store, local("2026-11-26T12:00")).await, 0);
    assert_eq!(
        kinds(&store, mgr)
            .await
            .iter()
            .filter(|k| *k == "approval_escalation")
            .count(),
        1
    );
    assert!(
        emails(&store, local("2026-11-26T12:00"))
            .await
            .iter()
            .all(|m| m.event != "approval_escalation")
    );

    // The decision after it says it had been escalated.
    store
        .gesture_action(
            &max,
            a_id,
            &flowers,
            GestureStatus::Declined,
            because("Too much for a wait"),
            local("2026-11-26T08:30"),
        )
        .await
        .unwrap();
    let mine = store.my_decisions(fd).await.unwrap();
    assert_eq!(mine[0].escalated_at.as_deref().map(ts), Some(at));
    assert_eq!(mine[0].decided_by.name, "Max Mercer");

    // A decided request is never escalated.
    let b = create(&store, fd, report(&org.dental, "long-wait", "Ben Ode"), at).await;
    let (_, card) = give(&store, fd, &b.summary.id, "flowers", 200_00, at).await;
    store
        .gesture_action(
            mgr,
            &b.summary.id,
            &card,
            GestureStatus::Approved,
            Decision::default(),
            plus_min(at, 1),
        )
        .await
        .unwrap();
    assert_eq!(escalate(&store, plus_min(at, 60)).await, 0);
}

both!(a_managers_request_goes_to_the_others);
async fn a_managers_request_goes_to_the_others(store: Store) {
    let org = org(&store).await;
    let mgr = &org.dental_manager;
    let max = second_manager(&store, &org).await;
    // Managers may give up to 1,000.00 a case and 400.00 a day without asking.
    store
        .set_limits(
            &org.admin,
            &org.dental,
            &[LimitView {
                role: Role::Manager,
                per_case_cents: Some(1_000_00),
                per_day_cents: Some(400_00),
            }],
        )
        .await
        .unwrap();
    let now = tuesday_10am();
    let a = create(
        &store,
        mgr,
        report(&org.dental, "long-wait", "Ava Nguyen"),
        now,
    )
    .await;
    // Her first 300.00 is within her own day; the second is beyond it and waits for the others
    // (the other manager has all of his day's 400.00 left, so he may approve it).
    let (d, first) = give(&store, mgr, &a.summary.id, "gift-voucher", 300_00, now).await;
    assert_eq!(gesture_status(&d, &first), GestureStatus::Approved);
    let (d, flowers) = give(&store, mgr, &a.summary.id, "flowers", 300_00, now).await;
    assert_eq!(gesture_status(&d, &flowers), GestureStatus::PendingApproval);
    assert_eq!(escalate(&store, plus_min(now, 10)).await, 1);
    let mut to: Vec<String> = emails(&store, plus_min(now, 10))
        .await
        .into_iter()
        .filter(|m| m.event == "approval_escalation")
        .map(|m| m.recipient)
        .collect();
    to.sort();
    // The other manager and the admin; not the manager who asked.
    assert_eq!(to, ["max@dental.test", "olivia@olive.test"]);
    assert!(
        kinds(&store, &max)
            .await
            .contains(&"approval_escalation".to_string())
    );
    assert!(
        !kinds(&store, mgr)
            .await
            .contains(&"approval_escalation".to_string())
    );
    assert!(
        kinds(&store, mgr)
            .await
            .contains(&"approval_escalated".to_string())
    );
}

both!(a_manager_whose_day_is_used_is_not_asked);
async fn a_manager_whose_day_is_used_is_not_asked(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let max = second_manager(&store, &org).await;
    store
        .set_limits(
            &org.admin,
            &org.dental,
            &[LimitView {
                role: Role::Manager,
                per_case_cents: Some(1_000_00),
                per_day_cents: Some(400_00),
            }],
        )
        .await
        .unwrap();
    let now = tuesday_10am();
    // Max gives 350.00 himself this morning: 50.00 of his day is left, too little to approve 300.00.
    let mine = create(
        &store,
        &max,
        report(&org.dental, "long-wait", "Noah Smith"),
        now,
    )
    .await;
    let (d, v) = give(&store, &max, &mine.summary.id, "gift-voucher", 350_00, now).await;
    assert_eq!(gesture_status(&d, &v), GestureStatus::Approved);
    let a = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    let (d, flowers) = give(&store, fd, &a.summary.id, "flowers", 300_00, now).await;
    assert_eq!(gesture_status(&d, &flowers), GestureStatus::PendingApproval);
    assert_eq!(escalate(&store, plus_min(now, 10)).await, 1);
    let mut to: Vec<String> = emails(&store, plus_min(now, 10))
        .await
        .into_iter()
        .filter(|m| m.event == "approval_escalation")
        .map(|m| m.recipient)
        .collect();
    to.sort();
    // Maria (her whole day left) and the admin; not Max, who would be refused, nor Fiona who asked.
    assert_eq!(to, ["maria@dental.test", "olivia@olive.test"]);
    assert!(
        !kinds(&store, &max)
            .await
            .contains(&"approval_escalation".to_string())
    );
    assert!(
        kinds(&store, mgr)
            .await
            .contains(&"approval_escalation".to_string())
    );
}

both!(the_wait_is_set_per_location);
async fn the_wait_is_set_per_location(store: Store) {
    let org = org(&store).await;
    let fd = &org.dental_front;
    let dental = store.get_location(fd, &org.dental).await.unwrap();
    assert_eq!(dental.approval_escalation_minutes, 10);
    let day = Some(DayHours {
        open: Time::constant(8, 0, 0, 0),
        close: Time::constant(17, 0, 0, 0),
    });
    let update = |minutes: Option<i64>| LocationUpdate {
        timezone: TZ.into(),
        currency: "AUD".into(),
        hours: [day, day, day, day, day, None, None],
        closed: [DENTAL_CLOSED.parse().unwrap()].into(),
        approval_escalation_minutes: minutes,
        contact: Default::default(),
    };
    for bad in [0, -5, 481] {
        let r = store
            .update_location(&org.dental_manager, &org.dental, update(Some(bad)))
            .await;
        assert_eq!(invalid_fields(r), ["approval_escalation_minutes"]);
    }
    assert_forbidden(
        store
            .update_location(fd, &org.dental, update(Some(30)))
            .await,
    );
    store
        .update_location(&org.dental_manager, &org.dental, update(Some(30)))
        .await
        .unwrap();
    // Left out, it stays as it is.
    store
        .update_location(&org.dental_manager, &org.dental, update(None))
        .await
        .unwrap();
    let dental = store.get_location(fd, &org.dental).await.unwrap();
    assert_eq!(dental.approval_escalation_minutes, 30);
    let grill = store
        .get_location(&org.grill_front, &org.grill)
        .await
        .unwrap();
    assert_eq!(grill.approval_escalation_minutes, 10);

    // Dental waits 30 minutes; the Grill still 10.
    let now = tuesday_10am();
    let a = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Ava Nguyen"),
        now,
    )
    .await;
    give(&store, fd, &a.summary.id, "flowers", 300_00, now).await;
    let noon = local("2026-11-24T12:00");
    let b = create(
        &store,
        &org.grill_front,
        report(&org.grill, "cold-food", "Ben Ode"),
        noon,
    )
    .await;
    let (_, steak) = give(
        &store,
        &org.grill_front,
        &b.summary.id,
        "no-charge",
        300_00,
        noon,
    )
    .await;
    assert_eq!(escalate(&store, plus_min(now, 10)).await, 0);
    assert_eq!(escalate(&store, plus_min(now, 29)).await, 0);
    assert_eq!(escalate(&store, plus_min(now, 30)).await, 1);
    assert_eq!(escalate(&store, plus_min(noon, 9)).await, 0);
    assert_eq!(escalate(&store, plus_min(noon, 10)).await, 1);
    let d = store
        .get_case(&org.grill_front, &b.summary.id, noon)
        .await
        .unwrap();
    assert!(
        d.gestures
            .iter()
            .find(|g| g.id == steak)
            .unwrap()
            .escalated_at
            .is_some()
    );
}
