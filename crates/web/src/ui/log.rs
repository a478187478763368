//! The front desk's main screen: log a customer's problem in a few taps (stage → defect, or search by
//! words), in the playbook's words; a refused form lists every missing field at once.

use super::Nav;
use super::session::{Posted, Web};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use olive_storage::StoreError;
use olive_storage::auth::WebSession;
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::views::LocationView;
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct DefectItem {
    pub code: String,
    pub title: String,
    pub severity: &'static str,
    /// "Minor", "Major", "Critical"
    pub severity_label: &'static str,
    pub stage: String,
    pub stage_name: String,
}

pub struct StageItem {
    pub code: String,
    pub name: String,
    pub defects: Vec<DefectItem>,
}

#[derive(Default, Deserialize)]
pub struct LogForm {
    #[serde(default)]
    pub location_id: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub defect: String,
    #[serde(default)]
    pub customer_name: String,
    #[serde(default)]
    pub customer_phone: String,
    #[serde(default)]
    pub customer_email: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub submission: String,
    #[serde(default)]
    pub preferred_name: String,
    /// noticed earlier than now (`YYYY-MM-DDTHH:MM` at the location), or empty
    #[serde(default)]
    pub noticed_at: String,
    /// the playbook's case fields (`field.<key>`) and anything else posted
    #[serde(flatten)]
    pub extra: BTreeMap<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "log.html")]
pub struct LogPage {
    nav: Nav,
    locations: Vec<LocationView>,
    location_id: String,
    stages: Vec<StageItem>,
    form: LogForm,
    errors: BTreeMap<String, String>,
    submission: String,
    /// the business's word for the customer ("Patient", "Guest")
    noun: String,
    /// "Log a patient's problem"
    heading: String,
    /// every message, in the form's order, each with the id of its field: (id, message)
    summary: Vec<(String, String)>,
    /// whether the playbook needs the customer's name
    name_required: bool,
    /// the playbook's case fields asked when logging
    fields: Vec<crate::ui::case::words::FieldRow>,
}

#[derive(Deserialize)]
pub struct LocQuery {
    location: Option<String>,
}

/// The caller's locations and the chosen one (the first by default).
pub async fn pick_location(
    st: &AppState,
    web: &WebSession,
    wanted: Option<&str>,
) -> Result<(Vec<LocationView>, LocationView), AppError> {
    let locations = st.store.list_locations(&web.actor).await?;
    let chosen = wanted
        .and_then(|w| locations.iter().find(|l| l.id == w))
        .or_else(|| locations.first())
        .cloned()
        .ok_or_else(|| {
            AppError::new(
                StatusCode::FORBIDDEN,
                "no_location",
                "you do not work at any location yet; ask a manager to add you",
            )
        })?;
    Ok((locations, chosen))
}

async fn render(
    st: &AppState,
    web: &WebSession,
    location: Option<&str>,
    form: LogForm,
    errors: BTreeMap<String, String>,
) -> Result<LogPage, AppError> {
    let (locations, loc) = pick_location(st, web, location).await?;
    let playbook = st.store.playbook(&loc.playbook).await?;
    let location = st.store.location(&loc.id).await?;
    let staff: Vec<(String, String)> = st
        .store
        .list_staff(&web.actor)
        .await?
        .into_iter()
        .filter(|p| p.active && p.locations.iter().any(|l| l.location_id == loc.id))
        .map(|p| (p.id, p.name))
        .collect();
    let asked: Vec<olive_storage::views::CaseFieldView> = playbook
        .case_fields
        .iter()
        .filter(|f| f.asked == olive_domain::playbook::Asked::Logging)
        .map(|f| olive_storage::views::CaseFieldView {
            key: f.key.clone(),
            label: f.label.clone(),
            kind: f.kind,
            required: f.required,
            asked: f.asked,
            value: None,
            display: None,
        })
        .collect();
    let fields =
        crate::ui::case::words::field_rows(&asked, &staff, &location.tz, &form.extra, &errors);
    let noun = olive_domain::wording::capitalise_first(&playbook.playbook.customer_noun);
    let heading = heading(&playbook.playbook.customer_noun);
    let summary = summary(&errors, &fields);
    let name_required = playbook.playbook.customer_name_required;
    let stages = playbook
        .stages
        .iter()
        .map(|s| StageItem {
            code: s.code.clone(),
            name: s.name.clone(),
            defects: playbook
                .defects
                .iter()
                .filter(|d| d.stage == s.code)
                .map(|d| item(d, &s.name))
                .collect(),
        })
        .collect();
    Ok(LogPage {
        noun,
        heading,
        summary,
        name_required,
        fields,
        nav: Nav::new(web, "log"),
        locations,
        location_id: loc.id,
        stages,
        form,
        errors,
        submission: uuid::Uuid::now_v7().to_string(),
    })
}

