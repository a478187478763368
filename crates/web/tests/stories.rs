//! The two seed stories end to end over HTTP, on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn step<'a>(case: &'a Value, title_part: &str) -> &'a Value {
    case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["title"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(title_part)
        })
        .unwrap_or_else(|| panic!("no step like {title_part}: {case}"))
}

async fn missing_appointment(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let before = Timestamp::now();
    // The front desk logs it.
    let (st, case) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.dental, "defect": "appointment-not-in-book",
                   "customer": {"name": "Ava Nguyen", "phone": "0400 111 222", "address": "12 Bay St, Sydney"},
                   "description": "Arrived with a card for 10:30; not in the book."}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{case}");
    let key = case["ref"].as_str().unwrap().to_string();
    assert!(key.starts_with("C-"));
    assert_eq!(case["owner"]["id"], app.id("dental_front"));
    assert_eq!(case["status"], "open");
    // Steps get the protocol's due instants: the first within minutes, flowers today (or next business day) at 17:00 Sydney.
    let ack = step(&case, "apolog");
    let due: Timestamp = ack["due_at"].as_str().unwrap().parse().unwrap();
    assert!(
        due > before && due <= Timestamp::now() + jiff::SignedDuration::from_mins(5),
        "{ack}"
    );
    let flowers = case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["gesture_code"] == "flowers")
        .unwrap();
    let fdue: Timestamp = flowers["due_at"].as_str().unwrap().parse().unwrap();
    let local = fdue.to_zoned(jiff::tz::TimeZone::get("Australia/Sydney").unwrap());
    assert_eq!((local.hour(), local.minute()), (17, 0), "{flowers}");
    assert!(!matches!(
        local.weekday(),
        jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
    ));

    // Get by reference and by id.
    let (st, by_ref) = app
        .get("dental_front", &format!("/api/v1/cases/{key}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(by_ref["id"], case["id"]);

    // Complete the acknowledgement.
    let sid = ack["id"].as_str().unwrap();
    let (st, c) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{key}/steps/{sid}/complete"),
            json!({"note": "Apologised at the desk"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["status"], "in_progress");

    // A $10 lottery card is within authority: approved at once.
    let (st, g) = app.post("dental_front", &format!("/api/v1/cases/{key}/gestures"), json!({"kind": "lottery-card", "value_cents": 1000, "note": "Card with a scratch ticket"})).await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    assert_eq!(g["gesture"]["status"], "approved");
    assert_eq!(g["case"]["my_remaining_authority_cents"], 9000);
    // $300 flowers wait for a manager.
    let (st, g) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{key}/gestures"),
            json!({"kind": "flowers", "value_cents": 30000, "note": "Large bunch to the home"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(g["gesture"]["status"], "pending_approval");
    let gid = g["gesture"]["id"].as_str().unwrap().to_string();
    let (st, queue) = app.get("dental_manager", "/api/v1/approvals").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        queue
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["gesture"]["id"] == gid.as_str()),
        "{queue}"
    );
    let (st, body) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{key}/gestures/{gid}/approve"),
            json!({}),
        )
        .await;
    common::assert_error(st, &body, StatusCode::FORBIDDEN, "forbidden");
    let (st, c) = app
        .post(
            "dental_manager",
            &format!("/api/v1/cases/{key}/gestures/{gid}/approve"),
            json!({"note": "Yes, today"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["gestures"][1]["status"], "approved");
    let (st, _) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{key}/gestures/{gid}/sent"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);

    // Hand-off: proposed with a reason, case stays with the front desk until accepted.
    let (st, c) = app.post("dental_front", &format!("/api/v1/cases/{key}/handoffs"), json!({"to": app.id("dental_manager"), "reason": "Needs the process fix with the book"})).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    assert_eq!(c["owner"]["id"], app.id("dental_front"));
    let hid = c["handoffs"][0]["id"].as_str().unwrap().to_string();
    let (st, c) = app
        .post(
            "dental_manager",
            &format!("/api/v1/cases/{key}/handoffs/{hid}/accept"),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["owner"]["id"], app.id("dental_manager"));
    assert_eq!(c["handoff_count"], 1);

    // Work the remaining steps except verification.
    for s in c["steps"].as_array().unwrap() {
        if s["status"] == "pending" && s["kind"] == "gesture" {
            // A gesture step is done by recording its gesture.
            let (st, b) = app
                .post(
                    "dental_manager",
                    &format!("/api/v1/cases/{key}/gestures"),
                    json!({"kind": s["gesture_code"], "value_cents": 10_00, "step_id": s["id"]}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{b}");
        } else if s["status"] == "pending" && s["kind"] != "verify" {
            let (st, b) = app
                .post(
                    "dental_manager",
                    &format!(
                        "/api/v1/cases/{key}/steps/{}/complete",
                        s["id"].as_str().unwrap()
                    ),
                    json!({}),
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{b}");
        }
    }
    let (_, c) = app
        .get("dental_manager", &format!("/api/v1/cases/{key}"))
        .await;
    assert_eq!(c["status"], "awaiting_verification");
    // Closing as recovered needs a verification.
    let (st, b) = app
        .post(
            "dental_manager",
            &format!("/api/v1/cases/{key}/close"),
            json!({"outcome": "recovered", "root_cause": "process"}),
        )
        .await;
    common::assert_error(st, &b, StatusCode::CONFLICT, "not_verified");
    let (st, c) = app.post("dental_manager", &format!("/api/v1/cases/{key}/verify"), json!({"method": "phone", "customer_said": "The flowers made my day.", "satisfied": true})).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let (st, c) = app.post("dental_manager", &format!("/api/v1/cases/{key}/close"), json!({"outcome": "recovered", "root_cause": "scheduling", "prevention_note": "Write cards only from the booked slot."})).await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["status"], "closed");
    assert_eq!(c["outcome"], "recovered");
    let events: Vec<&str> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for e in [
        "created",
        "step_completed",
        "gesture_given",
        "gesture_requested",
        "gesture_approved",
        "handoff_proposed",
        "handoff_accepted",
        "owner_changed",
        "verified",
        "closed",
    ] {
        assert!(events.contains(&e), "missing {e} in {events:?}");
    }
    let (_, stats) = app.get("admin", "/api/v1/stats").await;
    assert_eq!(stats["recovered_rate"], 1.0);
    assert_eq!(stats["handoffs"], 1);
    assert_eq!(
        stats["handoffs_by_person"][0]["key"],
        app.id("dental_front")
    );
    assert_eq!(stats["handoffs_by_person"][0]["count"], 1);
}

async fn underdone_steak(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let (st, w) = app
        .post(
            "grill_team",
            "/api/v1/wording/check",
            json!({"text": "Sorry about that, I'm buying your steak."}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(w["clean"], false);
    let f = &w["findings"][0];
    assert_eq!(f["rule_id"], "buying-your");
    assert_eq!(f["excerpt"], "I'm buying your steak");
    assert!(
        f["suggestion"]
            .as_str()
            .unwrap()
            .contains("no charge for your steak"),
        "{f}"
    );
    let text = "Sorry about that, I'm buying your steak.";
    let start = f["start"].as_u64().unwrap() as usize;
    let end = f["end"].as_u64().unwrap() as usize;
    assert_eq!(
        text.chars()
            .skip(start)
            .take(end - start)
            .collect::<String>(),
        "I'm buying your steak"
    );
    let (_, w) = app.post("grill_team", "/api/v1/wording/check", json!({"text": "There's no charge for your steak tonight.", "location_id": app.fx.grill})).await;
    assert_eq!(w["clean"], true, "{w}");
    let (_, w) = app
        .post(
            "grill_team",
            "/api/v1/wording/check",
            json!({"text": "I checked with the kitchen and it's on its way."}),
        )
        .await;
    assert_eq!(w["clean"], true, "{w}");

    // The server logs it, re-cooks, gives no charge, and checks before the bill.
    let (st, case) = app.post("grill_team", "/api/v1/cases", json!({"location_id": app.fx.grill, "defect": "meal-not-as-ordered", "customer": {"name": "Dana"}, "description": "Steak underdone, table 7"})).await;
    assert_eq!(st, StatusCode::CREATED, "{case}");
    let key = case["id"].as_str().unwrap().to_string();
    let nc = case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["gesture_code"] == "no-charge")
        .unwrap();
    assert!(
        nc["wording"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("no charge"),
        "{nc}"
    );
    let (st, g) = app
        .post(
            "grill_team",
            &format!("/api/v1/cases/{key}/gestures"),
            json!({"kind": "no-charge", "value_cents": 4200}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(g["gesture"]["status"], "approved");
    let (st, n) = app
        .post(
            "grill_team",
            &format!("/api/v1/cases/{key}/notes"),
            json!({"text": "Told her we're buying your steak", "customer_facing": true}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    assert_eq!(n["findings"][0]["rule_id"], "buying-your");
}

#[tokio::test]
async fn missing_appointment_on_sqlite() {
    missing_appointment(false).await;
}

#[tokio::test]
async fn missing_appointment_on_postgres() {
    missing_appointment(true).await;
}

#[tokio::test]
async fn underdone_steak_on_sqlite() {
    underdone_steak(false).await;
}

#[tokio::test]
async fn underdone_steak_on_postgres() {
    underdone_steak(true).await;
}
