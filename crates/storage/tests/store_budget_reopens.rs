//! Storage integration tests for Insights' inputs (issue 21): how many times a case was reopened (a
//! person reopening, a customer's poor answer, and migration 0022's count from the timeline), a
//! location's monthly gesture budget (set, cleared, refused, audited, read for Insights), and the
//! export's facts per case (gestures given and their sum, root cause, verification) — each on SQLite
//! and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use jiff::Timestamp;
use olive_domain::case::{CaseStatus, CloseOutcome, RootCause, VerificationMethod};
use olive_domain::followup::Answer;
use olive_domain::gesture::GestureStatus;
use olive_domain::permission::Permission;
use olive_storage::actions::{CloseCase, Decision, Verification};
use olive_storage::admin::Budget;
use olive_storage::audit::AuditFilter;
use olive_storage::cases::{CustomerInput, ExportFacts, NewCase};
use olive_storage::followup::SendFollowUp;
use olive_storage::views::CaseDetail;
use olive_storage::{Actor, Store};

const DEFECT: &str = "appointment-not-in-book";

/// Skip every step but the verifications, so the case may close once verified.
async fn settle(store: &Store, who: &Actor, c: &CaseDetail, now: Timestamp) {
    for s in &c.steps {
        if s.kind != olive_domain::playbook::StepKind::Verify
            && s.status == olive_domain::case::StepStatus::Pending
        {
            store
                .step_action(
                    who,
                    &c.summary.id,
                    &s.id,
                    true,
                    skip_because("done elsewhere"),
                    now,
                )
                .await
                .expect("skip a step");
        }
    }
}

fn verification(satisfied: bool) -> Verification {
    Verification {
        method: VerificationMethod::Phone,
        customer_said: if satisfied {
            "All good now"
        } else {
            "Still cross"
        }
        .into(),
        satisfied,
    }
}

/// Settle, verify (satisfied) and close the case as recovered, as its manager.
async fn close_recovered(store: &Store, mgr: &Actor, key: &str, now: Timestamp) -> CaseDetail {
    let c = store.get_case(mgr, key, now).await.unwrap();
    settle(store, mgr, &c, now).await;
    store
        .verify(mgr, key, verification(true), now)
        .await
        .expect("verify");
    let closing = CloseCase {
        outcome: CloseOutcome::Recovered,
        root_cause: RootCause::Process,
        prevention_note: None,
    };
    store
        .close(mgr, key, closing, now)
        .await
        .expect("close the case")
}

both!(a_person_reopening_counts);
async fn a_person_reopening_counts(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let t = |m| plus_min(tuesday_10am(), m);
    let c = create(&store, fd, report(&org.dental, DEFECT, "Ava Nguyen"), t(0)).await;
    assert_eq!(c.summary.reopen_count, 0);
    let key = c.summary.id.clone();
    for n in 1..=2 {
        let closed = close_recovered(&store, mgr, &key, t(n * 10)).await;
        assert_eq!(closed.summary.status, CaseStatus::Closed);
        assert_eq!(closed.summary.reopen_count, n - 1);
        let d = store
            .reopen(mgr, &key, reason("customer rang back"), t(n * 10 + 1))
            .await
            .expect("reopen");
        assert_eq!(d.summary.status, CaseStatus::InProgress);
        assert_eq!(d.summary.reopen_count, n);
    }
    // The list shows it too, and a refused reopening (the case is not closed) does not count.
    assert!(
        store
            .reopen(mgr, &key, reason("again"), t(40))
            .await
            .is_err()
    );
    let list = store
        .list_cases(mgr, &Default::default(), t(41))
        .await
        .unwrap();
    let row = list.items.iter().find(|s| s.id == key).unwrap();
    assert_eq!(row.reopen_count, 2);
    // The JSON of a case carries the field.
    let json = serde_json::to_value(row).unwrap();
    assert_eq!(json["reopen_count"], 2);
}

