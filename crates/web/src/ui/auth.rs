//! Sign in and out, and switching user by PIN on a shared front-desk device.

use super::session::{DEVICE_COOKIE, Posted, SESSION_COOKIE, cookie, set_cookie};
use crate::error::AppError;
use crate::ratelimit::ClientIp;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use olive_storage::StoreError;
use olive_storage::signins::{Door, SignIn, session_credential};
use serde::Deserialize;

/// Sign-in forms have no session yet, so no CSRF token: refuse them when the browser says they came from another site.
fn cross_site(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site == Some("cross-site") {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        host,
    ) {
        (Some(origin), Some(host)) if origin != "null" => {
            origin.split("://").nth(1).is_none_or(|o| o != host)
        }
        _ => false,
    }
}

fn refuse_cross_site() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "this sign-in came from another site and was refused",
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    login: String,
    error: Option<String>,
}

pub async fn login_page() -> LoginPage {
    LoginPage {
        login: String::new(),
        error: None,
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
}

fn signed_in(st: &AppState, token: &str, ttl_secs: i64, to: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(st.secure_cookies, SESSION_COOKIE, token, ttl_secs),
    );
    r
}

pub async fn login(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    if cross_site(&headers) {
        return Err(refuse_cross_site());
    }
    if let Err(wait) = st.limits.login(ip, &f.login) {
        let page = LoginPage {
            login: f.login,
            error: Some(format!(
                "Too many sign-in attempts. Wait {} seconds and try again.",
                wait.seconds()
            )),
        };
        return Ok(too_many(wait, page.into_response()));
    }
    let now = st.now();
    match st.store.check_login(&f.login, &f.password).await? {
        Some(id) => {
            let device = match cookie(&headers, DEVICE_COOKIE) {
                Some(t) => st.store.device(&t).await?.map(|d| d.id),
                None => None,
            };
            let token = st.store.create_session(&id, device.as_deref(), now).await?;
            let door = door(ip, Some(&token), false);
            st.store
                .record_sign_in(SignIn::SignedIn, Some(&id), &f.login, door, now)
                .await?;
            Ok(signed_in(&st, &token, 12 * 3600, "/"))
        }
        None => {
            st.store
                .record_sign_in(SignIn::Failed, None, &f.login, door(ip, None, false), now)
                .await?;
            Ok((
            StatusCode::UNAUTHORIZED,
            LoginPage {
                login: f.login,
                error: Some(
                    "That email or username and password do not match. Check them and try again."
                        .into(),
                ),
            },
        )
            .into_response())
        }
    }
}

/// The audit's view of a sign-in attempt.
fn door(ip: Option<std::net::IpAddr>, token: Option<&str>, device: bool) -> Door {
    Door {
        ip: ip.map(|ip| ip.to_string()),
        credential: token.map(session_credential),
        device,
    }
}

/// 429 with `Retry-After` around a page.
pub fn too_many(wait: crate::ratelimit::TooMany, page: Response) -> Response {
    let mut r = page;
    *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    if let Ok(v) = wait.seconds().to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    p: Posted<Empty>,
) -> Result<Response, AppError> {
    let _ = p.form;
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        st.store.end_session(&t).await?;
        let door = door(ip, Some(&t), p.web.device_id.is_some());
        let who = Some(p.web.actor.staff_id.as_str());
        st.store
            .record_sign_in(SignIn::SignedOut, who, "", door, st.now())
            .await?;
    }
    let to = if p.web.device_id.is_some() {
        "/switch"
    } else {
        "/login"
    };
    let mut r = Redirect::to(to).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(st.secure_cookies, SESSION_COOKIE, "", 0),
    );
    Ok(r)
}

#[derive(Template, WebTemplate)]
#[template(path = "switch.html")]
pub struct SwitchPage {
    device: String,
    people: Vec<(String, String)>,
    chosen: String,
    error: Option<String>,
}

async fn device_of(
    st: &AppState,
    headers: &HeaderMap,
) -> Result<Option<olive_storage::auth::Device>, AppError> {
    match cookie(headers, DEVICE_COOKIE) {
        Some(t) => Ok(st.store.device(&t).await?),
        None => Ok(None),
    }
}

pub async fn switch_page(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some(d) = device_of(&st, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let people = st.store.pin_people(&d).await?;
    Ok(SwitchPage {
        device: d.name,
        people,
        chosen: String::new(),
        error: None,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct SwitchForm {
    staff_id: String,
    pin: String,
}

pub async fn switch(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(f): Form<SwitchForm>,
) -> Result<Response, AppError> {
    if cross_site(&headers) {
        return Err(refuse_cross_site());
    }
    let Some(d) = device_of(&st, &headers).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    if let Err(wait) = st.limits.login(ip, &format!("pin:{}", f.staff_id)) {
        let msg = format!("too many attempts; wait {} seconds", wait.seconds());
        let err = AppError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", msg);
        return Ok(too_many(wait, err.into_response()));
    }
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        st.store.end_session(&t).await?;
    }
    let now = st.now();
    match st.store.pin_switch(&d, &f.staff_id, &f.pin, now).await {
        Ok(token) => {
            let door = door(ip, Some(&token), true);
            st.store
                .record_sign_in(SignIn::PinSwitch, Some(&f.staff_id), "", door, now)
                .await?;
            Ok(signed_in(&st, &token, 3600, "/"))
        }
        Err(e @ (StoreError::Validation { .. } | StoreError::TooMany(_))) => {
            // Only a real person of this organisation is named; anything else is kept as typed.
            let who = st.store.staff_view(&f.staff_id).await.ok().map(|v| v.id);
            st.store
                .record_sign_in(
                    SignIn::PinFailed,
                    who.as_deref(),
                    "",
                    door(ip, None, true),
                    now,
                )
                .await?;
            let status = if matches!(e, StoreError::TooMany(_)) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let msg = match e {
                StoreError::Validation { fields, message } => {
                    fields.get("pin").cloned().unwrap_or(message)
                }
                other => other.to_string(),
            };
            let people = st.store.pin_people(&d).await?;
            Ok((
                status,
                SwitchPage {
                    device: d.name,
                    people,
                    chosen: f.staff_id,
                    error: Some(msg),
                },
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Idle timeout on a shared device (or "Switch user"): end the session and show the switcher.
pub async fn idle(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    p: Posted<Empty>,
) -> Result<Response, AppError> {
    let _ = p.form;
    if let Some(t) = cookie(&headers, SESSION_COOKIE) {
        st.store.end_session(&t).await?;
        let door = door(ip, Some(&t), p.web.device_id.is_some());
        let who = Some(p.web.actor.staff_id.as_str());
        st.store
            .record_sign_in(SignIn::SignedOut, who, "", door, st.now())
            .await?;
    }
    let mut r = Redirect::to("/switch").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(st.secure_cookies, SESSION_COOKIE, "", 0),
    );
    Ok(r)
}
