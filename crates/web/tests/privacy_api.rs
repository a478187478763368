//! Erasing a customer's data over HTTP: who may (401/403/404), the reason (422), and what the case shows after.

mod common;

use common::{TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn erase_statuses_and_result() {
    let app = TestApp::spawn(false).await;
    let (st, case) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.dental, "defect": "appointment-not-in-book",
                   "customer": {"name": "Ava Nguyen", "phone": "0400 111 222", "email": "ava@example.com"},
                   "description": "Ava's card said 10:30"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{case}");
    let reference = case["ref"].as_str().unwrap().to_string();
    let path = format!("/api/v1/cases/{reference}/erase");
    let why = json!({"reason": "the customer asked by email"});

    let (st, b) = app.call(None, Method::POST, &path, Some(why.clone())).await;
    assert_error(st, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    for who in ["dental_front", "dental_team"] {
        let (st, b) = app.post(who, &path, why.clone()).await;
        assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    }
    let (st, b) = app.post("grill_manager", &path, why.clone()).await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = app
        .post("admin", "/api/v1/cases/C-999999/erase", why.clone())
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    for bad in [json!({}), json!({"reason": "  "})] {
        let (st, b) = app.post("dental_manager", &path, bad).await;
        assert_error(
            st,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(b["error"]["fields"]["reason"].is_string(), "{b}");
    }
    let (st, b) = app
        .post("dental_manager", &path, json!({"reason": 5}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    // Nothing was erased by the refused calls.
    let (_, still) = app
        .get("admin", &format!("/api/v1/cases/{reference}"))
        .await;
    assert_eq!(still["customer"]["name"], "Ava Nguyen");

    let (st, b) = app.post("dental_manager", &path, why).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["ref"], reference.as_str());
    assert_eq!(b["case_id"], case["id"]);
    let (st, after) = app
        .get("admin", &format!("/api/v1/cases/{reference}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(after["customer"]["name"], "[erased]");
    assert!(after["customer"]["phone"].is_null() && after["customer"]["email"].is_null());
    assert_eq!(after["description"], "[erased]");
    let last = after["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["event"], "redacted");
    assert_eq!(last["data"]["reason"], "the customer asked by email");
    assert_eq!(last["actor"]["id"], app.id("dental_manager").as_str());
    assert!(!after.to_string().contains("Ava"), "{after}");
    // Admins may erase too.
    let (st, _) = app
        .post("admin", &path, json!({"reason": "checked again"}))
        .await;
    assert_eq!(st, StatusCode::OK);
}