both!(a_poor_answer_reopening_counts);
async fn a_poor_answer_reopening_counts(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let t = |m| plus_min(tuesday_10am(), m);
    let with_email = |name: &str, email: &str| NewCase {
        customer: CustomerInput {
            name: name.into(),
            email: Some(email.into()),
            ..CustomerInput::default()
        },
        ..report(&org.dental, DEFECT, name)
    };
    let poor = || Answer {
        rating: 2,
        would_return: false,
        comment: "Still not right".into(),
    };
    // Closed by the team before the customer answered poorly: reopened, and counted.
    let a = create(&store, fd, with_email("Ben Ortiz", "ben@example.com"), t(0)).await;
    let (_, link) = store
        .send_followup(mgr, &a.summary.id, SendFollowUp { message: None }, t(1))
        .await
        .expect("follow-up");
    let token = link.rsplit('/').next().expect("a token");
    close_recovered(&store, mgr, &a.summary.id, t(5)).await;
    store
        .answer_followup(token, poor(), false, t(30))
        .await
        .expect("answer");
    let d = store.get_case(mgr, &a.summary.id, t(31)).await.unwrap();
    assert_eq!(d.summary.status, CaseStatus::InProgress);
    assert_eq!(d.summary.reopen_count, 1);

    // Still being worked on when the poor answer came: put back to work with a new step, counted as
    // the timeline records it (a reopening), which is what migration 0022 counted for older cases.
    let b = create(
        &store,
        fd,
        with_email("Cleo Park", "cleo@example.com"),
        t(40),
    )
    .await;
    let (_, link) = store
        .send_followup(mgr, &b.summary.id, SendFollowUp { message: None }, t(41))
        .await
        .expect("follow-up");
    let token = link.rsplit('/').next().expect("a token");
    store
        .answer_followup(token, poor(), false, t(50))
        .await
        .expect("answer");
    let d = store.get_case(mgr, &b.summary.id, t(51)).await.unwrap();
    let reopened = events(&d)
        .iter()
        .filter(|e| **e == olive_domain::case::CaseEvent::Reopened)
        .count();
    assert_eq!((reopened, d.summary.reopen_count), (1, 1));
}

both!(url the_migration_counts_reopenings_from_the_timeline);
async fn the_migration_counts_reopenings_from_the_timeline(url: String) {
    let store = Store::open(&url).await.expect("open");
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let t = |m| plus_min(tuesday_10am(), m);
    let a = create(&store, fd, report(&org.dental, DEFECT, "Ava Nguyen"), t(0)).await;
    let b = create(&store, fd, report(&org.dental, DEFECT, "Ben Ortiz"), t(1)).await;
    close_recovered(&store, mgr, &a.summary.id, t(5)).await;
    store
        .reopen(mgr, &a.summary.id, reason("rang back"), t(6))
        .await
        .unwrap();
    close_recovered(&store, mgr, &a.summary.id, t(7)).await;
    store
        .reopen(mgr, &a.summary.id, reason("rang back again"), t(8))
        .await
        .unwrap();
    // As a database from before 0022 would be: the timeline has the reopenings, the column nothing.
    let migration = if url.starts_with("postgres") {
        include_str!("../migrations/postgres/0022_budget_reopens.sql")
    } else {
        include_str!("../migrations/sqlite/0022_budget_reopens.sql")
    };
    let backfill = migration
        .split(';')
        .map(str::trim)
        .find(|s| s.starts_with("UPDATE"))
        .expect("the backfill statement");
    raw(&url, "UPDATE cases SET reopen_count = 0").await;
    let before = store.get_case(mgr, &a.summary.id, t(9)).await.unwrap();
    assert_eq!(before.summary.reopen_count, 0);
    raw(&url, backfill).await;
    let a = store.get_case(mgr, &a.summary.id, t(9)).await.unwrap();
    let b = store.get_case(mgr, &b.summary.id, t(9)).await.unwrap();
    assert_eq!((a.summary.reopen_count, b.summary.reopen_count), (2, 0));
}

/// Run one statement straight on the database.
async fn raw(url: &str, sql: &str) {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
}

