//! Storage integration tests, part 2: gestures and authority, limits, handoffs, edits and customer history, listing and statistics — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::{CaseEvent, CaseStatus, CloseOutcome, RootCause, VerificationMethod};
use olive_domain::gesture::GestureStatus;
use olive_domain::role::Role;
use olive_storage::actions::{
    CloseCase, Decision, NewGesture, NewHandoff, StepAction, Verification,
};
use olive_storage::cases::{CaseEdit, CaseFilter, CustomerInput};
use olive_storage::stats::StatsFilter;
use olive_storage::views::{CaseDetail, HandoffStatus, LimitView};
use olive_storage::{Actor, Store};
use std::collections::{BTreeMap, HashSet};

fn gift(kind: &str, value_cents: i64) -> NewGesture {
    NewGesture {
        kind: kind.into(),
        value_cents,
        note: String::new(),
    }
}

async fn give(
    store: &Store,
    actor: &Actor,
    case: &str,
    kind: &str,
    cents: i64,
    now: jiff::Timestamp,
) -> (CaseDetail, String) {
    let (d, id, created) = store
        .give_gesture(actor, case, gift(kind, cents), None, now)
        .await
        .expect("give a gesture");
    assert!(created);
    (d, id)
}

fn gesture_status(d: &CaseDetail, id: &str) -> GestureStatus {
    d.gestures
        .iter()
        .find(|g| g.id == id)
        .expect("the gesture is on the case")
        .status
}

