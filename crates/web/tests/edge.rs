//! Olive at the edge, over real connections from several loopback addresses: the client address
//! behind a trusted proxy (forged headers ignored), HSTS, API rate limits per token and per address,
//! and the sign-in history in the audit trail and on the "Recent sign-ins" page.

mod common;

use common::TestApp;
use olive_domain::proxy::TrustedProxies;
use olive_web::ratelimit::{LimitConfig, RateLimits};
use reqwest::StatusCode;
use serde_json::Value;
use std::net::IpAddr;
use std::sync::Arc;

/// A client whose connections come from `from` (any 127.x.y.z is this machine).
fn client_from(from: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from.parse::<IpAddr>().unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn behind_proxy(postgres: bool, limits: LimitConfig) -> TestApp {
    let app = TestApp::spawn_with(postgres, |st| {
        st.proxies = Arc::new(TrustedProxies::parse("127.0.0.1").unwrap());
        st.limits = Arc::new(RateLimits::new(limits));
    })
    .await;
    for who in ["dental_front", "dental_manager"] {
        let id = &app.fx.actor(who).staff_id;
        app.fx
            .store
            .set_password(id, "correct horse")
            .await
            .unwrap();
    }
    app
}

/// Sign in through `http`, optionally as forwarded by a proxy; returns the status and session cookie.
async fn sign_in(
    app: &TestApp,
    http: &reqwest::Client,
    xff: Option<&str>,
    login: &str,
    password: &str,
) -> (StatusCode, Option<String>) {
    let mut req = http
        .post(format!("{}/login", app.base))
        .form(&[("login", login), ("password", password)]);
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    let res = req.send().await.unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("olive_session=") && c.len() > 15);
    (res.status(), cookie)
}

async fn sign_in_entries(app: &TestApp) -> Vec<Value> {
    let (st, body) = app
        .get("admin", "/api/v1/audit?action=auth.&limit=200")
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .or(body.as_array())
        .cloned()
        .unwrap_or_default()
}

async fn client_address_and_sign_in_history(postgres: bool) {
    let app = behind_proxy(postgres, LimitConfig::default()).await;
    let proxy = client_from("127.0.0.1");
    let stranger = client_from("127.0.0.2");

    // Through the trusted proxy: the forged left entry is ignored, the address nginx saw is used.
    let (st, cookie) = sign_in(
        &app,
        &proxy,
        Some("203.0.113.7, 198.51.100.4"),
        "dental-front",
        "correct horse",
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert!(cookie.is_some());
    // From an untrusted peer, its header is ignored altogether.
    let (st, _) = sign_in(
        &app,
        &stranger,
        Some("203.0.113.7"),
        "dental-front",
        "wrong wrong",
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = sign_in(&app, &stranger, None, "nobody@example.com", "wrong wrong").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    let entries = sign_in_entries(&app).await;
    let front = app.id("dental_front");
    let ok = entries
        .iter()
        .find(|e| e["action"] == "auth.signed_in")
        .expect("the sign-in is in the audit trail");
    assert_eq!(ok["ip"], "198.51.100.4", "{ok}");
    assert_eq!(ok["entity_id"], front.as_str());
    assert_eq!(ok["actor_id"], front.as_str());
    assert!(ok["credential"].as_str().unwrap().starts_with("session:"));
    let failed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "auth.sign_in_failed")
        .collect();
    assert_eq!(failed.len(), 2, "{entries:?}");
    assert!(failed.iter().all(|e| e["ip"] == "127.0.0.2"), "{failed:?}");
    // A failed attempt on a real account is filed under that account, but not made by them.
    assert!(
        failed
            .iter()
            .any(|e| e["entity_id"] == front.as_str() && e["actor_id"].is_null())
    );
    let unknown = failed
        .iter()
        .find(|e| e["entity_id"] == "")
        .expect("the unknown account's attempt, for admins");
    assert_eq!(unknown["data"]["login"], "nobody@example.com");

    // The person sees their own history; the page names where it came from.
    let (_, cookie) = sign_in(
        &app,
        &proxy,
        Some("198.51.100.5"),
        "dental-front",
        "correct horse",
    )
    .await;
    let page = proxy
        .get(format!("{}/sign-ins", app.base))
        .header("cookie", cookie.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Recent sign-ins"));
    assert!(
        html.contains("198.51.100.5") && html.contains("198.51.100.4"),
        "both sign-ins listed"
    );
    assert!(
        html.contains("Failed sign-in") && html.contains("127.0.0.2"),
        "the failed attempt on her account"
    );
    assert!(
        !html.contains("Everyone&#x27;s") && !html.contains("Everyone's"),
        "a receptionist sees only her own"
    );

    // Signing out is recorded.
    let (_, cookie) = sign_in(&app, &proxy, None, "dental-manager", "correct horse").await;
    let cookie = cookie.unwrap();
    let html = proxy
        .get(format!("{}/sign-ins", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Everyone"),
        "a manager sees their people's sign-ins"
    );
    assert!(
        html.contains("198.51.100.4"),
        "including the receptionist's"
    );
    let at = html.find("name=\"_csrf\" value=\"").unwrap() + 20;
    let csrf = html[at..at + 64].to_string();
    let out = proxy
        .post(format!("{}/logout", app.base))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let entries = sign_in_entries(&app).await;
    assert!(
        entries.iter().any(|e| e["action"] == "auth.signed_out"
            && e["actor_id"] == app.id("dental_manager").as_str()),
        "{entries:?}"
    );
}

#[tokio::test]
async fn client_address_and_sign_in_history_sqlite() {
    client_address_and_sign_in_history(false).await;
}

#[tokio::test]
async fn client_address_and_sign_in_history_postgres() {
    client_address_and_sign_in_history(true).await;
}

#[tokio::test]
async fn hsts_only_when_a_trusted_proxy_says_https() {
    let app = behind_proxy(false, LimitConfig::default()).await;
    let hsts = |http: reqwest::Client, proto: Option<&'static str>| {
        let url = format!("{}/login", app.base);
        async move {
            let mut req = http.get(url);
            if let Some(p) = proto {
                req = req.header("x-forwarded-proto", p);
            }
            let res = req.send().await.unwrap();
            res.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap().to_string())
        }
    };
    let via_proxy = hsts(client_from("127.0.0.1"), Some("https")).await;
    assert!(via_proxy.is_some_and(|v| v.contains("max-age=")));
    assert_eq!(hsts(client_from("127.0.0.1"), Some("http")).await, None);
    assert_eq!(hsts(client_from("127.0.0.1"), None).await, None);
    assert_eq!(
        hsts(client_from("127.0.0.2"), Some("https")).await,
        None,
        "only a trusted proxy is believed"
    );
}

/// A client address that gets 429 first sees `n` answers that are not 429.
async fn until_limited(
    mut send: impl AsyncFnMut() -> reqwest::Response,
    max: usize,
) -> (usize, reqwest::Response) {
    for n in 0..max {
        let res = send().await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            return (n, res);
        }
    }
    panic!("never limited in {max} requests");
}

