//! The customer's public follow-up page `/f/{token}`: no sign-in, shows only the business and first name.

use crate::ratelimit::ClientIp;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use olive_domain::followup::Answer;
use olive_storage::StoreError;
use olive_storage::followup::FollowUpPage;
use serde::Deserialize;

pub enum FollowUpState {
    Open(String),
    Thanks(bool),
    Answered,
    Expired,
    Unknown,
    Busy,
}

#[derive(Template, WebTemplate)]
#[template(path = "followup.html")]
pub struct Page {
    business: String,
    state: FollowUpState,
    error: Option<String>,
}

fn page(
    status: StatusCode,
    business: String,
    state: FollowUpState,
    error: Option<String>,
) -> Response {
    (
        status,
        Page {
            business,
            state,
            error,
        },
    )
        .into_response()
}

fn unknown() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Olive".into(),
        FollowUpState::Unknown,
        None,
    )
}

fn limited(st: &AppState, ip: Option<std::net::IpAddr>) -> Option<Response> {
    let wait = st.limits.public(ip).err()?;
    let page = page(
        StatusCode::TOO_MANY_REQUESTS,
        "Olive".into(),
        FollowUpState::Busy,
        Some(format!(
            "Too many requests. Please wait {} seconds and try again.",
            wait.seconds()
        )),
    );
    Some(crate::ui::auth::too_many(wait, page))
}

pub async fn show(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> Response {
    if let Some(r) = limited(&st, ip) {
        return r;
    }
    match st.store.followup_page(&token, st.now()).await {
        Ok(FollowUpPage::Open {
            business,
            first_name,
        }) => page(
            StatusCode::OK,
            business,
            FollowUpState::Open(first_name),
            None,
        ),
        Ok(FollowUpPage::Answered { business }) => {
            page(StatusCode::OK, business, FollowUpState::Answered, None)
        }
        Ok(FollowUpPage::Expired { business }) => {
            page(StatusCode::GONE, business, FollowUpState::Expired, None)
        }
        Err(StoreError::NotFound(_)) => unknown(),
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub struct AnswerForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    would_return: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    opt_out: Option<String>,
}

pub async fn answer(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    if let Some(r) = limited(&st, ip) {
        return r;
    }
    let now = st.now();
    let (business, first_name) = match st.store.followup_page(&token, now).await {
        Ok(FollowUpPage::Open {
            business,
            first_name,
        }) => (business, first_name),
        Ok(FollowUpPage::Answered { business }) => {
            return page(
                StatusCode::CONFLICT,
                business,
                FollowUpState::Answered,
                None,
            );
        }
        Ok(FollowUpPage::Expired { business }) => {
            return page(StatusCode::GONE, business, FollowUpState::Expired, None);
        }
        Err(StoreError::NotFound(_)) => return unknown(),
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    // An unreadable body is an empty answer: the page asks again for each missing part.
    let form: AnswerForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let again = |msg: &str| {
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            business.clone(),
            FollowUpState::Open(first_name.clone()),
            Some(msg.to_string()),
        )
    };
    let would_return = match form.would_return.as_str() {
        "yes" => true,
        "no" => false,
        _ => return again("Please say whether you would come back."),
    };
    let answer = match form
        .rating
        .trim()
        .parse::<u8>()
        .map_err(|_| olive_domain::followup::AnswerError::Rating)
        .and_then(|r| Answer::new(r, would_return, &form.comment))
    {
        Ok(a) => a,
        Err(olive_domain::followup::AnswerError::Rating) => {
            return again("Please choose a rating from 1 to 5.");
        }
        Err(olive_domain::followup::AnswerError::Comment) => {
            return again("Please keep the comment under 2,000 characters.");
        }
    };
    let recovered = answer.is_recovered();
    match st
        .store
        .answer_followup(&token, answer, form.opt_out.is_some(), now)
        .await
    {
        Ok(()) => page(
            StatusCode::OK,
            business,
            FollowUpState::Thanks(recovered),
            None,
        ),
        Err(StoreError::Conflict {
            code: "expired", ..
        }) => page(StatusCode::GONE, business, FollowUpState::Expired, None),
        Err(StoreError::Conflict { .. }) => page(
            StatusCode::CONFLICT,
            business,
            FollowUpState::Answered,
            None,
        ),
        Err(StoreError::NotFound(_)) => unknown(),
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}
