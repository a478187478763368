//! Observability of a real `olive serve` process, driven over HTTP like the seed stories: with the most
//! verbose log filter, in JSON and in text, no customer's name, phone, email, address, note or answer,
//! no token, password or session appears in stderr; JSON lines parse and carry the request id the
//! response returned; `/metrics` (on its own address, or on the main one with a bearer token) counts
//! the requests by route template, with latency histograms.

#[path = "observability/harness.rs"]
mod harness;

use harness::*;
use olive_storage::Store;
use olive_storage::testing::{Fixture, fresh_url};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

async fn stories(url: &str, s: &Server) -> Client2 {
    let store = Store::open(url).await.unwrap();
    let fx = Fixture::new(store.clone()).await.unwrap();
    let mut c = Client2 {
        http: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: s.base.clone(),
        ids: Vec::new(),
        secrets: Vec::new(),
    };
    let token = |who: &str| {
        let store = store.clone();
        let id = fx.actor(who).staff_id.clone();
        async move {
            store
                .create_token(&id, "obs", None, jiff::Timestamp::now())
                .await
                .unwrap()
                .token
        }
    };
    let front = token("dental_front").await;
    let manager = token("dental_manager").await;
    c.secrets.extend([front.clone(), manager.clone()]);
    store
        .set_password(&fx.actor("dental_front").staff_id, PASSWORD)
        .await
        .unwrap();

    // The front desk logs the case, works it, gives a gesture, adds a note.
    let case = c
        .json(
            &front,
            "POST",
            "/api/v1/cases",
            Some(json!({
        "location_id": fx.dental, "defect": "appointment-not-in-book",
        "customer": {"name": "Quentin Zarkovsky", "phone": "0411 987 654",
                     "email": "quentin.zarkovsky@example.org", "address": "77 Wombat Crescent"},
        "description": "Booked for the 9:15 hygiene slot; not in the book."})),
        )
        .await;
    let key = case["ref"].as_str().unwrap().to_string();
    let id = case["id"].as_str().unwrap().to_string();
    c.json(&front, "GET", &format!("/api/v1/cases/{key}"), None)
        .await;
    c.json(&front, "GET", &format!("/api/v1/cases/{id}"), None)
        .await;
    let step = case["steps"][0]["id"].as_str().unwrap().to_string();
    c.json(
        &front,
        "POST",
        &format!("/api/v1/cases/{key}/steps/{step}/complete"),
        Some(json!({"note": "Prefers a call after lunch"})),
    )
    .await;
    c.json(&front, "POST", &format!("/api/v1/cases/{key}/gestures"),
        Some(json!({"kind": "flowers", "value_cents": 30000, "note": "A bunch of proteas to the house"}))).await;
    c.json(
        &front,
        "POST",
        &format!("/api/v1/cases/{key}/notes"),
        Some(json!({"text": "Prefers a call after lunch"})),
    )
    .await;
    // Searches whose query strings are personal data.
    for q in [
        "0411%20987%20654",
        "quentin.zarkovsky%40example.org",
        "Zarkovsky",
    ] {
        c.json(&front, "GET", &format!("/api/v1/cases?q={q}"), None)
            .await;
    }
    c.json(&manager, "GET", "/api/v1/approvals", None).await;
    c.json(&front, "GET", &format!("/api/v1/cases/{key}/history"), None)
        .await;
    // A new API token and a password change.
    let created = c
        .json(
            &front,
            "POST",
            "/api/v1/tokens",
            Some(json!({"name": "laptop"})),
        )
        .await;
    let laptop = created["token"].as_str().unwrap().to_string();
    c.secrets.push(laptop.clone());
    c.json(&laptop, "GET", "/api/v1/me", None).await;

    // The customer's follow-up page: its token is in the path.
    let (_, link) = store
        .send_followup(
            fx.actor("dental_front"),
            &id,
            Default::default(),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let path = link[link.find("/f/").unwrap()..].to_string();
    c.secrets.push(path[3..].to_string());
    let page = format!("{}{path}", s.base);
    let (st, _) = c.send(c.http.get(&page)).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = c
        .send(c.http.post(&page).form(&[
            ("rating", "5"),
            ("would_return", "yes"),
            ("comment", "Lovely follow-up from the practice"),
        ]))
        .await;
    assert_eq!(st, StatusCode::OK);

    // Staff sign in on the web with a password (once wrong), search by phone, change the password.
    let (st, _) = c
        .send(
            c.http
                .post(format!("{}/login", s.base))
                .form(&[("login", "dental-front"), ("password", "wrong-obs-guess")]),
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = c
        .send(
            c.http
                .post(format!("{}/login", s.base))
                .form(&[("login", "dental-front"), ("password", PASSWORD)]),
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let session = c.secrets.last().unwrap().clone();
    let (st, html) = c
        .send(
            c.http
                .get(format!("{}/cases?q=0411+987+654", s.base))
                .header("cookie", format!("olive_session={session}")),
        )
        .await;
    assert!(st.is_success() && html.contains(&key), "{st}");
    c.json(
        &front,
        "POST",
        "/api/v1/me/password",
        Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
    )
    .await;
    // An id a client makes up is not taken (only a trusted proxy's is).
    let (_, _) = c
        .send(
            c.http
                .get(format!("{}/api/v1/health", s.base))
                .header("x-request-id", "client-chosen-id"),
        )
        .await;
    assert_ne!(c.ids.last().unwrap(), "client-chosen-id");
    c
}

/// The log file once the server has written the last request's line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_request_ids_and_nothing_personal() {
    let url = fresh_url(false).await.unwrap();
    let s = Server::start(&url, "json").await;
    let c = stories(&url, &s).await;
    let log = log_of(&s, c.ids.last().unwrap()).await;
    assert_nothing_personal(&log, &c.secrets, "the JSON log");
    let mut logged = BTreeSet::new();
    for line in log.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if let Some(id) = v["span"]["request_id"].as_str() {
            logged.insert(id.to_string());
            assert!(v["span"]["route"].is_string(), "{line}");
        }
    }
    for id in &c.ids {
        assert!(logged.contains(id), "no log line carries request id {id}");
    }
    // Verbose: the database statements are there too (without their values).
    assert!(
        log.contains("db.statement"),
        "OLIVE_LOG=trace had no effect"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_logs_carry_request_ids_and_nothing_personal() {
    let url = fresh_url(false).await.unwrap();
    let s = Server::start(&url, "text").await;
    let c = stories(&url, &s).await;
    let log = log_of(&s, c.ids.last().unwrap()).await;
    assert_nothing_personal(&log, &c.secrets, "the text log");
    for id in &c.ids {
        assert!(
            log.contains(&format!("request_id={id}")),
            "no log line carries request id {id}"
        );
    }
    assert!(!log.trim_start().starts_with('{'), "text, not JSON");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_stories_by_route_template() {
    let url = fresh_url(false).await.unwrap();
    let s = Server::start(&url, "text").await;
    let c = stories(&url, &s).await;
    let page = c.http.get(&s.metrics).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let page = page.text().await.unwrap();
    assert_nothing_personal(&page, &c.secrets, "the metrics page");
    let sample = |name: &str, labels: &str| -> f64 {
        let prefix = format!("{name}{{{labels}");
        page.lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {prefix} in\n{page}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        sample(
            "olive_http_requests_total",
            r#"method="POST",route="/api/v1/cases",status="201""#
        ),
        1.0
    );
    // One route template for the case read by reference and by id, never a raw path.
    assert_eq!(
        sample(
            "olive_http_requests_total",
            r#"method="GET",route="/api/v1/cases/{key}",status="200""#
        ),
        2.0
    );
    assert_eq!(
        sample(
            "olive_http_requests_total",
            r#"method="GET",route="/api/v1/cases",status="200""#
        ),
        3.0
    );
    assert_eq!(
        sample(
            "olive_http_requests_total",
            r#"method="POST",route="/f/{token}",status="200""#
        ),
        1.0
    );
    assert_eq!(
        sample(
            "olive_http_requests_total",
            r#"method="POST",route="/login",status="401""#
        ),
        1.0
    );
    assert_eq!(
        sample(
            "olive_http_request_duration_seconds_count",
            r#"method="GET",route="/api/v1/cases/{key}""#
        ),
        2.0
    );
    assert_eq!(
        sample(
            "olive_http_request_duration_seconds_bucket",
            r#"method="POST",route="/api/v1/cases",le="+Inf""#
        ),
        1.0
    );
    assert!(
        sample(
            "olive_http_request_duration_seconds_sum",
            r#"method="POST",route="/api/v1/cases""#
        ) > 0.0
    );
    assert!(!page.contains("/f/") || page.contains("/f/{token}"));
    for gauge in [
        "olive_db_pool_size{pool=\"main\"}",
        "olive_outbox_pending{channel=\"email\"}",
        "olive_jobs_overdue ",
        "olive_worker_last_tick_age_seconds ",
        "olive_database_reachable 1",
        "olive_http_requests_in_flight ",
    ] {
        assert!(page.contains(gauge), "no {gauge} in\n{page}");
    }
    // The follow-up email waits in the outbox (no SMTP here): the backlog shows it.
    assert!(sample("olive_outbox_pending", r#"channel="email""#) >= 1.0);
    // On the main address: only with the token.
    let main = format!("{}/metrics", s.base);
    let no = c.http.get(&main).send().await.unwrap();
    assert_eq!(no.status(), StatusCode::UNAUTHORIZED);
    let wrong = c.http.get(&main).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let yes = c
        .http
        .get(&main)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(yes.status(), StatusCode::OK);
    assert!(
        yes.text()
            .await
            .unwrap()
            .contains("olive_http_requests_total{")
    );
}

#[tokio::test]
async fn a_worker_alone_serves_its_metrics() {
    let url = fresh_url(false).await.unwrap();
    Store::open(&url).await.unwrap();
    let mport = free_port();
    let metrics = format!("http://127.0.0.1:{mport}/metrics");
    let mut child = Command::new(env!("CARGO_BIN_EXE_olive"))
        .args(["worker", "--metrics-addr", &format!("127.0.0.1:{mport}")])
        .env("DATABASE_URL", &url)
        .env("OLIVE_WORKER_TICK_MS", "100")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run olive worker");
    let start = Instant::now();
    let page = loop {
        if let Ok(r) = reqwest::get(&metrics).await {
            let page = r.text().await.unwrap();
            if page.contains("olive_worker_last_tick_age_seconds ") {
                break page;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no worker metrics"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    for gauge in [
        "olive_jobs_overdue 0",
        "olive_outbox_pending{channel=\"webhook\"} 0",
    ] {
        assert!(page.contains(gauge), "no {gauge} in\n{page}");
    }
}
