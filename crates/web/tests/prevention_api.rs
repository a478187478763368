//! Prevention over HTTP: `GET /api/v1/prevention` lists the action collecting two cases of one defect;
//! a manager assigns and closes it with `POST /api/v1/prevention/{id}`; the front desk reads but gets
//! 403; bad input is 422 naming the field; another location's action is 404.

mod common;

use common::{TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn log(app: &TestApp, who: &str, location: &str, defect: &str, name: &str) -> String {
    let (st, c) = app
        .post(
            who,
            "/api/v1/cases",
            json!({"location_id": location, "defect": defect, "customer": {"name": name}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    c["ref"].as_str().unwrap().to_string()
}

fn action_for<'a>(list: &'a Value, defect: &str) -> Vec<&'a Value> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["defect_code"] == defect)
        .collect()
}

async fn prevention(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let dental = app.fx.dental.clone();
    let a = log(&app, "dental_front", &dental, "long-wait", "Ava").await;
    let b = log(&app, "dental_front", &dental, "long-wait", "Ben").await;

    // Anyone at the location reads it: one action, both cases.
    let (st, list) = app.get("dental_front", "/api/v1/prevention").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let found = action_for(&list, "long-wait");
    assert_eq!(found.len(), 1, "{list}");
    let act = found[0];
    assert_eq!(act["status"], "open");
    assert_eq!(act["location_id"], dental.as_str());
    assert!(act["owner"].is_null() && act["due_on"].is_null());
    assert!(
        act["action"]
            .as_str()
            .unwrap()
            .contains("appointment lengths")
    );
    let mut refs: Vec<&str> = act["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ref"].as_str().unwrap())
        .collect();
    refs.sort();
    let mut want = vec![a.as_str(), b.as_str()];
    want.sort();
    assert_eq!(refs, want);
    let id = act["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/prevention/{id}");

    // The other location sees none of it; filters are checked.
    let (st, theirs) = app.get("grill_manager", "/api/v1/prevention").await;
    assert_eq!(st, StatusCode::OK);
    assert!(action_for(&theirs, "long-wait").is_empty(), "{theirs}");
    let (st, body) = app
        .get("dental_manager", "/api/v1/prevention?status=closed")
        .await;
    assert_error(
        st,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(body["error"]["fields"]["status"].is_string(), "{body}");
    let (st, body) = app
        .get(
            "dental_manager",
            &format!("/api/v1/prevention?location_id={}", app.fx.grill),
        )
        .await;
    assert_error(st, &body, StatusCode::NOT_FOUND, "not_found");

    // The front desk may not change it; another location's manager does not find it.
    let assign = json!({"owner_id": app.id("dental_manager"), "due_on": "2026-12-18", "status": "in_progress"});
    let (st, body) = app.post("dental_front", &path, assign.clone()).await;
    assert_error(st, &body, StatusCode::FORBIDDEN, "forbidden");
    let (st, body) = app.post("grill_manager", &path, assign.clone()).await;
    assert_error(st, &body, StatusCode::NOT_FOUND, "not_found");

    // Bad input names the field.
    let (st, body) = app
        .post("dental_manager", &path, json!({"due_on": "next friday"}))
        .await;
    assert_error(
        st,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(body["error"]["fields"]["due_on"].is_string(), "{body}");
    let (st, body) = app
        .post(
            "dental_manager",
            &path,
            json!({"owner_id": app.id("grill_team")}),
        )
        .await;
    assert_error(
        st,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(body["error"]["fields"]["owner_id"].is_string(), "{body}");
    let (st, body) = app
        .post("dental_manager", &path, json!({"status": "done"}))
        .await;
    assert_error(
        st,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(body["error"]["fields"]["notes"].is_string(), "{body}");
    let (st, body) = app
        .post("dental_manager", &path, json!({"colour": "green"}))
        .await;
    assert!(st.is_client_error(), "{st} {body}");
    assert!(body["error"]["code"].is_string(), "{body}");

    // The manager assigns it, then closes it with a note.
    let (st, v) = app.post("dental_manager", &path, assign).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["owner"]["id"], app.id("dental_manager").as_str());
    assert_eq!(v["due_on"], "2026-12-18");
    assert_eq!(v["status"], "in_progress");
    let (st, v) = app
        .post(
            "dental_manager",
            &path,
            json!({"status": "done", "notes": "Hygiene visits booked at 45 minutes; catch-up gap at 11:00"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "done");
    assert!(v["done_at"].is_string());
    let (st, body) = app
        .post("dental_manager", &path, json!({"status": "open"}))
        .await;
    assert_error(st, &body, StatusCode::CONFLICT, "prevention_done");

    // A new case of the defect opens a new action; the list shows open ones first.
    let c = log(&app, "dental_front", &dental, "long-wait", "Cleo").await;
    let (_, list) = app.get("dental_front", "/api/v1/prevention").await;
    let found = action_for(&list, "long-wait");
    assert_eq!(found.len(), 2, "{list}");
    assert_eq!(found[0]["status"], "open");
    assert_eq!(found[0]["cases"][0]["ref"], c.as_str());
    assert_eq!(found[1]["id"], id.as_str());
    let (_, open) = app
        .get("dental_front", "/api/v1/prevention?status=open")
        .await;
    assert_eq!(action_for(&open, "long-wait").len(), 1);
}

#[tokio::test]
async fn prevention_sqlite() {
    prevention(false).await;
}

#[tokio::test]
async fn prevention_postgres() {
    prevention(true).await;
}
