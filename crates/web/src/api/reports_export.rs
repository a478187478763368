//! Case exports: the case list (the filters of `GET /api/v1/cases`) as CSV or as an Excel workbook,
//! one row per case with its outcome, handoffs, reopenings, gestures given, spend and root cause.
//! The API routes are here; the cases page's download links (`/cases.csv`, `/cases.xlsx`) call the
//! same `export` with the signed-in person.

use crate::auth::Auth;
use crate::error::{ApiQuery, ApiResult, BadInput, ErrorBody};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use jiff::civil::DateTime;
use olive_domain::export::{decimal, spreadsheet_safe};
use olive_domain::permission::Permission;
use olive_storage::cases::{CaseFilter, ExportFacts};
use olive_storage::views::CaseSummary;
use olive_storage::{Actor, Store, StoreError};
use std::collections::HashMap;

/// An export stops after this many cases (and says so: `X-Olive-Truncated: true`).
pub const MAX_ROWS: usize = 100_000;
/// Cases read per page of the list.
const PAGE: u32 = 100;
/// The header an export carries when it stopped at `MAX_ROWS`.
pub const TRUNCATED: &str = "x-olive-truncated";
pub const CSV_TYPE: &str = "text/csv; charset=utf-8";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The columns, in order.
pub const HEADER: [&str; 19] = [
    "reference",
    "location",
    "logged at",
    "noticed at",
    "stage",
    "defect",
    "severity",
    "status",
    "outcome",
    "closed at",
    "customer",
    "owner",
    "handoffs",
    "reopened",
    "gestures given",
    "spend",
    "currency",
    "root cause",
    "verified",
];

/// One case as exported; times are the location's local time.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub reference: String,
    pub location: String,
    pub logged_at: DateTime,
    pub noticed_at: DateTime,
    /// the playbook's stage title
    pub stage: String,
    /// the defect's title
    pub defect: String,
    pub severity: String,
    pub status: String,
    pub outcome: String,
    pub closed_at: Option<DateTime>,
    /// as staff lists name them ("Ava Jones", "Table 12")
    pub customer: String,
    pub owner: String,
    pub handoffs: i64,
    pub reopened: i64,
    pub gestures_given: i64,
    pub spend_cents: i64,
    pub currency: String,
    pub root_cause: String,
    pub verified: Option<bool>,
}

impl ExportRow {
    /// The text cells of the CSV, in `HEADER`'s order (text defused against formulas).
    fn csv_cells(&self) -> [String; 19] {
        let when = |t: &DateTime| t.strftime("%Y-%m-%d %H:%M").to_string();
        let text = |v: &str| spreadsheet_safe(v);
        [
            text(&self.reference),
            text(&self.location),
            when(&self.logged_at),
            when(&self.noticed_at),
            text(&self.stage),
            text(&self.defect),
            text(&self.severity),
            text(&self.status),
            text(&self.outcome),
            self.closed_at.as_ref().map(when).unwrap_or_default(),
            text(&self.customer),
            text(&self.owner),
            self.handoffs.to_string(),
            self.reopened.to_string(),
            self.gestures_given.to_string(),
            decimal(self.spend_cents),
            text(&self.currency),
            text(&self.root_cause),
            yes_no(self.verified).to_string(),
        ]
    }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// The rows of an export and whether it stopped at `MAX_ROWS`.
pub struct Export {
    pub rows: Vec<ExportRow>,
    pub truncated: bool,
}

/// The text of a serialised enum (`in_progress`, `recovered`).
fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The caller as an exporter: only the locations where they may export (`Export`), so the list's
/// scoping leaves out the others. A location named in the filter must be one of those (another
/// location: 404; one where they may not export: 403); with none, they need `Export` somewhere (403).
fn exporter(actor: &Actor, f: &CaseFilter) -> Result<Actor, StoreError> {
    match f.location_id.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => {
            actor.require(Permission::Export, l)?;
        }
        None => actor.require_somewhere(Permission::Export)?,
    }
    let mut a = actor.clone();
    let allowed = actor.locations_allowing(Permission::Export);
    a.roles.retain(|(l, _)| allowed.contains(l));
    Ok(a)
}

/// Every case matching `f` (its `limit` and `cursor` are ignored), newest first, read a page of
/// `PAGE` at a time from the list, with one more read per page for what a summary lacks.
pub async fn export(
    store: &Store,
    actor: &Actor,
    mut f: CaseFilter,
    now: Timestamp,
) -> Result<Export, StoreError> {
    let actor = exporter(actor, &f)?;
    f.limit = Some(PAGE);
    f.cursor = None;
    let mut rows = Vec::new();
    let mut places = Places::default();
    loop {
        let page = store.list_cases(&actor, &f, now).await?;
        let ids: Vec<String> = page.items.iter().map(|c| c.id.clone()).collect();
        let facts = store.export_facts(&actor, &ids).await?;
        for c in &page.items {
            if rows.len() == MAX_ROWS {
                return Ok(Export {
                    rows,
                    truncated: true,
                });
            }
            let fact = facts.get(&c.id).cloned().unwrap_or_default();
            rows.push(places.row(store, c, fact).await?);
        }
        match page.next_cursor {
            Some(next) => f.cursor = Some(next),
            None => break,
        }
    }
    Ok(Export {
        rows,
        truncated: false,
    })
}

