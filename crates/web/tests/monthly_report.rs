//! `GET /api/v1/reports/monthly.pdf` on a small fixture (two cases for a customer called Zelda
//! Quartermain): a valid PDF (`qpdf --check`) whose text (`pdftotext`) shows the month's headline
//! figures and no customer's name; the file's name and type; who may have it (front desk 403,
//! another location 404, the group only for admins) and bad months (422 on `month`).

mod common;

use common::{TestApp, assert_error};
use olive_storage::cases::{CustomerInput, NewCase};
use reqwest::StatusCode;

/// The PDF's text, after `qpdf --check` passed (None when the tools are not installed).
fn check_and_read(pdf: &[u8]) -> Option<String> {
    let path = std::env::temp_dir().join(format!(
        "olive-monthly-{}-{}.pdf",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::write(&path, pdf).unwrap();
    let Ok(qpdf) = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
    else {
        eprintln!("SKIPPED qpdf --check and pdftotext: not installed (scripts/test installs them)");
        return None;
    };
    assert!(
        qpdf.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&qpdf.stdout)
    );
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let _ = std::fs::remove_file(&path);
    assert!(text.status.success());
    Some(String::from_utf8_lossy(&text.stdout).into_owned())
}

/// GET as `who`: status, headers and bytes.
async fn get_pdf(
    app: &TestApp,
    who: &str,
    query: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .http
        .get(format!("{}/api/v1/reports/monthly.pdf?{query}", app.base))
        .bearer_auth(&app.tokens[who])
        .send()
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.bytes().await.unwrap().to_vec())
}

