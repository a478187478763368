//! Set-up endpoints (the API side of the settings pages): location settings, staff, secrets, playbook steps, my work.

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiResult, BadInput, ErrorBody, JsonBody, Unauthorized};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use olive_domain::deadline::DayHours;
use olive_domain::role::Role;
use olive_storage::StoreError;
use olive_storage::admin::{ContactUpdate, LocationUpdate, StaffInput, StepUpdate};
use olive_storage::cases::CaseFilter;
use olive_storage::store::weekday_index;
use olive_storage::views::{CaseSummary, HoursView, LocationView, StaffView};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationSettings {
    pub timezone: String,
    pub currency: String,
    /// open weekdays (`mon`…`sun`) with `HH:MM` times; days not listed are closed
    pub hours: Vec<HoursView>,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub closed_dates: Vec<String>,
    /// a gesture request still undecided after this many minutes of opening hours (1–480) is
    /// escalated to the other managers and the admins; left out, it stays as it is (default 10)
    #[serde(default)]
    pub approval_escalation_minutes: Option<i64>,
    /// the location's phone number as customers should read it (6–15 digits; spaces, dashes, brackets
    /// and a leading + are fine), shown in the footer of the emails its customers get; left out or
    /// `null`, it stays as it is; `""` removes it
    #[serde(default)]
    #[schema(example = "02 9555 0142")]
    pub phone: Option<String>,
    /// the location's email: customers' replies go there (`Reply-To`); left out or `null`, it stays;
    /// `""` removes it
    #[serde(default)]
    #[schema(example = "hello@harbourdental.example")]
    pub email: Option<String>,
    /// the postal address (up to 300 characters, lines separated by `\n`), in the emails' footer; left
    /// out or `null`, it stays; `""` removes it
    #[serde(default)]
    pub address: Option<String>,
}

