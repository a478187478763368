//! Steps reach their people over HTTP: each step's assignee in the case, claim and assign (and the
//! errors that say why not), completion refused with whom the step is for, and My work's `steps` —
//! on SQLite and PostgreSQL.

mod common;

use common::{TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn step<'a>(case: &'a Value, title_part: &str) -> &'a Value {
    case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"].as_str().unwrap().contains(title_part))
        .unwrap_or_else(|| panic!("no step '{title_part}' in {case}"))
}

async fn scenario(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let (fiona, theo) = (app.id("dental_front"), app.id("dental_team"));
    // Logged without naming the dentist: the dentist's steps wait in the dentists' queue.
    let (st, c) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.dental, "defect": "pain-during-treatment",
                   "customer": {"name": "Ava Nguyen"}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let id = c["id"].as_str().unwrap().to_string();
    let call = step(&c, "Dentist rings");
    assert_eq!(call["assignee"], Value::Null);
    assert_eq!(call["for_provider"], true);
    assert_eq!(call["owner_label"], "Dentist");
    assert_eq!(call["owner_role"], "team_member");
    assert_eq!(
        step(&c, "waive today's fee")["assignee"]["id"],
        fiona.as_str()
    );
    let call_id = call["id"].as_str().unwrap().to_string();
    let path = |what: &str| format!("/api/v1/cases/{id}/steps/{call_id}/{what}");

    // The dentist's My work lists it, unclaimed, by due time.
    let (st, my) = app.get("dental_team", "/api/v1/my-work").await;
    assert_eq!(st, StatusCode::OK, "{my}");
    let steps = my["steps"].as_array().unwrap();
    let mine = steps
        .iter()
        .find(|s| s["step_id"] == call_id.as_str())
        .unwrap();
    assert_eq!(mine["case_id"], id.as_str());
    assert_eq!(mine["case_ref"], c["ref"]);
    assert_eq!(mine["assignee"], Value::Null);
    assert_eq!(mine["title"], call["title"]);
    assert!(mine["due_at"].as_str().is_some());
    for key in ["cases", "offered", "decisions"] {
        assert!(my[key].is_array(), "{key} is kept: {my}");
    }
    // The receptionist may not complete it, nor take it: the answer says whom it is for.
    let (st, b) = app.post("dental_front", &path("complete"), json!({})).await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("this step is for the dentist"),
        "{b}"
    );
    let (st, b) = app.post("dental_front", &path("claim"), json!({})).await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    // The restaurant's server cannot see the case.
    let (st, b) = app.post("grill_team", &path("claim"), json!({})).await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    // The dentist takes it: not a hand-off.
    let (st, b) = app.post("dental_team", &path("claim"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(step(&b, "Dentist rings")["assignee"]["id"], theo.as_str());
    assert_eq!(b["handoff_count"], 0);
    assert_eq!(b["owner"]["id"], fiona.as_str());

    // Assigning: managers only; the person must be able to do it; null returns it to the queue.
    let (st, b) = app
        .post("dental_front", &path("assign"), json!({"staff_id": theo}))
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app
        .post(
            "dental_manager",
            &path("assign"),
            json!({"staff_id": fiona}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(
        b["error"]["fields"]["staff_id"]
            .as_str()
            .unwrap()
            .contains("not the dentist"),
        "{b}"
    );
    let (st, b) = app
        .post(
            "dental_manager",
            &path("assign"),
            json!({"staff_id": app.id("grill_team")}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, b) = app
        .post("dental_manager", &path("assign"), json!({"staff_id": 7}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (st, b) = app
        .post("dental_manager", &path("assign"), json!({"staff_id": null}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(step(&b, "Dentist rings")["assignee"], Value::Null);
    let (st, b) = app
        .post("dental_manager", &path("assign"), json!({"staff_id": theo}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // Completed by the dentist; no step, no case: 404.
    let (st, b) = app.post("dental_team", &path("complete"), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(step(&b, "Dentist rings")["status"], "done");
    let (st, b) = app.post("dental_team", &path("claim"), json!({})).await;
    assert_error(st, &b, StatusCode::CONFLICT, "invalid_transition");
    let (st, b) = app
        .post(
            "dental_team",
            &format!("/api/v1/cases/{id}/steps/nope/claim"),
            json!({}),
        )
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (_, my) = app.get("dental_team", "/api/v1/my-work").await;
    assert!(
        my["steps"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["step_id"] != call_id.as_str())
    );
}

#[tokio::test]
async fn steps_over_http_sqlite() {
    scenario(false).await;
}

#[tokio::test]
async fn steps_over_http_postgres() {
    scenario(true).await;
}
