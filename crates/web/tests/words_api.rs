//! The right words over HTTP: a case's fields in and out, each step's `say` and `write` rendered for the case
//! beside its template and blanks, and the errors that name a bad field — on SQLite and PostgreSQL.

mod common;

use common::{TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The rendered scripts of a case body whose template uses `slot`.
fn rendered_with<'a>(case: &'a Value, slot: &str) -> Vec<&'a Value> {
    case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| [&s["say"], &s["write"]])
        .filter(|w| w["template"].as_str().is_some_and(|t| t.contains(slot)))
        .collect()
}

async fn scenario(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let dentist = app.id("dental_team");
    let (st, c) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.dental, "defect": "double-booking",
                   "customer": {"name": "Mrs Priyanka Natarajan", "preferred_name": "Pri"},
                   "fields": {"provider": dentist, "appointment_time": "2026-12-07T09:30"}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_string();
    let (st, c) = app
        .get("dental_front", &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!(c["display_name"], "Mrs Priyanka Natarajan");
    assert_eq!(c["customer_noun"], "patient");
    assert_eq!(c["fields"]["provider"], dentist.as_str());
    assert_eq!(c["case_fields"][0]["display"], "dental team");
    assert_eq!(c["case_fields"][1]["display"], "Monday 7 December, 9:30 am");
    // Each name in its own slot: the dentist, the patient by the name she asked for, the receptionist.
    for w in rendered_with(&c, "{provider}") {
        assert!(w["text"].as_str().unwrap().contains("dental team"), "{w}");
    }
    let greeted = rendered_with(&c, "{customer_first_name}");
    assert!(!greeted.is_empty());
    for w in greeted {
        let text = w["text"].as_str().unwrap();
        assert!(text.contains("Pri") && !text.contains("Priyanka"), "{w}");
    }
    for step in c["steps"].as_array().unwrap() {
        for w in [&step["say"], &step["write"]] {
            if let Some(text) = w["text"].as_str() {
                assert!(!text.contains('{'), "{w}");
                // The blanks listed are the ones still in the text.
                for b in w["blanks"].as_array().unwrap() {
                    assert!(text.contains(b.as_str().unwrap()), "{w}");
                }
            }
        }
    }

    // Bad input names its field and stores nothing.
    let (st, b) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.dental, "defect": "double-booking",
                   "customer": {"name": ""}, "fields": {"table": "4"}}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let fields = b["error"]["fields"].as_object().unwrap();
    assert!(
        fields.contains_key("customer.name") && fields.contains_key("fields.table"),
        "{b}"
    );
    assert!(
        fields["customer.name"]
            .as_str()
            .unwrap()
            .contains("patient"),
        "{b}"
    );
    let (st, b) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.dental, "defect": "double-booking",
                   "customer": {"name": "Ana"}, "fields": {"provider": app.id("grill_team")}}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(b["error"]["fields"]["fields.provider"].is_string(), "{b}");

    // The restaurant logs a table, not a name.
    let (st, t) = app
        .post(
            "grill_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.grill, "defect": "meal-not-as-ordered",
                   "customer": {"name": ""}, "fields": {"table": "12", "party_size": 4}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{t}");
    assert_eq!(t["display_name"], "Table 12");
    assert_eq!(t["customer_noun"], "guest");
    let (st, list) = app.get("grill_front", "/api/v1/cases").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["items"][0]["display_name"], "Table 12", "{list}");

    // A playbook written with the old tokens is taken, with a warning per token and its replacement.
    let old = include_str!("../../storage/tests/fixtures/dental-before-scripts.toml");
    let res = app
        .http
        .put(format!("{}/api/v1/playbooks", app.base))
        .bearer_auth(&app.tokens["admin"])
        .header("content-type", "application/toml")
        .body(old.replace("code = \"dental\"", "code = \"old-dental\""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let saved: Value = res.json().await.unwrap();
    let warnings: Vec<&str> = saved["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("\"[Name]\"") && w.contains("{customer_first_name}")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().all(|w| w.starts_with("line ")),
        "{warnings:?}"
    );
}

#[tokio::test]
async fn words_over_http_sqlite() {
    scenario(false).await;
}

#[tokio::test]
async fn words_over_http_postgres() {
    scenario(true).await;
}