async fn the_monthly_pdf(pg: bool) {
    let app = TestApp::spawn(pg).await;
    let now = jiff::Timestamp::now();
    for defect in ["long-wait", "long-wait"] {
        app.fx
            .store
            .create_case(
                app.fx.actor("dental_front"),
                NewCase {
                    location_id: app.fx.dental.clone(),
                    defect: defect.into(),
                    stage: None,
                    customer: CustomerInput {
                        name: "Zelda Quartermain".into(),
                        email: Some("zelda@example.com".into()),
                        ..Default::default()
                    },
                    description: "Zelda waited forty minutes".into(),
                    severity: None,
                    fields: Default::default(),
                    noticed_at: None,
                    done_steps: Vec::new(),
                },
                None,
                now,
            )
            .await
            .unwrap();
    }
    let month = olive_report::Month::of(
        now.to_zoned(jiff::tz::TimeZone::get("Australia/Sydney").unwrap())
            .date(),
    );
    let dental = &app.fx.dental;
    let (status, headers, pdf) = get_pdf(
        &app,
        "dental_manager",
        &format!("location_id={dental}&month={month}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"olive-{month}-harbour-dental.pdf\"").as_str()
    );
    assert!(pdf.starts_with(b"%PDF-"));
    // The figures the Insights summary gives for the same month.
    let (status, sum) = app
        .get(
            "dental_manager",
            &format!(
                "/api/v1/reports/summary?location_id={dental}&from={}&to={}",
                month.first_day(),
                month.last_day()
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sum}");
    let n = |v: &serde_json::Value| v.as_i64().unwrap();
    let logged = n(&sum["leaking"]["logged"]);
    assert_eq!(logged, 2, "{sum}");
    let mut want = vec![format!(
        "{logged} ({} in the {} days before)",
        n(&sum["leaking"]["previous_logged"]),
        month.days()
    )];
    let top = &sum["leaking"]["top_defects"][0];
    want.push(format!(
        "{} ({} cases)",
        top["label"].as_str().unwrap(),
        n(&top["count"])
    ));
    let closed = n(&sum["recovery"]["closed"]);
    want.push(if closed == 0 {
        "no case closed".into()
    } else {
        format!("({} of {closed} closed", n(&sum["recovery"]["recovered"]))
    });
    let due = n(&sum["response"]["steps_due"]);
    want.push(if due == 0 {
        "no step was due".into()
    } else {
        format!(
            "({} of {due} steps due)",
            n(&sum["response"]["steps_on_time"])
        )
    });
    want.push(format!(
        "{} ({} ",
        n(&sum["handoffs"]["total_offered"]),
        n(&sum["handoffs"]["cases_twice_or_more"])
    ));
    if let Some(text) = check_and_read(&pdf) {
        for w in &want {
            assert!(text.contains(w.as_str()), "'{w}' missing from:\n{text}");
        }
        assert!(text.contains("Harbour Dental"), "{text}");
        assert!(text.contains(&month.title()), "{text}");
        assert!(text.contains("Aggregates only; no customer details."));
        for secret in ["Zelda", "Quartermain", "zelda@example.com", "forty minutes"] {
            assert!(!text.contains(secret), "'{secret}' in the PDF:\n{text}");
        }
    }

    // The group: admins only, without a location.
    let (status, headers, pdf) = get_pdf(&app, "admin", &format!("month={month}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers["content-disposition"],
        format!("attachment; filename=\"olive-{month}-all-locations.pdf\"").as_str()
    );
    if let Some(text) = check_and_read(&pdf) {
        assert!(text.contains("All locations"), "{text}");
        assert!(!text.contains("Zelda"));
    }
    let (status, body) = app
        .get(
            "dental_manager",
            &format!("/api/v1/reports/monthly.pdf?month={month}"),
        )
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(body["error"]["fields"]["location_id"].is_string(), "{body}");

    // Who may not, and bad months.
    let (status, body) = app
        .get(
            "dental_front",
            &format!("/api/v1/reports/monthly.pdf?location_id={dental}&month={month}"),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .get(
            "dental_front",
            &format!("/api/v1/reports/monthly.pdf?month={month}"),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .get(
            "grill_manager",
            &format!("/api/v1/reports/monthly.pdf?location_id={dental}&month={month}"),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    for bad in ["2026-13", "2026-1", "November", "", "9999-01"] {
        let (status, body) = app
            .get(
                "dental_manager",
                &format!("/api/v1/reports/monthly.pdf?location_id={dental}&month={bad}"),
            )
            .await;
        assert_error(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(
            body["error"]["fields"]["month"].is_string(),
            "{bad}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn monthly_pdf_sqlite() {
    the_monthly_pdf(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn monthly_pdf_postgres() {
    the_monthly_pdf(true).await;
}

/// The opt-out over the API: read, turned off, audited, turned back on.
async fn my_settings(pg: bool) {
    let app = TestApp::spawn(pg).await;
    let (status, body) = app.get("dental_manager", "/api/v1/me/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["monthly_report"], true);
    let (status, body) = app
        .call(
            Some("dental_manager"),
            reqwest::Method::PUT,
            "/api/v1/me/settings",
            Some(serde_json::json!({"monthly_report": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["monthly_report"], false);
    let (_, body) = app.get("dental_manager", "/api/v1/me/settings").await;
    assert_eq!(body["monthly_report"], false);
    let (_, audit) = app
        .get(
            "dental_manager",
            "/api/v1/audit?action=staff.settings_changed",
        )
        .await;
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1), "{audit}");
    let (status, body) = app
        .call(
            Some("dental_manager"),
            reqwest::Method::PUT,
            "/api/v1/me/settings",
            Some(serde_json::json!({"monthly_report": "no"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn my_settings_sqlite() {
    my_settings(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn my_settings_postgres() {
    my_settings(true).await;
}

/// "Your settings" on the settings page: the box is ticked by default; unticking it saves the opt-out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_settings_page_has_the_opt_out() {
    let app = TestApp::spawn(false).await;
    let manager = app.fx.actor("dental_manager").clone();
    app.fx
        .store
        .set_password(&manager.staff_id, "correct horse")
        .await
        .unwrap();
    let mut b = common::browser::Browser::new(&app);
    b.post(
        "/login",
        &[("login", "dental-manager"), ("password", "correct horse")],
    )
    .await;
    let (st, page, _) = b.get("/settings").await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("Your settings"), "{page}");
    assert!(
        page.contains(r#"name="monthly_report" type="checkbox" checked"#),
        "ticked by default"
    );
    let csrf = b.csrf("/settings").await;
    let (st, _, h) = b
        .post(
            "/settings/me",
            &[("_csrf", &csrf), ("location_id", &app.fx.dental)],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{h:?}");
    assert!(
        !app.fx
            .store
            .my_settings(&manager)
            .await
            .unwrap()
            .monthly_report,
        "unticked: opted out"
    );
    let (_, page, _) = b.get("/settings").await;
    assert!(!page.contains(r#"name="monthly_report" type="checkbox" checked"#));
    let (st, _, _) = b
        .post(
            "/settings/me",
            &[
                ("_csrf", &csrf),
                ("location_id", &app.fx.dental),
                ("monthly_report", "on"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(
        app.fx
            .store
            .my_settings(&manager)
            .await
            .unwrap()
            .monthly_report
    );
}