both!(gestures_and_authority);
async fn gestures_and_authority(store: Store) {
    let org = org(&store).await;
    let (fd, team, mgr) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let now = tuesday_10am();
    let a = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    let a_id = a.summary.id.as_str();

    // $10 lottery card: within the front desk's authority.
    let (d, card) = give(&store, fd, a_id, "lottery-card", 10_00, now).await;
    assert_eq!(gesture_status(&d, &card), GestureStatus::Approved);
    assert_eq!(d.gestures[0].value_cents, 10_00);
    assert_eq!(d.gestures[0].currency, "AUD");
    assert_eq!(d.my_remaining_authority_cents, Some(90_00));
    assert!(events(&d).contains(&CaseEvent::GestureGiven));
    // $300 flowers: beyond it, waits for a manager (and uses up what is left on the case meanwhile).
    let t = plus_min(now, 5);
    let (d, flowers) = give(&store, fd, a_id, "flowers", 300_00, t).await;
    assert_eq!(gesture_status(&d, &flowers), GestureStatus::PendingApproval);
    assert_eq!(d.my_remaining_authority_cents, Some(0));
    let pending = store.pending_gestures(mgr).await.unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|(_, g)| g.id.as_str())
            .collect::<Vec<_>>(),
        [flowers.as_str()]
    );
    assert!(
        store
            .pending_gestures(&org.grill_manager)
            .await
            .unwrap()
            .is_empty()
    );

    let approve = || Decision {
        note: Some("worth it".into()),
    };
    assert_forbidden(
        store
            .gesture_action(fd, a_id, &flowers, GestureStatus::Approved, approve(), t)
            .await,
    );
    assert_forbidden(
        store
            .gesture_action(team, a_id, &flowers, GestureStatus::Approved, approve(), t)
            .await,
    );
    assert_not_found(
        store
            .gesture_action(
                &org.grill_manager,
                a_id,
                &flowers,
                GestureStatus::Approved,
                approve(),
                t,
            )
            .await,
    );
    let d = store
        .gesture_action(mgr, a_id, &flowers, GestureStatus::Approved, approve(), t)
        .await
        .unwrap();
    let g = d.gestures.iter().find(|g| g.id == flowers).unwrap();
    assert_eq!(g.status, GestureStatus::Approved);
    assert_eq!(
        g.decided_by.as_ref().map(|p| p.id.as_str()),
        Some(mgr.staff_id.as_str())
    );
    assert_eq!(g.decision_note.as_deref(), Some("worth it"));
    let ev = events(&d);
    assert!(
        ev.contains(&CaseEvent::GestureRequested) && ev.contains(&CaseEvent::GestureApproved),
        "{ev:?}"
    );
    assert_eq!(d.my_remaining_authority_cents, Some(500_00)); // the manager's own, untouched
    assert_eq!(
        conflict_code(
            store
                .gesture_action(mgr, a_id, &flowers, GestureStatus::Approved, approve(), t)
                .await
        ),
        "invalid_transition"
    );

    // Fulfilment: approved → sent → delivered, never backwards.
    let d = store
        .gesture_action(fd, a_id, &card, GestureStatus::Sent, Decision::default(), t)
        .await
        .unwrap();
    assert_eq!(gesture_status(&d, &card), GestureStatus::Sent);
    assert!(
        d.gestures
            .iter()
            .find(|g| g.id == card)
            .unwrap()
            .sent_at
            .is_some()
    );
    let d = store
        .gesture_action(
            fd,
            a_id,
            &card,
            GestureStatus::Delivered,
            Decision::default(),
            t,
        )
        .await
        .unwrap();
    assert_eq!(gesture_status(&d, &card), GestureStatus::Delivered);
    assert_eq!(
        conflict_code(
            store
                .gesture_action(fd, a_id, &card, GestureStatus::Sent, Decision::default(), t)
                .await
        ),
        "invalid_transition"
    );
    assert_eq!(
        invalid_fields(store.give_gesture(fd, a_id, gift("pony", 1), None, t).await),
        ["kind"]
    );
    assert_eq!(
        invalid_fields(
            store
                .give_gesture(fd, a_id, gift("coffee", -1), None, t)
                .await
        ),
        ["value_cents"]
    );

    // $600 is above the manager's per-case limit: only an admin approves it.
    let b = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Noah Smith"),
        now,
    )
    .await;
    let b_id = b.summary.id.as_str();
    let (_, big) = give(&store, fd, b_id, "gift-voucher", 600_00, t).await;
    assert_forbidden(
        store
            .gesture_action(mgr, b_id, &big, GestureStatus::Approved, approve(), t)
            .await,
    );
    let d = store
        .gesture_action(
            &org.admin,
            b_id,
            &big,
            GestureStatus::Approved,
            approve(),
            t,
        )
        .await
        .unwrap();
    assert_eq!(gesture_status(&d, &big), GestureStatus::Approved);
    // A manager's own request above their limit also goes to an admin, and they cannot approve it themselves.
    let (d, own) = give(&store, mgr, b_id, "taxi-home", 501_00, t).await;
    assert_eq!(gesture_status(&d, &own), GestureStatus::PendingApproval);
    assert_forbidden(
        store
            .gesture_action(mgr, b_id, &own, GestureStatus::Approved, approve(), t)
            .await,
    );

    // Per-day limit (front desk and team: 100.00 a case, 200.00 a day), by the location's local day.
    let thu_10 = local("2026-11-26T10:00"); // 2026-11-25T23:00Z
    let thu_16 = local("2026-11-26T16:00"); // 2026-11-26T05:00Z: another UTC date, the same Sydney day
    let fri_09 = local("2026-11-27T09:00"); // 2026-11-26T22:00Z: the same UTC date, the next Sydney day
    let c = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Mia Patel"),
        thu_10,
    )
    .await;
    let e = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Liam Brown"),
        thu_10,
    )
    .await;
    let (c_id, e_id) = (c.summary.id.as_str(), e.summary.id.as_str());
    let (d, v150) = give(&store, team, c_id, "gift-voucher", 150_00, thu_10).await;
    assert_eq!(gesture_status(&d, &v150), GestureStatus::PendingApproval); // over the per-case 100.00
    store
        .gesture_action(mgr, c_id, &v150, GestureStatus::Approved, approve(), thu_10)
        .await
        .unwrap();
    let (d, v60) = give(&store, team, e_id, "coffee", 60_00, thu_16).await;
    assert_eq!(gesture_status(&d, &v60), GestureStatus::PendingApproval); // only 50.00 left today
    assert_eq!(d.my_remaining_authority_cents, Some(40_00)); // the pending 60.00 holds the case's 100.00
    // Declined gestures count for neither the case nor the day.
    let d = store
        .gesture_action(
            mgr,
            e_id,
            &v60,
            GestureStatus::Declined,
            Decision {
                note: Some("too much".into()),
            },
            thu_16,
        )
        .await
        .unwrap();
    assert_eq!(gesture_status(&d, &v60), GestureStatus::Declined);
    let team_view = store.get_case(team, e_id, thu_16).await.unwrap();
    assert_eq!(team_view.my_remaining_authority_cents, Some(50_00));
    let (d, v50) = give(&store, team, e_id, "coffee", 50_00, thu_16).await;
    assert_eq!(gesture_status(&d, &v50), GestureStatus::Approved);
    assert_eq!(d.my_remaining_authority_cents, Some(0));
    let (d, v1) = give(&store, team, e_id, "coffee", 1, thu_16).await;
    assert_eq!(gesture_status(&d, &v1), GestureStatus::PendingApproval);
    // The next Sydney day starts afresh (the case limit still counts what was given on the case).
    let d = store.get_case(team, e_id, fri_09).await.unwrap();
    assert_eq!(d.my_remaining_authority_cents, Some(100_00 - 50_00 - 1));
    let (d, v20) = give(&store, team, e_id, "coffee", 20_00, fri_09).await;
    assert_eq!(gesture_status(&d, &v20), GestureStatus::Approved);
    // Someone else's giving does not use up the front desk's authority on that case.
    assert_eq!(
        store
            .get_case(fd, e_id, fri_09)
            .await
            .unwrap()
            .my_remaining_authority_cents,
        Some(100_00)
    );
    // Admins are unlimited.
    assert_eq!(
        store
            .get_case(&org.admin, e_id, fri_09)
            .await
            .unwrap()
            .my_remaining_authority_cents,
        None
    );
}

