//! The web interface: server-rendered pages (askama) with htmx, built on the same Store operations as the API.

pub mod approvals;
pub mod audit;
pub mod auth;
pub mod case;
pub mod cases;
pub mod decisions;
pub mod exports;
pub mod followup;
pub mod insights;
pub mod log;
pub mod manage;
pub mod messages;
pub mod my_settings;
pub mod my_steps;
pub mod playbook;
pub mod prevention;
pub mod session;
pub mod settings;
pub mod signins;

use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use jiff::{SignedDuration, Timestamp};
use olive_storage::auth::WebSession;

/// What the layout needs: who is signed in, the CSRF token, which menu item is active.
pub struct Nav {
    pub name: String,
    pub csrf: String,
    pub manager: bool,
    pub device: bool,
    pub active: &'static str,
    /// on a shared device, seconds of idleness before the screen returns to the switcher (0 = never)
    pub idle_seconds: u32,
}

/// Seconds of idleness before a shared device returns to the PIN switcher.
pub const DEVICE_IDLE_SECONDS: u32 = 180;

impl Nav {
    pub fn new(s: &WebSession, active: &'static str) -> Nav {
        Nav {
            name: s.actor.name.clone(),
            csrf: s.csrf.clone(),
            manager: s
                .actor
                .require_somewhere(olive_domain::permission::Permission::Approve)
                .is_ok(),
            device: s.device_id.is_some(),
            active,
            idle_seconds: if s.device_id.is_some() {
                DEVICE_IDLE_SECONDS
            } else {
                0
            },
        }
    }
}

/// Is the person a manager (or admin) anywhere?
pub fn is_manager(s: &WebSession) -> bool {
    s.actor
        .require_somewhere(olive_domain::permission::Permission::Configure)
        .is_ok()
}

/// "due in 12 min", "overdue by 1 h 5 min", "due Tue 17:00" — for a step's due instant.
pub fn relative_due(
    due: Timestamp,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> (String, bool, bool) {
    let diff = due.duration_since(now);
    let overdue = diff.is_negative();
    let abs = diff.abs();
    let span = human(abs);
    if overdue {
        (format!("overdue by {span}"), true, false)
    } else if abs < SignedDuration::from_hours(12) {
        (
            format!(
                "due in {span} ({})",
                due.to_zoned(tz.clone()).strftime("%H:%M")
            ),
            false,
            abs < SignedDuration::from_mins(30),
        )
    } else {
        (
            format!(
                "due {}",
                due.to_zoned(tz.clone()).strftime("%a %-d %b %H:%M")
            ),
            false,
            false,
        )
    }
}

/// "12 min", "1 h 5 min", "3 d".
pub fn human(d: SignedDuration) -> String {
    let mins = d.as_mins();
    if mins < 1 {
        "under a minute".into()
    } else if mins < 60 {
        format!("{mins} min")
    } else if mins < 48 * 60 {
        let (h, m) = (mins / 60, mins % 60);
        if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        }
    } else {
        format!("{} d", mins / (24 * 60))
    }
}

