//! "Recent sign-ins": each person's own sign-ins, sign-outs, PIN switches and failed attempts, with
//! where they came from; managers and admins also see their people's (the audit trail's `auth.` entries).

use super::session::Web;
use super::{Nav, local};
use crate::error::AppError;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use olive_domain::permission::Permission;
use olive_storage::audit::{AuditEntry, AuditFilter};

/// One event as shown.
pub struct Row {
    pub when: String,
    pub who: String,
    pub what: &'static str,
    pub from: String,
    pub failed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "signins.html")]
pub struct SignInsPage {
    nav: Nav,
    mine: Vec<Row>,
    /// everyone the caller may audit; `None` for people who may not
    everyone: Option<Vec<Row>>,
}

/// The words for an `auth.` action.
pub fn what(action: &str) -> &'static str {
    match action {
        "auth.signed_in" => "Signed in",
        "auth.pin_switch" => "Switched in with a PIN",
        "auth.signed_out" => "Signed out",
        "auth.sign_in_failed" => "Failed sign-in",
        "auth.pin_failed" => "Wrong PIN",
        _ => "Other",
    }
}

fn row(e: &AuditEntry, tz: &jiff::tz::TimeZone) -> Row {
    let device = if e.via == "device" {
        " · shared device"
    } else {
        ""
    };
    Row {
        when: local(&e.at, tz),
        who: e.actor_name.clone(),
        what: what(&e.action),
        from: format!("{}{device}", e.ip.as_deref().unwrap_or("unknown address")),
        failed: e.action.ends_with("_failed"),
    }
}

pub async fn show(State(st): State<AppState>, Web(web): Web) -> Result<SignInsPage, AppError> {
    let tz = match web.actor.roles.first() {
        Some((id, _)) => st.store.location(id).await?.tz,
        None => jiff::tz::TimeZone::UTC,
    };
    let mine = st.store.my_sign_ins(&web.actor, 20).await?;
    let everyone = if web.actor.require_somewhere(Permission::Audit).is_ok() {
        let f = AuditFilter {
            action: Some("auth.".into()),
            limit: 50,
            ..Default::default()
        };
        let entries = st
            .store
            .audit_entries(&web.actor, &f, Permission::Audit)
            .await?;
        Some(entries.iter().map(|e| row(e, &tz)).collect())
    } else {
        None
    };
    Ok(SignInsPage {
        nav: Nav::new(&web, "signins"),
        mine: mine.iter().map(|e| row(e, &tz)).collect(),
        everyone,
    })
}