/// The log page's heading in the business's words: "Log a patient's problem", "Log a guest's problem".
pub fn heading(noun: &str) -> String {
    let noun = noun.trim().to_lowercase();
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("Log {article} {noun}'s problem")
}

/// The messages for the summary at the top, in the order of the form, each with its field's id.
fn summary(
    errors: &BTreeMap<String, String>,
    fields: &[crate::ui::case::words::FieldRow],
) -> Vec<(String, String)> {
    let mut order: Vec<(String, String)> = vec![
        ("defect".into(), "defect-search".into()),
        ("customer.name".into(), "customer_name".into()),
        ("customer.preferred_name".into(), "preferred_name".into()),
    ];
    order.extend(
        fields
            .iter()
            .map(|f| (format!("fields.{}", f.key), format!("field-{}", f.key))),
    );
    order.extend(
        [
            ("customer.phone", "customer_phone"),
            ("customer.email", "customer_email"),
            ("done_steps", "done-steps"),
            ("noticed_at", "noticed_at"),
            ("description", "description"),
        ]
        .map(|(k, id)| (k.to_string(), id.to_string())),
    );
    let mut out: Vec<(String, String)> = order
        .iter()
        .filter_map(|(k, id)| errors.get(k).map(|e| (id.clone(), e.clone())))
        .collect();
    // Anything else the store said (a location no longer theirs…), at the form.
    out.extend(
        errors
            .iter()
            .filter(|(k, _)| !order.iter().any(|(o, _)| o == *k))
            .map(|(_, e)| ("log-form".to_string(), e.clone())),
    );
    out
}

fn item(d: &olive_domain::playbook::Defect, stage_name: &str) -> DefectItem {
    DefectItem {
        code: d.code.clone(),
        title: d.title.clone(),
        severity: d.severity.as_str(),
        severity_label: d.severity.label(),
        stage: d.stage.clone(),
        stage_name: stage_name.to_string(),
    }
}

pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<LocQuery>,
) -> Result<LogPage, AppError> {
    render(
        &st,
        &web,
        q.location.as_deref(),
        LogForm::default(),
        BTreeMap::new(),
    )
    .await
}

