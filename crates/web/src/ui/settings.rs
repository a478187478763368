//! Set-up pages for managers and admins: location hours and holidays, authority limits, staff, shared devices, playbook.

use super::log::pick_location;
use super::session::{DEVICE_COOKIE, Posted, Web, set_cookie};
use super::{Nav, money, parse_money};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::{Date, Time};
use olive_domain::deadline::DayHours;
use olive_domain::role::Role;
use olive_storage::StoreError;
use olive_storage::admin::{LocationUpdate, NewDefect, StaffInput, StepUpdate};
use olive_storage::auth::WebSession;
use olive_storage::store::WEEKDAYS;
use olive_storage::views::{LocationView, StaffView};
use serde::Deserialize;
use std::collections::BTreeMap;

type Fields = BTreeMap<String, String>;

pub struct DayRow {
    pub key: &'static str,
    pub name: &'static str,
    pub open: String,
    pub close: String,
    pub closed: bool,
}

pub struct LimitRow {
    pub role: &'static str,
    pub label: &'static str,
    pub per_case: String,
    pub per_day: String,
    pub editable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    nav: Nav,
    locations: Vec<LocationView>,
    loc: LocationView,
    days: Vec<DayRow>,
    closed_dates: String,
    limits: Vec<LimitRow>,
    staff: Vec<StaffView>,
    role_of: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
    is_admin: bool,
}

#[derive(Deserialize)]
pub struct LocQuery {
    location: Option<String>,
    done: Option<String>,
}

const DAY_NAMES: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

async fn render(
    st: &AppState,
    web: &WebSession,
    location: Option<&str>,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
) -> Result<SettingsPage, AppError> {
    let (locations, loc) = pick_location(st, web, location).await?;
    web.actor.require_configure(&loc.id)?;
    let days = WEEKDAYS
        .iter()
        .zip(DAY_NAMES)
        .map(|(k, name)| {
            let h = loc.hours.iter().find(|h| h.day == *k);
            DayRow {
                key: k,
                name,
                open: h.map_or("09:00".into(), |h| h.open.clone()),
                close: h.map_or("17:00".into(), |h| h.close.clone()),
                closed: h.is_none(),
            }
        })
        .collect();
    let manager_can_edit =
        |r: Role| web.actor.is_admin || matches!(r, Role::FrontDesk | Role::TeamMember);
    let limits = st
        .store
        .limits(&web.actor, &loc.id)
        .await?
        .into_iter()
        .filter(|l| l.role != Role::Admin)
        .map(|l| LimitRow {
            role: l.role.as_str(),
            label: match l.role {
                Role::FrontDesk => "Front desk",
                Role::TeamMember => "Team member",
                Role::Manager => "Manager",
                Role::Admin => "Admin",
            },
            per_case: l
                .per_case_cents
                .map(|c| olive_domain::money::Cents(c).to_string())
                .unwrap_or_default(),
            per_day: l
                .per_day_cents
                .map(|c| olive_domain::money::Cents(c).to_string())
                .unwrap_or_default(),
            editable: manager_can_edit(l.role),
        })
        .collect();
    let staff: Vec<StaffView> = st
        .store
        .list_staff(&web.actor)
        .await?
        .into_iter()
        .filter(|s| s.is_admin || s.locations.iter().any(|l| l.location_id == loc.id))
        .collect();
    let role_of = staff
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                if s.is_admin {
                    "admin".to_string()
                } else {
                    s.locations
                        .iter()
                        .find(|l| l.location_id == loc.id)
                        .map(|l| l.role.as_str().replace('_', " "))
                        .unwrap_or_default()
                },
            )
        })
        .collect();
    Ok(SettingsPage {
        nav: Nav::new(web, "settings"),
        closed_dates: loc.closed_dates.join("\n"),
        locations,
        loc,
        days,
        limits,
        staff,
        role_of,
        errors,
        flash,
        is_admin: web.actor.is_admin,
    })
}

pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<LocQuery>,
) -> Result<SettingsPage, AppError> {
    render(&st, &web, q.location.as_deref(), BTreeMap::new(), q.done).await
}

