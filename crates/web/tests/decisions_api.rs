//! Declining a gesture request over HTTP: a reason is required (422 naming `note`), and the
//! decision with its reason reaches the requester's My work — on SQLite and PostgreSQL.

mod common;

use common::{TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::json;

async fn decline_needs_a_reason(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let (st, case) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.dental, "defect": "long-wait", "customer": {"name": "Ava Nguyen"}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{case}");
    let key = case["ref"].as_str().unwrap().to_string();
    let (st, g) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{key}/gestures"),
            json!({"kind": "flowers", "value_cents": 30000}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{g}");
    assert_eq!(g["gesture"]["status"], "pending_approval");
    let gid = g["gesture"]["id"].as_str().unwrap().to_string();
    let decline = format!("/api/v1/cases/{key}/gestures/{gid}/decline");

    // No body, an empty one, a blank reason: 422 naming the field.
    for body in [None, Some(json!({})), Some(json!({"note": "   "}))] {
        let (st, err) = app
            .call(
                Some("dental_manager"),
                reqwest::Method::POST,
                &decline,
                body,
            )
            .await;
        assert_error(
            st,
            &err,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(
            err["error"]["fields"]["note"]
                .as_str()
                .is_some_and(|m| m.contains("why")),
            "{err}"
        );
    }
    let (_, c) = app
        .get("dental_front", &format!("/api/v1/cases/{key}"))
        .await;
    assert_eq!(c["gestures"][0]["status"], "pending_approval");

    // With a reason: declined, naming who and when.
    let (st, c) = app
        .post(
            "dental_manager",
            &decline,
            json!({"note": "A card fits better here"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    let g = &c["gestures"][0];
    assert_eq!(g["status"], "declined");
    assert_eq!(g["decided_by"]["id"], app.id("dental_manager"));
    assert!(g["decided_at"].as_str().is_some(), "{g}");
    assert_eq!(g["decision_note"], "A card fits better here");

    // The requester's My work has it; the manager's does not.
    let (st, mine) = app.get("dental_front", "/api/v1/my-work").await;
    assert_eq!(st, StatusCode::OK, "{mine}");
    let d = &mine["decisions"][0];
    assert_eq!(d["gesture_id"], gid.as_str());
    assert_eq!(d["status"], "declined");
    assert_eq!(d["reason"], "A card fits better here");
    assert_eq!(d["decided_by"]["id"], app.id("dental_manager"));
    assert_eq!(d["case_ref"], key.as_str());
    assert!(mine["cases"].is_array() && mine["offered"].is_array());
    let (_, theirs) = app.get("dental_manager", "/api/v1/my-work").await;
    assert_eq!(theirs["decisions"], json!([]));

    // Acknowledged by someone else: not theirs. By her: it leaves My work; again: nothing left.
    let ack = "/api/v1/my-work/decisions/acknowledge";
    let (st, err) = app
        .post("dental_manager", ack, json!({"gesture_id": gid}))
        .await;
    assert_error(st, &err, StatusCode::NOT_FOUND, "not_found");
    let (st, done) = app
        .post("dental_front", ack, json!({"gesture_id": gid}))
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["acknowledged"], 1);
    let (_, mine) = app.get("dental_front", "/api/v1/my-work").await;
    assert_eq!(mine["decisions"], json!([]));
    let (st, done) = app
        .call(Some("dental_front"), reqwest::Method::POST, ack, None)
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["acknowledged"], 0);
}

/// The wait before escalation is part of the location's settings.
async fn escalation_setting(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let path = format!("/api/v1/locations/{}", app.fx.dental);
    let (st, loc) = app.get("dental_manager", &path).await;
    assert_eq!(st, StatusCode::OK, "{loc}");
    assert_eq!(loc["approval_escalation_minutes"], 10);
    let body = |minutes: serde_json::Value| {
        json!({"timezone": loc["timezone"], "currency": loc["currency"], "hours": loc["hours"],
               "closed_dates": loc["closed_dates"], "approval_escalation_minutes": minutes})
    };
    let (st, err) = app
        .call(
            Some("dental_manager"),
            reqwest::Method::PUT,
            &path,
            Some(body(json!(0))),
        )
        .await;
    assert_error(
        st,
        &err,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(
        err["error"]["fields"]["approval_escalation_minutes"].is_string(),
        "{err}"
    );
    let (st, saved) = app
        .call(
            Some("dental_manager"),
            reqwest::Method::PUT,
            &path,
            Some(body(json!(25))),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(saved["approval_escalation_minutes"], 25);
    let (_, again) = app.get("dental_front", &path).await;
    assert_eq!(again["approval_escalation_minutes"], 25);
}

#[tokio::test]
async fn escalation_setting_on_sqlite() {
    escalation_setting(false).await;
}

#[tokio::test]
async fn escalation_setting_on_postgres() {
    escalation_setting(true).await;
}

#[tokio::test]
async fn decline_needs_a_reason_on_sqlite() {
    decline_needs_a_reason(false).await;
}

#[tokio::test]
async fn decline_needs_a_reason_on_postgres() {
    decline_needs_a_reason(true).await;
}
