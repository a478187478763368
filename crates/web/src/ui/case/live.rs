//! The case page as a page or, asked by htmx (`HX-Request`), as its sections only; and the small answer
//! its live updates poll (`/ui/cases/{key}/version`): the version, a short hash and who changed it last.

use super::timeline::event_text;
use super::{CasePage, Outcome, render};
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::session::Web;
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use olive_storage::cases::CaseVersion;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
pub struct PageQuery {
    logged: Option<String>,
    done: Option<String>,
    /// the section the message belongs to (after an action without scripts)
    #[serde(rename = "in")]
    section: Option<String>,
}

/// Was this asked by htmx (or the page's own script), for the sections only?
pub fn is_hx(headers: &HeaderMap) -> bool {
    headers
        .get("hx-request")
        .is_some_and(|v| v.as_bytes() == b"true")
}

/// The page, or its sections only for htmx; with the status given (422, 409, 403 after a refusal).
pub fn respond(page: CasePage, hx: bool, status: StatusCode) -> Result<Response, AppError> {
    if !hx {
        return Ok((status, page).into_response());
    }
    let html = page.as_content().render().map_err(|e| {
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "render",
            format!("the page could not be drawn: {e}"),
        )
    })?;
    Ok((
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::VARY, "HX-Request"),
        ],
        Html(html),
    )
        .into_response())
}

pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Path(key): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (flash, section) = if q.logged.is_some() {
        (
            Some(
                "Logged. This case is yours until you hand it off — follow the steps below."
                    .to_string(),
            ),
            "steps".to_string(),
        )
    } else {
        (
            q.done.map(|d| d.chars().take(200).collect()),
            section_name(q.section.as_deref()),
        )
    };
    let out = Outcome {
        section,
        flash,
        ..Default::default()
    };
    let page = render(&st, &web, &key, out).await?;
    respond(page, is_hx(&headers), StatusCode::OK)
}

/// A known section's name (anything else: the steps).
pub fn section_name(s: Option<&str>) -> String {
    match s {
        Some(
            s @ ("details" | "steps" | "gestures" | "handoffs" | "notes" | "verify" | "erase"
            | "head"),
        ) => s.to_string(),
        _ => "steps".to_string(),
    }
}

/// What the case page polls: a few dozen bytes.
#[derive(Serialize)]
pub struct VersionAnswer {
    /// the case's version
    v: i64,
    /// a short hash of the version, its last change and when: changes whenever the page would
    h: String,
    /// who changed it last, and what ("Theo Tran: step completed — Call the patient")
    by: String,
}

pub async fn version(
    State(st): State<AppState>,
    Web(web): Web,
    Path(key): Path<String>,
) -> Result<Response, AppError> {
    let v = st.store.case_version(&web.actor, &key).await?;
    let mut hash = Sha256::new();
    hash.update(format!(
        "{}:{}:{}",
        v.version,
        v.updated_at,
        v.last.as_ref().map(|e| e.id.as_str()).unwrap_or_default()
    ));
    let h: String = hash
        .finalize()
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    let answer = VersionAnswer {
        v: v.version,
        h,
        by: last_change(&v),
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}

/// "Theo Tran: step completed — Call the patient", for the stale message and the live note.
pub fn last_change(v: &CaseVersion) -> String {
    let Some(e) = &v.last else {
        return String::new();
    };
    let (what, detail) = event_text(e);
    let who = e
        .actor
        .as_ref()
        .map(|a| a.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Olive".to_string());
    let detail: String = detail.chars().take(80).collect();
    if detail.is_empty() {
        format!("{who}: {what}")
    } else {
        format!("{who}: {what} — {detail}")
    }
}