/// What a row needs from its location: the name, time zone, currency and stage titles (read once).
#[derive(Default)]
struct Places(HashMap<String, Place>);

struct Place {
    name: String,
    tz: jiff::tz::TimeZone,
    currency: String,
    stages: HashMap<String, String>,
}

impl Places {
    async fn row(
        &mut self,
        store: &Store,
        c: &CaseSummary,
        fact: ExportFacts,
    ) -> Result<ExportRow, StoreError> {
        if !self.0.contains_key(&c.location_id) {
            let l = store.location(&c.location_id).await?;
            let p = store
                .playbook_at(&l.playbook_code, l.playbook_updated_at)
                .await?;
            let stages = p
                .stages
                .iter()
                .map(|s| (s.code.clone(), s.name.clone()))
                .collect();
            let place = Place {
                name: l.name.clone(),
                tz: l.tz.clone(),
                currency: l.currency.to_string(),
                stages,
            };
            self.0.insert(c.location_id.clone(), place);
        }
        let place = &self.0[&c.location_id];
        let local = |at: &str| -> Result<DateTime, StoreError> {
            at.parse::<Timestamp>()
                .map(|t| t.to_zoned(place.tz.clone()).datetime())
                .map_err(|e| StoreError::Corrupt(format!("instant {at}: {e}")))
        };
        Ok(ExportRow {
            reference: c.reference.clone(),
            location: place.name.clone(),
            logged_at: local(&c.created_at)?,
            noticed_at: local(&c.noticed_at)?,
            stage: place
                .stages
                .get(&c.stage)
                .cloned()
                .unwrap_or_else(|| c.stage.clone()),
            defect: c.defect.title.clone(),
            severity: word(&c.severity),
            status: word(&c.status),
            outcome: c.outcome.as_ref().map(word).unwrap_or_default(),
            closed_at: c.closed_at.as_deref().map(local).transpose()?,
            customer: c.display_name.clone(),
            owner: c.owner.name.clone(),
            handoffs: c.handoff_count,
            reopened: c.reopen_count,
            gestures_given: fact.gestures_given,
            spend_cents: fact.spend_cents,
            currency: place.currency.clone(),
            root_cause: fact.root_cause.as_ref().map(word).unwrap_or_default(),
            verified: fact.verified,
        })
    }
}

/// The export as CSV: the header row, then one row per case.
pub fn to_csv(e: &Export) -> Result<Vec<u8>, StoreError> {
    let err = |e: csv::Error| StoreError::Config(format!("writing CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).map_err(err)?;
    for r in &e.rows {
        w.write_record(r.csv_cells()).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| StoreError::Config(format!("writing CSV: {e}")))
}

/// A download: its content type, file name, and `X-Olive-Truncated: true` when it stopped early.
pub fn download(body: Vec<u8>, content_type: &'static str, file: &str, e: &Export) -> Response {
    let mut res = (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response();
    if e.truncated {
        res.headers_mut()
            .insert(TRUNCATED, header::HeaderValue::from_static("true"));
    }
    res
}

/// The cases matching the list's filters as CSV (`limit` and `cursor` are ignored; at most 100,000
/// cases, newest first, then `X-Olive-Truncated: true`). Spend is the sum of the gestures given
/// (approved, sent or delivered; not pending, not declined) in the location's currency. Text that
/// a spreadsheet would run as a formula starts with an apostrophe.
#[utoipa::path(get, path = "/api/v1/reports/cases.csv", tag = "reports", params(CaseFilter),
    responses((status = 200, content_type = "text/csv", body = String, headers(("X-Olive-Truncated" = String, description = "`true` when the export stopped at 100,000 cases"))),
        (status = 403, body = ErrorBody), (status = 404, description = "`location_id` is not one of your locations", body = ErrorBody), (status = 422, body = ErrorBody), BadInput),
    security(("bearer" = [])))]
pub async fn cases_csv(
    State(st): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(f): ApiQuery<CaseFilter>,
) -> ApiResult<Response> {
    let e = export(&st.store, &actor, f, st.now()).await?;
    Ok(download(to_csv(&e)?, CSV_TYPE, "olive-cases.csv", &e))
}

/// The cases matching the list's filters as an Excel workbook (one sheet, "Cases"; the same columns
/// and limits as the CSV; times as Excel date-times, counts and spend as numbers).
#[utoipa::path(get, path = "/api/v1/reports/cases.xlsx", tag = "reports", params(CaseFilter),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = String, headers(("X-Olive-Truncated" = String, description = "`true` when the export stopped at 100,000 cases"))),
        (status = 403, body = ErrorBody), (status = 404, description = "`location_id` is not one of your locations", body = ErrorBody), (status = 422, body = ErrorBody), BadInput),
    security(("bearer" = [])))]
