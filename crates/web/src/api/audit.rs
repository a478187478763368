//! The audit trail over HTTP: read it page by page (JSON) or export it (CSV), scoped like everything else.

use crate::auth::Auth;
use crate::error::{ApiQuery, ApiResult, BadInput, ErrorBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use olive_domain::export::spreadsheet_safe;
use olive_domain::permission::Permission;
use olive_storage::audit::{AUDIT_COLS, AUDIT_PAGE_MAX, AuditEntry, AuditFilter};
use olive_storage::{Actor, Store, StoreError};
use serde::{Deserialize, Serialize};

/// Which entries: every filter is optional; instants are RFC 3339.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// one location (managers: one of theirs)
    pub location: Option<String>,
    /// entries by this staff member
    pub actor: Option<String>,
    /// entries about this case, staff member, token, webhook…
    pub entity: Option<String>,
    /// an action (`case.gesture_approved`) or a prefix ending in `.` or `_` (`case.`, `case.gesture_`)
    pub action: Option<String>,
    /// on or after this instant
    pub from: Option<String>,
    /// before this instant
    pub to: Option<String>,
    /// page on: entries older than this entry id (the `next` of the previous page)
    pub before: Option<String>,
    /// at most this many (default 100, max 1000)
    pub limit: Option<u64>,
}

impl AuditQuery {
    /// The store's filter; bad instants are a 422 naming the field.
    pub fn filter(&self) -> Result<AuditFilter, StoreError> {
        let instant = |field: &'static str, v: &Option<String>| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<jiff::Timestamp>().map_err(|_| {
                        StoreError::field(
                            field,
                            "use an RFC 3339 instant such as 2026-01-31T00:00:00Z",
                        )
                    })
                })
                .transpose()
        };
        let some = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        Ok(AuditFilter {
            location: some(&self.location),
            actor_id: some(&self.actor),
            entity_id: some(&self.entity),
            action: some(&self.action),
            from: instant("from", &self.from)?,
            to: instant("to", &self.to)?,
            before: some(&self.before),
            limit: self.limit.unwrap_or(100),
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// pass as `before` for the next (older) page; absent on the last page
    pub next: Option<String>,
}

/// The audit trail of your locations (managers; admins also see organisation-wide entries), newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let f = q.filter()?;
    let items = st.store.audit_entries(&a, &f, Permission::Audit).await?;
    let full = items.len() as u64 >= f.limit.clamp(1, AUDIT_PAGE_MAX);
    let next = full.then(|| items.last().map(|e| e.id.clone())).flatten();
    Ok(Json(AuditPage { items, next }))
}

/// Export the audit trail as CSV (every matching entry, newest first; same filters as the list).
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn export(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    let csv = export_csv(&st.store, &a, q.filter()?).await?;
    Ok(csv_response(csv))
}

/// A CSV download named `olive-audit.csv`.
pub fn csv_response(csv: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"olive-audit.csv\"",
            ),
        ],
        csv,
    )
        .into_response()
}

/// Every entry matching `f` as CSV, read a page at a time.
pub async fn export_csv(
    store: &Store,
    actor: &Actor,
    mut f: AuditFilter,
) -> Result<Vec<u8>, StoreError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| StoreError::Config(format!("writing CSV: {e}"));
    // The columns of the table, but the entry id.
    w.write_record(&AUDIT_COLS[1..]).map_err(csv_err)?;
    f.limit = AUDIT_PAGE_MAX;
    loop {
        let page = store.audit_entries(actor, &f, Permission::Export).await?;
        for e in &page {
            let data = e.data.to_string();
            let row = [
                e.at.as_str(),
                e.actor_id.as_deref().unwrap_or(""),
                &e.actor_name,
                &e.via,
                e.credential.as_deref().unwrap_or(""),
                e.ip.as_deref().unwrap_or(""),
                &e.action,
                &e.entity,
                &e.entity_id,
                e.location_id.as_deref().unwrap_or(""),
                &data,
            ];
            w.write_record(row.map(spreadsheet_safe)).map_err(csv_err)?;
        }
        match page.last() {
            Some(last) if page.len() as u64 == AUDIT_PAGE_MAX => f.before = Some(last.id.clone()),
            _ => break,
        }
    }
    w.into_inner()
        .map_err(|e| StoreError::Config(format!("writing CSV: {e}")))
}