/// Local wall time for an RFC 3339 instant.
pub fn local(at: &str, tz: &jiff::tz::TimeZone) -> String {
    at.parse::<Timestamp>()
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%a %-d %b %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Money for people: "$10.00" style with the currency code.
pub fn money(cents: i64, currency: &str) -> String {
    format!("{} {}", olive_domain::money::Cents(cents), currency)
}

/// Parse "10", "10.5", "$1,000.00" into cents.
pub fn parse_money(text: &str) -> Option<i64> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '$' | ',' | ' ' | '€' | '£'))
        .collect();
    if t.is_empty() || t.starts_with('-') {
        return None;
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 9
    {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    Some(w * 100 + f)
}

async fn static_file(
    axum::extract::Path(name): axum::extract::Path<String>,
) -> axum::response::Response {
    let (body, ctype): (&'static [u8], &str) = match name.as_str() {
        "htmx.min.js" => (
            include_bytes!("../../static/htmx.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "olive.js" => (
            include_bytes!("../../static/olive.js"),
            "text/javascript; charset=utf-8",
        ),
        "olive.css" => (
            include_bytes!("../../static/olive.css"),
            "text/css; charset=utf-8",
        ),
        "htmx.LICENSE" => (
            include_bytes!("../../static/htmx.LICENSE"),
            "text/plain; charset=utf-8",
        ),
        _ => return crate::error::AppError::not_found("file").into_response(),
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_str(ctype).unwrap_or(HeaderValue::from_static("text/plain")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

/// Security headers for every page.
pub async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let is_docs = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_docs {
        h.entry("content-security-policy").or_insert(HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ));
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    res
}

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{name}", get(static_file))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/switch", get(auth::switch_page).post(auth::switch))
        .route("/switch/idle", post(auth::idle))
        .route("/", get(log::page))
        .route("/log", post(log::submit))
        .route("/ui/defects", get(log::search))
        .route("/ui/done-steps", get(log::done_steps))
        .route("/ui/wording", post(case::wording))
        .route("/cases/{key}", get(case::page))
        .route("/ui/cases/{key}/version", get(case::version))
        .route("/cases/{key}/{action}", post(case::act))
        .route("/cases/{key}/steps/{id}/{action}", post(case::step))
        .route("/cases/{key}/gestures/{id}/{action}", post(case::gesture))
        .route("/cases/{key}/gestures/{id}/print", get(case::print))
        .route("/cases/{key}/handoffs/{id}/{action}", post(case::handoff))
        .route("/my", get(manage::my_work))
        .route("/ui/my/version", get(my_steps::version))
        .route("/ui/my/steps/{case}/{step}/{action}", post(my_steps::act))
        .route("/cases", get(cases::cases))
        .route("/cases.csv", get(exports::csv))
        .route("/cases.xlsx", get(exports::xlsx))
        .route("/approvals", get(approvals::page))
        .route("/approvals/{id}/{action}", post(approvals::decide))
        .route("/ui/approvals/count", get(manage::approvals_count))
        .route("/ui/alerts", get(manage::alerts))
        .route(
            "/ui/decisions/{id}/acknowledge",
            post(decisions::acknowledge),
        )
        .route(
            "/ui/case-alerts/{id}/dismiss",
            post(decisions::dismiss_case_alert),
        )
        .route("/board", get(manage::board))
        .route("/insights", get(insights::index))
        .route("/insights/compare", get(insights::compare))
        .route("/insights/monthly.pdf", get(insights::monthly_pdf))
        .route("/insights/{question}", get(insights::page))
        .route("/insights/{question}/csv", get(insights::csv))
        .route("/playbook", get(playbook::page).post(playbook::upload))
        .route("/playbook/download", get(playbook::download))
        .route("/playbook/step", post(playbook::step))
        .route("/playbook/defects", post(playbook::defect))
        .route("/playbook/stage", get(playbook::stage))
        .route(
            "/playbook/defect",
            get(playbook::defect_card).post(playbook::save),
        )
        .route("/playbook/retire", post(playbook::retire))
        .route("/playbook/restore", post(playbook::restore))
        .route("/playbook/adopt", post(playbook::adopt))
        .route(
            "/playbook/settings",
            get(playbook::settings_page).post(playbook::settings_save),
        )
        .route("/settings", get(settings::page))
        .route("/settings/location", post(settings::location))
        .route("/settings/limits", post(settings::limits))
        .route("/settings/budget", post(settings::budget))
        .route("/settings/staff", post(settings::add_staff))
        .route(
            "/settings/staff/{id}/{action}",
            post(settings::staff_action),
        )
        .route("/settings/device", post(settings::device))
        .route("/settings/me", post(my_settings::save))
        .route("/f/{token}", get(followup::show).post(followup::answer))
        .route(
            "/f/{token}/unsubscribe",
            get(followup::unsubscribe_page).post(followup::unsubscribe),
        )
        .route("/my/read", post(messages::mark_read))
        .route("/messages", get(messages::show))
        .route("/prevention", get(prevention::show))
        .route("/prevention/{id}", post(prevention::update))
        .route("/audit", get(audit::show))
        .route("/sign-ins", get(signins::show))
        .route("/audit.csv", get(audit::download))
        .route("/messages/{id}/retry", post(messages::retry))
        .route("/messages/webhooks", post(messages::add_webhook))
        .route(
            "/messages/webhooks/{id}/remove",
            post(messages::remove_webhook),
        )
}

/// A value for a URL's query string (a flash message, a filter).
pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_parsing() {
        assert_eq!(parse_money("10"), Some(1000));
        assert_eq!(parse_money("$1,000.5"), Some(100_050));
        assert_eq!(parse_money(".25"), Some(25));
        for bad in ["", "-5", "1.234", "abc", "1e3", "."] {
            assert_eq!(parse_money(bad), None, "{bad}");
        }
    }

    #[test]
    fn relative_due_texts() {
        let tz = jiff::tz::TimeZone::UTC;
        let now: Timestamp = "2026-11-24T10:00:00Z".parse().unwrap();
        assert_eq!(
            relative_due(now + SignedDuration::from_mins(12), now, &tz).0,
            "due in 12 min (10:12)"
        );
        assert_eq!(
            relative_due(now - SignedDuration::from_mins(65), now, &tz).0,
            "overdue by 1 h 5 min"
        );
        assert!(relative_due(now + SignedDuration::from_mins(20), now, &tz).2);
    }
}
