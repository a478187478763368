//! `AppError`: the one error type of the HTTP layer, rendered as `{"error": {"code", "message", "fields"}}`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use olive_storage::StoreError;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: BTreeMap<String, String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// stable machine-readable code, e.g. `validation_failed`
    pub code: String,
    /// words a person can read
    pub message: String,
    /// per-field messages for validation errors
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }
    /// The same error, naming the field (or header) it is about.
    pub fn field(mut self, name: &str, message: impl Into<String>) -> Self {
        self.fields.insert(name.to_string(), message.into());
        self
    }
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or invalid API token (send Authorization: Bearer <token>)",
        )
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.into(),
                message: self.message,
                fields: self.fields,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// The one status a storage error answers with, for the API and the pages alike (a page that shows
/// the message beside its form uses it too).
pub fn status_of(e: &StoreError) -> StatusCode {
    match e {
        StoreError::NotFound(_) => StatusCode::NOT_FOUND,
        StoreError::Forbidden(_) => StatusCode::FORBIDDEN,
        StoreError::Conflict { .. } => StatusCode::CONFLICT,
        StoreError::Validation { .. } | StoreError::IdempotencyReused => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        StoreError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        db if db.is_nul_in_text() => StatusCode::BAD_REQUEST,
        db if db.is_busy() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let status = status_of(&e);
        match e {
            StoreError::NotFound(what) => AppError::not_found(what),
            StoreError::Forbidden(m) => AppError::new(status, "forbidden", m),
            StoreError::Conflict { code, message } => AppError::new(status, code, message),
            StoreError::Validation { message, fields } => AppError {
                status,
                code: "validation_failed",
                message,
                fields,
            },
            StoreError::IdempotencyReused => {
                AppError::new(status, "idempotency_key_reused", e.to_string())
            }
            StoreError::TooMany(m) => AppError::new(status, "too_many_attempts", m),
            // PostgreSQL refuses a NUL character in text (22021): a NUL in a path or query
            // parameter (`GET /api/v1/tokens?staff_id=%00` answered 500; found by hand next to the fuzz finding)
            // or a TOML upload ends here. JSON bodies are refused before this (`reject_nul`).
            ref db if db.is_nul_in_text() => AppError::new(
                status,
                "bad_request",
                "text must not contain NUL characters",
            ),
            ref db if db.is_busy() => {
                AppError::new(status, "busy", "the server is busy; try again")
            }
            other => {
                tracing::error!(error = %other, "storage error");
                AppError::new(status, "internal", "something went wrong on our side")
            }
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonSyntaxError(e) => AppError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {}", e.body_text()),
            ),
            JsonRejection::JsonDataError(e) => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                e.body_text(),
            ),
            JsonRejection::MissingJsonContentType(_) => AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send Content-Type: application/json",
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large",
            ),
            other => AppError::new(StatusCode::BAD_REQUEST, "bad_request", other.body_text()),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::new(StatusCode::BAD_REQUEST, "bad_query", r.body_text())
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        AppError::new(StatusCode::BAD_REQUEST, "bad_path", r.body_text())
    }
}

/// `Json<T>` whose rejections are `AppError`s, and that refuses NUL characters in strings.
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let headers = req.headers().clone();
        let bytes = body_bytes(req, state).await?;
        let mut again = axum::extract::Request::new(axum::body::Body::from(bytes.clone()));
        *again.headers_mut() = headers;
        let axum::Json(value) = axum::Json::<T>::from_request(again, state).await?;
        reject_nul(&bytes)?;
        Ok(ApiJson(value))
    }
}

async fn body_bytes<S: Send + Sync>(
    req: axum::extract::Request,
    state: &S,
) -> Result<axum::body::Bytes, AppError> {
    use axum::extract::FromRequest;
    axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is too large",
                )
            } else {
                AppError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
            }
        })
}

