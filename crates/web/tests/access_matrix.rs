//! The authorization matrix, generated from the permission table: every API route × role × own/other
//! location (and no token) against a real server, expecting what `olive_web::access` says. A route in
//! the OpenAPI document without an entry in the table (or without a request here) fails the test.

mod common;

#[path = "access_matrix/fixtures.rs"]
mod fixtures;
#[path = "access_matrix/object_rules.rs"]
mod object_rules;
#[path = "access_matrix/requests.rs"]
mod requests;

use common::TestApp;
use object_rules::OBJECT_RULES;
use olive_domain::permission::allows;
use olive_domain::role::Role;
use olive_storage::Store;
use olive_web::access::{Expect, ROUTES};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::atomic::AtomicUsize;

/// The callers: one per role, all working at the dental practice (the admin everywhere).
const CALLERS: [(&str, Role); 4] = [
    ("dental_front", Role::FrontDesk),
    ("dental_team", Role::TeamMember),
    ("dental_manager", Role::Manager),
    ("admin", Role::Admin),
];
const PASSWORD: &str = "correct horse battery";

/// One location's people and playbook as the fixtures need them.
#[derive(Clone)]
struct Place {
    id: String,
    playbook: &'static str,
    defect: &'static str,
    stage: &'static str,
    front: &'static str,
    team: &'static str,
}

/// A request to make, and the status it gets when allowed.
struct Req {
    path: String,
    body: Option<Value>,
    raw: Option<String>,
    ok: StatusCode,
}

fn req(path: impl Into<String>, body: Option<Value>, ok: StatusCode) -> Req {
    Req {
        path: path.into(),
        body,
        raw: None,
        ok,
    }
}

struct Matrix {
    app: TestApp,
    store: Store,
    n: AtomicUsize,
}

async fn matrix(postgres: bool) {
    let app = TestApp::spawn(postgres).await;
    let store = app.fx.store.clone();
    for (who, _) in CALLERS {
        let id = app.fx.actor(who).staff_id.clone();
        store.set_password(&id, PASSWORD).await.expect("password");
    }
    // The table lists exactly the routes of the OpenAPI document.
    let (_, doc) = app
        .call(None, Method::GET, "/api/v1/openapi.json", None)
        .await;
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            let ops = ops.as_object().expect("operations");
            ops.keys().map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let unlisted: Vec<_> = documented.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "routes without an entry in olive_web::access::ROUTES: {unlisted:?}; entries for no route: {stale:?}"
    );

    let dental = Place {
        id: app.fx.dental.clone(),
        playbook: "dental",
        defect: "appointment-not-in-book",
        stage: "arrival",
        front: "dental_front",
        team: "dental_team",
    };
    let grill = Place {
        id: app.fx.grill.clone(),
        playbook: "restaurant",
        defect: "meal-not-as-ordered",
        stage: "food-served",
        front: "grill_front",
        team: "grill_team",
    };
    let m = Matrix {
        store,
        app,
        n: AtomicUsize::new(0),
    };
    let (mut calls, mut wrong) = (0, Vec::new());
    for route in ROUTES {
        let mut cells: Vec<(Option<(&str, Role)>, bool)> = Vec::new();
        for caller in CALLERS {
            // The admin works everywhere: the "other" location is theirs too, and is checked as such.
            cells.push((Some(caller), true));
            cells.push((Some(caller), false));
        }
        cells.push((None, true));
        for (caller, own) in cells {
            let place = if own { &dental } else { &grill };
            let who = caller.map_or("admin", |c| c.0);
            let r = m.build(route, who, place).await;
            let method = Method::from_bytes(route.method.as_bytes()).expect("method");
            let (status, body) = send(&m.app, caller.map(|c| c.0), method, &r).await;
            calls += 1;
            let want = route.scope.expect(caller.map(|c| c.1), own);
            let (want_status, want_code) = match want {
                Expect::Allowed => (r.ok, None),
                Expect::Forbidden => (StatusCode::FORBIDDEN, Some("forbidden")),
                Expect::NotFound => (StatusCode::NOT_FOUND, Some("not_found")),
                Expect::Invalid => (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")),
                Expect::Unauthorized => (StatusCode::UNAUTHORIZED, Some("unauthorized")),
            };
            let code_ok = want_code.is_none_or(|c| body["error"]["code"] == c);
            if status != want_status || !code_ok {
                wrong.push(format!(
                    "{} {} as {} at {} location: want {want_status} ({want:?}), got {status}: {body}",
                    route.method,
                    route.path,
                    caller.map_or("nobody", |c| c.0),
                    if own { "own" } else { "other" },
                ));
            }
        }
    }
    // Permissions that depend on whose thing it is, not on the route alone: from the same table.
    for (what, permission) in OBJECT_RULES {
        for (who, role) in CALLERS {
            let (method, r) = m.object_rule(what, who, &dental).await;
            let (status, body) = send(&m.app, Some(who), method, &r).await;
            calls += 1;
            let want = if allows(role, permission) {
                r.ok
            } else {
                StatusCode::FORBIDDEN
            };
            if status != want {
                wrong.push(format!(
                    "{what} as {who}: want {want} ({permission:?}), got {status}: {body}"
                ));
            }
        }
    }
    eprintln!(
        "authorization matrix: {} routes and {} object rules, {calls} calls, {} unexpected",
        ROUTES.len(),
        OBJECT_RULES.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn send(app: &TestApp, who: Option<&str>, method: Method, r: &Req) -> (StatusCode, Value) {
    match &r.raw {
        None => app.call(who, method, &r.path, r.body.clone()).await,
        Some(raw) => {
            let mut q = app
                .http
                .request(method, format!("{}{}", app.base, r.path))
                .header("content-type", "application/toml")
                .body(raw.clone());
            if let Some(w) = who {
                q = q.bearer_auth(&app.tokens[w]);
            }
            let res = q.send().await.expect("request");
            let status = res.status();
            let text = res.text().await.expect("body");
            (
                status,
                serde_json::from_str(&text).unwrap_or(Value::String(text)),
            )
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    matrix(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres() {
    matrix(true).await;
}