pub async fn cases_xlsx(
    State(st): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(f): ApiQuery<CaseFilter>,
) -> ApiResult<Response> {
    let e = export(&st.store, &actor, f, st.now()).await?;
    let body = to_xlsx(&e)?;
    Ok(download(body, XLSX_TYPE, "olive-cases.xlsx", &e))
}

/// The export as an Excel workbook: one sheet "Cases", a bold header row that stays in view, an
/// autofilter, text written as strings (never formulas), counts and spend as numbers, and times as
/// Excel date-times (`yyyy-mm-dd hh:mm`).
pub fn to_xlsx(e: &Export) -> Result<Vec<u8>, StoreError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| StoreError::Config(format!("writing XLSX: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let money = Format::new().set_num_format("0.00");
    let sheet = book.add_worksheet();
    sheet.set_name("Cases").map_err(err)?;
    for (col, (title, width)) in HEADER.iter().zip(WIDTHS).enumerate() {
        let col = col as u16;
        sheet
            .write_string_with_format(0, col, *title, &bold)
            .map_err(err)?;
        sheet.set_column_width(col, width).map_err(err)?;
    }
    for (n, r) in e.rows.iter().enumerate() {
        let row = n as u32 + 1;
        let texts = [
            (0, &r.reference),
            (1, &r.location),
            (4, &r.stage),
            (5, &r.defect),
            (6, &r.severity),
            (7, &r.status),
            (8, &r.outcome),
            (10, &r.customer),
            (11, &r.owner),
            (16, &r.currency),
            (17, &r.root_cause),
        ];
        for (col, v) in texts.into_iter().filter(|(_, v)| !v.is_empty()) {
            sheet.write_string(row, col, v.as_str()).map_err(err)?;
        }
        for (col, t) in [
            (2, Some(&r.logged_at)),
            (3, Some(&r.noticed_at)),
            (9, r.closed_at.as_ref()),
        ] {
            if let Some(t) = t {
                sheet
                    .write_datetime_with_format(row, col, t, &when)
                    .map_err(err)?;
            }
        }
        for (col, v) in [(12, r.handoffs), (13, r.reopened), (14, r.gestures_given)] {
            sheet.write_number(row, col, v as f64).map_err(err)?;
        }
        sheet
            .write_number_with_format(row, 15, r.spend_cents as f64 / 100.0, &money)
            .map_err(err)?;
        if r.verified.is_some() {
            sheet
                .write_string(row, 18, yes_no(r.verified))
                .map_err(err)?;
        }
    }
    let last_col = HEADER.len() as u16 - 1;
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    sheet
        .autofilter(0, 0, e.rows.len() as u32, last_col)
        .map_err(err)?;
    book.save_to_buffer().map_err(err)
}

/// Column widths (characters) for the workbook, in `HEADER`'s order.
const WIDTHS: [f64; 19] = [
    10.0, 20.0, 17.0, 17.0, 18.0, 32.0, 9.0, 22.0, 14.0, 17.0, 24.0, 20.0, 9.0, 9.0, 9.0, 10.0,
    9.0, 18.0, 9.0,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn row(customer: &str) -> ExportRow {
        let at: DateTime = "2026-03-08T09:05:00".parse().unwrap();
        ExportRow {
            reference: "C-1".into(),
            location: "Harbour Dental".into(),
            logged_at: at,
            noticed_at: at,
            stage: "Arrival".into(),
            defect: "Late".into(),
            severity: "minor".into(),
            status: "closed".into(),
            outcome: "recovered".into(),
            closed_at: None,
            customer: customer.into(),
            owner: "Fiona".into(),
            handoffs: 2,
            reopened: 1,
            gestures_given: 1,
            spend_cents: 6000,
            currency: "AUD".into(),
            root_cause: "process".into(),
            verified: Some(true),
        }
    }

    #[test]
    fn a_csv_row_is_defused_and_typed() {
        let e = Export {
            rows: vec![row("=HYPERLINK(\"x\")")],
            truncated: false,
        };
        let text = String::from_utf8(to_csv(&e).unwrap()).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap().split(',').count(), HEADER.len());
        assert_eq!(
            lines.next().unwrap(),
            "C-1,Harbour Dental,2026-03-08 09:05,2026-03-08 09:05,Arrival,Late,minor,closed,recovered,,\"'=HYPERLINK(\"\"x\"\")\",Fiona,2,1,1,60.00,AUD,process,yes"
        );
    }
}
