//! Set-up through the API: location settings, staff, deactivation with reassignment, playbook step edits, my work.

mod common;

use common::{TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn set_up_without_a_terminal() {
    let app = TestApp::spawn(false).await;
    let loc = app.fx.dental.clone();

    // Location settings: managers may, front desk may not; bad input is a field error.
    let body = json!({"timezone": "Australia/Perth", "currency": "aud", "hours": [{"day": "mon", "open": "07:30", "close": "16:00"}], "closed_dates": ["2026-12-25"]});
    let (st, b) = app
        .call(
            Some("dental_front"),
            Method::PUT,
            &format!("/api/v1/locations/{loc}"),
            Some(body.clone()),
        )
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app
        .call(
            Some("dental_manager"),
            Method::PUT,
            &format!("/api/v1/locations/{loc}"),
            Some(body),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (
            b["timezone"].as_str(),
            b["currency"].as_str(),
            b["hours"].as_array().map(Vec::len)
        ),
        (Some("Australia/Perth"), Some("AUD"), Some(1))
    );
    let (st, b) = app.call(Some("dental_manager"), Method::PUT, &format!("/api/v1/locations/{loc}"), Some(json!({"timezone": "Mars/Olympus", "currency": "AUD", "hours": [{"day": "mon", "open": "09:00", "close": "17:00"}]}))).await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(b["error"]["fields"]["timezone"].is_string());

    // Staff: a manager adds a front-desk person, not another manager.
    let (st, b) = app.post("dental_manager", "/api/v1/staff", json!({"name": "Nina New", "username": "nina", "location_id": loc, "role": "front_desk", "pin": "4321"})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let nina = b["id"].as_str().unwrap().to_string();
    let (st, b) = app
        .post(
            "dental_manager",
            "/api/v1/staff",
            json!({"name": "Max", "username": "max", "location_id": loc, "role": "manager"}),
        )
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app.post("dental_manager", "/api/v1/staff", json!({"name": "Nina Two", "username": "nina", "location_id": loc, "role": "front_desk"})).await;
    assert_error(st, &b, StatusCode::CONFLICT, "already_exists");
    let (st, b) = app
        .post(
            "dental_manager",
            &format!("/api/v1/staff/{nina}/secret"),
            json!({"pin": "12"}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );

    // Nina logs a case; deactivating her moves it to the manager, on the timeline.
    let token = app
        .fx
        .store
        .create_token(&nina, "t", None, jiff::Timestamp::now())
        .await
        .unwrap()
        .token;
    let res = app
        .http
        .post(format!("{}/api/v1/cases", app.base))
        .bearer_auth(&token)
        .json(&json!({"location_id": loc, "defect": "long-wait", "customer": {"name": "Pat"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let case: serde_json::Value = res.json().await.unwrap();
    let (st, b) = app
        .post(
            "dental_manager",
            &format!("/api/v1/staff/{nina}/deactivate"),
            json!({}),
        )
        .await;
    assert_eq!(
        (st, b["reassigned_cases"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{b}"
    );
    let (_, c) = app
        .get(
            "dental_manager",
            &format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(c["owner"]["id"], app.id("dental_manager"));
    assert!(
        c["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "owner_changed")
    );
    let res = app
        .http
        .get(format!("{}/api/v1/cases", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "a deactivated person's token stops working"
    );

    // Playbook step edit: validated, applies to new cases only.
    let (st, b) = app
        .call(
            Some("dental_manager"),
            Method::PUT,
            "/api/v1/playbooks/dental/defects/long-wait/steps/0",
            Some(
                json!({"due": "tomorrow", "owner": "front_desk", "wording": "Sorry for the wait."}),
            ),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, b) = app
        .call(
            Some("dental_manager"),
            Method::PUT,
            "/api/v1/playbooks/dental/defects/long-wait/steps/0",
            Some(json!({"due": "PT3M", "owner": "front_desk", "wording": "Please calm down."})),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, b) = app
        .call(
            Some("grill_manager"),
            Method::PUT,
            "/api/v1/playbooks/dental/defects/long-wait/steps/0",
            Some(json!({"due": "PT3M", "owner": "front_desk", "wording": "Sorry for the wait."})),
        )
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app.call(Some("dental_manager"), Method::PUT, "/api/v1/playbooks/dental/defects/long-wait/steps/0", Some(json!({"due": "PT3M", "owner": "front_desk", "wording": "I'm sorry for the wait; I'm on it now."}))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, old) = app
        .get(
            "dental_manager",
            &format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
        )
        .await;
    assert_ne!(
        old["steps"][0]["due_rule"], "PT3M",
        "open cases keep their protocol"
    );
    let (_, new) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": loc, "defect": "long-wait", "customer": {"name": "Quinn"}}),
        )
        .await;
    assert_eq!(new["steps"][0]["due_rule"], "PT3M");

    // Add a defect (with a starting protocol), log a case with it, then retire it: the case keeps its protocol.
    let (st, b) = app.post("dental_manager", "/api/v1/playbooks/dental/defects", json!({"code": "parking-full", "stage": "arrival", "title": "Car park full", "severity": "minor", "keywords": "parking, car"})).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = app.post("dental_manager", "/api/v1/playbooks/dental/defects", json!({"code": "parking-full", "stage": "arrival", "title": "Again", "severity": "minor"})).await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, parked) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": loc, "defect": "parking-full", "customer": {"name": "Ro"}}),
        )
        .await;
    assert_eq!(
        (st, parked["steps"].as_array().map(Vec::len)),
        (StatusCode::CREATED, Some(3))
    );
    let (st, _) = app
        .call(
            Some("dental_manager"),
            Method::DELETE,
            "/api/v1/playbooks/dental/defects/parking-full",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, b) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": loc, "defect": "parking-full", "customer": {"name": "Ro"}}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, kept) = app
        .get(
            "dental_front",
            &format!("/api/v1/cases/{}", parked["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(
        (st, kept["steps"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(3))
    );

    // Edit a staff member; a manager cannot promote someone to manager.
    let fd = app.id("dental_front");
    let (st, b) = app.call(Some("dental_manager"), Method::PUT, &format!("/api/v1/staff/{fd}"), Some(json!({"name": "Fiona F.", "username": "fiona", "location_id": loc, "role": "team_member"}))).await;
    assert_eq!(
        (st, b["name"].as_str()),
        (StatusCode::OK, Some("Fiona F.")),
        "{b}"
    );
    assert_eq!(b["locations"][0]["role"], "team_member");
    let (st, b) = app.call(Some("dental_manager"), Method::PUT, &format!("/api/v1/staff/{fd}"), Some(json!({"name": "Fiona F.", "username": "fiona", "location_id": loc, "role": "manager"}))).await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");

    // My work: the manager now holds Nina's old case.
    let (_, mine) = app.get("dental_manager", "/api/v1/my-work").await;
    assert!(
        mine["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == case["id"]),
        "{mine}"
    );
}
