//! Issue 21's budget and case exports over HTTP, on SQLite and PostgreSQL: `PUT /api/v1/locations/{id}/budget`
//! (set, read back, cleared, 422 naming `monthly_cents`, 403, audited), `GET /api/v1/reports/cases.csv`
//! and `.xlsx` (the list's filters and count across pages, formulas defused, a real workbook, 403, 404,
//! 422), and the pages: the cases page's download links and the settings page's budget field.

mod common;

use common::browser::Browser;
use common::{TestApp, assert_error};
use olive_storage::cases::{CustomerInput, NewCase};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Read;

const ARRIVAL: &str = "appointment-not-in-book";
const WAITING: &str = "long-wait";
const HEADER: &str = "reference,location,logged at,noticed at,stage,defect,severity,status,outcome,closed at,customer,owner,handoffs,reopened,gestures given,spend,currency,root cause,verified";

async fn budget(app: &TestApp, who: &str, body: Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/locations/{}/budget", app.fx.dental);
    app.call(Some(who), Method::PUT, &path, Some(body)).await
}

async fn budget_through_the_api(pg: bool) {
    let app = TestApp::spawn(pg).await;
    let (st, b) = budget(&app, "dental_front", json!({"monthly_cents": 150000})).await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = budget(&app, "grill_manager", json!({"monthly_cents": 150000})).await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = budget(&app, "dental_manager", json!({"monthly_cents": 150000})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        b,
        json!({"location_id": app.fx.dental, "monthly_budget": {"cents": 150000, "currency": "AUD"}})
    );
    let loc = format!("/api/v1/locations/{}", app.fx.dental);
    let (_, l) = app.get("dental_front", &loc).await;
    assert_eq!(
        l["monthly_budget"],
        json!({"cents": 150000, "currency": "AUD"})
    );
    let (_, list) = app.get("admin", "/api/v1/locations").await;
    let grill = list
        .as_array()
        .and_then(|l| l.iter().find(|l| l["id"] == app.fx.grill.as_str()))
        .expect("the grill in the list");
    assert_eq!(grill["monthly_budget"], Value::Null);

    // Out of range, not whole cents, or left out: 422 naming the field; nothing changes.
    for bad in [
        json!({"monthly_cents": -1}),
        json!({"monthly_cents": 10_000_000_001_i64}),
        json!({"monthly_cents": 12.5}),
        json!({"monthly_cents": "100"}),
    ] {
        let (st, b) = budget(&app, "dental_manager", bad.clone()).await;
        assert_error(
            st,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(
            b["error"]["fields"]["monthly_cents"].is_string(),
            "{bad}: {b}"
        );
    }
    let (st, b) = budget(&app, "dental_manager", json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (_, l) = app.get("dental_front", &loc).await;
    assert_eq!(l["monthly_budget"]["cents"], 150000);

    // null: no budget.
    let (st, b) = budget(&app, "dental_manager", json!({"monthly_cents": null})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["monthly_budget"], Value::Null);
    let (_, l) = app.get("dental_front", &loc).await;
    assert_eq!(l["monthly_budget"], Value::Null);

    // Both changes are in the audit trail, with the old and new cents.
    let (st, trail) = app
        .get(
            "dental_manager",
            &format!(
                "/api/v1/audit?location={}&action=budget.changed",
                app.fx.dental
            ),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{trail}");
    let data: Vec<&Value> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["data"])
        .collect();
    assert_eq!(
        data,
        [
            &json!({"from": 150000, "to": null, "currency": "AUD"}),
            &json!({"from": null, "to": 150000, "currency": "AUD"})
        ]
    );
}

#[tokio::test]
async fn budget_through_the_api_sqlite() {
    budget_through_the_api(false).await;
}

#[tokio::test]
async fn budget_through_the_api_postgres() {
    budget_through_the_api(true).await;
}

/// Log `n` cases of `defect` at the dental practice as the front desk.
async fn log(app: &TestApp, defect: &str, names: impl IntoIterator<Item = String>) {
    let fd = app.fx.actor("dental_front");
    for name in names {
        let input = NewCase {
            location_id: app.fx.dental.clone(),
            defect: defect.into(),
            stage: None,
            customer: CustomerInput {
                name,
                ..CustomerInput::default()
            },
            description: String::new(),
            severity: None,
            fields: Default::default(),
            noticed_at: None,
            done_steps: Vec::new(),
        };
        app.fx
            .store
            .create_case(fd, input, None, jiff::Timestamp::now())
            .await
            .expect("log a case");
    }
}

/// How many cases the list has for a query, page by page.
async fn list_count(app: &TestApp, who: &str, query: &str) -> usize {
    let (mut n, mut cursor) = (0, String::new());
    loop {
        let (st, page) = app
            .get(who, &format!("/api/v1/cases?{query}&limit=100{cursor}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{page}");
        n += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return n,
        }
    }
}

async fn fetch(app: &TestApp, who: &str, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.base))
        .bearer_auth(&app.tokens[who])
        .send()
        .await
        .expect("request")
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

async fn exports(pg: bool) {
    let app = TestApp::spawn(pg).await;
    // More arrivals than one page of the list, one of them named like a formula; a few waits.
    let mut names: Vec<String> = (1..=104).map(|i| format!("Patient {i}")).collect();
    names.push("=HYPERLINK(\"x\")".into());
    log(&app, ARRIVAL, names).await;
    log(
        &app,
        WAITING,
        ["Ava Nguyen".to_string(), "Ben Ortiz".to_string()],
    )
    .await;

    let res = fetch(
        &app,
        "dental_manager",
        "/api/v1/reports/cases.csv?stage=arrival&limit=5&cursor=nonsense",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"olive-cases.csv\""
    );
    assert!(h.get("x-olive-truncated").is_none());
    let text = res.text().await.unwrap();
    assert_eq!(text.lines().next(), Some(HEADER));
    let rows = csv_rows(&text);
    let listed = list_count(&app, "dental_manager", "stage=arrival").await;
    assert_eq!(listed, 105);
    assert_eq!(rows.len(), listed);
    assert!(
        rows.iter()
            .all(|r| r.len() == 19 && r[4] == "Arrival and check-in")
    );
    // The formula is text; the rest of a row as the list has it.
    let odd = rows
        .iter()
        .find(|r| r[10].contains("HYPERLINK"))
        .expect("the odd name");
    assert_eq!(odd[10], "'=HYPERLINK(\"x\")");
    assert!(!text.contains(",=HYPERLINK"));
    assert_eq!(odd[1], "Harbour Dental");
    assert_eq!(
        (
            odd[12].as_str(),
            odd[13].as_str(),
            odd[15].as_str(),
            odd[16].as_str()
        ),
        ("0", "0", "0.00", "AUD")
    );
    assert_eq!(odd[18], "");
    assert_eq!(odd[2].len(), "2026-01-01 09:00".len(), "{odd:?}");
    // Other filters pass through as the list's: every case, or the waits only.
    let all = csv_rows(
        &fetch(&app, "dental_manager", "/api/v1/reports/cases.csv")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(
        all.len(),
        list_count(&app, "dental_manager", "status=").await
    );
    assert_eq!(all.len(), 107);
    let waits = csv_rows(
        &fetch(
            &app,
            "admin",
            &format!(
                "/api/v1/reports/cases.csv?defect={WAITING}&location_id={}",
                app.fx.dental
            ),
        )
        .await
        .text()
        .await
        .unwrap(),
    );
    assert_eq!(waits.len(), 2);

    // Excel: a real workbook with the header and one row per case.
    let res = fetch(
        &app,
        "dental_manager",
        "/api/v1/reports/cases.xlsx?stage=arrival",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let read = |zip: &mut zip::ZipArchive<_>, name: &str| {
        let mut s = String::new();
        zip.by_name(name)
            .unwrap_or_else(|_| panic!("{name} in the workbook"))
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let sheet = read(&mut zip, "xl/worksheets/sheet1.xml");
    let strings = read(&mut zip, "xl/sharedStrings.xml");
    let workbook = read(&mut zip, "xl/workbook.xml");
    assert!(workbook.contains("name=\"Cases\""), "{workbook}");
    assert_eq!(sheet.matches("<row ").count(), 1 + 105);
    for col in 'A'..='S' {
        assert!(
            sheet.contains(&format!("r=\"{col}1\"")),
            "header cell {col}1"
        );
    }
    assert!(!sheet.contains("r=\"T1\""));
    for title in HEADER.split(',') {
        assert!(strings.contains(&format!(">{title}<")), "{title}");
    }
    assert!(strings.contains("&quot;x&quot;") || strings.contains("=HYPERLINK(\"x\")"));
    assert!(!sheet.contains("<f>"), "no formulas");
    assert!(
        sheet.contains("state=\"frozen\""),
        "the header row stays in view"
    );
    assert!(sheet.contains("<autoFilter ref=\"A1:S106\""), "autofilter");
    assert!(sheet.contains("<cols>"), "column widths");

    // Who may export: the front desk may not; another location is 404; bad filters are 422.
    for path in ["/api/v1/reports/cases.csv", "/api/v1/reports/cases.xlsx"] {
        let (st, b) = app.get("dental_front", path).await;
        assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
        let (st, b) = app
            .get(
                "grill_manager",
                &format!("{path}?location_id={}", app.fx.dental),
            )
            .await;
        assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
        let (st, b) = app
            .get("dental_manager", &format!("{path}?severity=bogus"))
            .await;
        assert_error(
            st,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(b["error"]["fields"]["severity"].is_string(), "{b}");
        let (st, _) = app.call(None, Method::GET, path, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    // The grill's manager exports the grill's cases only.
    let grill = csv_rows(
        &fetch(&app, "grill_manager", "/api/v1/reports/cases.csv")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(grill.is_empty());
}

#[tokio::test]
async fn exports_sqlite() {
    exports(false).await;
}

#[tokio::test]
async fn exports_postgres() {
    exports(true).await;
}

async fn signed_in(app: &TestApp, who: &str) -> Browser {
    app.fx
        .store
        .set_password(&app.fx.actor(who).staff_id, "correct horse")
        .await
        .unwrap();
    let mut b = Browser::new(app);
    let login = who.replace('_', "-");
    let (st, _, _) = b
        .post(
            "/login",
            &[("login", login.as_str()), ("password", "correct horse")],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    b
}

#[tokio::test]
async fn the_pages_offer_downloads_and_the_budget() {
    let app = TestApp::spawn(false).await;
    log(
        &app,
        ARRIVAL,
        ["=SUM(A1)".to_string(), "Cleo Park".to_string()],
    )
    .await;
    log(&app, WAITING, ["Ava Nguyen".to_string()]).await;

    // The manager's cases page links to downloads carrying its filters; they download that list.
    let mut m = signed_in(&app, "dental_manager").await;
    let (st, page, _) = m.get("/cases?stage=arrival").await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("href=\"/cases.csv?stage=arrival\""), "{page}");
    assert!(page.contains("href=\"/cases.xlsx?stage=arrival\""));
    assert!(page.contains("Download Excel"));
    let (st, csv, h) = m.get("/cases.csv?stage=arrival").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-type"], "text/csv; charset=utf-8");
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|r| r[10] == "'=SUM(A1)"));
    let (st, _, h) = m.get("/cases.xlsx?stage=arrival").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"olive-cases.xlsx\""
    );
    // The front desk sees no links and gets no download.
    let mut f = signed_in(&app, "dental_front").await;
    let (st, page, _) = f.get("/cases").await;
    assert_eq!(st, StatusCode::OK);
    assert!(!page.contains("Download CSV"));
    let (st, _, _) = f.get("/cases.csv").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Settings: the budget in the location's currency; bad input is told beside the field.
    let settings = format!("/settings?location={}", app.fx.dental);
    let (_, page, _) = m.get(&settings).await;
    assert!(page.contains("Monthly budget for gestures (AUD)"), "{page}");
    let csrf = m.csrf(&settings).await;
    let post = |v: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("location_id", app.fx.dental.clone()),
            ("monthly_budget", v.to_string()),
        ]
    };
    for bad in ["three hundred", "-5", "200000000"] {
        let form = post(bad);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (st, body, _) = m.post("/settings/budget", &pairs).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            body.contains("id=\"budget-e\""),
            "{bad}: a message beside the field"
        );
        assert!(body.contains(&format!("value=\"{bad}\"")), "{bad}: kept");
    }
    let budget = || async {
        let b = app
            .fx
            .store
            .budgets(std::slice::from_ref(&app.fx.dental))
            .await
            .unwrap();
        b[0].monthly_cents
    };
    assert_eq!(budget().await, None);
    for (typed, want) in [
        ("300", Some(300_00)),
        ("1,500.50", Some(1500_50)),
        ("", None),
    ] {
        let form = post(typed);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (st, _, h) = m.post("/settings/budget", &pairs).await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{typed}");
        assert!(h["location"].to_str().unwrap().starts_with("/settings?"));
        assert_eq!(budget().await, want, "{typed}");
        if want == Some(1500_50) {
            let (_, page, _) = m.get(&settings).await;
            assert!(
                page.contains("value=\"1,500.50\""),
                "the saved budget is shown"
            );
        }
    }
}