#[tokio::test]
async fn api_rate_limits_per_token_and_per_address() {
    let limits = LimitConfig {
        api_per_token: 60,
        api_per_address: 120,
        ..Default::default()
    };
    let app = behind_proxy(false, limits).await;
    let url = format!("{}/api/v1/cases?limit=1", app.base);
    let proxy = client_from("127.0.0.1");
    // One token: its burst (a fifth of a minute's worth), then 429 with Retry-After and the error body.
    let (n, res) = until_limited(
        async || {
            proxy
                .get(&url)
                .bearer_auth(&app.tokens["dental_front"])
                .header("x-forwarded-for", "198.51.100.1")
                .send()
                .await
                .unwrap()
        },
        100,
    )
    .await;
    assert_eq!(n, 12, "a burst of 12 for 60 a minute");
    assert!(
        res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    // Another token from the same address still works.
    let other = proxy
        .get(&url)
        .bearer_auth(&app.tokens["dental_manager"])
        .header("x-forwarded-for", "198.51.100.1")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);

    // One address guessing tokens: limited by address, before any token is looked at.
    let (n, _) = until_limited(
        async || {
            proxy
                .get(&url)
                .bearer_auth("olive_guess")
                .header("x-forwarded-for", "198.51.100.2")
                .send()
                .await
                .unwrap()
        },
        100,
    )
    .await;
    assert_eq!(n, 24, "a burst of 24 for 120 a minute");
    // Another client behind the same proxy is not affected.
    let fine = proxy
        .get(&url)
        .bearer_auth(&app.tokens["grill_front"])
        .header("x-forwarded-for", "198.51.100.3")
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), StatusCode::OK);
}

#[tokio::test]
async fn sign_in_limits_count_the_forwarded_client_not_the_proxy() {
    let app = behind_proxy(false, LimitConfig::default()).await;
    let proxy = client_from("127.0.0.1");
    let mut tries = 0;
    let mut status = StatusCode::UNAUTHORIZED;
    while status == StatusCode::UNAUTHORIZED && tries < 40 {
        tries += 1;
        // A new account name each time: only the address limit can stop this.
        let login = format!("guess{tries}@example.com");
        status = sign_in(&app, &proxy, Some("198.51.100.66"), &login, "wrong wrong")
            .await
            .0;
    }
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "after {tries}");
    assert_eq!(tries, 11, "the burst of 10 per address, then 429");
    // The receptionist behind the same proxy signs in as usual.
    let (st, _) = sign_in(
        &app,
        &proxy,
        Some("198.51.100.67"),
        "dental-front",
        "correct horse",
    )
    .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
}
