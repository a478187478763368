//! A location's contact details through the JSON API (set, read, cleared, 422 naming `phone`, `email`
//! or `address`, documented in the OpenAPI) on SQLite and PostgreSQL, and on the settings page (a
//! message beside the bad field, the values kept).

mod common;

use common::browser::Browser;
use common::{TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn settings(extra: Value) -> Value {
    let mut body = json!({"timezone": "Australia/Sydney", "currency": "AUD",
        "hours": [{"day": "mon", "open": "08:00", "close": "17:00"}]});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

async fn put(app: &TestApp, who: &str, body: Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/locations/{}", app.fx.dental);
    app.call(Some(who), Method::PUT, &path, Some(body)).await
}

async fn contact_through_the_api(pg: bool) {
    let app = TestApp::spawn(pg).await;
    let full = json!({"phone": "02 9555 0142", "email": "Hello@HarbourDental.example",
        "address": "12 Wharf Street\nPyrmont NSW 2009"});
    let (st, b) = put(&app, "dental_front", settings(full.clone())).await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = put(&app, "dental_manager", settings(full)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["phone"], "02 9555 0142");
    assert_eq!(b["email"], "hello@harbourdental.example");
    assert_eq!(b["address"], "12 Wharf Street\nPyrmont NSW 2009");
    let (st, b) = app
        .get(
            "dental_front",
            &format!("/api/v1/locations/{}", app.fx.dental),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["phone"], "02 9555 0142");
    let (_, list) = app.get("admin", "/api/v1/locations").await;
    let grill = list
        .as_array()
        .and_then(|l| l.iter().find(|l| l["id"] == app.fx.grill.as_str()))
        .expect("the grill in the list");
    assert_eq!(
        (&grill["phone"], &grill["email"], &grill["address"]),
        (&Value::Null, &Value::Null, &Value::Null)
    );

    // Left out (or null): unchanged; "": removed.
    let (st, b) = put(&app, "dental_manager", settings(json!({"email": null}))).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (&b["phone"], &b["email"]),
        (
            &json!("02 9555 0142"),
            &json!("hello@harbourdental.example")
        )
    );
    let (st, b) = put(
        &app,
        "dental_manager",
        settings(json!({"email": "", "address": ""})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (&b["phone"], &b["email"], &b["address"]),
        (&json!("02 9555 0142"), &Value::Null, &Value::Null)
    );

    // A bad value is a 422 naming its field, and nothing is saved.
    for (field, body) in [
        ("phone", json!({"phone": "ring the front desk"})),
        ("phone", json!({"phone": "12"})),
        ("email", json!({"email": "hello at harbour"})),
        ("address", json!({"address": "x".repeat(301)})),
    ] {
        let (st, b) = put(&app, "dental_manager", settings(body.clone())).await;
        assert_error(
            st,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        let named: Vec<&String> = b["error"]["fields"]
            .as_object()
            .map(|f| f.keys().collect())
            .unwrap_or_default();
        assert_eq!(named, [field], "{body}: {b}");
    }
    let (st, b) = put(&app, "dental_manager", settings(json!({"phone": 2}))).await;
    assert!(st.is_client_error(), "{b}");
    let (_, b) = app
        .get(
            "dental_front",
            &format!("/api/v1/locations/{}", app.fx.dental),
        )
        .await;
    assert_eq!(
        (&b["phone"], &b["email"]),
        (&json!("02 9555 0142"), &Value::Null)
    );

    // The OpenAPI document describes the fields, in and out.
    let (st, doc) = app
        .call(None, Method::GET, "/api/v1/openapi.json", None)
        .await;
    assert_eq!(st, StatusCode::OK);
    for schema in ["LocationSettings", "LocationView"] {
        for field in ["phone", "email", "address"] {
            assert!(
                doc["components"]["schemas"][schema]["properties"][field].is_object(),
                "{schema}.{field}"
            );
        }
    }
}

#[tokio::test]
async fn contact_through_the_api_sqlite() {
    contact_through_the_api(false).await;
}

#[tokio::test]
async fn contact_through_the_api_postgres() {
    contact_through_the_api(true).await;
}

#[tokio::test]
async fn contact_on_the_settings_page() {
    let app = TestApp::spawn(false).await;
    let store = &app.fx.store;
    store
        .set_password(&app.fx.actor("dental_manager").staff_id, "correct horse")
        .await
        .unwrap();
    let mut m = Browser::new(&app);
    let (st, _, _) = m
        .post(
            "/login",
            &[("login", "dental-manager"), ("password", "correct horse")],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let page = format!("/settings?location={}", app.fx.dental);
    let csrf = m.csrf(&page).await;
    let loc = store.location(&app.fx.dental).await.unwrap();
    let mut form: Vec<(String, String)> = vec![
        ("_csrf".into(), csrf),
        ("location_id".into(), app.fx.dental.clone()),
        ("timezone".into(), loc.tz_name.clone()),
        ("currency".into(), loc.currency.to_string()),
        ("closed_dates".into(), String::new()),
        ("approval_escalation_minutes".into(), "10".into()),
    ];
    for (i, d) in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .enumerate()
    {
        match loc.hours[i] {
            Some(h) => {
                form.push((format!("{d}_open"), h.open.strftime("%H:%M").to_string()));
                form.push((format!("{d}_close"), h.close.strftime("%H:%M").to_string()));
            }
            None => form.push((format!("{d}_closed"), "on".into())),
        }
    }
    let with = |extra: &[(&str, &str)]| {
        let mut f = form.clone();
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };

    // A bad phone: 422, the message beside the phone field, what was typed kept.
    let bad = with(&[
        ("phone", "ring us"),
        ("email", "hello@harbourdental.example"),
        ("address", "12 Wharf Street\r\nPyrmont NSW 2009"),
    ]);
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (st, body, _) = m.post("/settings/location", &pairs).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains(r#"id="loc-phone-e""#),
        "a message beside the phone field"
    );
    assert!(body.contains("a phone number needs 6 to 15 digits"));
    assert!(body.contains(r#"value="ring us""#));
    assert!(body.contains(r#"value="hello@harbourdental.example""#));
    assert!(!body.contains(r#"id="loc-email-e""#));
    assert!(
        store
            .location(&app.fx.dental)
            .await
            .unwrap()
            .email
            .is_none()
    );

    // A good save, shown back on the page.
    let good = with(&[
        ("phone", "02 9555 0142"),
        ("email", "hello@harbourdental.example"),
        ("address", "12 Wharf Street\r\nPyrmont NSW 2009"),
    ]);
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (st, _, _) = m.post("/settings/location", &pairs).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let l = store.location(&app.fx.dental).await.unwrap();
    assert_eq!(l.phone.unwrap().as_str(), "02 9555 0142");
    assert_eq!(l.email.unwrap().as_str(), "hello@harbourdental.example");
    assert_eq!(
        l.address.unwrap().as_str(),
        "12 Wharf Street\nPyrmont NSW 2009"
    );
    let (_, body, _) = m.get(&page).await;
    assert!(body.contains(r#"value="02 9555 0142""#));
    assert!(body.contains("12 Wharf Street\nPyrmont NSW 2009</textarea>"));
}