both!(authority_limits);
async fn authority_limits(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let row = |v: &[LimitView], role| {
        let l = v.iter().find(|l| l.role == role).expect("a row per role");
        (l.per_case_cents, l.per_day_cents)
    };
    let limits = store.limits(fd, &org.dental).await.unwrap();
    assert_eq!(row(&limits, Role::FrontDesk), (Some(100_00), Some(200_00)));
    assert_eq!(row(&limits, Role::Manager), (Some(500_00), Some(1_000_00)));
    assert_eq!(row(&limits, Role::Admin), (None, None));

    let set = |role, case, day| LimitView {
        role,
        per_case_cents: case,
        per_day_cents: day,
    };
    let after = store
        .set_limits(
            mgr,
            &org.dental,
            &[
                set(Role::FrontDesk, Some(50_00), Some(150_00)),
                set(Role::TeamMember, Some(80_00), None),
            ],
        )
        .await
        .unwrap();
    assert_eq!(row(&after, Role::FrontDesk), (Some(50_00), Some(150_00)));
    assert_eq!(row(&after, Role::TeamMember), (Some(80_00), None));
    assert_eq!(row(&after, Role::Manager), (Some(500_00), Some(1_000_00)));

    assert_forbidden(
        store
            .set_limits(mgr, &org.dental, &[set(Role::Manager, Some(900_00), None)])
            .await,
    );
    assert_forbidden(
        store
            .set_limits(fd, &org.dental, &[set(Role::FrontDesk, Some(900_00), None)])
            .await,
    );
    assert_forbidden(
        store
            .set_limits(
                &org.dental_team,
                &org.dental,
                &[set(Role::TeamMember, None, None)],
            )
            .await,
    );
    assert_not_found(
        store
            .set_limits(
                &org.grill_manager,
                &org.dental,
                &[set(Role::FrontDesk, None, None)],
            )
            .await,
    );
    assert_eq!(
        invalid_fields(
            store
                .set_limits(
                    mgr,
                    &org.dental,
                    &[set(Role::FrontDesk, Some(-1), Some(100))]
                )
                .await
        ),
        ["front_desk"]
    );
    assert_eq!(
        invalid_fields(
            store
                .set_limits(
                    mgr,
                    &org.dental,
                    &[set(Role::TeamMember, Some(10), Some(-5))]
                )
                .await
        ),
        ["team_member"]
    );
    // An admin may change the managers' row.
    store
        .set_limits(
            &org.admin,
            &org.dental,
            &[set(Role::Manager, Some(700_00), Some(2_000_00))],
        )
        .await
        .unwrap();

    // The values persist (and failed attempts changed nothing); the other location keeps its defaults.
    let again = store.limits(fd, &org.dental).await.unwrap();
    assert_eq!(row(&again, Role::FrontDesk), (Some(50_00), Some(150_00)));
    assert_eq!(row(&again, Role::TeamMember), (Some(80_00), None));
    assert_eq!(row(&again, Role::Manager), (Some(700_00), Some(2_000_00)));
    let grill = store.limits(&org.grill_front, &org.grill).await.unwrap();
    assert_eq!(row(&grill, Role::FrontDesk), (Some(100_00), Some(200_00)));
    assert_not_found(store.limits(&org.grill_front, &org.dental).await);

    // And they are what decides a gesture.
    let now = tuesday_10am();
    let c = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    assert_eq!(c.my_remaining_authority_cents, Some(50_00));
    let (d, id) = give(&store, fd, &c.summary.id, "flowers", 60_00, now).await;
    assert_eq!(gesture_status(&d, &id), GestureStatus::PendingApproval);
}

