//! Storage integration tests for a case's version (issue 20): raised by every change to the case in
//! that change's transaction, and a stale close, verification or edit (a form shown before another
//! person's change) refused with `stale` and nothing written — on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::{CaseEvent, CaseStatus, CloseOutcome, RootCause, VerificationMethod};
use olive_storage::Store;
use olive_storage::actions::{CloseCase, NewNote, Verification};
use olive_storage::cases::CaseEdit;

const DEFECT: &str = "appointment-not-in-book";

both!(every_change_raises_the_version);
async fn every_change_raises_the_version(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let t = |m| plus_min(tuesday_10am(), m);
    let c = create(&store, fd, report(&org.dental, DEFECT, "Ava Nguyen"), t(0)).await;
    let key = c.summary.id.clone();
    let v0 = store.case_version(fd, &key).await.unwrap();
    assert!(v0.version >= 0);
    assert_eq!(v0.last.as_ref().map(|e| e.event), Some(CaseEvent::Created));
    // A step completed: one more, and the latest change names who did it.
    let step = c.steps[0].id.clone();
    store
        .step_action(mgr, &key, &step, false, Default::default(), t(1))
        .await
        .expect("complete a step");
    let v1 = store.case_version(fd, &key).await.unwrap();
    assert!(v1.version > v0.version);
    let last = v1.last.expect("a latest change");
    assert_eq!(last.event, CaseEvent::StepCompleted);
    assert_eq!(
        last.actor.map(|a| a.id),
        Some(org.dental_manager.staff_id.clone())
    );
    // A note: one more again.
    store
        .add_note(
            fd,
            &key,
            NewNote {
                text: "Called back".into(),
                customer_facing: false,
            },
            t(2),
        )
        .await
        .expect("note");
    let v2 = store.case_version(fd, &key).await.unwrap();
    assert!(v2.version > v1.version);
    // Reading changes nothing.
    store.get_case(fd, &key, t(3)).await.unwrap();
    assert_eq!(
        store.case_version(fd, &key).await.unwrap().version,
        v2.version
    );
    // Another location's staff cannot read it.
    assert_not_found(store.case_version(&org.grill_manager, &key).await);
}

both!(a_stale_close_is_refused_and_writes_nothing);
async fn a_stale_close_is_refused_and_writes_nothing(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let t = |m| plus_min(tuesday_10am(), m);
    let c = create(&store, fd, report(&org.dental, DEFECT, "Ben Ortiz"), t(0)).await;
    let key = c.summary.id.clone();
    // The manager opens the page (version seen), then the front desk settles every step but the verification.
    let seen = store.case_version(mgr, &key).await.unwrap().version;
    for s in &c.steps {
        if s.kind != olive_domain::playbook::StepKind::Verify {
            store
                .step_action(
                    fd,
                    &key,
                    &s.id,
                    true,
                    skip_because("done at the desk"),
                    t(1),
                )
                .await
                .expect("skip");
        }
    }
    let before = store.get_case(mgr, &key, t(2)).await.unwrap();
    let verify = || Verification {
        method: VerificationMethod::Phone,
        customer_said: "All good".into(),
        satisfied: true,
    };
    // A stale verification and a stale close: refused, nothing written.
    assert_eq!(
        conflict_code(store.verify_at(mgr, &key, verify(), Some(seen), t(3)).await),
        "stale"
    );
    let close = || CloseCase {
        outcome: CloseOutcome::NotRecovered,
        root_cause: RootCause::Process,
        prevention_note: Some("train the desk".into()),
    };
    assert_eq!(
        conflict_code(store.close_at(mgr, &key, close(), Some(seen), t(3)).await),
        "stale"
    );
    let edit = CaseEdit {
        description: Some("Overwritten".into()),
        ..Default::default()
    };
    assert_eq!(
        conflict_code(
            store
                .edit_case_at(mgr, &key, edit.clone(), Some(seen), t(3))
                .await
        ),
        "stale"
    );
    let after = store.get_case(mgr, &key, t(4)).await.unwrap();
    assert_eq!(after.summary.status, before.summary.status);
    assert_ne!(after.summary.status, CaseStatus::Closed);
    assert_eq!(after.timeline.len(), before.timeline.len());
    assert_eq!(after.verifications.len(), before.verifications.len());
    assert_eq!(after.summary.description, before.summary.description);
    // With the current version it goes through (and without one, as the API does).
    let now_v = store.case_version(mgr, &key).await.unwrap().version;
    assert_eq!(now_v, store.case_version(mgr, &key).await.unwrap().version);
    store
        .edit_case_at(mgr, &key, edit, Some(now_v), t(5))
        .await
        .expect("a fresh edit");
    store
        .verify(mgr, &key, verify(), t(6))
        .await
        .expect("verify");
    let v = store.case_version(mgr, &key).await.unwrap().version;
    let closed = store
        .close_at(mgr, &key, close(), Some(v), t(7))
        .await
        .expect("a fresh close");
    assert_eq!(closed.summary.status, CaseStatus::Closed);
}
