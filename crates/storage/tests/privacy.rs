//! Storage integration tests: erasing a customer's data on request and by retention — on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::{CaseEvent, VerificationMethod};
use olive_domain::followup::Answer;
use olive_storage::actions::{NewGesture, NewHandoff, NewNote, Verification};
use olive_storage::cases::{CaseEdit, CustomerInput, NewCase};
use olive_storage::followup::SendFollowUp;
use olive_storage::privacy::{ERASED, EraseRequest};
use olive_storage::stats::StatsFilter;
use olive_storage::views::CaseDetail;
use olive_storage::{Actor, Store};
use sea_query::Query;
use sqlx::Row;

/// Every text column that may hold something about a customer, by table.
const TEXT_COLUMNS: [(&str, &[&str]); 10] = [
    (
        "cases",
        &[
            "customer_name",
            "customer_phone",
            "customer_email",
            "customer_address",
            "description",
            "status_reason",
            "prevention_note",
        ],
    ),
    ("case_steps", &["title", "note", "skip_reason", "wording"]),
    ("gestures", &["note", "decision_note"]),
    ("handoffs", &["reason", "decline_reason"]),
    ("verifications", &["customer_said"]),
    ("followups", &["recipient", "comment"]),
    ("timeline", &["data"]),
    ("notifications", &["text"]),
    ("outbox", &["recipient", "subject", "body"]),
    ("audit_log", &["data"]),
];

/// Every stored text that contains one of `needles` (as `table.column: text`).
async fn mentions(store: &Store, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (table, cols) in TEXT_COLUMNS {
        for col in cols {
            let q = Query::select().column(*col).from(table).to_owned();
            for row in store.db().fetch_all(&q).await.expect("read") {
                let text: Option<String> = row.try_get(*col).expect("text");
                let text = text.unwrap_or_default();
                if needles.iter().any(|n| text.contains(n)) {
                    found.push(format!("{table}.{col}: {text}"));
                }
            }
        }
    }
    found
}

fn erase(reason: &str) -> EraseRequest {
    EraseRequest {
        reason: reason.into(),
    }
}

async fn stats_json(store: &Store, admin: &Actor, now: jiff::Timestamp) -> serde_json::Value {
    let s = store
        .stats(
            admin,
            &StatsFilter {
                location_id: None,
                since: None,
            },
            now,
        )
        .await
        .expect("stats");
    serde_json::to_value(s).expect("json")
}

/// A case with the customer's details everywhere: edits, a note, a gesture, a hand-off, a follow-up with a
/// poor answer (notifications and staff emails), and a verification.
async fn busy_case(store: &Store, org: &Org, now: jiff::Timestamp) -> CaseDetail {
    let fd = &org.dental_front;
    let customer = CustomerInput {
        name: "Ava Nguyen".into(),
        phone: Some("0400 111 222".into()),
        email: Some("ava.nguyen@example.com".into()),
        address: Some("12 Wattle Lane, Glebe".into()),
        preferred_name: None,
    };
    let c = create(
        store,
        fd,
        NewCase {
            description: "Ava Nguyen's crown came loose; she is nervous about dentists".into(),
            ..report(&org.dental, "appointment-not-in-book", "Ava Nguyen")
        },
        now,
    )
    .await;
    let key = c.summary.id.clone();
    let t = |m| plus_min(now, m);
    let edit = CaseEdit {
        customer: Some(customer),
        ..CaseEdit::default()
    };
    store.edit_case(fd, &key, edit, t(1)).await.expect("edit");
    let note = NewNote {
        text: "Ava called back; her husband drives her".into(),
        customer_facing: false,
    };
    store.add_note(fd, &key, note, t(2)).await.expect("note");
    let gift = NewGesture {
        kind: "lottery-card".into(),
        value_cents: 10_00,
        note: "for Ava".into(),
        step_id: None,
    };
    store
        .give_gesture(fd, &key, gift, None, t(3))
        .await
        .expect("gesture");
    let (_, link) = store
        .send_followup(fd, &key, SendFollowUp { message: None }, t(5))
        .await
        .expect("follow-up");
    let token = link.rsplit('/').next().expect("a token");
    let answer = Answer {
        rating: 2,
        would_return: false,
        comment: "Still sore. Ava, 0400 111 222".into(),
    };
    store
        .answer_followup(token, answer, false, t(60))
        .await
        .expect("answer");
    let said = Verification {
        method: VerificationMethod::Phone,
        customer_said: "Ava: much better now, thank you".into(),
        satisfied: true,
    };
    store.verify(fd, &key, said, t(90)).await.expect("verify");
    let handoff = NewHandoff {
        to: org.dental_team.staff_id.clone(),
        reason: "Nguyen asked for Theo".into(),
    };
    store
        .propose_handoff(fd, &key, handoff, t(91))
        .await
        .expect("hand-off")
}