both!(handoffs);
async fn handoffs(store: Store) {
    let org = org(&store).await;
    let (fd, team, mgr) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let now = tuesday_10am();
    let c = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    let key = c.summary.id.as_str();
    let to = |who: &Actor, why: &str| NewHandoff {
        to: who.staff_id.clone(),
        reason: why.into(),
    };

    assert_eq!(
        invalid_fields(store.propose_handoff(fd, key, to(team, " "), now).await),
        ["reason"]
    );
    assert_eq!(
        invalid_fields(
            store
                .propose_handoff(fd, key, to(&org.grill_team, "lunch"), now)
                .await
        ),
        ["to"]
    );
    assert_eq!(
        invalid_fields(store.propose_handoff(fd, key, to(fd, "lunch"), now).await),
        ["to"]
    );
    let nobody = NewHandoff {
        to: "0190f3a2-7c1e-7b3a-9d2e-1a2b3c4d5e6f".into(),
        reason: "lunch".into(),
    };
    assert_eq!(
        invalid_fields(store.propose_handoff(fd, key, nobody, now).await),
        ["to"]
    );
    // Only the holder (or a manager) hands a case off.
    assert_forbidden(
        store
            .propose_handoff(team, key, to(mgr, "not mine"), now)
            .await,
    );

    let d = store
        .propose_handoff(fd, key, to(team, "going to lunch"), now)
        .await
        .unwrap();
    assert_eq!(d.summary.owner.id, fd.staff_id);
    assert_eq!(d.handoffs.len(), 1);
    let h1 = d.handoffs[0].clone();
    assert_eq!(
        (h1.status, h1.from.id.as_str(), h1.to.id.as_str()),
        (
            HandoffStatus::Proposed,
            fd.staff_id.as_str(),
            team.staff_id.as_str()
        )
    );
    assert_eq!(
        conflict_code(store.propose_handoff(fd, key, to(mgr, "or you"), now).await),
        "handoff_pending"
    );

    let t = plus_min(now, 10);
    let accept = || reason("");
    assert_forbidden(
        store
            .answer_handoff(mgr, key, &h1.id, true, accept(), t)
            .await,
    );
    assert_forbidden(
        store
            .answer_handoff(fd, key, &h1.id, true, accept(), t)
            .await,
    );
    let d = store
        .answer_handoff(team, key, &h1.id, true, accept(), t)
        .await
        .unwrap();
    assert_eq!(d.summary.owner.id, team.staff_id);
    assert_eq!(d.summary.owner.name, "Theo Tran");
    assert_eq!((d.summary.handoff_count, d.summary.hot_potato), (1, false));
    assert_eq!(d.handoffs[0].status, HandoffStatus::Accepted);
    assert_eq!(d.handoffs[0].decided_at.as_deref().map(ts), Some(t));
    let ev = events(&d);
    for e in [
        CaseEvent::HandoffProposed,
        CaseEvent::HandoffAccepted,
        CaseEvent::OwnerChanged,
    ] {
        assert!(ev.contains(&e), "{e:?} missing from {ev:?}");
    }
    assert_eq!(
        conflict_code(
            store
                .answer_handoff(team, key, &h1.id, true, accept(), t)
                .await
        ),
        "invalid_transition"
    );

    // A decline needs a reason and leaves the case where it was.
    let d = store
        .propose_handoff(team, key, to(mgr, "needs a manager"), t)
        .await
        .unwrap();
    let h2 = d
        .handoffs
        .iter()
        .find(|h| h.status == HandoffStatus::Proposed)
        .unwrap()
        .id
        .clone();
    assert_eq!(
        invalid_fields(
            store
                .answer_handoff(mgr, key, &h2, false, reason(""), t)
                .await
        ),
        ["reason"]
    );
    let d = store
        .answer_handoff(mgr, key, &h2, false, reason("you can handle it"), t)
        .await
        .unwrap();
    assert_eq!(d.summary.owner.id, team.staff_id);
    assert_eq!(d.summary.handoff_count, 1);
    let declined = d.handoffs.iter().find(|h| h.id == h2).unwrap();
    assert_eq!(declined.status, HandoffStatus::Declined);
    assert_eq!(
        declined.decline_reason.as_deref(),
        Some("you can handle it")
    );
    assert!(events(&d).contains(&CaseEvent::HandoffDeclined));

    // A second accepted handoff makes it a hot potato.
    let d = store
        .propose_handoff(team, key, to(fd, "back to the desk"), t)
        .await
        .unwrap();
    let h3 = d
        .handoffs
        .iter()
        .find(|h| h.status == HandoffStatus::Proposed)
        .unwrap()
        .id
        .clone();
    let d = store
        .answer_handoff(fd, key, &h3, true, accept(), t)
        .await
        .unwrap();
    assert_eq!(d.summary.owner.id, fd.staff_id);
    assert_eq!((d.summary.handoff_count, d.summary.hot_potato), (2, true));
    let listed = store
        .list_cases(mgr, &CaseFilter::default(), t)
        .await
        .unwrap();
    assert!(listed.items[0].hot_potato);
    let stats = store.stats(mgr, &StatsFilter::default(), t).await.unwrap();
    assert_eq!((stats.handoffs, stats.hot_potato_cases), (2, 1));
    // A manager may hand off a case they do not hold.
    let d = store
        .propose_handoff(mgr, key, to(team, "cover for Fiona"), t)
        .await
        .unwrap();
    assert_eq!(
        d.handoffs
            .iter()
            .filter(|h| h.status == HandoffStatus::Proposed)
            .count(),
        1
    );
}

