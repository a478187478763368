//! Test harness: a real Olive server on 127.0.0.1:0 over a fresh database, with a token per fixture role.

#![allow(dead_code)]

#[path = "common/browser.rs"]
pub mod browser;

use olive_storage::testing::{Fixture, fresh_store};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeMap;

pub struct TestApp {
    pub base: String,
    pub fx: Fixture,
    pub tokens: BTreeMap<&'static str, String>,
    pub http: Client,
}

impl TestApp {
    pub async fn spawn(postgres: bool) -> TestApp {
        Self::spawn_with(postgres, |_| {}).await
    }

    /// A server whose state `configure` adjusts first (trusted proxies, limits).
    pub async fn spawn_with(
        postgres: bool,
        configure: impl FnOnce(&mut olive_web::AppState),
    ) -> TestApp {
        let store = fresh_store(postgres).await.expect("fresh database");
        let fx = Fixture::new(store.clone()).await.expect("fixture");
        let mut tokens = BTreeMap::new();
        for (k, a) in &fx.actors {
            let t = store
                .create_token(&a.staff_id, "test", None, jiff::Timestamp::now())
                .await
                .expect("token");
            tokens.insert(*k, t.token);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut state = olive_web::AppState::new(store);
        configure(&mut state);
        let (stop, grace) = (
            olive_web::Stop::default(),
            std::time::Duration::from_secs(5),
        );
        tokio::spawn(async move { olive_web::serve(listener, state, stop, grace).await });
        TestApp {
            base,
            fx,
            tokens,
            http: Client::new(),
        }
    }

    /// Send a JSON request as one of the fixture's people (`None` = no token).
    pub async fn call(
        &self,
        who: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(w) = who {
            req = req.bearer_auth(&self.tokens[w]);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, who: &str, path: &str) -> (StatusCode, Value) {
        self.call(Some(who), Method::GET, path, None).await
    }

    pub async fn post(&self, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Some(who), Method::POST, path, Some(body)).await
    }

    pub fn id(&self, who: &str) -> String {
        self.fx.actor(who).staff_id.clone()
    }
}

/// Assert the error shape and code; returns the body for more checks.
pub fn assert_error(status: StatusCode, body: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}