both!(erasure_removes_personal_data_and_keeps_statistics);
async fn erasure_removes_personal_data_and_keeps_statistics(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let before = busy_case(&store, &org, now).await;
    let other = create(
        &store,
        &org.dental_front,
        report(&org.dental, "appointment-not-in-book", "Noah Smith"),
        now,
    )
    .await;
    let key = before.summary.reference.clone();
    let phone = before.summary.customer.phone.clone().expect("a phone");
    let email = before.summary.customer.email.clone().expect("an email");
    let needles = ["Ava", "Nguyen", "Wattle", phone.as_str(), email.as_str()];
    assert!(
        mentions(&store, &needles).await.len() >= 10,
        "the set-up spreads the customer around"
    );
    let later = plus_min(now, 120);
    let stats_before = stats_json(&store, &org.admin, later).await;

    // Who may erase: managers of the location and admins.
    assert_forbidden(
        store
            .erase_case(&org.dental_front, &key, erase("asked"), later)
            .await,
    );
    assert_forbidden(
        store
            .erase_case(&org.dental_team, &key, erase("asked"), later)
            .await,
    );
    assert_not_found(
        store
            .erase_case(&org.grill_manager, &key, erase("asked"), later)
            .await,
    );
    assert_not_found(
        store
            .erase_case(&org.admin, "C-999999", erase("asked"), later)
            .await,
    );
    assert_eq!(
        invalid_fields(
            store
                .erase_case(&org.dental_manager, &key, erase("  "), later)
                .await
        ),
        ["reason"]
    );
    assert!(
        mentions(&store, &needles).await.len() >= 10,
        "nothing erased yet"
    );

    let done = store
        .erase_case(
            &org.dental_manager,
            &key,
            erase("Ava asked by email"),
            later,
        )
        .await
        .expect("erase");
    assert_eq!(done.reference, key);
    assert!(done.rows_changed >= 8, "{done:?}");
    let left = mentions(&store, &needles).await;
    assert!(left.is_empty(), "personal data left: {left:#?}");

    let after = store.get_case(&org.admin, &key, later).await.expect("read");
    let c = &after.summary.customer;
    assert_eq!(c.name, ERASED);
    assert_eq!((&c.phone, &c.email, &c.address), (&None, &None, &None));
    assert_eq!(after.summary.description, ERASED);
    assert_eq!(after.verifications[0].customer_said, ERASED);
    assert!(after.verifications[0].satisfied);
    // The record of what happened stays: same events (plus one), times, steps, gestures and values.
    assert_eq!(after.timeline.len(), before.timeline.len() + 1);
    for (a, b) in after.timeline.iter().zip(&before.timeline) {
        assert_eq!((a.event, &a.at, &a.id), (b.event, &b.at, &b.id));
    }
    let last = after.timeline.last().expect("an entry");
    assert_eq!(last.event, CaseEvent::Redacted);
    assert_eq!(
        last.actor.as_ref().map(|p| p.id.as_str()),
        Some(org.dental_manager.staff_id.as_str())
    );
    assert_eq!(last.data["reason"], "[erased] asked by email");
    assert_eq!(last.data["by"], org.dental_manager.name.as_str());
    assert_eq!(last.at, jiff_rfc3339(later));
    assert_eq!(after.steps.len(), before.steps.len());
    assert_eq!(after.gestures[0].value_cents, 10_00);
    assert_eq!(after.handoffs.len(), 1);
    assert_eq!(after.summary.status, before.summary.status);
    assert_eq!(stats_json(&store, &org.admin, later).await, stats_before);
    // The email to the customer will not go out.
    let dead = store
        .list_outbox(&org.dental_manager, Some("dead"), 50)
        .await
        .expect("outbox");
    assert!(dead.iter().any(|m| m.recipient == ERASED), "{dead:?}");
    // Another customer's case is untouched.
    let untouched = store
        .get_case(&org.admin, &other.summary.id, later)
        .await
        .expect("read");
    assert_eq!(untouched.summary.customer.name, "Noah Smith");

    // An admin may erase again: harmless, and recorded.
    let again = store
        .erase_case(&org.admin, &key, erase("double-check"), plus_min(later, 1))
        .await
        .expect("erase again");
    assert_eq!(again.case_id, before.summary.id);
    let twice = store.get_case(&org.admin, &key, later).await.expect("read");
    assert_eq!(twice.timeline.len(), after.timeline.len() + 1);
    assert!(mentions(&store, &needles).await.is_empty());
}

