//! The case page acting in place (issue 20): an htmx request gets the page's sections only (no
//! `<html>`), a plain form is redirected back to its section; a form carrying a stale or bogus version
//! is refused with 409 `stale` and the fresh section, writing nothing; ticking a step already done
//! changes nothing; the live update's answer is small and names who changed the case last.

mod common;

use common::TestApp;
use common::browser::{Browser, signed_in};
use reqwest::StatusCode;

/// A dental case logged by the front desk, and the dental manager signed in on the web.
async fn case_and_manager(app: &TestApp) -> (String, Browser) {
    let store = &app.fx.store;
    store
        .set_password(&app.fx.actor("dental_manager").staff_id, "correct horse")
        .await
        .unwrap();
    let input = olive_storage::cases::NewCase {
        location_id: app.fx.dental.clone(),
        defect: "appointment-not-in-book".into(),
        stage: None,
        customer: olive_storage::cases::CustomerInput {
            name: "Ava Nguyen".into(),
            ..Default::default()
        },
        description: "Came for a cleaning that was not booked".into(),
        severity: None,
        fields: Default::default(),
        noticed_at: None,
        done_steps: Vec::new(),
    };
    let (c, _) = store
        .create_case(
            app.fx.actor("dental_front"),
            input,
            None,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let m = signed_in(app, "dental-manager").await;
    (c.summary.reference, m)
}

/// The page's CSRF token and the version its forms carry.
async fn form_state(b: &mut Browser, key: &str) -> (String, String) {
    let (st, body, _) = b.get(&format!("/cases/{key}")).await;
    assert_eq!(st, StatusCode::OK);
    let at = body.find("name=\"_csrf\" value=\"").expect("a form") + 20;
    let csrf = body[at..at + 64].to_string();
    let at = body.find("name=\"version\" value=\"").expect("a version") + 22;
    let version: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (csrf, version)
}

/// POST a form as htmx does (the `HX-Request` header).
async fn hx_post(
    b: &mut Browser,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let res = b
        .http
        .post(format!("{}{}", b.base, path))
        .header("cookie", b.cookies.join("; "))
        .header("hx-request", "true")
        .form(form)
        .send()
        .await
        .unwrap();
    let (st, h) = (res.status(), res.headers().clone());
    (st, res.text().await.unwrap(), h)
}

fn step_ids(app: &TestApp, d: &olive_storage::views::CaseDetail) -> Vec<String> {
    let _ = app;
    d.steps.iter().map(|s| s.id.clone()).collect()
}

#[tokio::test]
async fn htmx_gets_the_sections_and_a_plain_form_is_sent_back_to_its_section() {
    let app = TestApp::spawn(false).await;
    let (key, mut m) = case_and_manager(&app).await;
    let mgr = app.fx.actor("dental_manager");
    let d = app
        .fx
        .store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    let steps = step_ids(&app, &d);
    let (csrf, version) = form_state(&mut m, &key).await;

    // With htmx: 200 and the sections only, with the message inside the steps section.
    let (st, body, _) = hx_post(
        &mut m,
        &format!("/cases/{key}/steps/{}/complete", steps[0]),
        &[("_csrf", &csrf), ("version", &version)],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(!body.contains("<html"), "a fragment, not a page");
    assert!(body.contains("id=\"case-steps\""), "{body}");
    assert!(body.contains("Step done."), "{body}");
    assert!(body.contains("role=\"status\""), "{body}");

    // Without scripts: a redirect back to the page, at the steps.
    let (st, _, h) = m
        .post(
            &format!("/cases/{key}/steps/{}/complete", steps[1]),
            &[("_csrf", &csrf), ("version", &version)],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let to = h["location"].to_str().unwrap();
    assert!(to.starts_with(&format!("/cases/{key}?done=")), "{to}");
    assert!(to.ends_with("#case-steps"), "{to}");
    let (_, page, _) = m.get(to.split('#').next().unwrap()).await;
    assert!(page.contains("<html"), "the page itself");
    assert!(page.contains("Step done."), "the message is on the page");

    // A refused action with htmx: 422, the message beside the field, what was typed kept.
    let (st, body, _) = hx_post(
        &mut m,
        &format!("/cases/{key}/handoffs"),
        &[
            ("_csrf", &csrf),
            ("version", &version),
            ("to", &app.fx.actor("dental_team").staff_id),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(!body.contains("<html"));
    assert!(body.contains("id=\"h-reason-error\""), "{body}");

    // The live update's answer: small, with the version and who changed it last.
    let (st, live, _) = m.get(&format!("/ui/cases/{key}/version")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(live.len() < 2048, "{} bytes", live.len());
    let v: serde_json::Value = serde_json::from_str(&live).unwrap();
    assert!(v["v"].as_i64().unwrap() > version.parse::<i64>().unwrap());
    assert!(
        v["by"].as_str().unwrap().contains("dental manager"),
        "{live}"
    );
    // My work's too.
    let (st, live, _) = m.get("/ui/my/version").await;
    assert_eq!(st, StatusCode::OK);
    assert!(live.len() < 2048 && live.contains("\"h\""), "{live}");
}

#[tokio::test]
async fn completing_a_done_step_again_changes_nothing() {
    let app = TestApp::spawn(false).await;
    let (key, mut m) = case_and_manager(&app).await;
    let (store, mgr) = (&app.fx.store, app.fx.actor("dental_manager"));
    let d = store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    let step = d.steps[0].id.clone();
    let (csrf, version) = form_state(&mut m, &key).await;
    let path = format!("/cases/{key}/steps/{step}/complete");
    let form = [("_csrf", csrf.as_str()), ("version", version.as_str())];
    let (st, _, _) = hx_post(&mut m, &path, &form).await;
    assert_eq!(st, StatusCode::OK);
    let after_once = store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    let v_once = store.case_version(mgr, &key).await.unwrap().version;
    // The same tap again (a double tap, or a second person): 200, the steps as they are, nothing written.
    let (st, body, _) = hx_post(&mut m, &path, &form).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(body.contains("already done"), "{body}");
    let (st, _, h) = m.post(&path, &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "without scripts too");
    assert!(h["location"].to_str().unwrap().contains("already"));
    let after_twice = store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(after_twice.timeline.len(), after_once.timeline.len());
    assert_eq!(store.case_version(mgr, &key).await.unwrap().version, v_once);
}

#[tokio::test]
async fn a_stale_or_bogus_version_is_refused_with_the_fresh_section() {
    let app = TestApp::spawn(false).await;
    let (key, mut m) = case_and_manager(&app).await;
    let (store, mgr) = (&app.fx.store, app.fx.actor("dental_manager"));
    let (csrf, version) = form_state(&mut m, &key).await;
    // Someone else changes the case after the page was drawn.
    let d = store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    store
        .step_action(
            app.fx.actor("dental_front"),
            &key,
            &d.steps[0].id,
            false,
            Default::default(),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let before = store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    // A stale edit and a stale close (htmx): 409 `stale`, the message, the fresh section.
    let (st, body, h) = hx_post(
        &mut m,
        &format!("/cases/{key}/edit"),
        &[
            ("_csrf", &csrf),
            ("version", &version),
            ("customer_name", "Somebody Else"),
            ("description", "overwritten"),
            ("severity", "minor"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert_eq!(h["x-olive-code"], "stale");
    assert!(
        body.contains("Someone else changed this case while you were on it"),
        "{body}"
    );
    assert!(body.contains("dental front"), "names who: {body}");
    assert!(
        body.contains("Came for a cleaning that was not booked"),
        "fresh: {body}"
    );
    for v in [version.as_str(), "bogus"] {
        let (st, body, h) = hx_post(
            &mut m,
            &format!("/cases/{key}/close"),
            &[
                ("_csrf", &csrf),
                ("version", v),
                ("outcome", "not_recovered"),
                ("root_cause", "process"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::CONFLICT, "{v}: {body}");
        assert_eq!(h["x-olive-code"], "stale");
        assert!(body.contains("id=\"close-error\""), "{body}");
        assert!(!body.contains("<html"));
    }
    // And a stale verification, without scripts: the page, 409, the message.
    let (st, body, _) = m
        .post(
            &format!("/cases/{key}/verify"),
            &[
                ("_csrf", &csrf),
                ("version", &version),
                ("method", "phone"),
                ("customer_said", "fine"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(body.contains("<html") && body.contains("Someone else changed this case"));
    // Nothing was written.
    let after = store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(after.timeline.len(), before.timeline.len());
    assert_eq!(after.summary.status, before.summary.status);
    assert_eq!(after.summary.description, before.summary.description);
    assert!(after.verifications.is_empty());
}

/// The API's side of no lost update: a case carries its version as its `ETag`; a change sent with an
/// older one as `If-Match` is 409 `stale` and writes nothing; the current one goes through and answers
/// with the new `ETag`; a malformed `If-Match` is 400 naming the header; none at all still works.
#[tokio::test]
async fn the_api_refuses_a_change_made_on_an_older_etag() {
    let app = TestApp::spawn(false).await;
    let (key, _) = case_and_manager(&app).await;
    let who = &app.tokens["dental_manager"];
    let url = format!("{}/api/v1/cases/{key}", app.base);
    let res = app.http.get(&url).bearer_auth(who).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let tag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    let patch = |if_match: Option<&str>, description: &str| {
        let mut req = app
            .http
            .patch(&url)
            .bearer_auth(who)
            .json(&serde_json::json!({ "description": description }));
        if let Some(m) = if_match {
            req = req.header("if-match", m);
        }
        req.send()
    };
    // Someone else changes the case first.
    let res = patch(None, "First change, by someone else").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let newer = res.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(newer, tag);
    // Our change, made on what we read before: refused, nothing written.
    let res = patch(Some(&tag), "Our change on an old copy")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "stale", "{body}");
    let (_, now) = app
        .get("dental_manager", &format!("/api/v1/cases/{key}"))
        .await;
    assert_eq!(now["description"], "First change, by someone else", "{now}");
    // On the current version it goes through, with the next ETag.
    let res = patch(Some(&newer), "Our change, on the fresh copy")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_ne!(res.headers()["etag"].to_str().unwrap(), newer);
    // A close sent on the old ETag is refused too.
    let res = app
        .http
        .post(format!("{url}/close"))
        .bearer_auth(who)
        .header("if-match", &newer)
        .json(&serde_json::json!({"outcome": "not_recovered", "root_cause": "process"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "stale", "{body}");
    // A weak tag never matches (If-Match compares strongly).
    let current = app
        .http
        .get(&url)
        .bearer_auth(who)
        .send()
        .await
        .unwrap()
        .headers()["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let res = patch(Some(&format!("W/{current}")), "weakly tagged")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Not an ETag: 400, naming the header.
    let res = patch(Some("yesterday"), "whatever").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_if_match", "{body}");
    assert!(body["error"]["fields"]["If-Match"].is_string(), "{body}");
}

/// A choice that is not one of the form's (a verification method, an outcome, a root cause, a
/// severity) is refused with a message beside the form, never quietly taken as a default, and
/// nothing is stored.
#[tokio::test]
async fn a_bogus_choice_is_refused_beside_its_form_and_nothing_is_stored() {
    let app = TestApp::spawn(false).await;
    let (key, mut m) = case_and_manager(&app).await;
    let (store, mgr) = (&app.fx.store, app.fx.actor("dental_manager"));
    let before = store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    let (csrf, version) = form_state(&mut m, &key).await;
    type Post<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let posts: [Post; 5] = [
        (
            "verify",
            vec![
                ("method", "carrier_pigeon"),
                ("customer_said", "Fine"),
                ("satisfied", "on"),
            ],
            "say how you checked",
        ),
        (
            "close",
            vec![("outcome", "sort_of"), ("root_cause", "process")],
            "choose recovered or not recovered",
        ),
        (
            "close",
            vec![("outcome", "not_recovered"), ("root_cause", "gremlins")],
            "say what caused it",
        ),
        (
            "close",
            vec![("outcome", "not_recovered"), ("root_cause", "not_stated")],
            "say what caused it",
        ),
        (
            "edit",
            vec![
                ("customer_name", "Ava Nguyen"),
                ("description", "changed"),
                ("severity", "apocalyptic"),
            ],
            "choose minor, major or critical",
        ),
    ];
    for (action, fields, want) in posts {
        let mut form = vec![("_csrf", csrf.as_str()), ("version", version.as_str())];
        form.extend(fields);
        let (st, body, _) = hx_post(&mut m, &format!("/cases/{key}/{action}"), &form).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{action}: {body}");
        assert!(
            body.to_lowercase().contains(want),
            "{action} {want}: {body}"
        );
        assert!(
            body.contains("field-error"),
            "{action}: beside the form: {body}"
        );
    }
    let after = store
        .get_case(mgr, &key, jiff::Timestamp::now())
        .await
        .unwrap();
    assert_eq!(after.summary.status, before.summary.status);
    assert_eq!(after.summary.description, before.summary.description);
    assert_eq!(after.summary.severity, before.summary.severity);
    assert!(after.verifications.is_empty());
    assert_eq!(
        after.timeline.len(),
        before.timeline.len(),
        "nothing recorded"
    );
}
