//! Every error status the API promises, in its JSON shape, and random bodies that never produce a 5xx.

mod common;

use common::{TestApp, assert_error};
use proptest::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn new_case(app: &TestApp) -> String {
    let (st, c) = app.post("dental_front", "/api/v1/cases", json!({"location_id": app.fx.dental, "defect": "long-wait", "customer": {"name": "Sam"}})).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn statuses_and_shapes() {
    let app = TestApp::spawn(false).await;
    let url = format!("{}/api/v1/cases", app.base);
    let token = app.tokens["dental_front"].clone();

    // 400 malformed JSON
    let res = app
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"location_id\": ")
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_error(
        status,
        &res.json().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    );

    // 401 missing and invalid token
    let (st, b) = app.call(None, Method::GET, "/api/v1/cases", None).await;
    assert_error(st, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    let res = app
        .http
        .get(&url)
        .bearer_auth("olv_not-a-token")
        .send()
        .await
        .unwrap();
    let st = res.status();
    assert_error(
        st,
        &res.json().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );

    // 404 unknown id, unknown ref, another location's case
    let id = new_case(&app).await;
    let (st, b) = app
        .get(
            "dental_front",
            "/api/v1/cases/0190f3a2-7c1e-7b3a-9d2e-1a2b3c4d5e6f",
        )
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = app.get("dental_front", "/api/v1/cases/C-999999").await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = app.get("grill_front", &format!("/api/v1/cases/{id}")).await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = app
        .get("grill_manager", &format!("/api/v1/cases/{id}/history"))
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");

    // 403 front desk setting limits
    let (st, b) = app
        .call(
            Some("dental_front"),
            Method::PUT,
            &format!("/api/v1/locations/{}/limits", app.fx.dental),
            Some(json!([{"role": "front_desk", "per_case_cents": 1, "per_day_cents": 1}])),
        )
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");

    // 409 closing with open steps
    let (st, b) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{id}/close"),
            json!({"outcome": "not_recovered", "root_cause": "process"}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT, "open_steps");

    // 413 oversized JSON (64 KiB) and playbook (1 MiB)
    let big = json!({"location_id": app.fx.dental, "defect": "long-wait", "customer": {"name": "x"}, "description": "x".repeat(70 * 1024)});
    let (st, b) = app.post("dental_front", "/api/v1/cases", big).await;
    assert_error(st, &b, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let res = app
        .http
        .put(format!("{}/api/v1/playbooks", app.base))
        .bearer_auth(&app.tokens["admin"])
        .body("#".repeat(1024 * 1024 + 10))
        .send()
        .await
        .unwrap();
    let st = res.status();
    assert_error(
        st,
        &res.json().await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );

    // 422 validation: unknown defect, empty name, negative value, handoff without reason
    let (st, b) = app.post("dental_front", "/api/v1/cases", json!({"location_id": app.fx.dental, "defect": "dragon-attack", "customer": {"name": ""}})).await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(
        b["error"]["fields"]["defect"].is_string()
            && b["error"]["fields"]["customer.name"].is_string(),
        "{b}"
    );
    let (st, b) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{id}/gestures"),
            json!({"kind": "flowers", "value_cents": -5}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(b["error"]["fields"]["value_cents"].is_string(), "{b}");
    let (st, b) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{id}/handoffs"),
            json!({"to": app.id("dental_manager"), "reason": "  "}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(b["error"]["fields"]["reason"].is_string(), "{b}");
    // wrong types are 422 too, unknown location is a field error
    let (st, b) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": 5, "defect": "long-wait", "customer": {"name": "x"}}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, b) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.grill, "defect": "long-wait", "customer": {"name": "x"}}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(b["error"]["fields"]["location_id"].is_string(), "{b}");

    // Idempotency: same key + body → same case (200); different body → 422 idempotency_key_reused
    let body = json!({"location_id": app.fx.dental, "defect": "long-wait", "customer": {"name": "Retry Ruth"}});
    let send = |b: Value| {
        app.http
            .post(&url)
            .bearer_auth(&token)
            .header("Idempotency-Key", "abc-123")
            .json(&b)
            .send()
    };
    let r1 = send(body.clone()).await.unwrap();
    assert_eq!(r1.status(), StatusCode::CREATED);
    assert!(r1.headers().get("location").is_some());
    let c1: Value = r1.json().await.unwrap();
    let r2 = send(body.clone()).await.unwrap();
    assert_eq!(r2.status(), StatusCode::OK);
    let c2: Value = r2.json().await.unwrap();
    assert_eq!(c1["id"], c2["id"]);
    let r3 = send(json!({"location_id": app.fx.dental, "defect": "long-wait", "customer": {"name": "Someone Else"}})).await.unwrap();
    let st = r3.status();
    assert_error(
        st,
        &r3.json().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );
    let (_, list) = app.get("dental_front", "/api/v1/cases?q=Retry").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // Gestures honour Idempotency-Key too.
    let gurl = format!("{}/api/v1/cases/{id}/gestures", app.base);
    let give = |b: Value| {
        app.http
            .post(&gurl)
            .bearer_auth(&token)
            .header("Idempotency-Key", "g-1")
            .json(&b)
            .send()
    };
    let g1: Value = give(json!({"kind": "coffee", "value_cents": 600}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let r2 = give(json!({"kind": "coffee", "value_cents": 600}))
        .await
        .unwrap();
    assert_eq!(r2.status(), StatusCode::OK);
    let g2: Value = r2.json().await.unwrap();
    assert_eq!(g1["gesture"]["id"], g2["gesture"]["id"]);
    assert_eq!(
        g2["case"]["gestures"].as_array().unwrap().len(),
        1,
        "no duplicate gesture"
    );
    let r3 = give(json!({"kind": "coffee", "value_cents": 700}))
        .await
        .unwrap();
    let st = r3.status();
    assert_error(
        st,
        &r3.json().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    );

    // Pagination bounds and bad filters
    let (st, b) = app.get("dental_front", "/api/v1/cases?limit=abc").await;
    assert_error(st, &b, StatusCode::BAD_REQUEST, "bad_query");
    let (st, b) = app.get("dental_front", "/api/v1/cases?status=nope").await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, b) = app.get("dental_front", "/api/v1/no/such/route").await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");

    // Health without auth; OpenAPI document lists the case routes.
    let (st, h) = app.call(None, Method::GET, "/api/v1/health", None).await;
    assert_eq!((st, h["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (st, doc) = app
        .call(None, Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["paths"]["/api/v1/cases"]["post"].is_object());
    let res = app
        .http
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn invalid_playbook_upload_changes_nothing() {
    let app = TestApp::spawn(false).await;
    let src = olive_domain::playbook::Playbook::built_in_source("restaurant").unwrap();
    let broken = src.replacen("stage = \"food-served\"", "stage = \"nowhere\"", 1);
    let res = app
        .http
        .put(format!("{}/api/v1/playbooks", app.base))
        .bearer_auth(&app.tokens["admin"])
        .body(broken)
        .send()
        .await
        .unwrap();
    let st = res.status();
    let b: Value = res.json().await.unwrap();
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(
        b["error"]["message"].as_str().unwrap().contains("line "),
        "{b}"
    );
    let (_, p) = app.get("admin", "/api/v1/playbooks/restaurant").await;
    assert!(
        p["defects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["stage"] != "nowhere")
    );
    // A manager replaces only the playbook their location uses; front desk none.
    let put = |who: &str, body: &str| {
        app.http
            .put(format!("{}/api/v1/playbooks", app.base))
            .bearer_auth(&app.tokens[who])
            .body(body.to_string())
            .send()
    };
    assert_eq!(
        put("dental_manager", src).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put("grill_front", src).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        put("grill_manager", src).await.unwrap().status(),
        StatusCode::OK
    );
    let res = app
        .http
        .get(format!(
            "{}/api/v1/playbooks/restaurant?format=toml",
            app.base
        ))
        .bearer_auth(&app.tokens["grill_team"])
        .send()
        .await
        .unwrap();
    assert!(olive_domain::playbook::Playbook::from_toml(&res.text().await.unwrap()).is_ok());
    let (st, hits) = app
        .get(
            "dental_front",
            &format!("/api/v1/locations/{}/defects?q=not+in+book", app.fx.dental),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(hits[0]["code"], "appointment-not-in-book", "{hits}");
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("long-wait"),
            Just("other"),
            Just("arrival"),
            Just("C-1001"),
            Just("")
        ]
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("location_id".to_string()),
                    Just("defect".to_string()),
                    Just("customer".to_string()),
                    Just("name".to_string()),
                    Just("stage".to_string()),
                    Just("phone".to_string()),
                    Just("email".to_string()),
                    Just("severity".to_string()),
                    Just("description".to_string()),
                    "[a-z_]{1,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn random_json_to_create_case_never_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let app = rt.block_on(TestApp::spawn(false));
    let location = app.fx.dental.clone();
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases: 300,
        failure_persistence: None,
        ..Default::default()
    });
    runner
        .run(&(json_value(), any::<bool>()), |(mut body, fill)| {
            // Half the time, graft a valid location so deeper validation is reached.
            if fill && let Value::Object(m) = &mut body {
                m.insert("location_id".into(), json!(location));
            }
            let (st, b) = rt.block_on(app.post("dental_front", "/api/v1/cases", body.clone()));
            prop_assert!(!st.is_server_error(), "{st} for {body}: {b}");
            if st.is_client_error() {
                prop_assert!(b["error"]["code"].is_string(), "{b}");
            }
            Ok(())
        })
        .unwrap();
}