fn jiff_rfc3339(t: jiff::Timestamp) -> String {
    jiff::Timestamp::from_millisecond(t.as_millisecond())
        .expect("in range")
        .to_string()
}

both!(retention_erases_old_finished_cases_once);
async fn retention_erases_old_finished_cases_once(store: Store) {
    let org = org(&store).await;
    let (fd, admin) = (&org.dental_front, &org.admin);
    let long_ago = tuesday_10am();
    let old = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Otto Oldcase"),
        long_ago,
    )
    .await;
    store
        .cancel(fd, &old.summary.id, reason("logged twice"), long_ago)
        .await
        .expect("cancel");
    let still_open = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Oscar Open"),
        long_ago,
    )
    .await;
    let now = plus_min(long_ago, 40 * 24 * 60);
    let recent = create(
        &store,
        fd,
        report(&org.dental, "appointment-not-in-book", "Rita Recent"),
        plus_min(now, -60),
    )
    .await;
    store
        .cancel(
            fd,
            &recent.summary.id,
            reason("logged twice"),
            plus_min(now, -30),
        )
        .await
        .expect("cancel");
    let stats_before = stats_json(&store, admin, now).await;

    assert_eq!(
        store
            .apply_retention(30, now, 100)
            .await
            .expect("retention"),
        1
    );
    let name = |c: CaseDetail| c.summary.customer.name;
    let read = |id: String| {
        let store = store.clone();
        let admin = admin.clone();
        async move { store.get_case(&admin, &id, now).await.expect("read") }
    };
    let erased = read(old.summary.id.clone()).await;
    let entries = erased.timeline.len();
    let last = erased.timeline.last().expect("an entry").clone();
    assert_eq!(last.event, CaseEvent::Redacted);
    assert!(last.actor.is_none());
    assert_eq!(last.data["by"], "retention");
    assert_eq!(last.data["reason"], "retention period of 30 days");
    assert_eq!(name(erased), ERASED);
    assert_eq!(name(read(recent.summary.id.clone()).await), "Rita Recent");
    assert_eq!(
        name(read(still_open.summary.id.clone()).await),
        "Oscar Open"
    );
    assert_eq!(stats_json(&store, admin, now).await, stats_before);

    // Idempotent: nothing more to do, nothing written again.
    assert_eq!(
        store
            .apply_retention(30, now, 100)
            .await
            .expect("retention"),
        0
    );
    assert_eq!(read(old.summary.id.clone()).await.timeline.len(), entries);
    // A shorter period reaches the recent case too, a day later.
    let tomorrow = plus_min(now, 24 * 60);
    assert_eq!(
        store
            .apply_retention(1, tomorrow, 1)
            .await
            .expect("retention"),
        1
    );
    assert_eq!(
        store
            .apply_retention(1, tomorrow, 1)
            .await
            .expect("retention"),
        0
    );
    assert!(
        mentions(&store, &["Rita", "Recent", "Otto Oldcase"])
            .await
            .is_empty()
    );
    assert!(
        !mentions(&store, &["Oscar Open"]).await.is_empty(),
        "the open case keeps its customer"
    );
}
