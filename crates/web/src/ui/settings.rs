//! Set-up pages for managers and admins: location hours and holidays, authority limits, staff, shared devices, playbook.

use super::log::pick_location;
use super::session::{DEVICE_COOKIE, Posted, Web, set_cookie};
use super::{Nav, parse_money};
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
use olive_storage::admin::{ContactUpdate, LocationUpdate, StaffInput};
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
    /// the playbook's word for the role ("Receptionist", "Host")
    pub label: String,
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
    /// each person's role here: (code, for the form's selection; the playbook's word, shown)
    role_of: BTreeMap<String, (String, String)>,
    /// the roles a person can be given here, in the playbook's words: (code, label)
    roles: Vec<(&'static str, String)>,
    /// the business's word for its customers, plural ("patients")
    nouns: String,
    errors: BTreeMap<String, String>,
    flash: Option<String>,
    is_admin: bool,
    values: BTreeMap<String, String>,
    /// the signed-in person's own settings ("Your settings")
    mine: olive_storage::me::MySettings,
}

impl SettingsPage {
    fn v(&self, k: &str) -> String {
        self.values.get(k).cloned().unwrap_or_default()
    }

    /// The monthly budget as posted (after a refused save), else as saved ("1,500.00"; empty: none).
    fn budget_v(&self) -> String {
        self.values
            .get("monthly_budget")
            .cloned()
            .unwrap_or_else(|| {
                self.loc
                    .monthly_budget
                    .as_ref()
                    .map(|b| olive_domain::money::Cents(b.cents).to_string())
                    .unwrap_or_default()
            })
    }

    /// A location field as posted (after a refused save), else as saved.
    fn loc_v(&self, k: &str, saved: &Option<String>) -> String {
        self.values
            .get(k)
            .cloned()
            .unwrap_or_else(|| saved.clone().unwrap_or_default())
    }
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
    values: BTreeMap<String, String>,
) -> Result<SettingsPage, AppError> {
    let (locations, loc) = pick_location(st, web, location).await?;
    web.actor
        .require(olive_domain::permission::Permission::Configure, &loc.id)?;
    let playbook = st.store.playbook(&loc.playbook).await?;
    let word = |r: Role| match r {
        Role::Admin => "Admin".to_string(),
        r => playbook.role_label(r),
    };
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
            label: word(l.role),
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
                    ("admin".to_string(), word(Role::Admin))
                } else {
                    s.locations
                        .iter()
                        .find(|l| l.location_id == loc.id)
                        .map(|l| (l.role.as_str().to_string(), word(l.role)))
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
        roles: [Role::FrontDesk, Role::TeamMember, Role::Manager]
            .into_iter()
            .filter(|r| *r != Role::Manager || web.actor.is_admin)
            .map(|r| (r.as_str(), word(r)))
            .collect(),
        nouns: playbook.playbook.customer_noun_plural.clone(),
        errors,
        flash,
        is_admin: web.actor.is_admin,
        values,
        mine: st.store.my_settings(&web.actor).await?,
    })
}

pub async fn page(
    State(st): State<AppState>,
    Web(web): Web,
    Query(q): Query<LocQuery>,
) -> Result<SettingsPage, AppError> {
    render(
        &st,
        &web,
        q.location.as_deref(),
        BTreeMap::new(),
        q.done,
        BTreeMap::new(),
    )
    .await
}

async fn finish(
    st: &AppState,
    web: &WebSession,
    location: &str,
    res: Result<String, StoreError>,
    form: &str,
    values: &Fields,
) -> Result<Response, AppError> {
    // Secrets are never sent back into a page.
    let values: Fields = values
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "password" | "pin" | "_csrf"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
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
                render(st, web, Some(location), errors, None, values.clone()).await?,
            )
                .into_response())
        }
        Err(e @ (StoreError::Forbidden(_) | StoreError::Conflict { .. })) => {
            let status = crate::error::status_of(&e);
            let errors = BTreeMap::from([(form.to_string(), e.to_string())]);
            Ok((
                status,
                render(st, web, Some(location), errors, None, values.clone()).await?,
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
    let minutes = match get("approval_escalation_minutes").trim() {
        "" => Ok(None),
        m => m.parse::<i64>().map(Some).map_err(|_| {
            StoreError::field(
                "approval_escalation_minutes",
                "enter a whole number of minutes, such as 10",
            )
        }),
    };
    let res = match (bad, minutes) {
        (Some(m), _) => Err(StoreError::field("hours", m)),
        (None, Err(e)) => Err(e),
        (None, Ok(approval_escalation_minutes)) => st
            .store
            .update_location(
                &p.web.actor,
                &loc,
                LocationUpdate {
                    timezone: get("timezone"),
                    currency: get("currency"),
                    hours,
                    closed,
                    approval_escalation_minutes,
                    contact: ContactUpdate {
                        phone: Some(get("phone")),
                        email: Some(get("email")),
                        address: Some(get("address")),
                    },
                },
            )
            .await
            .map(|_| "Location saved.".to_string()),
    };
    finish(&st, &p.web, &loc, res, "location", &p.form).await
}

/// The monthly budget for gestures: an amount in the location's currency ("300" or "300.00"), empty for none.
pub async fn budget(State(st): State<AppState>, p: Posted<Fields>) -> Result<Response, AppError> {
    let f = &p.form;
    let loc = f.get("location_id").cloned().unwrap_or_default();
    let text = f.get("monthly_budget").map_or("", |v| v.trim());
    let cents = if text.is_empty() {
        Ok(None)
    } else {
        parse_money(text).map(Some).ok_or_else(|| {
            StoreError::field(
                "monthly_cents",
                "enter an amount like 300 or 300.00 (leave empty for no budget)",
            )
        })
    };
    let res = match cents {
        Ok(cents) => st
            .store
            .set_budget(&p.web.actor, &loc, cents, st.now())
            .await
            .map(|b| match b {
                Some(_) => "Monthly budget saved.".to_string(),
                None => "Monthly budget removed.".to_string(),
            }),
        Err(e) => Err(e),
    };
    finish(&st, &p.web, &loc, res, "budget", &p.form).await
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
    finish(&st, &p.web, &loc, res, "limits", &p.form).await
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
    finish(&st, &p.web, &loc, res, "staff", &p.form).await
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
        "edit" => match get("role").parse::<Role>() {
            Err(e) => Err(StoreError::field("role", e)),
            Ok(role) => {
                let nz = |v: String| Some(v).filter(|v| !v.trim().is_empty());
                let input = StaffInput {
                    name: get("name"),
                    email: nz(get("email")),
                    username: nz(get("username")),
                    location_id: loc.clone(),
                    role,
                    password: None,
                    pin: None,
                };
                st.store
                    .update_staff(a, &id, input)
                    .await
                    .map(|s| format!("{} saved.", s.name))
            }
        },
        _ => return Err(AppError::not_found("action")),
    };
    finish(&st, &p.web, &loc, res, "staff", &BTreeMap::new()).await
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
        Err(e) => finish(&st, &p.web, &loc, Err(e), "device", &p.form).await,
    }
}
