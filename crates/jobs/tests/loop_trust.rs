//! Webhooks an integrator can trust, end to end through a real receiver on 127.0.0.1, on SQLite and on
//! PostgreSQL: every delivery passes the verification recipe of docs/webhooks.md (written here in Rust,
//! step for step), a replay outside the tolerance fails it, each case's events carry increasing sequence
//! numbers, and the events for cancelling, deciding gestures, opting out and erasing arrive.

#[macro_use]
mod common;

use common::Receiver;
use common::world::{World, syd};
use hmac::Mac;
use jiff::Timestamp;
use olive_domain::followup::Answer;
use olive_domain::gesture::GestureStatus;
use olive_storage::actions::{Decision, NewGesture, Reason};
use olive_storage::privacy::EraseRequest;
use serde_json::Value;
use std::collections::HashMap;

/// The tolerance docs/webhooks.md gives for `Olive-Timestamp`.
const TOLERANCE_SECS: i64 = 300;

/// The receiver's side, exactly as docs/webhooks.md says: (1) pick the secret by `Olive-Webhook-Id`;
/// (2) refuse a timestamp that is not a whole number or is more than 5 minutes from the receiver's
/// clock; (3) compute `sha256=` + hex HMAC-SHA256 of `{Olive-Timestamp}.{raw body}` with the secret;
/// (4) compare it with `Olive-Signature` in constant time.
fn verify(
    secrets: &HashMap<String, String>,
    webhook_id: &str,
    timestamp: &str,
    signature: &str,
    raw_body: &[u8],
    now: Timestamp,
) -> Result<(), &'static str> {
    let secret = secrets.get(webhook_id).ok_or("unknown endpoint")?;
    let t: i64 = timestamp.parse().map_err(|_| "bad timestamp")?;
    if (now.as_second() - t).abs() > TOLERANCE_SECS {
        return Err("too old or from the future");
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let (a, b) = (expected.as_bytes(), signature.as_bytes());
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same { Ok(()) } else { Err("bad signature") }
}

const EVENTS: [&str; 9] = [
    "case.created",
    "case.cancelled",
    "case.reopened",
    "case.erased",
    "feedback.received",
    "customer.opted_out",
    "gesture.pending_approval",
    "gesture.approved",
    "gesture.declined",
];

