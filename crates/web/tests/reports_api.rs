//! Insights over HTTP: the summary for managers (403 for the front desk, 422 naming a bad filter), each
//! figure's link counting the same cases, the pages and their CSV tables — on SQLite and PostgreSQL.

mod common;

use common::browser::signed_in;
use common::{TestApp, assert_error};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn log(app: &TestApp, who: &str, loc: &str, defect: &str, name: &str) -> Value {
    let (st, c) = app
        .post(
            who,
            "/api/v1/cases",
            json!({"location_id": loc, "defect": defect, "customer": {"name": name}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    c
}

async fn scenario(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let dental = app.fx.dental.clone();
    log(
        &app,
        "dental_front",
        &dental,
        "appointment-not-in-book",
        "Ava Nguyen",
    )
    .await;
    log(
        &app,
        "dental_front",
        &dental,
        "appointment-not-in-book",
        "=HYPERLINK(\"x\")",
    )
    .await;
    log(
        &app,
        "dental_front",
        &dental,
        "phone-unanswered",
        "Mia Patel",
    )
    .await;
    log(
        &app,
        "grill_front",
        &app.fx.grill,
        "reservation-not-found",
        "Zara Chen",
    )
    .await;

    let q = format!("/api/v1/reports/summary?location_id={dental}");
    let (st, s) = app.get("dental_manager", &q).await;
    assert_eq!(st, StatusCode::OK, "{s}");
    assert_eq!(s["leaking"]["logged"], 3, "{s}");
    let (from, to) = (s["from"].as_str().unwrap(), s["to"].as_str().unwrap());
    // Each stage's count is the count of the case list behind it, through the API.
    for t in s["leaking"]["by_stage"].as_array().unwrap() {
        let path = format!(
            "/api/v1/cases/count?location_id={dental}&from={from}&to={to}&stage={}",
            t["key"].as_str().unwrap()
        );
        let (st, n) = app.get("dental_manager", &path).await;
        assert_eq!(st, StatusCode::OK, "{n}");
        assert_eq!(n["count"], t["count"], "{path}");
    }
    let (_, open) = app
        .get(
            "dental_manager",
            &format!("/api/v1/cases/count?location_id={dental}&age=0-1"),
        )
        .await;
    assert_eq!(open["count"], s["response"]["open_by_age"][0]["count"]);
    assert_eq!(open["count"], 3);

    // Managers only; another location is not found; bad filters name their field.
    let (st, b) = app.get("dental_front", &q).await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app.get("dental_team", "/api/v1/reports/summary").await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app.get("grill_manager", &q).await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    for (param, field) in [
        ("from=2026-02-30", "from"),
        ("to=tomorrow", "to"),
        ("severity=huge", "severity"),
    ] {
        let (st, b) = app
            .get(
                "dental_manager",
                &format!("/api/v1/reports/summary?location_id={dental}&{param}"),
            )
            .await;
        assert_error(
            st,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(b["error"]["fields"][field].is_string(), "{b}");
    }
    let (st, b) = app
        .get("dental_manager", "/api/v1/cases?outcome=maybe&age=old")
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(
        b["error"]["fields"]["outcome"].is_string() && b["error"]["fields"]["age"].is_string(),
        "{b}"
    );
    // The admin sees the group.
    let (st, g) = app.get("admin", "/api/v1/reports/summary").await;
    assert_eq!(st, StatusCode::OK, "{g}");
    assert_eq!(g["leaking"]["logged"], 4);

    // The pages: a manager reads the figure; the link behind it lists that many cases.
    for who in ["dental_manager", "dental_front"] {
        app.fx
            .store
            .set_password(&app.id(who), "correct horse")
            .await
            .unwrap();
    }
    let mut m = signed_in(&app, "dental-manager").await;
    let (st, html, _) = m.get("/insights/leaking").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Where are we leaking?"), "{html}");
    let logged = html
        .split("data-figure=\"logged\"")
        .nth(1)
        .and_then(|h| h.split("href=\"").nth(1))
        .and_then(|h| h.split('"').next())
        .expect("the logged figure links to its cases")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let (st, list, _) = m.get(&logged).await;
    assert_eq!(st, StatusCode::OK);
    assert!(list.contains("data-count=\"3\""), "{logged}");
    for question in ["response", "recovery", "cost", "handoffs", "causes"] {
        let (st, html, _) = m.get(&format!("/insights/{question}")).await;
        assert_eq!(st, StatusCode::OK, "{question}");
        assert!(
            html.contains("<svg class=\"chart") || question == "causes",
            "{question}"
        );
    }
    let (st, html, _) = m.get("/insights/leaking?from=2026-13-01").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("id=\"i-err\""),
        "the error is beside the form: {html}"
    );
    let (st, csv, h) = m.get("/insights/leaking/csv?table=defects").await;
    assert_eq!(st, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.starts_with("Defect,Cases"), "{csv}");
    assert!(
        csv.contains("Patient arrives with an appointment card"),
        "{csv}"
    );
    let (st, _, _) = m.get("/insights/leaking/csv?table=nope").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The page offers the monthly report; the link gives the PDF.
    let (_, html, _) = m.get("/insights/cost").await;
    let pdf = html
        .split("href=\"/insights/monthly.pdf?")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .expect("a monthly report link")
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let (st, body, h) = m.get(&format!("/insights/monthly.pdf?{pdf}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "application/pdf");
    assert!(body.starts_with("%PDF-"));

    // The front desk has no Insights.
    let mut f = signed_in(&app, "dental-front").await;
    let (st, _, _) = f.get("/insights/leaking").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _, _) = f
        .get(&format!(
            "/insights/monthly.pdf?location={dental}&month=2026-11"
        ))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (_, my, _) = f.get("/my").await;
    assert!(
        !my.contains("href=\"/insights\""),
        "no Insights in the front desk's menu"
    );
}

#[tokio::test]
async fn reports_over_http_sqlite() {
    scenario(false).await;
}

#[tokio::test]
async fn reports_over_http_postgres() {
    scenario(true).await;
}
