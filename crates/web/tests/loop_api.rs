//! The loop over HTTP: follow-up, webhooks, outbox and notifications endpoints (every error status), and
//! the public follow-up page `/f/{token}` (statuses, what it reveals, single use).

mod common;

use common::{TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn new_case(app: &TestApp, email: Option<&str>) -> String {
    let (st, b) = app
        .post(
            "dental_front",
            "/api/v1/cases",
            json!({"location_id": app.fx.dental, "defect": "appointment-not-in-book",
                   "customer": {"name": "Maria Lopez", "email": email}, "description": "card for a slot not in the book"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    b["id"].as_str().unwrap().to_string()
}

async fn follow_up_endpoints(pg: bool) {
    let app = TestApp::spawn(pg).await;
    let id = new_case(&app, Some("maria.lopez@example.com")).await;
    let path = format!("/api/v1/cases/{id}/follow-up");

    let (st, b) = app.call(None, Method::POST, &path, None).await;
    assert_error(st, &b, StatusCode::UNAUTHORIZED, "unauthorized");
    let (st, b) = app.post("grill_front", &path, json!({})).await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = app
        .post(
            "dental_front",
            "/api/v1/cases/C-999999/follow-up",
            json!({}),
        )
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = app
        .post(
            "dental_front",
            &path,
            json!({"message": "See you on [day] at [time]."}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(
        b["error"]["fields"]["message"]
            .as_str()
            .unwrap()
            .contains("[day]"),
        "{b}"
    );
    let (st, b) = app
        .post(
            "dental_front",
            &path,
            json!({"message": "Calm down, it was our policy."}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, b) = app
        .post("dental_front", &path, json!({"channel": "sms"}))
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused: {b}"
    );

    // Sent with an Idempotency-Key and retried: one follow-up, one email; the key with another body is refused.
    let send = |body: serde_json::Value| {
        app.http
            .post(format!("{}{path}", app.base))
            .bearer_auth(&app.tokens["dental_front"])
            .header("idempotency-key", "follow-up-1")
            .json(&body)
            .send()
    };
    for _ in 0..2 {
        let res = send(json!({})).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let b: serde_json::Value = res.json().await.unwrap();
        assert_eq!(b["follow_ups"].as_array().map(Vec::len), Some(1), "{b}");
        assert_eq!(b["follow_ups"][0]["state"], "waiting");
    }
    let res = send(json!({"message": "Hi {first_name}, did we put it right?"}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let b: serde_json::Value = res.json().await.unwrap();
    assert_eq!(b["error"]["code"], "idempotency_key_reused", "{b}");
    let (st, b) = app
        .get("dental_manager", "/api/v1/outbox?status=pending")
        .await;
    assert_eq!(st, StatusCode::OK);
    let emails = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["event"] == "follow_up")
        .count();
    assert_eq!(emails, 1, "one email for the retried request: {b}");
    // Without a key, a second send is a new follow-up (a new link replaces the old).
    let (st, b) = app
        .call(Some("dental_front"), Method::POST, &path, None)
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert!(
        b.to_string().find("/f/").is_none(),
        "the API never shows the customer's link"
    );

    let no_email = new_case(&app, None).await;
    let (st, b) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{no_email}/follow-up"),
            json!({}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(b["error"]["fields"]["customer.email"].is_string(), "{b}");

    // The outbox holds the email; managers see it, front desk does not.
    let (st, b) = app.get("dental_front", "/api/v1/outbox").await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app
        .get("dental_manager", "/api/v1/outbox?status=pending")
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let mail = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["event"] == "follow_up")
        .expect("the follow-up email")
        .clone();
    assert_eq!(mail["recipient"], "maria.lopez@example.com");
    let (st, b) = app
        .get("dental_manager", "/api/v1/outbox?status=lost")
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (st, b) = app
        .post(
            "dental_manager",
            &format!("/api/v1/outbox/{}/retry", mail["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT, "not_dead");
    let (st, b) = app
        .post(
            "grill_manager",
            &format!("/api/v1/outbox/{}/retry", mail["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = app
        .post("dental_manager", "/api/v1/outbox/nope/retry", json!({}))
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");

    let (st, b) = app.get("dental_front", "/api/v1/me/notifications").await;
    assert_eq!(
        (st, b["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0)),
        "{b}"
    );
}

#[tokio::test]
async fn follow_up_endpoints_sqlite() {
    follow_up_endpoints(false).await;
}

#[tokio::test]
async fn follow_up_endpoints_postgres() {
    follow_up_endpoints(true).await;
}

#[tokio::test]
async fn webhook_endpoints() {
    let app = TestApp::spawn(false).await;
    let path = format!("/api/v1/locations/{}/webhooks", app.fx.dental);
    let good = json!({"url": "https://hooks.example.com/olive", "events": ["case.created", "case.escalated"]});
    let (st, b) = app.post("dental_front", &path, good.clone()).await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app.post("grill_manager", &path, good.clone()).await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    for (bad, field) in [
        (
            json!({"url": "http://127.0.0.1:9000/", "events": ["case.created"]}),
            "url",
        ),
        (
            json!({"url": "file:///etc/passwd", "events": ["case.created"]}),
            "url",
        ),
        (
            json!({"url": "https://hooks.example.com/", "events": ["case.deleted"]}),
            "events",
        ),
        (
            json!({"url": "https://hooks.example.com/", "events": []}),
            "events",
        ),
    ] {
        let (st, b) = app.post("dental_manager", &path, bad).await;
        assert_error(
            st,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(b["error"]["fields"][field].is_string(), "{b}");
    }
    let (st, b) = app.post("dental_manager", &path, good).await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    assert!(b["secret"].as_str().unwrap().starts_with("whsec_"));
    let hook = b["id"].as_str().unwrap().to_string();
    let (st, b) = app.get("dental_manager", &path).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["items"].as_array().unwrap().len(), 1);
    assert!(
        b["items"][0].get("secret").is_none(),
        "the secret is shown only once"
    );
    let (st, b) = app
        .call(
            Some("grill_manager"),
            Method::DELETE,
            &format!("/api/v1/webhooks/{hook}"),
            None,
        )
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, _) = app
        .call(
            Some("dental_manager"),
            Method::DELETE,
            &format!("/api/v1/webhooks/{hook}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, b) = app
        .call(
            Some("dental_manager"),
            Method::DELETE,
            &format!("/api/v1/webhooks/{hook}"),
            None,
        )
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn public_follow_up_page() {
    let app = TestApp::spawn(false).await;
    let id = new_case(&app, Some("maria.lopez@example.com")).await;
    let (_, link) = app
        .fx
        .store
        .send_followup(
            app.fx.actor("dental_front"),
            &id,
            Default::default(),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let path = &link[link.find("/f/").unwrap()..];
    let url = format!("{}{path}", app.base);
    let res = app.http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("Maria, did we make it right?") && html.contains("Harbour Dental"));
    for secret in ["Lopez", "maria.lopez@example.com", "appointment card", "C-"] {
        assert!(!html.contains(secret), "the page reveals {secret}");
    }
    let post = |body: &'static str| {
        app.http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    assert_eq!(
        post("rating=9&would_return=yes").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post("rating=4").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        post("garbage%%%").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let ok = post("rating=4&would_return=yes&comment=Thanks")
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(
        ok.text()
            .await
            .unwrap()
            .contains("glad we could put it right")
    );
    assert_eq!(
        post("rating=1&would_return=no").await.unwrap().status(),
        StatusCode::CONFLICT
    );
    let (_, case) = app
        .get("dental_front", &format!("/api/v1/cases/{id}"))
        .await;
    assert_eq!(case["follow_ups"][0]["rating"], 4);

    // One click stops further messages, even after answering: the page offers it, a GET only asks,
    // the mail client's RFC 8058 POST does it, a second POST changes nothing.
    let answered = app
        .http
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        answered.contains(&format!("{path}/unsubscribe")),
        "the page links the opt-out"
    );
    let unsub = format!("{url}/unsubscribe");
    let ask = app.http.get(&unsub).send().await.unwrap();
    assert_eq!(ask.status(), StatusCode::OK);
    let ask = ask.text().await.unwrap();
    assert!(
        ask.contains("Stop messages about this?") && ask.contains("Harbour Dental"),
        "{ask}"
    );
    let (_, case) = app
        .get("dental_front", &format!("/api/v1/cases/{id}"))
        .await;
    let opt_outs = |case: &serde_json::Value| {
        case["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "opted_out")
            .count()
    };
    assert_eq!(opt_outs(&case), 0, "looking at the page opts nobody out");
    for (n, already) in [(1, false), (2, true)] {
        let done = app
            .http
            .post(&unsub)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), StatusCode::OK, "click {n}");
        let html = done.text().await.unwrap();
        assert!(
            html.contains("won't contact you about this again"),
            "{html}"
        );
        assert_eq!(html.contains("already asked"), already, "click {n}: {html}");
    }
    let (_, case) = app
        .get("dental_front", &format!("/api/v1/cases/{id}"))
        .await;

    assert_eq!(opt_outs(&case), 1, "{case}");
    let (st, b) = app
        .post(
            "dental_front",
            &format!("/api/v1/cases/{id}/follow-up"),
            json!({}),
        )
        .await;
    assert_error(st, &b, StatusCode::CONFLICT, "customer_opted_out");
    assert_eq!(
        app.http
            .post(format!("{}/f/{}/unsubscribe", app.base, "0".repeat(64)))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.http
            .get(format!("{}/f/{}", app.base, "0".repeat(64)))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.http
            .get(format!("{}/f/short", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sign_in_and_public_pages_are_rate_limited() {
    let app = TestApp::spawn(false).await;
    let login = |who: &'static str| {
        app.http
            .post(format!("{}/login", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("login={who}&password=wrong-password"))
            .send()
    };
    // Five wrong passwords for one account are answered 401; the sixth is slowed down.
    for _ in 0..5 {
        assert_eq!(
            login("dental-front").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = login("dental-front").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(
        limited
            .text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts")
    );
    // An unknown account answers like a known one (the address has 4 of its 10 attempts left).
    for _ in 0..4 {
        assert_eq!(
            login("nobody-here").await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // The address has now used its burst too.
    assert_eq!(
        login("dental-team").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );

    let page = format!("{}/f/{}", app.base, "1".repeat(64));
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(app.http.get(&page).send().await.unwrap().status());
    }
    assert_eq!(statuses[0], StatusCode::NOT_FOUND);
    assert_eq!(*statuses.last().unwrap(), StatusCode::TOO_MANY_REQUESTS);
}

/// A poor answer with "don't contact me": the customer is told nobody will call, and staff see both
/// at the top of the case page; the new step is a manager's review, not a call.
#[tokio::test]
async fn poor_answer_with_opt_out_is_respected() {
    let app = TestApp::spawn(false).await;
    app.fx
        .store
        .update_location_contact(
            app.fx.actor("admin"),
            &app.fx.dental,
            olive_storage::admin::ContactUpdate {
                phone: Some("02 9555 0142".into()),
                ..Default::default()
            },
        )
        .await
        .expect("the practice's phone");
    let id = new_case(&app, Some("maria.lopez@example.com")).await;
    let (_, link) = app
        .fx
        .store
        .send_followup(
            app.fx.actor("dental_front"),
            &id,
            Default::default(),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let url = format!("{}{}", app.base, &link[link.find("/f/").unwrap()..]);
    let res = app
        .http
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("rating=2&would_return=no&comment=Still+waiting&opt_out=1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let thanks = res.text().await.unwrap();
    assert!(
        thanks.contains("We won't contact you about this again"),
        "{thanks}"
    );
    assert!(
        thanks.contains("If you change your mind, call Harbour Dental on <a href=\"tel:02 9555 0142\">02 9555 0142</a>"),
        "{thanks}"
    );
    assert!(!thanks.contains("will be in touch"), "{thanks}");

    let (_, case) = app
        .get("dental_front", &format!("/api/v1/cases/{id}"))
        .await;
    let steps = case["steps"].as_array().unwrap();
    assert!(
        steps.iter().any(|s| s["status"] == "pending"
            && s["title"]
                .as_str()
                .unwrap()
                .starts_with("Review Maria Lopez's answer")),
        "{case}"
    );
    assert!(
        !steps
            .iter()
            .any(|s| s["status"] == "pending" && s["title"].as_str().unwrap().starts_with("Call "))
    );
    assert!(
        !steps
            .iter()
            .any(|s| s["status"] == "pending" && s["kind"] == "verify"),
        "no new verification with someone who opted out"
    );

    // The case page says it first.
    let front = &app.fx.actor("dental_front").staff_id;
    let session = app
        .fx
        .store
        .create_session(front, None, jiff::Timestamp::now())
        .await
        .unwrap();
    let page = app
        .http
        .get(format!("{}/cases/{id}", app.base))
        .header("cookie", format!("olive_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let banner = page.find("id=\"answer-banner\"").expect("a banner");
    let heading = page.find("<h1>").unwrap();
    assert!(banner < heading, "the banner is above the case heading");
    let text = &page[banner..heading];
    assert!(
        text.contains("2 of 5")
            && text.contains("would not come back")
            && text.contains("Still waiting"),
        "{text}"
    );
    assert!(text.contains("asked not to be contacted again"), "{text}");
}