both!(edit_and_customer_history);
async fn edit_and_customer_history(store: Store) {
    let org = org(&store).await;
    let fd = &org.dental_front;
    let now = tuesday_10am();
    let customer = |name: &str, phone: &str| CustomerInput {
        name: name.into(),
        phone: Some(phone.into()),
        ..CustomerInput::default()
    };
    let mut a = report(&org.dental, "appointment-not-in-book", "Ava Nguyen");
    a.customer = customer("Ava Nguyen", "0412 345 678");
    let a = create(&store, fd, a, now).await;
    let mut b = report(&org.dental, "appointment-not-in-book", "A. Nguyen");
    b.customer = customer("A. Nguyen", "02 9999 0000");
    b.description = "Card said 10am".into();
    let b = create(&store, fd, b, plus_min(now, 1)).await;
    let mut g = report(&org.grill, "other", "Ava Nguyen");
    g.stage = Some("bill".into());
    g.customer = customer("Ava Nguyen", "0412-345-678");
    let g = create(&store, &org.grill_front, g, plus_min(now, 2)).await;
    assert!(
        store
            .customer_history(fd, &b.summary.id, now)
            .await
            .unwrap()
            .is_empty()
    );

    let t = plus_min(now, 5);
    let edit = CaseEdit {
        description: Some("Card said 10:30am; the book had nothing".into()),
        customer: Some(customer("A. Nguyen", "0412.345.678")),
        severity: None,
    };
    let d = store.edit_case(fd, &b.summary.id, edit, t).await.unwrap();
    assert_eq!(
        d.summary.description,
        "Card said 10:30am; the book had nothing"
    );
    assert_eq!(d.summary.customer.phone.as_deref(), Some("0412345678"));
    assert_eq!(ts(&d.summary.updated_at), t);
    let edited: Vec<_> = d
        .timeline
        .iter()
        .filter(|e| e.event == CaseEvent::Edited)
        .collect();
    assert_eq!(edited.len(), 1);
    let changes = &edited[0].data["changes"];
    assert_eq!(changes["description"]["from"], "Card said 10am");
    assert_eq!(
        changes["description"]["to"],
        "Card said 10:30am; the book had nothing"
    );
    assert_eq!(changes["customer_phone"]["from"], "0299990000");
    assert_eq!(changes["customer_phone"]["to"], "0412345678");
    assert!(
        changes.get("customer_name").is_none(),
        "unchanged fields are not recorded: {changes}"
    );
    assert_eq!(
        edited[0].actor.as_ref().map(|p| p.id.as_str()),
        Some(fd.staff_id.as_str())
    );

    // No change, no entry; a bad value changes nothing.
    let same = CaseEdit {
        description: Some("Card said 10:30am; the book had nothing".into()),
        ..CaseEdit::default()
    };
    let d = store.edit_case(fd, &b.summary.id, same, t).await.unwrap();
    assert_eq!(
        d.timeline
            .iter()
            .filter(|e| e.event == CaseEvent::Edited)
            .count(),
        1
    );
    let bad = CaseEdit {
        customer: Some(CustomerInput {
            name: "A. Nguyen".into(),
            email: Some("nope".into()),
            ..CustomerInput::default()
        }),
        ..CaseEdit::default()
    };
    assert_eq!(
        invalid_fields(store.edit_case(fd, &b.summary.id, bad, t).await),
        ["customer.email"]
    );
    assert_eq!(
        store
            .get_case(fd, &b.summary.id, t)
            .await
            .unwrap()
            .summary
            .customer
            .phone
            .as_deref(),
        Some("0412345678")
    );
    assert_not_found(
        store
            .edit_case(&org.grill_front, &b.summary.id, CaseEdit::default(), t)
            .await,
    );

    // History by phone: the dental desk sees the dental case only; the admin sees both.
    let ids =
        |v: Vec<olive_storage::views::CaseSummary>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.customer_history(fd, &b.summary.id, t).await.unwrap()),
        [a.summary.id.clone()]
    );
    assert_eq!(
        ids(store
            .customer_history(&org.admin, &b.summary.id, t)
            .await
            .unwrap()),
        [g.summary.id.clone(), a.summary.id.clone()]
    );
    assert_eq!(
        ids(store
            .customer_history(&org.grill_front, &g.summary.id, t)
            .await
            .unwrap()),
        Vec::<String>::new()
    );

    // A finished case cannot be edited.
    store
        .cancel(fd, &a.summary.id, reason("duplicate"), t)
        .await
        .unwrap();
    let late = CaseEdit {
        description: Some("late".into()),
        ..CaseEdit::default()
    };
    assert_eq!(
        conflict_code(store.edit_case(fd, &a.summary.id, late, t).await),
        "case_finished"
    );
}

