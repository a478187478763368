//! The cases page's downloads (`/cases.csv`, `/cases.xlsx`): the list's filters as CSV or Excel, for
//! the signed-in person where they may export (the same export as `GET /api/v1/reports/cases.*`).

use super::session::Web;
use crate::api::reports_export::{CSV_TYPE, XLSX_TYPE, download, export, to_csv, to_xlsx};
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use olive_domain::permission::Permission;
use olive_storage::Actor;
use olive_storage::cases::CaseFilter;

/// The query string of the download links for the filters a page shows (`None`: the reader may not
/// export anywhere, so the page offers no download). The page's `limit` and `cursor` are left out.
pub fn export_query(actor: &Actor, f: &CaseFilter) -> Option<String> {
    actor.require_somewhere(Permission::Export).ok()?;
    let all = CaseFilter {
        limit: None,
        cursor: None,
        ..f.clone()
    };
    serde_urlencoded::to_string(&all).ok()
}

pub async fn csv(
    State(st): State<AppState>,
    Web(web): Web,
    Query(f): Query<CaseFilter>,
) -> Result<Response, AppError> {
    let e = export(&st.store, &web.actor, f, st.now()).await?;
    Ok(download(to_csv(&e)?, CSV_TYPE, "olive-cases.csv", &e))
}

pub async fn xlsx(
    State(st): State<AppState>,
    Web(web): Web,
    Query(f): Query<CaseFilter>,
) -> Result<Response, AppError> {
    let e = export(&st.store, &web.actor, f, st.now()).await?;
    Ok(download(to_xlsx(&e)?, XLSX_TYPE, "olive-cases.xlsx", &e))
}