both!(a_monthly_budget_is_set_cleared_and_audited);
async fn a_monthly_budget_is_set_cleared_and_audited(store: Store) {
    let org = org(&store).await;
    let (fd, mgr, gm) = (&org.dental_front, &org.dental_manager, &org.grill_manager);
    let now = tuesday_10am();
    let view = store.get_location(mgr, &org.dental).await.unwrap();
    assert_eq!(view.monthly_budget, None);

    let set = store
        .set_budget(mgr, &org.dental, Some(1500_00), now)
        .await
        .expect("set a budget");
    assert_eq!(
        set.as_ref().map(|b| (b.cents, b.currency.as_str())),
        Some((1500_00, "AUD"))
    );
    let view = store.get_location(mgr, &org.dental).await.unwrap();
    assert_eq!(view.monthly_budget, set);
    let listed = store.list_locations(mgr).await.unwrap();
    assert_eq!(listed[0].monthly_budget, set);

    // Out of range: refused, naming the field; nothing changes.
    for bad in [-1, 100_000_000_01] {
        assert_eq!(
            invalid_fields(store.set_budget(mgr, &org.dental, Some(bad), now).await),
            ["monthly_cents"]
        );
    }
    // The front desk may not; another location's manager does not see it.
    assert_forbidden(store.set_budget(fd, &org.dental, Some(1_00), now).await);
    assert_not_found(store.set_budget(gm, &org.dental, Some(1_00), now).await);
    let view = store.get_location(mgr, &org.dental).await.unwrap();
    assert_eq!(view.monthly_budget.map(|b| b.cents), Some(1500_00));

    // Insights reads every location's budget at once (none set: None, with the currency).
    let budgets = store
        .budgets(&[org.grill.clone(), org.dental.clone(), "nowhere".into()])
        .await
        .unwrap();
    let mut want = vec![
        Budget {
            location_id: org.dental.clone(),
            monthly_cents: Some(1500_00),
            currency: "AUD".into(),
        },
        Budget {
            location_id: org.grill.clone(),
            monthly_cents: None,
            currency: "AUD".into(),
        },
    ];
    want.sort_by(|a, b| a.location_id.cmp(&b.location_id));
    assert_eq!(budgets, want);

    // null clears it.
    let cleared = store
        .set_budget(mgr, &org.dental, None, plus_min(now, 1))
        .await
        .unwrap();
    assert_eq!(cleared, None);
    assert_eq!(
        store
            .get_location(mgr, &org.dental)
            .await
            .unwrap()
            .monthly_budget,
        None
    );

    // Each change is in the audit trail with what it replaced.
    let f = AuditFilter {
        location: Some(org.dental.clone()),
        action: Some("budget.changed".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    let entries = store
        .audit_entries(mgr, &f, Permission::Audit)
        .await
        .unwrap();
    let data: Vec<_> = entries.iter().map(|e| e.data.clone()).collect();
    assert_eq!(
        data,
        [
            serde_json::json!({"from": 1500_00, "to": null, "currency": "AUD"}),
            serde_json::json!({"from": null, "to": 1500_00, "currency": "AUD"}),
        ]
    );
    assert!(entries.iter().all(|e| e.entity == "location"
        && e.entity_id == org.dental
        && e.actor_id.as_deref() == Some(mgr.staff_id.as_str())));
}

both!(export_facts_count_what_was_given);
async fn export_facts_count_what_was_given(store: Store) {
    let org = org(&store).await;
    let (fd, mgr, gm) = (&org.dental_front, &org.dental_manager, &org.grill_manager);
    let t = |m| plus_min(tuesday_10am(), m);
    let a = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Ava Nguyen"),
        t(0),
    )
    .await;
    let b = create(&store, fd, report(&org.dental, DEFECT, "Ben Ortiz"), t(1)).await;
    let c = create(&store, fd, report(&org.dental, DEFECT, "Cleo Park"), t(2)).await;
    let a_id = a.summary.id.as_str();
    // Given: one within the front desk's authority, one within the manager's, one approved (by the
    // admin, whose room is unlimited).
    let (d, card) = give(&store, fd, a_id, "lottery-card", 10_00, t(3)).await;
    assert_eq!(gesture_status(&d, &card), GestureStatus::Approved);
    give(&store, mgr, a_id, "gift-voucher", 50_00, t(4)).await;
    let (d, asked) = give(&store, fd, a_id, "flowers", 300_00, t(5)).await;
    assert_eq!(gesture_status(&d, &asked), GestureStatus::PendingApproval);
    let decide = |note: Option<&str>| Decision {
        note: note.map(str::to_string),
        address: None,
    };
    store
        .gesture_action(
            &org.admin,
            a_id,
            &asked,
            GestureStatus::Approved,
            decide(None),
            t(6),
        )
        .await
        .expect("approve");
    // Not given: one still pending, one declined.
    let (_, pending) = give(&store, fd, a_id, "flowers", 250_00, t(7)).await;
    let (_, declined) = give(&store, fd, a_id, "taxi-home", 400_00, t(8)).await;
    store
        .gesture_action(
            mgr,
            a_id,
            &declined,
            GestureStatus::Declined,
            decide(Some("a card fits")),
            t(9),
        )
        .await
        .expect("decline");
    let d = store.get_case(mgr, a_id, t(10)).await.unwrap();
    assert_eq!(gesture_status(&d, &pending), GestureStatus::PendingApproval);
    // b: closed as recovered (root cause, satisfied); c: a verification that was not satisfied.
    close_recovered(&store, mgr, &b.summary.id, t(11)).await;
    store
        .verify(mgr, &c.summary.id, verification(false), t(12))
        .await
        .expect("verify");

    let ids = [
        a.summary.id.clone(),
        b.summary.id.clone(),
        c.summary.id.clone(),
    ];
    let facts = store.export_facts(mgr, &ids).await.unwrap();
    assert_eq!(
        facts[&ids[0]],
        ExportFacts {
            root_cause: None,
            gestures_given: 3,
            spend_cents: 10_00 + 50_00 + 300_00,
            verified: None,
        }
    );
    assert_eq!(
        facts[&ids[1]],
        ExportFacts {
            root_cause: Some(RootCause::Process),
            gestures_given: 0,
            spend_cents: 0,
            verified: Some(true),
        }
    );
    assert_eq!(facts[&ids[2]].verified, Some(false));
    // Another location's manager gets nothing about these cases.
    assert!(store.export_facts(gm, &ids).await.unwrap().is_empty());
    assert!(store.export_facts(mgr, &[]).await.unwrap().is_empty());
}