async fn finish(
    st: &AppState,
    web: &WebSession,
    location: &str,
    res: Result<String, StoreError>,
    form: &str,
) -> Result<Response, AppError> {
    match res {
        Ok(msg) => Ok(Redirect::to(&format!(
            "/settings?location={location}&done={}",
            msg.replace(' ', "+")
        ))
        .into_response()),
        Err(StoreError::Validation { fields, message }) => {
            let mut errors: BTreeMap<String, String> = fields
                .into_iter()
                .map(|(k, v)| (format!("{form}.{k}"), v))
                .collect();
            errors.entry(form.to_string()).or_insert(message);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(st, web, Some(location), errors, None).await?,
            )
                .into_response())
        }
        Err(e @ (StoreError::Forbidden(_) | StoreError::Conflict { .. })) => {
            let errors = BTreeMap::from([(form.to_string(), e.to_string())]);
            Ok((
                StatusCode::FORBIDDEN,
                render(st, web, Some(location), errors, None).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn location(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let f = &p.form;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let loc = get("location_id");
    let mut hours = [None; 7];
    let mut bad = None;
    for (i, k) in WEEKDAYS.iter().enumerate() {
        if f.contains_key(&format!("{k}_closed")) {
            continue;
        }
        match (
            get(&format!("{k}_open")).parse::<Time>(),
            get(&format!("{k}_close")).parse::<Time>(),
        ) {
            (Ok(open), Ok(close)) => hours[i] = Some(DayHours { open, close }),
            _ => {
                bad = Some(format!(
                    "{}: enter opening and closing times like 08:30",
                    DAY_NAMES[i]
                ))
            }
        }
    }
    let mut closed = std::collections::BTreeSet::new();
    for line in get("closed_dates")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match line.parse::<Date>() {
            Ok(d) => {
                closed.insert(d);
            }
            Err(_) => {
                bad = Some(format!(
                    "'{line}' is not a date: write one date per line as YYYY-MM-DD"
                ))
            }
        }
    }
    let res = match bad {
        Some(m) => Err(StoreError::field("hours", m)),
        None => st
            .store
            .update_location(
                &p.web.actor,
                &loc,
                LocationUpdate {
                    timezone: get("timezone"),
                    currency: get("currency"),
                    hours,
                    closed,
                },
            )
            .await
            .map(|_| "Location saved.".to_string()),
    };
    finish(&st, &p.web, &loc, res, "location").await
}

pub async fn limits(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let f = &p.form;
    let loc = f.get("location_id").cloned().unwrap_or_default();
    let mut rows = Vec::new();
    let mut bad = None;
    for role in [Role::FrontDesk, Role::TeamMember, Role::Manager] {
        let (Some(case), Some(day)) = (
            f.get(&format!("{}_case", role.as_str())),
            f.get(&format!("{}_day", role.as_str())),
        ) else {
            continue;
        };
        let parse = |v: &str| {
            if v.trim().is_empty() {
                Ok(None)
            } else {
                parse_money(v).map(Some).ok_or(())
            }
        };
        match (parse(case), parse(day)) {
            (Ok(c), Ok(d)) => rows.push(olive_storage::views::LimitView {
                role,
                per_case_cents: c,
                per_day_cents: d,
            }),
            _ => {
                bad =
                    Some("enter amounts like 100 or 100.00 (leave empty for no limit)".to_string())
            }
        }
    }
    let res = match bad {
        Some(m) => Err(StoreError::field("amount", m)),
        None => st
            .store
            .set_limits(&p.web.actor, &loc, &rows)
            .await
            .map(|_| "Authority limits saved.".to_string()),
    };
    finish(&st, &p.web, &loc, res, "limits").await
}

pub async fn add_staff(
    State(st): State<AppState>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned();
    let loc = get("location_id").unwrap_or_default();
    let res = match get("role").unwrap_or_default().parse::<Role>() {
        Err(e) => Err(StoreError::field("role", e)),
        Ok(role) => {
            let input = StaffInput {
                name: get("name").unwrap_or_default(),
                email: get("email"),
                username: get("username"),
                location_id: loc.clone(),
                role,
                password: get("password"),
                pin: get("pin"),
            };
            st.store
                .create_staff(&p.web.actor, input, st.now())
                .await
                .map(|s| format!("{} added.", s.name))
        }
    };
    finish(&st, &p.web, &loc, res, "staff").await
}

pub async fn staff_action(
    State(st): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let loc = get("location_id");
    let a = &p.web.actor;
    let res = match action.as_str() {
        "password" => st
            .store
            .reset_password(a, &id, &get("password"))
            .await
            .map(|_| "Password reset.".to_string()),
        "pin" => st
            .store
            .reset_pin(a, &id, &get("pin"))
            .await
            .map(|_| "PIN reset.".to_string()),
        "deactivate" => st
            .store
            .deactivate_staff(a, &id, st.now())
            .await
            .map(|n| format!("Deactivated; {n} open case(s) moved to you.")),
        _ => return Err(AppError::not_found("action")),
    };
    finish(&st, &p.web, &loc, res, &format!("staff-{id}")).await
}

/// Mark this browser as a shared front-desk device: staff then switch user by PIN.
pub async fn device(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let loc = p.form.get("location_id").cloned().unwrap_or_default();
    let name = p.form.get("name").cloned().unwrap_or_default();
    match st
        .store
        .register_device(&p.web.actor, &loc, &name, st.now())
        .await
    {
        Ok(token) => {
            let mut r = Redirect::to("/switch").into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(st.secure_cookies, DEVICE_COOKIE, &token, 400 * 24 * 3600),
            );
            Ok(r)
        }
        Err(e) => finish(&st, &p.web, &loc, Err(e), "device").await,
    }
}

pub struct StepRow {
    pub index: usize,
    pub title: String,
    pub kind: &'static str,
    pub owner: &'static str,
    pub due: String,
    pub wording: String,
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
    code: String,
    name: String,
    stages: Vec<StageRow>,
    can_edit: bool,
    errors: Vec<String>,
    flash: Option<String>,
    roles: Vec<&'static str>,
    stage_options: Vec<(String, String)>,
}

async fn render_playbook(
    st: &AppState,
    web: &WebSession,
    errors: Vec<String>,
    flash: Option<String>,
) -> Result<PlaybookPage, AppError> {
    let (_, loc) = pick_location(st, web, None).await?;
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
                        .map(|g| {
                            format!(
                                "{} (~{})",
                                g.name,
                                money(g.typical_value_cents.0, &currency)
                            )
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
                            wording: s.wording.clone(),
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
    })
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn playbook(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<DoneQuery>,
) -> Result<PlaybookPage, AppError> {
    render_playbook(&st, &web, Vec::new(), q.done).await
}

pub async fn playbook_download(
    State(st): State<AppState>,
    Web(web): Web,
) -> Result<Response, AppError> {
    let (_, loc) = pick_location(&st, &web, None).await?;
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

/// Upload an edited TOML playbook (pasted or from a file field): validated; nothing is replaced on error.
pub async fn playbook_upload(
    State(st): State<AppState>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let text = p.form.get("toml").cloned().unwrap_or_default();
    let res = async {
        let parsed = olive_domain::playbook::Playbook::from_toml(&text).map_err(|e| {
            StoreError::Validation {
                message: e.to_string(),
                fields: Default::default(),
            }
        })?;
        st.store
            .require_playbook_editor(&p.web.actor, &parsed.playbook.code)
            .await?;
        st.store.import_playbook(&text, st.now()).await
    }
    .await;
    match res {
        Ok(pb) => Ok(Redirect::to(&format!(
            "/playbook?done=Playbook+{}+saved;+new+cases+use+it.",
            pb.playbook.code
        ))
        .into_response()),
        Err(StoreError::Validation { message, .. }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render_playbook(
                &st,
                &p.web,
                message.lines().map(str::to_string).collect(),
                None,
            )
            .await?,
        )
            .into_response()),
        Err(StoreError::Forbidden(m)) => Ok((
            StatusCode::FORBIDDEN,
            render_playbook(&st, &p.web, vec![m], None).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// Add a defect (with a starting protocol to refine) or retire one.
pub async fn playbook_defect(
    State(st): State<AppState>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let now = st.now();
    let res = if p.form.contains_key("retire") {
        st.store
            .retire_defect(&p.web.actor, &get("code"), &get("retire"), now)
            .await
            .map(|_| "Defect+retired;+open+cases+keep+their+protocol.")
    } else {
        let severity = olive_domain::playbook::Severity::parse(&get("severity"))
            .unwrap_or(olive_domain::playbook::Severity::Minor);
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
            .map(|_| "Defect+added;+edit+its+steps+below.")
    };
    match res {
        Ok(msg) => Ok(Redirect::to(&format!("/playbook?done={msg}")).into_response()),
        Err(StoreError::Validation { message, .. }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render_playbook(
                &st,
                &p.web,
                message.lines().map(str::to_string).collect(),
                None,
            )
            .await?,
        )
            .into_response()),
        Err(StoreError::Forbidden(m)) => Ok((
            StatusCode::FORBIDDEN,
            render_playbook(&st, &p.web, vec![m], None).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn playbook_step(
    State(st): State<AppState>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let u = StepUpdate {
        defect: get("defect"),
        index: get("index").parse().unwrap_or(usize::MAX),
        due: get("due"),
        owner: get("owner"),
        wording: get("wording"),
    };
    match st
        .store
        .update_playbook_step(&p.web.actor, &get("code"), u, st.now())
        .await
    {
        Ok(_) => Ok(Redirect::to("/playbook?done=Step+saved;+new+cases+use+it.").into_response()),
        Err(StoreError::Validation { message, .. }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render_playbook(
                &st,
                &p.web,
                message.lines().map(str::to_string).collect(),
                None,
            )
            .await?,
        )
            .into_response()),
        Err(StoreError::Forbidden(m)) => Ok((
            StatusCode::FORBIDDEN,
            render_playbook(&st, &p.web, vec![m], None).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
