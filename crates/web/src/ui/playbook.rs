//! The playbook editor: read every stage, defect, protocol and wording; edit steps, add or retire defects,
//! upload an edited TOML (validated, nothing replaced on error) and download the current one.

use super::log::pick_location;
use super::session::{Posted, Web};
use super::{Nav, money};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use olive_domain::playbook::Severity;
use olive_domain::role::Role;
use olive_storage::StoreError;
use olive_storage::admin::{NewDefect, StepUpdate};
use olive_storage::auth::WebSession;
use olive_storage::views::LocationView;
use serde::Deserialize;
use std::collections::BTreeMap;

type Fields = BTreeMap<String, String>;

pub struct StepRow {
    pub index: usize,
    pub title: String,
    pub kind: &'static str,
    pub owner: &'static str,
    pub due: String,
    pub say: String,
    pub write: String,
}

pub struct DefectRow {
    pub code: String,
    pub title: String,
    pub severity: &'static str,
    pub prevention: String,
    pub early_detection: String,
    pub gestures: String,
    pub steps: Vec<StepRow>,
}

pub struct StageRow {
    pub name: String,
    pub description: String,
    pub defects: Vec<DefectRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "playbook.html")]
pub struct PlaybookPage {
    nav: Nav,
    locations: Vec<LocationView>,
    location_id: String,
    code: String,
    name: String,
    stages: Vec<StageRow>,
    can_edit: bool,
    errors: Vec<String>,
    flash: Option<String>,
    roles: Vec<&'static str>,
    stage_options: Vec<(String, String)>,
    /// the TOML a manager pasted, kept when it did not validate
    toml: String,
}

async fn render(
    st: &AppState,
    web: &WebSession,
    location: Option<&str>,
    errors: Vec<String>,
    flash: Option<String>,
    toml: String,
) -> Result<PlaybookPage, AppError> {
    let (locations, loc) = pick_location(st, web, location).await?;
    let p = st.store.playbook(&loc.playbook).await?;
    let currency = loc.currency.clone();
    let stages = p
        .stages
        .iter()
        .map(|s| StageRow {
            name: s.name.clone(),
            description: s.description.clone(),
            defects: p
                .defects
                .iter()
                .filter(|d| d.stage == s.code)
                .map(|d| DefectRow {
                    code: d.code.clone(),
                    title: d.title.clone(),
                    severity: d.severity.as_str(),
                    prevention: d.prevention.clone(),
                    early_detection: d.early_detection.clone(),
                    gestures: d
                        .gestures
                        .iter()
                        .filter_map(|g| p.gesture(g))
                        .map(|g| match g.typical_value_cents {
                            Some(v) => format!("{} (~{})", g.name, money(v.0, &currency)),
                            None => format!("{} (at its real value)", g.name),
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    steps: d
                        .steps
                        .iter()
                        .enumerate()
                        .map(|(i, s)| StepRow {
                            index: i,
                            title: s.title.clone(),
                            kind: s.kind.as_str(),
                            owner: s.owner.as_str(),
                            due: s.due.to_string(),
                            say: s.say().to_string(),
                            write: s.write.clone(),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let can_edit = st
        .store
        .require_playbook_editor(&web.actor, &p.playbook.code)
        .await
        .is_ok();
    Ok(PlaybookPage {
        nav: Nav::new(web, "playbook"),
        location_id: loc.id.clone(),
        locations,
        code: p.playbook.code.clone(),
        name: p.playbook.name.clone(),
        stages,
        can_edit,
        errors,
        flash,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        stage_options: p
            .stages
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        toml,
    })
}

/// After an edit: back to the page with a message, or the page again with what was wrong (nothing changed).
async fn finish(
    st: &AppState,
    web: &WebSession,
    location: &str,
    res: Result<String, StoreError>,
    toml: String,
) -> Result<Response, AppError> {
    let (status, errors) = match res {
        Ok(msg) => {
            return Ok(Redirect::to(&format!(
                "/playbook?location={location}&done={}",
                crate::ui::urlencode(&msg)
            ))
            .into_response());
        }
        Err(StoreError::Validation { message, .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            message.lines().map(str::to_string).collect(),
        ),
        Err(StoreError::Forbidden(m)) => (StatusCode::FORBIDDEN, vec![m]),
        Err(StoreError::NotFound(w)) => (StatusCode::NOT_FOUND, vec![format!("{w} not found")]),
        Err(e) => return Err(e.into()),
    };
    Ok((
        status,
        render(st, web, Some(location), errors, None, toml).await?,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PageQuery {
    location: Option<String>,
    done: Option<String>,
}

pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<PageQuery>,
) -> Result<PlaybookPage, AppError> {
    render(
        &st,
        &web,
        q.location.as_deref(),
        Vec::new(),
        q.done,
        String::new(),
    )
    .await
}

pub async fn download(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let (_, loc) = pick_location(&st, &web, q.location.as_deref()).await?;
    let p = st.store.playbook(&loc.playbook).await?;
    let disposition = format!("attachment; filename=\"{}.toml\"", p.playbook.code);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/toml; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        p.to_toml(),
    )
        .into_response())
}

/// Upload an edited TOML playbook (pasted): validated; nothing is replaced on error and the text is kept.
pub async fn upload(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let text = p.form.get("toml").cloned().unwrap_or_default();
    let location = p.form.get("location_id").cloned().unwrap_or_default();
    let res = st
        .store
        .upload_playbook(&p.web.actor, &text, st.now())
        .await
        .map(|p| {
            let old = p.warnings(&text);
            match old.first() {
                None => "Playbook saved; new cases use it.".to_string(),
                Some(w) => format!(
                    "Playbook saved; new cases use it. It still uses {} old token(s), which work but say less clearly who is meant; for example, {}",
                    old.len(),
                    w.message
                ),
            }
        });
    finish(&st, &p.web, &location, res, text).await
}

pub async fn step(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let u = StepUpdate {
        defect: get("defect"),
        index: get("index").parse().unwrap_or(usize::MAX),
        due: get("due"),
        owner: get("owner"),
        say: get("say"),
        write: get("write"),
    };
    let res = st
        .store
        .update_playbook_step(&p.web.actor, &get("code"), u, st.now())
        .await
        .map(|_| "Step saved; new cases use it.".to_string());
    finish(&st, &p.web, &get("location_id"), res, String::new()).await
}

/// Add a defect (with a starting protocol to refine) or retire one.
pub async fn defect(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let now = st.now();
    let res = if p.form.contains_key("retire") {
        st.store
            .retire_defect(&p.web.actor, &get("code"), &get("retire"), now)
            .await
            .map(|_| "Defect retired; open cases keep their protocol.".to_string())
    } else {
        let severity = Severity::parse(&get("severity")).unwrap_or(Severity::Minor);
        let d = NewDefect {
            code: get("defect_code"),
            stage: get("stage"),
            title: get("title"),
            severity,
            keywords: get("keywords"),
        };
        st.store
            .add_defect(&p.web.actor, &get("code"), d, now)
            .await
            .map(|_| "Defect added; edit its steps below.".to_string())
    };
    finish(&st, &p.web, &get("location_id"), res, String::new()).await
}
