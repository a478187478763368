//! The web interface over HTTP: sign-in, sessions, CSRF, form errors, security headers, PIN lock-out, location scoping.

mod common;

use common::TestApp;
use common::browser::Browser;
use reqwest::StatusCode;

async fn app_with_passwords() -> TestApp {
    let app = TestApp::spawn(false).await;
    for who in ["dental_front", "dental_manager", "grill_front"] {
        app.fx
            .store
            .set_password(&app.fx.actor(who).staff_id, "correct horse")
            .await
            .unwrap();
    }
    app.fx
        .store
        .set_pin(&app.fx.actor("dental_front").staff_id, "2468")
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn sign_in_sessions_and_csrf() {
    let app = app_with_passwords().await;
    let mut b = Browser::new(&app);
    let (st, _, h) = b.get("/").await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(h["location"], "/login");

    // Wrong password and unknown account get the same answer.
    let (st1, body1, _) = b
        .post(
            "/login",
            &[("login", "dental-front"), ("password", "nope nope")],
        )
        .await;
    let (st2, body2, _) = b
        .post(
            "/login",
            &[("login", "nobody@nowhere.test"), ("password", "nope nope")],
        )
        .await;
    assert_eq!(
        (st1, st2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert!(body1.contains("do not match") && body2.contains("do not match"));
    assert!(
        body1.contains("value=\"dental-front\""),
        "the login is kept"
    );

    let (st, _, h) = b
        .post(
            "/login",
            &[
                ("login", "dental.front@olive.test"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let cookie = h["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // Pages carry security headers.
    let (st, body, h) = b.get("/").await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("Log a patient&#39;s problem"));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");

    // A form without the CSRF token is refused and changes nothing.
    let (st, _, _) = b
        .post(
            "/log",
            &[
                ("location_id", &app.fx.dental),
                ("defect", "long-wait"),
                ("customer_name", "X"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (_, list) = app.get("admin", "/api/v1/cases").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    // A form error is shown next to the field and the text typed is kept.
    let csrf = b.csrf("/").await;
    let (st, body, _) = b
        .post(
            "/log",
            &[
                ("_csrf", &csrf),
                ("location_id", &app.fx.dental),
                ("defect", "long-wait"),
                ("customer_name", ""),
                ("description", "Waited 40 minutes"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("id=\"name-error\"") && body.contains("Enter the patient&#39;s name"),
        "field error: {}",
        body.find("id=\"name-error\"")
            .map_or("", |i| &body[i..(i + 200).min(body.len())])
    );
    assert!(body.contains("Waited 40 minutes"), "entered text kept");

    // Logged properly: redirected to the new case; the same submission id twice logs one case.
    let form = [
        ("_csrf", csrf.as_str()),
        ("location_id", &app.fx.dental),
        ("defect", "long-wait"),
        ("customer_name", "Ruth"),
        ("description", "Waited 40 minutes"),
        ("submission", "s-1"),
    ];
    let (st, _, h) = b.post("/log", &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let to = h["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/cases/C-"), "{to}");
    let (st2, _, h2) = b.post("/log", &form).await;
    assert_eq!(
        (st2, h2["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, to.as_str())
    );
    let (_, list) = app.get("admin", "/api/v1/cases").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    // Another location's case is a 404 for a front desk there.
    let mut g = Browser::new(&app);
    g.post(
        "/login",
        &[("login", "grill-front"), ("password", "correct horse")],
    )
    .await;
    let (st, _, _) = g.get(to.split('?').next().unwrap()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Sign out ends the session.
    let csrf = b.csrf("/my").await;
    let (st, _, _) = b.post("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _, _) = b.get("/my").await;
    assert_eq!(st, StatusCode::SEE_OTHER);
}

/// A manager signs in and marks this browser as the dental front desk's shared device.
async fn manager_on_shared_device(app: &TestApp) -> Browser {
    let mut m = Browser::new(app);
    m.post(
        "/login",
        &[("login", "dental-manager"), ("password", "correct horse")],
    )
    .await;
    let csrf = m.csrf("/settings").await;
    let (st, _, h) = m
        .post(
            "/settings/device",
            &[
                ("_csrf", &csrf),
                ("location_id", &app.fx.dental),
                ("name", "Desk tablet"),
            ],
        )
        .await;
    assert_eq!(
        (st, h["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/switch")
    );
    m
}

#[tokio::test]
async fn pin_switch_locks_after_repeated_failures() {
    let app = app_with_passwords().await;
    let mut m = manager_on_shared_device(&app).await;
    let (_, page, _) = m.get("/switch").await;
    assert!(
        page.contains("dental front"),
        "people with a PIN are listed"
    );
    let fd = app.fx.actor("dental_front").staff_id.clone();
    let (st, body, _) = m
        .post("/switch", &[("staff_id", &fd), ("pin", "1111")])
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert!(body.contains("4 tries left"), "{body}");
    for _ in 0..3 {
        m.post("/switch", &[("staff_id", &fd), ("pin", "1111")])
            .await;
    }
    let (st, body, _) = m
        .post("/switch", &[("staff_id", &fd), ("pin", "1111")])
        .await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Locked: even the right PIN waits.
    let (st, _, _) = m
        .post("/switch", &[("staff_id", &fd), ("pin", "2468")])
        .await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn right_pin_switches_user() {
    let app = app_with_passwords().await;
    let mut m = manager_on_shared_device(&app).await;
    let fd = app.fx.actor("dental_front").staff_id.clone();
    let (st, _, _) = m
        .post("/switch", &[("staff_id", &fd), ("pin", "2468")])
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, body, _) = m.get("/").await;
    assert!(
        body.contains("dental front") && body.contains("data-idle-seconds=\"180\""),
        "signed in as the front desk with the idle timer"
    );
}

/// The audit trail over HTTP: a change through the API is recorded as coming from that token and
/// address; a change from a signed-in browser as that session; managers read and download it, front
/// desk staff may not.
#[tokio::test]
async fn audit_trail_records_where_changes_came_from() {
    let app = app_with_passwords().await;
    let (st, case) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            serde_json::json!({"location_id": app.fx.dental, "defect": "long-wait", "customer": {"name": "Sam"}}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{case}");
    let id = case["id"].as_str().unwrap();

    // The manager edits the case from a browser.
    let mut b = Browser::new(&app);
    let (st, _, _) = b
        .post(
            "/login",
            &[
                ("login", "dental.manager@olive.test"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let csrf = b.csrf(&format!("/cases/{id}")).await;
    let (st, _, _) = b
        .post(
            &format!("/cases/{id}/notes"),
            &[("_csrf", csrf.as_str()), ("text", "called her back")],
        )
        .await;
    assert!(st.is_redirection() || st.is_success(), "{st}");

    let (st, page) = app
        .get("dental_manager", &format!("/api/v1/audit?entity={id}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    let created = items
        .iter()
        .find(|e| e["action"] == "case.created")
        .expect("created");
    assert_eq!(created["via"], "token");
    assert!(
        created["credential"]
            .as_str()
            .unwrap()
            .starts_with("token:")
    );
    assert_eq!(created["ip"], "127.0.0.1");
    assert_eq!(created["actor_id"], app.id("dental_front"));
    let note = items
        .iter()
        .find(|e| e["action"] == "case.note")
        .expect("the note");
    assert_eq!(note["via"], "session");
    assert!(note["credential"].as_str().unwrap().starts_with("session:"));
    assert_eq!(note["actor_id"], app.id("dental_manager"));

    // CSV: a header and one line per entry; the same filters.
    let res = app
        .http
        .get(format!("{}/api/v1/audit/export?entity={id}", app.base))
        .bearer_auth(&app.tokens["dental_manager"])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("at,actor_id,actor_name,via"), "{csv}");
    assert_eq!(lines.len(), items.len() + 1, "{csv}");
    assert!(csv.contains("case.created") && csv.contains("case.note"));

    // The page and its download, for the manager; not for the front desk.
    let (st, html, _) = b.get("/audit").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("case.note") && html.contains("Download CSV"),
        "{html}"
    );
    let (st, body, _) = b.get("/audit.csv?action=case.").await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("case.created"));
    let (st, b2) = app.get("dental_front", "/api/v1/audit").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b2}");
    let (st, b2) = app
        .get(
            "dental_manager",
            &format!("/api/v1/audit?from=yesterday&entity={id}"),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b2}");
    assert!(b2["error"]["fields"]["from"].is_string(), "{b2}");
}
