//! Managers' "Messages" page: outgoing email and webhooks (dead ones retryable), webhook endpoints;
//! and marking one's reminders read.

use super::session::{Posted, Web};
use super::{Nav, local};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use olive_domain::events::EventType;
use olive_storage::outbox::OutboxView;
use olive_storage::webhooks::{NewWebhook, WebhookView};
use std::collections::BTreeMap;

type Fields = BTreeMap<String, String>;
/// (when, channel and event, recipient, subject or last error, id)
type Line = (String, String, String, String, String);

#[derive(Template, WebTemplate)]
#[template(path = "messages.html")]
pub struct MessagesPage {
    nav: Nav,
    dead: Vec<Line>,
    pending: Vec<Line>,
    delivered: Vec<Line>,
    /// (location name, location id, endpoints) for each location the caller configures
    hooks: Vec<(String, String, Vec<WebhookView>)>,
    events: Vec<&'static str>,
    flash: Option<String>,
    error: Option<String>,
}

async fn page(
    st: &AppState,
    web: olive_storage::auth::WebSession,
    flash: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    web.actor
        .require_somewhere(olive_domain::permission::Permission::Configure)?;
    let locations = st.store.list_locations(&web.actor).await?;
    let tz = locations
        .first()
        .and_then(|l| jiff::tz::TimeZone::get(&l.timezone).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let line = |m: &OutboxView| {
        let what = if m.status == "dead" || m.status == "pending" {
            m.last_error
                .clone()
                .map(|e| format!("{} — {e} (attempt {})", m.subject, m.attempts))
                .unwrap_or_else(|| m.subject.clone())
        } else {
            m.subject.clone()
        };
        (
            local(&m.created_at, &tz),
            format!("{} · {}", m.channel.as_str(), m.event),
            m.recipient.clone(),
            what,
            m.id.clone(),
        )
    };
    let list = |status: &'static str, n: u64| {
        let (st, actor) = (st.clone(), web.actor.clone());
        async move { st.store.list_outbox(&actor, Some(status), n).await }
    };
    let (dead, pending, delivered) = tokio::try_join!(
        list("dead", 100),
        list("pending", 100),
        list("delivered", 20)
    )?;
    let mut hooks = Vec::new();
    for l in &locations {
        if web
            .actor
            .may(olive_domain::permission::Permission::Configure, &l.id)
        {
            hooks.push((
                l.name.clone(),
                l.id.clone(),
                st.store.list_webhooks(&web.actor, &l.id).await?,
            ));
        }
    }
    Ok(MessagesPage {
        nav: Nav::new(&web, "messages"),
        dead: dead.iter().map(line).collect(),
        pending: pending.iter().map(line).collect(),
        delivered: delivered.iter().map(line).collect(),
        hooks,
        events: EventType::ALL.iter().map(|e| e.as_str()).collect(),
        flash,
        error,
    }
    .into_response())
}

pub async fn show(State(st): State<AppState>, Web(web): Web) -> Result<Response, AppError> {
    page(&st, web, None, None).await
}

pub async fn retry(
    State(st): State<AppState>,
    Path(id): Path<String>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let res = st.store.retry_outbox(&p.web.actor, &id, st.now()).await;
    match res {
        Ok(()) => {
            page(
                &st,
                p.web,
                Some("Queued again: it goes out on the next tick.".into()),
                None,
            )
            .await
        }
        Err(e) => page(&st, p.web, None, Some(e.to_string())).await,
    }
}

pub async fn add_webhook(
    State(st): State<AppState>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    let get = |k: &str| p.form.get(k).cloned().unwrap_or_default();
    let events = EventType::ALL
        .iter()
        .filter(|e| p.form.contains_key(&format!("event_{}", e.as_str())))
        .map(|e| e.as_str().to_string())
        .collect();
    let res = st
        .store
        .create_webhook(
            &p.web.actor,
            &get("location_id"),
            NewWebhook {
                url: get("url"),
                events,
            },
            st.now(),
        )
        .await;
    match res {
        Ok(h) => {
            let msg = format!(
                "Endpoint added. Its signing secret, shown this once: {} — verify the Olive-Signature header with it.",
                h.secret
            );
            page(&st, p.web, Some(msg), None).await
        }
        Err(e) => page(&st, p.web, None, Some(e.to_string())).await,
    }
}

pub async fn remove_webhook(
    State(st): State<AppState>,
    Path(id): Path<String>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    match st.store.delete_webhook(&p.web.actor, &id).await {
        Ok(()) => page(&st, p.web, Some("Endpoint removed.".into()), None).await,
        Err(e) => page(&st, p.web, None, Some(e.to_string())).await,
    }
}

pub async fn mark_read(
    State(st): State<AppState>,
    p: Posted<Fields>,
) -> Result<Response, AppError> {
    st.store
        .mark_notifications_read(&p.web.actor, st.now())
        .await?;
    Ok(Redirect::to("/my").into_response())
}