/// A NUL character (`\u0000`, the only way one can appear in valid JSON) in any string is refused
/// with 422: PostgreSQL cannot store it in text (it answered 500, found by `scripts/fuzz-api`), and
/// SQLite must answer the same. The body has already parsed as JSON, so an escape is a backslash
/// run of odd length followed by `u0000`.
fn reject_nul(body: &[u8]) -> Result<(), AppError> {
    let mut backslashes = 0usize;
    for (i, &b) in body.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if backslashes % 2 == 1 && b == b'u' && body[i..].starts_with(b"u0000") {
            return Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "text must not contain NUL characters (\\u0000)",
            ));
        }
        backslashes = 0;
    }
    Ok(())
}

/// `Query<T>` whose rejections are `AppError`s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// `Path<T>` whose rejections are `AppError`s.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

pub type ApiResult<T> = Result<T, AppError>;

/// A JSON body that may be absent (empty body = `T::default()`), with `AppError` rejections.
pub struct OptionalJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for OptionalJson<T>
where
    T: serde::de::DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(de) {
            Ok(v) => {
                reject_nul(&bytes)?;
                Ok(OptionalJson(v))
            }
            Err(e) if e.inner().is_data() => Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                e.to_string(),
            )),
            Err(e) => Err(AppError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not valid JSON: {e}"),
            )),
        }
    }
}

// The error answers that come from the extractors rather than from a handler, for the OpenAPI
// document: list one of these after a route's own responses (`responses((status = 200, …), JsonBody)`).
// Every body is an `ErrorBody`. A route's own tuple for the same status (with its own description)
// may sit beside it.
fn error_responses(
    statuses: &[(&str, &str)],
) -> BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>> {
    use utoipa::openapi::{Content, Ref, ResponseBuilder};
    statuses
        .iter()
        .map(|(status, description)| {
            let response = ResponseBuilder::new()
                .description(*description)
                .content(
                    "application/json",
                    Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                )
                .build();
            (status.to_string(), response.into())
        })
        .collect()
}

const UNAUTHORIZED: (&str, &str) = ("401", "missing, unknown, expired or revoked API token");
const BAD_INPUT: (&str, &str) = (
    "400",
    "malformed JSON, path, query or header (`malformed_json`, `bad_path`, `bad_query`, …)",
);
const TOO_LARGE: (&str, &str) = ("413", "the request body is over the limit (64 KiB)");
const NOT_JSON: (&str, &str) = (
    "415",
    "the body was not sent as `Content-Type: application/json`",
);
const INVALID: (&str, &str) = (
    "422",
    "the body does not fit the schema or fails validation (`validation_failed`, with `fields`)",
);

/// 401: any route behind a bearer token.
pub struct Unauthorized;
impl utoipa::IntoResponses for Unauthorized {
    fn responses() -> BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
    {
        error_responses(&[UNAUTHORIZED])
    }
}

/// 400 and 401: an authenticated route with path, query or header parameters and no body.
pub struct BadInput;
impl utoipa::IntoResponses for BadInput {
    fn responses() -> BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
    {
        error_responses(&[BAD_INPUT, UNAUTHORIZED])
    }
}

/// 400, 401, 413, 415 and 422: an authenticated route that takes a JSON body (`ApiJson`).
pub struct JsonBody;
impl utoipa::IntoResponses for JsonBody {
    fn responses() -> BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
    {
        error_responses(&[BAD_INPUT, UNAUTHORIZED, TOO_LARGE, NOT_JSON, INVALID])
    }
}

/// 400, 401, 413 and 422: an authenticated route whose JSON body may be left out (`OptionalJson`,
/// which reads the body whatever its content type, so no 415).
pub struct OptionalBody;
impl utoipa::IntoResponses for OptionalBody {
    fn responses() -> BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
    {
        error_responses(&[BAD_INPUT, UNAUTHORIZED, TOO_LARGE, INVALID])
    }
}

#[cfg(test)]
mod tests {
    use super::reject_nul;

    #[test]
    fn nul_escapes_are_refused_and_escaped_backslashes_are_not() {
        assert!(reject_nul(br#"{"a": "x\u0000y"}"#).is_err());
        assert!(reject_nul(br#"{"a": "\\\u0000"}"#).is_err());
        assert!(reject_nul(br#"{"a": "\\u0000"}"#).is_ok());
        assert!(reject_nul(br#"{"a": "\u00001"}"#).is_err());
        assert!(reject_nul(br#"{"a": "\u0001", "b": "u0000"}"#).is_ok());
    }
}
