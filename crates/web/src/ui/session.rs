//! Browser sessions: the `Web` extractor (cookie → signed-in person), CSRF-checked forms, cookies.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use olive_storage::auth::WebSession;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "olive_session";
pub const DEVICE_COOKIE: &str = "olive_device";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` header value: HttpOnly, SameSite=Lax, and Secure when the server says so.
pub fn set_cookie(secure: bool, name: &str, value: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in person of a page request. Without a session: a redirect to the sign-in page
/// (or to the PIN switcher on a shared device).
pub struct Web(pub WebSession);

pub enum WebRejection {
    SignIn(bool),
    Error(AppError),
}

impl IntoResponse for WebRejection {
    fn into_response(self) -> Response {
        match self {
            WebRejection::SignIn(device) => {
                let to = if device { "/switch" } else { "/login" };
                let mut r = Redirect::to(to).into_response();
                r.headers_mut().insert(
                    "HX-Redirect",
                    HeaderValue::from_static(if device { "/switch" } else { "/login" }),
                );
                r
            }
            WebRejection::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for Web {
    type Rejection = WebRejection;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, WebRejection> {
        let device = cookie(&parts.headers, DEVICE_COOKIE).is_some();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(WebRejection::SignIn(device));
        };
        match st.store.session(&token, st.now()).await {
            Ok(Some(mut s)) => {
                s.actor.origin.ip = crate::ratelimit::client_ip(parts);
                Ok(Web(s))
            }
            Ok(None) => Err(WebRejection::SignIn(device)),
            Err(e) => Err(WebRejection::Error(e.into())),
        }
    }
}

/// A submitted form from a signed-in person, with its CSRF token checked
/// (the `_csrf` field, or the `X-CSRF-Token` header that htmx sends).
pub struct Posted<T> {
    pub web: WebSession,
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Web(web) = Web::from_request_parts(&mut parts, st)
            .await
            .map_err(IntoResponse::into_response)?;
        let header_token = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = axum::body::to_bytes(body, 256 * 1024).await.map_err(|_| {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the form is too large",
            )
            .into_response()
        })?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let form_token = pairs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.clone());
        if form_token.or(header_token).as_deref() != Some(web.csrf.as_str()) {
            return Err(AppError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "this form has expired; reload the page and try again",
            )
            .into_response());
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                e.to_string(),
            )
            .into_response()
        })?;
        Ok(Posted { web, form })
    }
}