async fn webhooks_are_signed_in_time_ordered_and_complete(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    let rx = Receiver::start(0).await;
    let secret = w.hook(&rx.url, &EVENTS).await;
    let hooks = w
        .store()
        .list_webhooks(w.fx.actor("dental_manager"), &w.fx.dental)
        .await
        .unwrap();
    let secrets = HashMap::from([(hooks[0].id.clone(), secret)]);
    let (front, manager) = (w.fx.actor("dental_front"), w.fx.actor("dental_manager"));

    // Two gestures above the front desk's authority: one approved, one declined.
    let a = w
        .case("dental_front", "appointment-not-in-book", "Ann Gift", None)
        .await;
    for (value, to) in [
        (300_00, GestureStatus::Approved),
        (310_00, GestureStatus::Declined),
    ] {
        let (_, g, _) = w
            .store()
            .give_gesture(
                front,
                &a.summary.id,
                NewGesture {
                    kind: "flowers".into(),
                    value_cents: value,
                    note: String::new(),
                    step_id: None,
                },
                None,
                w.clock.now(),
            )
            .await
            .unwrap();
        w.store()
            .gesture_action(
                manager,
                &a.summary.id,
                &g,
                to,
                Decision {
                    note: Some("over the budget for this".into()),
                    address: None,
                },
                w.clock.now(),
            )
            .await
            .unwrap();
    }
    // A cancelled case.
    let b = w
        .case("dental_front", "appointment-not-in-book", "Bo Gone", None)
        .await;
    w.store()
        .cancel(
            front,
            &b.summary.id,
            Reason {
                reason: "logged twice".into(),
            },
            w.clock.now(),
        )
        .await
        .unwrap();
    // A poor answer while the case awaits verification, with an opt-out; then the data is erased.
    let email = "maria.lopez@example.com";
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            Some(email),
        )
        .await;
    w.settle_all_but_verify(&c).await;
    let token = w.follow_up(&c, email).await;
    w.store()
        .answer_followup(
            &token,
            Answer::new(2, false, "Maria Lopez is still waiting").unwrap(),
            true,
            w.clock.now(),
        )
        .await
        .unwrap();
    w.store()
        .erase_case(
            manager,
            &c.summary.id,
            EraseRequest {
                reason: "Maria Lopez asked by email".into(),
            },
            w.clock.now(),
        )
        .await
        .unwrap();

    let sent_at = syd(2026, 11, 24, 9, 5);
    w.tick_at(sent_at).await;
    let got = rx.deliveries();
    assert!(got.iter().all(|d| d.answered == 200));

    // Every delivery passes the recipe at the time it was sent (the follow-up helper's tick sent the
    // earlier ones at 9:00), and names the endpoint.
    let ticks = [syd(2026, 11, 24, 9, 0), sent_at];
    for d in &got {
        assert_eq!(d.webhook_id, hooks[0].id);
        let at = ticks
            .into_iter()
            .find(|t| t.as_second().to_string() == d.timestamp)
            .unwrap_or_else(|| panic!("signed at a tick, not {}", d.timestamp));
        verify(
            &secrets,
            &d.webhook_id,
            &d.timestamp,
            &d.signature,
            d.body.as_bytes(),
            at,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", d.event_type));
    }
    // A captured request replayed later: fine within the tolerance, refused after it.
    let d = got
        .iter()
        .find(|d| d.event_type == "case.erased")
        .expect("sent at the last tick");
    assert_eq!(d.timestamp, sent_at.as_second().to_string());
    let check = |now: Timestamp, ts: &str, body: &str| {
        verify(
            &secrets,
            &d.webhook_id,
            ts,
            &d.signature,
            body.as_bytes(),
            now,
        )
    };
    let later = |secs: i64| sent_at + jiff::SignedDuration::from_secs(secs);
    assert!(check(later(299), &d.timestamp, &d.body).is_ok());
    assert_eq!(
        check(later(301), &d.timestamp, &d.body),
        Err("too old or from the future")
    );
    assert_eq!(
        check(later(-301), &d.timestamp, &d.body),
        Err("too old or from the future")
    );
    // Moving the timestamp forward to pass the check breaks the signature; so does touching the body.
    let moved = (sent_at.as_second() + 360).to_string();
    assert_eq!(check(later(360), &moved, &d.body), Err("bad signature"));
    assert_eq!(
        check(sent_at, &d.timestamp, &d.body.replace("C-", "C-9")),
        Err("bad signature")
    );
    assert_eq!(
        verify(
            &secrets,
            "another-endpoint",
            &d.timestamp,
            &d.signature,
            d.body.as_bytes(),
            sent_at
        ),
        Err("unknown endpoint")
    );

    // Each new event type arrived, and a poor answer on a case that was never closed is no reopening.
    let bodies: Vec<Value> = got
        .iter()
        .map(|d| serde_json::from_str(&d.body).unwrap())
        .collect();
    let of = |ty: &str| -> Vec<&Value> { bodies.iter().filter(|b| b["type"] == ty).collect() };
    for ty in [
        "case.cancelled",
        "gesture.approved",
        "gesture.declined",
        "customer.opted_out",
        "case.erased",
    ] {
        assert_eq!(of(ty).len(), 1, "{ty}");
    }
    assert!(of("case.reopened").is_empty(), "the case was never closed");
    assert_eq!(of("feedback.received")[0]["data"]["recovered"], false);
    assert_eq!(
        of("case.cancelled")[0]["data"]["ref"],
        b.summary.reference.as_str()
    );
    assert_eq!(of("gesture.approved")[0]["data"]["value_cents"], 300_00);
    assert_eq!(of("gesture.declined")[0]["data"]["value_cents"], 310_00);
    assert_eq!(
        of("gesture.approved")[0]["data"]["decided_by"],
        manager.staff_id.as_str()
    );
    assert_eq!(
        of("customer.opted_out")[0]["data"]["case_id"],
        c.summary.id.as_str()
    );

    // The erasure event carries ids, the reference, the location and the time: nothing about the person.
    let erased = of("case.erased")[0];
    assert_eq!(erased["location_id"], w.fx.dental.as_str());
    let data = erased["data"].as_object().unwrap();
    let mut keys: Vec<&str> = data.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["case_id", "erased_at", "ref", "trigger"]);
    assert_eq!(data["ref"], c.summary.reference.as_str());
    assert_eq!(data["trigger"], "request");
    let raw = &got
        .iter()
        .find(|d| d.event_type == "case.erased")
        .unwrap()
        .body;
    for personal in ["Maria", "Lopez", email, "asked"] {
        assert!(!raw.contains(personal), "{personal} in {raw}");
    }

    // Per case, sequence numbers increase strictly in the order the changes happened.
    let seq_of = |case: &str| -> Vec<(i64, String)> {
        let mut v: Vec<(i64, String)> = bodies
            .iter()
            .filter(|b| b["data"]["case_id"] == case)
            .map(|b| {
                (
                    b["sequence"].as_i64().unwrap(),
                    b["type"].as_str().unwrap().into(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let types = |v: &[(i64, String)]| v.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
    let a_seq = seq_of(&a.summary.id);
    assert_eq!(
        types(&a_seq),
        [
            "case.created",
            "gesture.pending_approval",
            "gesture.approved",
            "gesture.pending_approval",
            "gesture.declined"
        ]
    );
    assert!(a_seq.windows(2).all(|p| p[0].0 < p[1].0), "{a_seq:?}");
    let c_seq = seq_of(&c.summary.id);
    assert_eq!(
        types(&c_seq),
        [
            "case.created",
            "feedback.received",
            "customer.opted_out",
            "case.erased"
        ]
    );
    assert!(c_seq.windows(2).all(|p| p[0].0 < p[1].0), "{c_seq:?}");
    // Events of one change share `created_at`; the sequence still tells them apart.
    assert_eq!(c_seq[1].0 + 1, c_seq[2].0);
}
both!(webhooks_are_signed_in_time_ordered_and_complete);

async fn retention_erasure_is_announced(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, wc| {
        wc.retention_days = Some(30)
    })
    .await;
    let rx = Receiver::start(0).await;
    w.hook(&rx.url, &["case.erased"]).await;
    let c = w
        .case("dental_front", "appointment-not-in-book", "Old Case", None)
        .await;
    w.store()
        .cancel(
            w.fx.actor("dental_front"),
            &c.summary.id,
            Reason {
                reason: "duplicate".into(),
            },
            w.clock.now(),
        )
        .await
        .unwrap();
    w.tick_at(syd(2026, 12, 30, 9, 0)).await;
    w.tick_at(syd(2026, 12, 30, 9, 1)).await;
    let erased = rx.accepted("case.erased");
    assert_eq!(erased.len(), 1);
    let body: Value = serde_json::from_str(&erased[0].body).unwrap();
    assert_eq!(body["data"]["trigger"], "retention");
    assert_eq!(body["data"]["case_id"], c.summary.id.as_str());
    assert!(!erased[0].body.contains("Old Case"));
}
both!(retention_erasure_is_announced);
