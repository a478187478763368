//! Storage integration tests, part 2: gestures and authority, and authority limits — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::CaseEvent;
use olive_domain::gesture::GestureStatus;
use olive_domain::role::Role;
use olive_storage::Store;
use olive_storage::actions::Decision;
use olive_storage::views::LimitView;

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
    // $300 flowers: beyond it, waits for a manager (a pending request uses nobody's room).
    let t = plus_min(now, 5);
    let (d, flowers) = give(&store, fd, a_id, "flowers", 300_00, t).await;
    assert_eq!(gesture_status(&d, &flowers), GestureStatus::PendingApproval);
    assert_eq!(d.my_remaining_authority_cents, Some(90_00));
    let pending = store.pending_gestures(mgr, t).await.unwrap();
    assert_eq!(
        pending
            .iter()
            .map(|(_, _, g)| g.id.as_str())
            .collect::<Vec<_>>(),
        [flowers.as_str()]
    );
    assert!(
        store
            .pending_gestures(&org.grill_manager, t)
            .await
            .unwrap()
            .is_empty()
    );

    let approve = || Decision {
        note: Some("worth it".into()),
        address: None,
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
    // (the card is posted: the address is asked for on the spot)
    let posted = Decision {
        note: None,
        address: Some("4 Darling St, Balmain".into()),
    };
    let d = store
        .gesture_action(fd, a_id, &card, GestureStatus::Sent, posted, t)
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
    // The approved 150.00 is the manager's: the team member's own room is whole.
    let (d, v60) = give(&store, team, e_id, "coffee", 60_00, thu_16).await;
    assert_eq!(gesture_status(&d, &v60), GestureStatus::Approved);
    assert_eq!(d.my_remaining_authority_cents, Some(40_00)); // 100.00 a case
    let (d, v50) = give(&store, team, e_id, "coffee", 50_00, thu_16).await;
    assert_eq!(gesture_status(&d, &v50), GestureStatus::PendingApproval);
    // Declined gestures count for neither the case nor the day.
    let d = store
        .gesture_action(
            mgr,
            e_id,
            &v50,
            GestureStatus::Declined,
            Decision {
                note: Some("too much".into()),
                address: None,
            },
            thu_16,
        )
        .await
        .unwrap();
    assert_eq!(gesture_status(&d, &v50), GestureStatus::Declined);
    let team_view = store.get_case(team, e_id, thu_16).await.unwrap();
    assert_eq!(team_view.my_remaining_authority_cents, Some(40_00));
    let (d, v40) = give(&store, team, e_id, "coffee", 40_00, thu_16).await;
    assert_eq!(gesture_status(&d, &v40), GestureStatus::Approved);
    assert_eq!(d.my_remaining_authority_cents, Some(0));
    // 100.00 on case C uses the rest of the Sydney day (200.00); one cent more on a third case waits.
    let (d, v100) = give(&store, team, c_id, "coffee", 100_00, thu_16).await;
    assert_eq!(gesture_status(&d, &v100), GestureStatus::Approved);
    let f = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Zoe King"),
        thu_16,
    )
    .await;
    let f_id = f.summary.id.as_str();
    let (d, v1) = give(&store, team, f_id, "coffee", 1, thu_16).await;
    assert_eq!(gesture_status(&d, &v1), GestureStatus::PendingApproval);
    assert_eq!(
        d.my_authority.limit,
        Some(olive_domain::authority::LimitKind::PerDay)
    );
    // The next Sydney day (the same UTC date) starts afresh; the case limit still counts the case.
    let d = store.get_case(team, f_id, fri_09).await.unwrap();
    assert_eq!(d.my_remaining_authority_cents, Some(100_00));
    let d = store.get_case(team, e_id, fri_09).await.unwrap();
    assert_eq!(d.my_remaining_authority_cents, Some(0));
    let (d, v20) = give(&store, team, f_id, "coffee", 20_00, fri_09).await;
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