pub async fn submit(State(st): State<AppState>, p: Posted<LogForm>) -> Result<Response, AppError> {
    let f = p.form;
    let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
    let mut errors = BTreeMap::new();
    // Every check at once: the store's (name, phone, case fields, when…) and the form's own, so a
    // person sees all that is missing in one go.
    let input = NewCase {
        location_id: f.location_id.clone(),
        defect: f.defect.clone(),
        stage: opt(&f.stage),
        customer: CustomerInput {
            name: f.customer_name.clone(),
            phone: opt(&f.customer_phone),
            email: opt(&f.customer_email),
            address: None,
            preferred_name: opt(&f.preferred_name),
        },
        description: f.description.clone(),
        severity: None,
        fields: crate::ui::case::words::typed_fields(&f.extra),
        noticed_at: opt(&f.noticed_at),
        // Ticked "already done" boxes: `done.<position>`.
        done_steps: f
            .extra
            .keys()
            .filter_map(|k| k.strip_prefix("done.")?.parse().ok())
            .collect(),
    };
    let form_errors = form_checks(&f);
    if form_errors.is_empty() {
        // The form's one-off submission id makes a double tap log one case, not two.
        let key = opt(&f.submission).map(|s| format!("web-{s}"));
        match st
            .store
            .create_case(&p.web.actor, input, key.as_deref(), st.now())
            .await
        {
            Ok((case, _)) => {
                return Ok(
                    Redirect::to(&format!("/cases/{}?logged=1", case.summary.reference))
                        .into_response(),
                );
            }
            Err(StoreError::Validation { fields, message }) => {
                merge(&mut errors, fields, message);
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        // The store's checks too, without logging anything: with no defect the store refuses the case
        // whatever else is right (and no submission id is used up), so its other messages are the
        // answer; what it says of the (absent) defect and its steps is the form's to say.
        let probe = NewCase {
            defect: String::new(),
            done_steps: Vec::new(),
            ..input
        };
        if let Err(StoreError::Validation {
            mut fields,
            message,
        }) = st
            .store
            .create_case(&p.web.actor, probe, None, st.now())
            .await
        {
            fields.retain(|k, _| !matches!(k.as_str(), "defect" | "stage" | "done_steps"));
            if !fields.is_empty() {
                merge(&mut errors, fields, message);
            }
        }
        errors.extend(form_errors);
    }
    let location = f.location_id.clone();
    let page = render(&st, &p.web, Some(&location), f, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// The log form's own checks (beyond the store's): a defect chosen, a sentence of what happened.
fn form_checks(f: &LogForm) -> BTreeMap<String, String> {
    let mut e = BTreeMap::new();
    if f.defect.is_empty() {
        e.insert(
            "defect".to_string(),
            "Choose what went wrong: pick a stage and a defect, or search for it.".to_string(),
        );
    }
    if f.description.trim().is_empty() {
        e.insert(
            "description".to_string(),
            "Say in a sentence what happened.".to_string(),
        );
    }
    e
}

/// The store's messages, each under its field (a stage for "something else" goes with the defect).
/// Store messages already speak plainly; capitalise for the page.
fn merge(errors: &mut BTreeMap<String, String>, fields: BTreeMap<String, String>, message: String) {
    if fields.is_empty() {
        errors.insert("_".into(), message);
    }
    for (k, v) in fields {
        let k = if k == "stage" {
            "defect".to_string()
        } else {
            k
        };
        errors
            .entry(k)
            .or_insert_with(|| olive_domain::wording::capitalise_first(&v));
    }
}

#[derive(Deserialize)]
pub struct SearchQuery {
    location: String,
    #[serde(default)]
    q: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "defect_results.html")]
pub struct SearchResults {
    query: String,
    hits: Vec<DefectItem>,
}

/// htmx: defects matching the words typed.
pub async fn search(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<SearchQuery>,
) -> Result<SearchResults, AppError> {
    web.actor
        .require(olive_domain::permission::Permission::Read, &q.location)?;
    let loc = st.store.location(&q.location).await?;
    let playbook = st.store.playbook(&loc.playbook_code).await?;
    let query = q.q.trim().chars().take(100).collect::<String>();
    let hits = playbook
        .search_defects(&query)
        .into_iter()
        .take(8)
        .map(|d| {
            item(
                d,
                playbook
                    .stage(&d.stage)
                    .map(|s| s.name.as_str())
                    .unwrap_or_default(),
            )
        })
        .collect();
    Ok(SearchResults { query, hits })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    location_id: String,
    #[serde(default)]
    defect: String,
}

/// One step that may be ticked as already done when logging.
pub struct DoneItem {
    pub position: usize,
    pub title: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "done_steps.html")]
pub struct DoneSteps {
    steps: Vec<DoneItem>,
}

/// htmx: the chosen defect's first steps that may already be done on the spot ("I've apologised and
/// re-fired it"), as boxes to tick; nothing for an unknown defect.
pub async fn done_steps(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<DoneQuery>,
) -> Result<DoneSteps, AppError> {
    web.actor
        .require(olive_domain::permission::Permission::Read, &q.location_id)?;
    let loc = st.store.location(&q.location_id).await?;
    let playbook = st.store.playbook(&loc.playbook_code).await?;
    let steps = match playbook.defect(&q.defect) {
        Some(d) => d.steps.clone(),
        None if q.defect == "other" => olive_storage::cases::other_protocol(),
        None => Vec::new(),
    };
    Ok(DoneSteps {
        steps: steps
            .iter()
            .enumerate()
            // The leading steps a person can do there and then, up to the first one they cannot.
            .take_while(|(_, s)| olive_domain::case::logging::can_be_done_at_logging(s))
            .map(|(i, s)| DoneItem {
                position: i + 1,
                title: s.title.clone(),
            })
            .collect(),
    })
}
