//! Closing the loop, end to end with a hand-moved clock and a real webhook receiver, on SQLite and on
//! PostgreSQL: webhooks with retries, signatures and dead messages, and the targets refused by default.

#[macro_use]
mod common;

use common::Receiver;
use common::world::{World, syd};
use jiff::Timestamp;
use olive_storage::StoreError;
use olive_storage::actions::NewGesture;
use olive_storage::testing::{Fixture, fresh_store};
use olive_storage::webhooks::NewWebhook;

async fn webhooks_retry_sign_and_die(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, wc| wc.max_attempts = 3).await;
    let rx = Receiver::start(2).await;
    let secret = w
        .hook(&rx.url, &["case.created", "gesture.pending_approval"])
        .await;
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            None,
        )
        .await;
    w.store()
        .give_gesture(
            w.fx.actor("dental_front"),
            &c.summary.id,
            NewGesture {
                kind: "flowers".into(),
                value_cents: 300_00,
                note: String::new(),
                step_id: None,
            },
            None,
            w.clock.now(),
        )
        .await
        .unwrap();

    w.tick_at(syd(2026, 11, 24, 9, 0)).await;
    assert_eq!(rx.deliveries().len(), 2);
    assert!(
        rx.deliveries()
            .iter()
            .all(|d| d.answered == 500 && d.attempt == "1")
    );
    // The retry waits for its backoff.
    w.tick_at(syd(2026, 11, 24, 9, 0)).await;
    assert_eq!(rx.deliveries().len(), 2);
    w.tick_at(syd(2026, 11, 24, 9, 10)).await;
    let created = rx.accepted("case.created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].attempt, "2");
    let first_try = rx
        .deliveries()
        .into_iter()
        .find(|d| d.event_type == "case.created")
        .unwrap();
    assert_eq!(
        first_try.event_id, created[0].event_id,
        "a retry carries the same event id"
    );
    // The signature is HMAC-SHA256 of "{timestamp}.{body}" with the endpoint's secret, signed anew at
    // each attempt.
    use hmac::Mac;
    assert_eq!(
        created[0].timestamp,
        syd(2026, 11, 24, 9, 10).as_second().to_string()
    );
    assert_eq!(
        first_try.timestamp,
        syd(2026, 11, 24, 9, 0).as_second().to_string()
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.", created[0].timestamp).as_bytes());
    mac.update(created[0].body.as_bytes());
    assert_eq!(
        created[0].signature,
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    );
    let body: serde_json::Value = serde_json::from_str(&created[0].body).unwrap();
    assert_eq!(body["id"], created[0].event_id.as_str());
    assert_eq!(body["type"], "case.created");
    assert_eq!(body["data"]["ref"], c.summary.reference.as_str());
    assert_eq!(rx.accepted("gesture.pending_approval").len(), 1);

    // A receiver that keeps failing: the message goes dead after 3 attempts, managers see it and retry it.
    rx.fail_next(1000);
    w.case("dental_front", "appointment-not-in-book", "Ben Two", None)
        .await;
    for min in [11, 20, 30, 40] {
        w.tick_at(syd(2026, 11, 24, 9, min)).await;
    }
    let dead = w
        .store()
        .list_outbox(w.fx.actor("dental_manager"), Some("dead"), 50)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("500")
    );
    // Front-desk staff do not see the outbox; the other location's manager does not see this message.
    assert!(
        w.store()
            .list_outbox(w.fx.actor("dental_front"), None, 50)
            .await
            .is_err()
    );
    assert!(
        w.store()
            .list_outbox(w.fx.actor("grill_manager"), Some("dead"), 50)
            .await
            .unwrap()
            .is_empty()
    );
    rx.fail_next(0);
    w.store()
        .retry_outbox(w.fx.actor("dental_manager"), &dead[0].id, w.clock.now())
        .await
        .unwrap();
    w.tick_at(syd(2026, 11, 24, 9, 41)).await;
    assert_eq!(rx.accepted("case.created").len(), 2);
    assert!(
        w.store()
            .list_outbox(w.fx.actor("dental_manager"), Some("dead"), 50)
            .await
            .unwrap()
            .is_empty()
    );

    // Removing an endpoint stops what was still queued for it, visibly.
    w.case("dental_front", "appointment-not-in-book", "Cat Three", None)
        .await;
    let manager = w.fx.actor("dental_manager");
    let hooks = w
        .store()
        .list_webhooks(manager, &w.fx.dental)
        .await
        .unwrap();
    w.store()
        .delete_webhook(manager, &hooks[0].id)
        .await
        .unwrap();
    let before = rx.deliveries().len();
    w.tick_at(syd(2026, 11, 24, 9, 42)).await;
    assert_eq!(
        rx.deliveries().len(),
        before,
        "nothing goes to a removed endpoint"
    );
    let dead = w
        .store()
        .list_outbox(manager, Some("dead"), 50)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("removed")
    );
}
both!(webhooks_retry_sign_and_die);

#[tokio::test]
async fn private_webhook_targets_are_refused_by_default() {
    let store = fresh_store(false).await.unwrap();
    let fx = Fixture::new(store).await.unwrap();
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/",
        "http://10.0.0.5/",
        "ftp://example.com/",
    ] {
        let err = fx
            .store
            .create_webhook(
                fx.actor("dental_manager"),
                &fx.dental,
                NewWebhook {
                    url: url.into(),
                    events: vec!["case.created".into()],
                },
                Timestamp::now(),
            )
            .await;
        assert!(
            matches!(&err, Err(StoreError::Validation { fields, .. }) if fields.contains_key("url")),
            "{url}: {err:?}"
        );
    }
    let not_manager = fx
        .store
        .create_webhook(
            fx.actor("dental_front"),
            &fx.dental,
            NewWebhook {
                url: "https://hooks.example.com/".into(),
                events: vec!["case.created".into()],
            },
            Timestamp::now(),
        )
        .await;
    assert!(matches!(not_manager, Err(StoreError::Forbidden(_))));
    let bad_event = fx
        .store
        .create_webhook(
            fx.actor("dental_manager"),
            &fx.dental,
            NewWebhook {
                url: "https://hooks.example.com/".into(),
                events: vec!["case.deleted".into()],
            },
            Timestamp::now(),
        )
        .await;
    assert!(
        matches!(&bad_event, Err(StoreError::Validation { fields, .. }) if fields.contains_key("events"))
    );
}