both!(list_filters_and_scope);
async fn list_filters_and_scope(store: Store) {
    let org = org(&store).await;
    let (fd, team, mgr) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let at = |hhmm: &str| local(&format!("2026-11-24T{hhmm}"));
    let mut c1 = report(&org.dental, "appointment-not-in-book", "Ava Nguyen");
    c1.description = "Card for 10am, nothing in the book".into();
    let c1 = create(&store, fd, c1, at("10:00")).await; // first due 10:05
    let c2 = create(
        &store,
        team,
        report(&org.dental, "phone-unanswered", "Noah Smith"),
        at("10:01"),
    )
    .await;
    store
        .step_action(
            team,
            &c2.summary.id,
            &c2.steps[0].id,
            false,
            StepAction::default(),
            at("10:02"),
        )
        .await
        .unwrap(); // next due 10:16
    let mut c3 = report(&org.dental, "other", "Mia Patel");
    c3.stage = Some("checkout".into());
    let c3 = create(&store, fd, c3, at("10:02")).await;
    store
        .cancel(fd, &c3.summary.id, reason("duplicate"), at("10:03"))
        .await
        .unwrap();
    let c4 = create(
        &store,
        &org.grill_front,
        report(&org.grill, "reservation-not-found", "Ava Brown"),
        at("10:03"),
    )
    .await;
    let (r1, r2, r3, r4) = (
        c1.summary.id.clone(),
        c2.summary.id.clone(),
        c3.summary.id.clone(),
        c4.summary.id.clone(),
    );

    let now = at("10:20");
    let list = |actor: &Actor, f: CaseFilter, now| {
        let store = store.clone();
        let actor = actor.clone();
        async move {
            let page = store.list_cases(&actor, &f, now).await.expect("list");
            page.items.into_iter().map(|c| c.id).collect::<Vec<_>>()
        }
    };
    let f = CaseFilter::default;
    let status = |s: &str| CaseFilter {
        status: Some(s.into()),
        ..f()
    };
    assert_eq!(
        list(mgr, f(), now).await,
        [r3.clone(), r2.clone(), r1.clone()]
    );
    assert_eq!(
        list(&org.admin, f(), now).await,
        [r4.clone(), r3.clone(), r2.clone(), r1.clone()]
    );
    assert_eq!(list(mgr, status("open"), now).await, [r1.clone()]);
    assert_eq!(list(mgr, status("in_progress"), now).await, [r2.clone()]);
    assert_eq!(list(mgr, status("cancelled"), now).await, [r3.clone()]);
    assert_eq!(
        list(mgr, status("active"), now).await,
        [r2.clone(), r1.clone()]
    );
    assert_eq!(list(mgr, status("closed"), now).await, Vec::<String>::new());
    assert_eq!(
        invalid_fields(store.list_cases(mgr, &status("bogus"), now).await),
        ["status"]
    );
    assert_eq!(
        invalid_fields(
            store
                .list_cases(
                    mgr,
                    &CaseFilter {
                        severity: Some("huge".into()),
                        ..f()
                    },
                    now
                )
                .await
        ),
        ["severity"]
    );
    assert_eq!(
        list(
            mgr,
            CaseFilter {
                severity: Some("minor".into()),
                ..f()
            },
            now
        )
        .await,
        [r3.clone()]
    );

    let stage = |s: &str| CaseFilter {
        stage: Some(s.into()),
        ..f()
    };
    assert_eq!(list(mgr, stage("booking"), now).await, [r2.clone()]);
    assert_eq!(list(mgr, stage("arrival"), now).await, [r1.clone()]);
    assert_eq!(
        list(&org.admin, stage("arrival"), now).await,
        [r4.clone(), r1.clone()]
    );
    assert_eq!(list(mgr, stage("checkout"), now).await, [r3.clone()]);
    let defect = |s: &str| CaseFilter {
        defect: Some(s.into()),
        ..f()
    };
    assert_eq!(
        list(mgr, defect("phone-unanswered"), now).await,
        [r2.clone()]
    );
    assert_eq!(list(mgr, defect("other"), now).await, [r3.clone()]);
    assert_eq!(
        list(
            mgr,
            CaseFilter {
                owner: Some(team.staff_id.clone()),
                ..f()
            },
            now
        )
        .await,
        [r2.clone()]
    );
    assert_eq!(
        list(
            mgr,
            CaseFilter {
                owner: Some(fd.staff_id.clone()),
                ..f()
            },
            now
        )
        .await,
        [r3.clone(), r1.clone()]
    );

    let overdue = || CaseFilter {
        overdue: Some(true),
        ..f()
    };
    assert_eq!(
        list(mgr, overdue(), at("10:04")).await,
        Vec::<String>::new()
    );
    assert_eq!(list(mgr, overdue(), at("10:06")).await, [r1.clone()]);
    assert_eq!(
        list(mgr, overdue(), at("10:17")).await,
        [r2.clone(), r1.clone()]
    );
    let page = store.list_cases(mgr, &f(), at("10:06")).await.unwrap();
    let flags: Vec<_> = page.items.iter().map(|c| c.overdue).collect();
    assert_eq!(flags, [false, false, true]);

    let q = |s: &str| CaseFilter {
        q: Some(s.into()),
        ..f()
    };
    assert_eq!(list(mgr, q("nguyen"), now).await, [r1.clone()]);
    assert_eq!(list(mgr, q("AVA NGUYEN"), now).await, [r1.clone()]);
    assert_eq!(
        list(&org.admin, q("ava"), now).await,
        [r4.clone(), r1.clone()]
    );
    assert_eq!(list(mgr, q("nothing in the book"), now).await, [r1.clone()]);
    assert_eq!(list(mgr, q("C-1001"), now).await, [r1.clone()]);
    assert_eq!(list(mgr, q("C-1002"), now).await, [r2.clone()]);
    assert_eq!(list(mgr, q("C-1004"), now).await, Vec::<String>::new()); // the restaurant's case
    assert_eq!(list(mgr, q("zebra"), now).await, Vec::<String>::new());
    assert_eq!(list(mgr, q("%"), now).await.len(), 3);

    // Front desk staff only ever see their own location.
    assert_eq!(list(&org.grill_front, f(), now).await, [r4.clone()]);
    assert_eq!(
        list(
            &org.grill_front,
            CaseFilter {
                location_id: Some(org.dental.clone()),
                ..f()
            },
            now
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(&org.grill_front, q("C-1001"), now).await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(fd, f(), now).await,
        [r3.clone(), r2.clone(), r1.clone()]
    );
    assert_eq!(
        list(
            &org.admin,
            CaseFilter {
                location_id: Some(org.grill.clone()),
                ..f()
            },
            now
        )
        .await,
        [r4]
    );
}

both!(list_pages_with_cursor);
async fn list_pages_with_cursor(store: Store) {
    let org = org(&store).await;
    let base = tuesday_10am();
    // 30 cases, three per minute: ties on created_at are broken by id.
    let mut made = Vec::new();
    for n in 0..30 {
        let at = plus_min(base, n / 3);
        let c = create(
            &store,
            &org.dental_front,
            report(
                &org.dental,
                "appointment-not-in-book",
                &format!("Customer {n}"),
            ),
            at,
        )
        .await;
        made.push((at, c.summary.id));
    }
    create(
        &store,
        &org.grill_front,
        report(&org.grill, "reservation-not-found", "Elsewhere"),
        base,
    )
    .await;
    made.sort();
    made.reverse();
    let expected: Vec<String> = made.into_iter().map(|(_, id)| id).collect();

    let now = plus_min(base, 60);
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let f = CaseFilter {
            limit: Some(7),
            cursor: cursor.clone(),
            ..CaseFilter::default()
        };
        let page = store.list_cases(&org.dental_front, &f, now).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 7);
        seen.extend(page.items.into_iter().map(|c| c.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 5);
    assert_eq!(seen.len(), 30);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 30);
    assert_eq!(seen, expected);

    for garbage in ["garbage", "abc_def", "12"] {
        let f = CaseFilter {
            cursor: Some(garbage.into()),
            ..CaseFilter::default()
        };
        assert_eq!(
            invalid_fields(store.list_cases(&org.dental_front, &f, now).await),
            ["cursor"],
            "{garbage}"
        );
    }
}

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
        .gesture_action(fd, c3k, &card, GestureStatus::Sent, Decision::default(), t)
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
    let pending = store.pending_gestures(mgr).await.unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|(_, g)| g.id.clone())
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
    assert_eq!(s.gestures_given_cents, 6_00 + 10_00 + 50_00);
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
    assert_eq!(grill.gestures_given_cents, 15_00);
    assert_eq!((grill.closed_cases, grill.recovered_rate), (0, None));
    let all = store
        .stats(&org.admin, &StatsFilter::default(), now)
        .await
        .unwrap();
    assert_eq!(all.total_cases, 5);
    assert_eq!(all.gestures_given_cents, 6_00 + 10_00 + 50_00 + 15_00);
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
