//! API tokens over HTTP (create, use, list with last use, revoke) and password change ending sessions.

mod common;

use common::{TestApp, assert_error};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn tokens_and_password() {
    let app = TestApp::spawn(false).await;
    let (st, b) = app
        .post(
            "dental_front",
            "/api/v1/tokens",
            json!({"name": "booking sync", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let token = b["token"].as_str().unwrap().to_string();
    let id = b["id"].as_str().unwrap().to_string();
    assert!(b["expires_at"].is_string());
    for bad in [
        json!({"name": " "}),
        json!({"name": "x", "expires_in_days": 0}),
        json!({"name": "x", "expires_in_days": 99999}),
    ] {
        let (st, b) = app.post("dental_front", "/api/v1/tokens", bad).await;
        assert_error(
            st,
            &b,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
    }
    // The new token works, and its use is recorded.
    let me = app
        .http
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let (st, b) = app.get("dental_front", "/api/v1/tokens").await;
    assert_eq!(st, StatusCode::OK);
    let listed = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(
        listed.get("token").is_none() && !b.to_string().contains(&token),
        "secrets are never listed"
    );
    // Others' tokens: 403 to list, 404 to revoke; admins may do both.
    let front = app.id("dental_front");
    let (st, b) = app
        .get("dental_team", &format!("/api/v1/tokens?staff_id={front}"))
        .await;
    assert_error(st, &b, StatusCode::FORBIDDEN, "forbidden");
    let (st, b) = app
        .call(
            Some("dental_team"),
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_error(st, &b, StatusCode::NOT_FOUND, "not_found");
    let (st, b) = app
        .get("admin", &format!("/api/v1/tokens?staff_id={front}"))
        .await;
    assert_eq!(
        (st, b["items"].as_array().unwrap().len()),
        (StatusCode::OK, 2),
        "{b}"
    );
    let (st, b) = app
        .call(
            Some("dental_front"),
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(b["revoked_at"].is_string());
    let me = app
        .http
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "a revoked token stops working at once"
    );

    // Password change: the current password is checked, the new one too, and sessions end.
    let team = app.id("dental_team");
    app.fx
        .store
        .set_password(&team, "first-password-1")
        .await
        .unwrap();
    let session = app
        .fx
        .store
        .create_session(&team, None, jiff::Timestamp::now())
        .await
        .unwrap();
    let (st, b) = app
        .post(
            "dental_team",
            "/api/v1/me/password",
            json!({"current_password": "nope", "new_password": "second-password-2"}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(b["error"]["fields"]["current_password"].is_string(), "{b}");
    let (st, b) = app
        .post(
            "dental_team",
            "/api/v1/me/password",
            json!({"current_password": "first-password-1", "new_password": "short"}),
        )
        .await;
    assert_error(
        st,
        &b,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(b["error"]["fields"]["new_password"].is_string(), "{b}");
    assert!(
        app.fx
            .store
            .session(&session, jiff::Timestamp::now())
            .await
            .unwrap()
            .is_some()
    );
    let (st, b) = app
        .post(
            "dental_team",
            "/api/v1/me/password",
            json!({"current_password": "first-password-1", "new_password": "second-password-2"}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{b}");
    assert!(
        app.fx
            .store
            .session(&session, jiff::Timestamp::now())
            .await
            .unwrap()
            .is_none(),
        "the old session ended"
    );
    assert!(
        app.fx
            .store
            .check_login("dental-team", "second-password-2")
            .await
            .unwrap()
            .is_some()
    );
}
