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
use olive_storage::followup::Business;
use olive_storage::followup::FollowUpPage;
use serde::Deserialize;

pub enum FollowUpState {
    Open(String),
    /// answered: (recovered, asked not to be contacted again)
    Thanks(bool, bool),
    Answered,
    Expired,
    Unknown,
    Busy,
    /// "Stop messages about this?" with one button
    Unsubscribe,
    /// stopped (`true`: it already was)
    Unsubscribed(bool),
}

#[derive(Template, WebTemplate)]
#[template(path = "followup.html")]
pub struct Page {
    business: Business,
    state: FollowUpState,
    error: Option<String>,
    /// the one-click "stop messages about this" page of this link
    unsubscribe: Option<String>,
}

fn page(
    status: StatusCode,
    business: Business,
    state: FollowUpState,
    error: Option<String>,
) -> Response {
    (
        status,
        Page {
            business,
            state,
            error,
            unsubscribe: None,
        },
    )
        .into_response()
}

/// A page of the link `token` that offers the one-click opt-out.
fn page_offering_opt_out(
    status: StatusCode,
    business: Business,
    state: FollowUpState,
    token: &str,
) -> Response {
    let page = Page {
        business,
        state,
        error: None,
        unsubscribe: Some(format!("/f/{token}/unsubscribe")),
    };
    (status, page).into_response()
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
        }) => page_offering_opt_out(
            StatusCode::OK,
            business,
            FollowUpState::Open(first_name),
            &token,
        ),
        Ok(FollowUpPage::Answered { business }) => {
            page_offering_opt_out(StatusCode::OK, business, FollowUpState::Answered, &token)
        }
        Ok(FollowUpPage::Expired { business }) => {
            page_offering_opt_out(StatusCode::GONE, business, FollowUpState::Expired, &token)
        }
        Err(StoreError::NotFound(_)) => unknown(),
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}

/// The one-click opt-out page: one button, no answer needed; it works after answering or expiry too.
pub async fn unsubscribe_page(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> Response {
    if let Some(r) = limited(&st, ip) {
        return r;
    }
    match st.store.opt_out_page(&token).await {
        Ok(p) if p.already => page(
            StatusCode::OK,
            p.business,
            FollowUpState::Unsubscribed(true),
            None,
        ),
        Ok(p) => page(StatusCode::OK, p.business, FollowUpState::Unsubscribe, None),
        Err(StoreError::NotFound(_)) => unknown(),
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}

/// Stop messages about this case: the page's button, or a mail client's one-click POST (RFC 8058,
/// body `List-Unsubscribe=One-Click`). No sign-in and no CSRF token: the link is the secret.
pub async fn unsubscribe(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
) -> Response {
    if let Some(r) = limited(&st, ip) {
        return r;
    }
    match st.store.opt_out_by_link(&token, st.now()).await {
        Ok(p) => page(
            StatusCode::OK,
            p.business,
            FollowUpState::Unsubscribed(p.already),
            None,
        ),
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
    let opt_out = form.opt_out.is_some();
    match st.store.answer_followup(&token, answer, opt_out, now).await {
        Ok(()) => page(
            StatusCode::OK,
            business,
            FollowUpState::Thanks(recovered, opt_out),
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
