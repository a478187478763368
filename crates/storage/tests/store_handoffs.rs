//! Storage integration tests: handoffs (proposing, accepting, declining, hot potatoes, a manager handing off) — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::CaseEvent;
use olive_storage::actions::NewHandoff;
use olive_storage::cases::CaseFilter;
use olive_storage::stats::StatsFilter;
use olive_storage::views::HandoffStatus;
use olive_storage::{Actor, Store};

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
