//! Playbook and wording endpoints: list, get, import (validated), wording check.

use crate::auth::Auth;
use crate::error::{
    ApiJson, ApiPath, ApiQuery, ApiResult, AppError, BadInput, ErrorBody, JsonBody, Unauthorized,
};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use olive_domain::permission::Permission;
use olive_domain::wording::Finding;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlaybookSummary {
    pub code: String,
    pub name: String,
    pub updated_at: String,
    /// on upload: old tokens still used (`[Name]`, `{first_name}` …), each with its replacement; they
    /// still work, but say less clearly who is meant
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Stored playbooks.
#[utoipa::path(get, path = "/api/v1/playbooks", tag = "playbooks", responses((status = 200, body = Vec<PlaybookSummary>), Unauthorized), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    _auth: Auth,
) -> ApiResult<Json<Vec<PlaybookSummary>>> {
    let items = st.store.list_playbooks().await?;
    Ok(Json(
        items
            .into_iter()
            .map(|(code, name, at)| PlaybookSummary {
                warnings: Vec::new(),
                code,
                name,
                updated_at: olive_storage::rows::rfc3339(at),
            })
            .collect(),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct Format {
    /// `toml` for the editable TOML text instead of JSON
    pub format: Option<String>,
}

/// A playbook: stages, defects, protocols and wording (JSON, or TOML with `?format=toml`).
#[utoipa::path(get, path = "/api/v1/playbooks/{code}", tag = "playbooks", params(("code" = String, Path), Format),
    responses((status = 200, description = "the playbook: JSON, or TOML text with `?format=toml`", content((Object = "application/json"), (String = "application/toml"))), (status = 404, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn get(
    State(st): State<AppState>,
    _auth: Auth,
    ApiPath(code): ApiPath<String>,
    ApiQuery(f): ApiQuery<Format>,
) -> ApiResult<Response> {
    let p = st.store.playbook(&code).await?;
    if f.format.as_deref() == Some("toml") {
        return Ok((
            [(
                axum::http::header::CONTENT_TYPE,
                "application/toml; charset=utf-8",
            )],
            p.to_toml(),
        )
            .into_response());
    }
    Ok(Json(serde_json::to_value(&*p).map_err(|e| {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    })?)
    .into_response())
}

/// Import or replace a playbook from TOML (a manager for their location's playbook; admins any, and new ones).
/// Nothing changes when it does not validate.
#[utoipa::path(put, path = "/api/v1/playbooks", tag = "playbooks", request_body(content = String, content_type = "application/toml"),
    responses((status = 200, body = PlaybookSummary), (status = 400, description = "the body is not UTF-8 text", body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, description = "the TOML does not parse or the playbook does not validate", body = ErrorBody), Unauthorized), security(("bearer" = [])))]
pub async fn import(
    State(st): State<AppState>,
    Auth(a): Auth,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<PlaybookSummary>> {
    a.require_somewhere(Permission::EditPlaybook)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the playbook is larger than 1 MiB",
            )
        } else {
            AppError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text())
        }
    })?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "bad_encoding",
            "the playbook must be UTF-8 text",
        )
    })?;
    let now = st.now();
    let p = st.store.upload_playbook(&a, text, now).await?;
    Ok(Json(PlaybookSummary {
        warnings: p.warnings(text).iter().map(ToString::to_string).collect(),
        code: p.playbook.code,
        name: p.playbook.name,
        updated_at: now.to_string(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WordingRequest {
    pub text: String,
    /// use this location's playbook rules too
    #[serde(default)]
    pub location_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WordingResult {
    pub clean: bool,
    pub findings: Vec<Finding>,
}

/// Check customer-facing wording; without a location the built-in rules apply.
#[utoipa::path(post, path = "/api/v1/wording/check", tag = "wording", request_body = WordingRequest,
    responses((status = 200, body = WordingResult), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn check(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiJson(req): ApiJson<WordingRequest>,
) -> ApiResult<Json<WordingResult>> {
    if req.text.chars().count() > 20_000 {
        return Err(olive_storage::StoreError::field(
            "text",
            "text too long (20,000 characters at most)",
        )
        .into());
    }
    let findings = match req.location_id.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => {
            a.require(Permission::Read, l)?;
            st.store.wording_checker_for(l).await?.check(&req.text)
        }
        None => olive_storage::Store::built_in_checker().check(&req.text),
    };
    Ok(Json(WordingResult {
        clean: findings.is_empty(),
        findings,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DefectQuery {
    /// words the front desk typed, e.g. `not in book`
    pub q: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DefectHit {
    pub code: String,
    pub title: String,
    pub stage: String,
    pub severity: olive_domain::playbook::Severity,
}

/// Find defects of a location's playbook by words (what the front desk's search box does).
#[utoipa::path(get, path = "/api/v1/locations/{id}/defects", tag = "playbooks", params(("id" = String, Path), DefectQuery),
    responses((status = 200, body = Vec<DefectHit>), (status = 404, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn search_defects(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DefectQuery>,
) -> ApiResult<Json<Vec<DefectHit>>> {
    a.require(Permission::Read, &id)?;
    let loc = st.store.location(&id).await?;
    let p = st
        .store
        .playbook_at(&loc.playbook_code, loc.playbook_updated_at)
        .await?;
    let query: String = q.q.chars().take(100).collect();
    Ok(Json(
        p.search_defects(&query)
            .into_iter()
            .take(20)
            .map(|d| DefectHit {
                code: d.code.clone(),
                title: d.title.clone(),
                stage: d.stage.clone(),
                severity: d.severity,
            })
            .collect(),
    ))
}
