//! Storage integration tests, part 4: durability across a restart and concurrent writers — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::{CaseEvent, CaseStatus, CloseOutcome, RootCause};
use olive_domain::gesture::GestureStatus;
use olive_storage::actions::{CloseCase, Decision, StepAction};
use olive_storage::cases::{CaseEdit, CaseFilter};
use olive_storage::{Store, StoreError};

both!(url durable_across_reopen);
async fn durable_across_reopen(url: String) {
    let now = tuesday_10am();
    let store = Store::open(&url).await.unwrap();
    let org = org(&store).await;
    let c = create(
        &store,
        &org.dental_front,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    let d = store
        .step_action(
            &org.dental_front,
            "C-1001",
            &c.steps[0].id,
            false,
            StepAction::default(),
            now,
        )
        .await
        .unwrap();
    store.db().close().await;
    drop(store);

    let store = Store::open(&url).await.unwrap();
    let again = store
        .get_case(&org.dental_front, "C-1001", now)
        .await
        .unwrap();
    assert_eq!(again.summary.id, c.summary.id);
    assert_eq!(again.summary.status, CaseStatus::InProgress);
    assert_eq!(again.summary.customer.name, "Ava Nguyen");
    let steps = |x: &olive_storage::views::CaseDetail| {
        x.steps
            .iter()
            .map(|s| (s.id.clone(), s.status, s.due_at.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(steps(&again), steps(&d));
    assert_eq!(events(&again), events(&d));
    assert_eq!(again.timeline.len(), 3);
    // The organisation and the reference counter survive too.
    assert_eq!(store.list_locations(&org.admin).await.unwrap().len(), 2);
    let next = create(
        &store,
        &org.dental_front,
        report(&org.dental, "appointment-not-in-book", "Noah Smith"),
        now,
    )
    .await;
    assert_eq!(next.summary.reference, "C-1002");
    store.db().close().await;
}

both!(concurrent_creates);
async fn concurrent_creates(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let store = store.clone();
            let actor = if n % 2 == 0 {
                org.dental_front.clone()
            } else {
                org.dental_team.clone()
            };
            let input = report(
                &org.dental,
                "appointment-not-in-book",
                &format!("Customer {n}"),
            );
            tokio::spawn(async move { store.create_case(&actor, input, None, now).await })
        })
        .collect();
    let mut refs = Vec::new();
    for t in tasks {
        let (c, created) = t.await.expect("task").expect("create_case");
        assert!(created);
        assert_eq!(c.steps.len(), 6);
        refs.push(c.summary.reference);
    }
    refs.sort();
    let expected: Vec<String> = {
        let mut v: Vec<String> = (1001..=1016).map(|n| format!("C-{n}")).collect();
        v.sort();
        v
    };
    assert_eq!(refs, expected);
    let all = store
        .list_cases(
            &org.admin,
            &CaseFilter {
                limit: Some(100),
                ..CaseFilter::default()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), 16);
    assert_eq!(store.db().integrity_check().await.unwrap(), "ok");
}

// Many writers on one case: each transaction holds the case lock, so nothing it does may wait for a
// second pool connection (on PostgreSQL that used to stall every writer for the 10 s acquire timeout).
both!(concurrent_actions_on_one_case);
async fn concurrent_actions_on_one_case(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let c = create(
        &store,
        &org.dental_front,
        report(&org.dental, "appointment-not-in-book", "Ava Nguyen"),
        now,
    )
    .await;
    let key = c.summary.id.clone();
    let started = std::time::Instant::now();
    const N: usize = 24; // more than either pool's connections

    // $10 each against the front desk's 100.00 per case: exactly ten go through at once.
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (store, actor, key) = (store.clone(), org.dental_front.clone(), key.clone());
            tokio::spawn(async move {
                store
                    .give_gesture(&actor, &key, gift("coffee", 10_00), None, now)
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("give_gesture");
    }
    let d = store.get_case(&org.dental_front, &key, now).await.unwrap();
    let count = |s| d.gestures.iter().filter(|g| g.status == s).count();
    assert_eq!(
        (
            count(GestureStatus::Approved),
            count(GestureStatus::PendingApproval)
        ),
        (10, N - 10)
    );
    assert_eq!(d.my_remaining_authority_cents, Some(0));

    // The same approval N times: one wins, the rest see it already decided.
    let pending = d
        .gestures
        .iter()
        .find(|g| g.status == GestureStatus::PendingApproval)
        .unwrap()
        .id
        .clone();
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (store, actor, key, g) = (
                store.clone(),
                org.dental_manager.clone(),
                key.clone(),
                pending.clone(),
            );
            tokio::spawn(async move {
                store
                    .gesture_action(
                        &actor,
                        &key,
                        &g,
                        GestureStatus::Approved,
                        Decision::default(),
                        now,
                    )
                    .await
            })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => won += 1,
            Err(StoreError::Conflict { code, .. }) => assert_eq!(code, "invalid_transition"),
            Err(e) => panic!("approve: {e}"),
        }
    }
    assert_eq!(won, 1);

    // Edits that change nothing still take (and must release) the case lock.
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (store, actor, key) = (store.clone(), org.dental_front.clone(), key.clone());
            tokio::spawn(async move {
                store
                    .edit_case(&actor, &key, CaseEdit::default(), now)
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("edit_case");
    }

    // Reopening N times at once: one wins.
    for st in &c.steps[..5] {
        store
            .step_action(
                &org.dental_front,
                &key,
                &st.id,
                true,
                skip_because("test"),
                now,
            )
            .await
            .unwrap();
    }
    let close = CloseCase {
        outcome: CloseOutcome::NotRecovered,
        root_cause: RootCause::Process,
        prevention_note: None,
    };
    store
        .close(&org.dental_manager, &key, close, now)
        .await
        .unwrap();
    let tasks: Vec<_> = (0..N)
        .map(|_| {
            let (store, actor, key) = (store.clone(), org.dental_manager.clone(), key.clone());
            tokio::spawn(async move { store.reopen(&actor, &key, reason("rang back"), now).await })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => won += 1,
            Err(StoreError::Conflict { code, .. }) => assert_eq!(code, "invalid_transition"),
            Err(e) => panic!("reopen: {e}"),
        }
    }
    assert_eq!(won, 1);
    let d = store.get_case(&org.dental_front, &key, now).await.unwrap();
    assert_eq!(d.summary.status, CaseStatus::InProgress);
    assert_eq!(d.steps.len(), 8);
    assert_eq!(
        events(&d)
            .iter()
            .filter(|e| **e == CaseEvent::Reopened)
            .count(),
        1
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "writers stalled: {:?}",
        started.elapsed()
    );
    assert_eq!(store.db().integrity_check().await.unwrap(), "ok");
}

// Creations that share a commit (SQLite's group commit) stay independent: a failing one (a reused
// Idempotency-Key with another body) takes nothing else down, and a same-body retry gets the first case.
both!(a_failed_creation_does_not_sink_its_batch);
async fn a_failed_creation_does_not_sink_its_batch(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let tasks: Vec<_> = (0..24)
        .map(|n| {
            let store = store.clone();
            let actor = org.dental_front.clone();
            // Tasks 0..8 share one key: 0, 2, 4, 6 send one body, 1, 3, 5, 7 another.
            let (name, key) = if n < 8 {
                (format!("Shared {}", n % 2), Some("same-key".to_string()))
            } else {
                (format!("Solo {n}"), None)
            };
            let input = report(&org.dental, "long-wait", &name);
            tokio::spawn(async move { store.create_case(&actor, input, key.as_deref(), now).await })
        })
        .collect();
    let (mut created, mut replayed, mut refused) = (0, 0, 0);
    let mut shared_ids = std::collections::BTreeSet::new();
    for (n, t) in tasks.into_iter().enumerate() {
        match t.await.expect("task") {
            Ok((c, true)) => {
                created += 1;
                if n < 8 {
                    shared_ids.insert(c.summary.id);
                }
            }
            Ok((c, false)) => {
                replayed += 1;
                shared_ids.insert(c.summary.id);
            }
            Err(StoreError::IdempotencyReused) => refused += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(
        shared_ids.len(),
        1,
        "every same-body request with the key gets the one case"
    );
    assert_eq!(created, 17, "16 solo cases and the first keyed one");
    assert_eq!(replayed + refused, 7);
    assert_eq!(refused, 4, "the other body is refused every time");
    let all = store
        .list_cases(
            &org.admin,
            &CaseFilter {
                limit: Some(100),
                ..CaseFilter::default()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), 17);
    assert_eq!(store.db().integrity_check().await.unwrap(), "ok");
}

// The answer to a creation is built without reading the case back; it must match a read exactly.
both!(creation_answer_matches_a_read);
async fn creation_answer_matches_a_read(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    for (defect, actor) in [
        ("appointment-not-in-book", &org.dental_front),
        ("long-wait", &org.dental_manager),
    ] {
        let (created, _) = store
            .create_case(
                actor,
                report(&org.dental, defect, "Ada Lovelace"),
                Some(defect),
                now,
            )
            .await
            .unwrap();
        let read = store
            .get_case(actor, &created.summary.id, now)
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&created).unwrap(),
            serde_json::to_value(&read).unwrap(),
            "{defect}"
        );
    }
}

// The per-day limit holds when one person gives gestures on several cases at once. (On PostgreSQL the
// giver's advisory lock closes the race between reading today's total and writing; this run does not
// reliably provoke that race, it checks the sums.)
both!(per_day_limit_holds_under_concurrency);
async fn per_day_limit_holds_under_concurrency(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let a = create(
        &store,
        &org.dental_front,
        report(&org.dental, "long-wait", "First"),
        now,
    )
    .await;
    let b = create(
        &store,
        &org.dental_front,
        report(&org.dental, "long-wait", "Second"),
        now,
    )
    .await;
    // Front desk: 100.00 per case, 200.00 per day. Twelve 90.00 gestures race across the two cases.
    let tasks: Vec<_> = (0..12)
        .map(|n| {
            let store = store.clone();
            let actor = org.dental_front.clone();
            let key = if n % 2 == 0 {
                a.summary.id.clone()
            } else {
                b.summary.id.clone()
            };
            tokio::spawn(async move {
                store
                    .give_gesture(&actor, &key, gift("coffee", 9000), None, now)
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task").expect("give_gesture");
    }
    let mut approved = 0;
    for key in [&a.summary.id, &b.summary.id] {
        let c = store.get_case(&org.dental_front, key, now).await.unwrap();
        approved += c
            .gestures
            .iter()
            .filter(|g| g.status == GestureStatus::Approved)
            .map(|g| g.value_cents)
            .sum::<i64>();
    }
    assert_eq!(
        approved, 18_000,
        "two 90.00 gestures fit in 200.00 a day; the rest wait for a manager"
    );
}