/// Change a location's time zone, currency, opening hours, closed dates, approval escalation and contact details (managers and admins).
#[utoipa::path(put, path = "/api/v1/locations/{id}", tag = "organisation", params(("id" = String, Path)), request_body = LocationSettings,
    responses((status = 200, body = LocationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn put_location(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<LocationSettings>,
) -> ApiResult<Json<LocationView>> {
    a.require(olive_domain::permission::Permission::Configure, &id)?;
    let mut hours = [None; 7];
    for h in &b.hours {
        let idx = weekday_index(&h.day).ok_or_else(|| {
            StoreError::field(
                "hours",
                format!(
                    "unknown day '{}': use mon, tue, wed, thu, fri, sat or sun",
                    h.day
                ),
            )
        })?;
        let (open, close) = (h.open.parse(), h.close.parse());
        let (Ok(open), Ok(close)) = (open, close) else {
            return Err(StoreError::field("hours", format!("{}: times are HH:MM", h.day)).into());
        };
        hours[idx] = Some(DayHours { open, close });
    }
    let mut closed = std::collections::BTreeSet::new();
    for d in &b.closed_dates {
        closed.insert(d.parse().map_err(|_| {
            StoreError::field("closed_dates", format!("'{d}' is not a YYYY-MM-DD date"))
        })?);
    }
    st.store
        .update_location(
            &a,
            &id,
            LocationUpdate {
                timezone: b.timezone,
                currency: b.currency,
                hours,
                closed,
                approval_escalation_minutes: b.approval_escalation_minutes,
                contact: ContactUpdate {
                    phone: b.phone,
                    email: b.email,
                    address: b.address,
                },
            },
        )
        .await?;
    Ok(Json(st.store.get_location(&a, &id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffRequest {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    pub location_id: String,
    pub role: Role,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub pin: Option<String>,
}

/// Add a staff member at a location (managers: front desk and team members; admins: managers too).
#[utoipa::path(post, path = "/api/v1/staff", tag = "organisation", request_body = NewStaffRequest,
    responses((status = 201, body = StaffView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn add_staff(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiJson(b): ApiJson<NewStaffRequest>,
) -> ApiResult<Response> {
    let input = StaffInput {
        name: b.name,
        email: b.email,
        username: b.username,
        location_id: b.location_id,
        role: b.role,
        password: b.password,
        pin: b.pin,
    };
    let s = st.store.create_staff(&a, input, st.now()).await?;
    Ok((
        StatusCode::CREATED,
        [("location", format!("/api/v1/staff/{}", s.id))],
        Json(s),
    )
        .into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Deactivated {
    /// open cases moved to the caller
    pub reassigned_cases: usize,
}

/// Deactivate a staff member: sessions and tokens end, open cases move to the caller (on each timeline).
#[utoipa::path(post, path = "/api/v1/staff/{id}/deactivate", tag = "organisation", params(("id" = String, Path)),
    responses((status = 200, body = Deactivated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn deactivate(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Deactivated>> {
    Ok(Json(Deactivated {
        reassigned_cases: st.store.deactivate_staff(&a, &id, st.now()).await?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub pin: Option<String>,
}

/// Reset a staff member's password and/or PIN.
#[utoipa::path(post, path = "/api/v1/staff/{id}/secret", tag = "organisation", params(("id" = String, Path)), request_body = Secret,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn secret(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<Secret>,
) -> ApiResult<StatusCode> {
    if b.password.is_none() && b.pin.is_none() {
        return Err(StoreError::field("password", "give a new password or a new PIN").into());
    }
    if let Some(p) = &b.password {
        st.store.reset_password(&a, &id, p).await?;
    }
    if let Some(p) = &b.pin {
        st.store.reset_pin(&a, &id, p).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepChange {
    /// deadline rule, e.g. `same_day 17:00`
    pub due: String,
    pub owner: Role,
    /// what is said to the customer (placeholders such as `{customer_first_name}`, `{me}`)
    #[serde(default, alias = "wording")]
    pub say: String,
    /// what reaches the customer in writing (a card, the follow-up email)
    #[serde(default)]
    pub write: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlaybookSaved {
    pub code: String,
    pub defects: usize,
}

/// Change one protocol step of a playbook (applies to new cases; open cases keep theirs).
#[utoipa::path(put, path = "/api/v1/playbooks/{code}/defects/{defect}/steps/{index}", tag = "playbooks",
    params(("code" = String, Path), ("defect" = String, Path), ("index" = usize, Path, description = "0-based")), request_body = StepChange,
    responses((status = 200, body = PlaybookSaved), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn put_step(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath((code, defect, index)): ApiPath<(String, String, usize)>,
    ApiJson(b): ApiJson<StepChange>,
) -> ApiResult<Json<PlaybookSaved>> {
    let u = StepUpdate {
        defect,
        index,
        due: b.due,
        owner: b.owner.as_str().to_string(),
        say: b.say,
        write: b.write,
    };
    let p = st
        .store
        .update_playbook_step(&a, &code, u, st.now())
        .await?;
    Ok(Json(PlaybookSaved {
        code: p.playbook.code,
        defects: p.defects.len(),
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MyWork {
    /// cases I hold, soonest due first
    pub cases: Vec<CaseSummary>,
    /// cases someone offers to hand to me
    pub offered: Vec<CaseSummary>,
    /// decisions on my gesture requests (who decided, when, why) that I have not acknowledged yet,
    /// newest first; `POST /api/v1/my-work/decisions/acknowledge` clears them
    pub decisions: Vec<olive_storage::actions::DecisionView>,
    /// steps assigned to me and the unclaimed steps of my roles at my locations, soonest due first
    /// (`assignee` null: take it with `POST /api/v1/cases/{key}/steps/{step_id}/claim`)
    pub steps: Vec<olive_storage::views::MyStep>,
}

/// My work: the cases I hold, soonest due first, hand-offs waiting for my answer, decisions on my gesture requests, and the steps that are mine or my roles' to take.
#[utoipa::path(get, path = "/api/v1/my-work", tag = "cases", responses((status = 200, body = MyWork), Unauthorized), security(("bearer" = [])))]
pub async fn my_work(State(st): State<AppState>, Auth(a): Auth) -> ApiResult<Json<MyWork>> {
    let now = st.now();
    let f = CaseFilter {
        owner: Some(a.staff_id.clone()),
        status: Some("active".into()),
        limit: Some(100),
        ..Default::default()
    };
    let mut cases = st.store.list_cases(&a, &f, now).await?.items;
    cases.sort_by(|x, y| x.next_due_at.cmp(&y.next_due_at));
    Ok(Json(MyWork {
        cases,
        offered: st.store.handoffs_offered_to(&a, now).await?,
        decisions: st.store.my_decisions(&a).await?,
        steps: st.store.my_steps(&a, now).await?,
    }))
}

/// Edit a staff member's name, email, username and role at a location.
#[utoipa::path(put, path = "/api/v1/staff/{id}", tag = "organisation", params(("id" = String, Path)), request_body = NewStaffRequest,
    responses((status = 200, body = StaffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn put_staff(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<NewStaffRequest>,
) -> ApiResult<Json<StaffView>> {
    let input = StaffInput {
        name: b.name,
        email: b.email,
        username: b.username,
        location_id: b.location_id,
        role: b.role,
        password: None,
        pin: None,
    };
    Ok(Json(st.store.update_staff(&a, &id, input).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDefectRequest {
    pub code: String,
    pub stage: String,
    pub title: String,
    pub severity: olive_domain::playbook::Severity,
    /// comma-separated search words
    #[serde(default)]
    pub keywords: String,
}

/// Add a defect with a starting protocol (acknowledge, put right, verify) to refine step by step.
#[utoipa::path(post, path = "/api/v1/playbooks/{code}/defects", tag = "playbooks", params(("code" = String, Path)), request_body = NewDefectRequest,
    responses((status = 201, body = PlaybookSaved), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn add_defect(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<NewDefectRequest>,
) -> ApiResult<Response> {
    let d = olive_storage::admin::NewDefect {
        code: b.code,
        stage: b.stage,
        title: b.title,
        severity: b.severity,
        keywords: b.keywords,
    };
    let p = st.store.add_defect(&a, &code, d, st.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(PlaybookSaved {
            code: p.playbook.code,
            defects: p.defects.len(),
        }),
    )
        .into_response())
}

/// Retire a defect (new cases cannot choose it; logged cases keep their protocol).
#[utoipa::path(delete, path = "/api/v1/playbooks/{code}/defects/{defect}", tag = "playbooks", params(("code" = String, Path), ("defect" = String, Path)),
    responses((status = 200, body = PlaybookSaved), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), BadInput), security(("bearer" = [])))]
pub async fn retire_defect(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath((code, defect)): ApiPath<(String, String)>,
) -> ApiResult<Json<PlaybookSaved>> {
    let p = st.store.retire_defect(&a, &code, &defect, st.now()).await?;
    Ok(Json(PlaybookSaved {
        code: p.playbook.code,
        defects: p.defects.len(),
    }))
}
