//! The JSON API under `/api/v1`: routes, OpenAPI document and Swagger UI.

pub mod actions;
pub mod admin;
pub mod audit;
pub mod budget;
pub mod cases;
pub mod decisions;
pub mod followups;
pub mod me_settings;
pub mod org;
pub mod playbooks;
pub mod prevention;
pub mod privacy;
pub mod reports;
pub mod reports_export;
pub mod reports_monthly;
pub mod steps;
pub mod tokens;

use crate::state::AppState;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Olive API", description = "Service recovery: playbooks, cases, gestures, handoffs, wording check. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`."),
    modifiers(&Bearer),
    tags((name = "cases"), (name = "steps"), (name = "gestures"), (name = "handoffs"), (name = "playbooks"), (name = "wording"), (name = "organisation"), (name = "stats"), (name = "reports"), (name = "follow-up"), (name = "webhooks"), (name = "audit"), (name = "prevention"), (name = "system"))
)]
struct ApiDoc;

struct Bearer;
impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// JSON body limit for the API (a playbook upload has its own, larger one).
pub const JSON_LIMIT: usize = 64 * 1024;
pub const PLAYBOOK_LIMIT: usize = 1024 * 1024;

/// The API routes and the OpenAPI document describing them.
pub fn router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (small, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(org::health))
        .routes(routes!(crate::observe::ready::ready))
        .routes(routes!(cases::create_case, cases::list_cases))
        .routes(routes!(cases::get_case, cases::edit_case))
        .routes(routes!(cases::customer_history))
        .routes(routes!(actions::complete_step))
        .routes(routes!(actions::skip_step))
        .routes(routes!(steps::claim_step))
        .routes(routes!(steps::assign_step))
        .routes(routes!(actions::give_gesture))
        .routes(routes!(actions::approve_gesture))
        .routes(routes!(actions::decline_gesture))
        .routes(routes!(actions::mark_sent))
        .routes(routes!(actions::mark_delivered))
        .routes(routes!(actions::propose_handoff))
        .routes(routes!(actions::accept_handoff))
        .routes(routes!(actions::decline_handoff))
        .routes(routes!(actions::verify))
        .routes(routes!(actions::close))
        .routes(routes!(actions::reopen))
        .routes(routes!(actions::cancel))
        .routes(routes!(actions::add_note))
        .routes(routes!(privacy::erase_case))
        .routes(routes!(org::list_locations))
        .routes(routes!(org::get_location, admin::put_location))
        .routes(routes!(budget::put_budget))
        .routes(routes!(admin::add_staff))
        .routes(routes!(admin::put_staff))
        .routes(routes!(admin::deactivate))
        .routes(routes!(admin::add_defect))
        .routes(routes!(admin::retire_defect))
        .routes(routes!(admin::secret))
        .routes(routes!(admin::put_step))
        .routes(routes!(admin::my_work))
        .routes(routes!(decisions::acknowledge))
        .routes(routes!(org::get_limits, org::put_limits))
        .routes(routes!(org::list_staff))
        .routes(routes!(org::me))
        .routes(routes!(
            me_settings::get_settings,
            me_settings::put_settings
        ))
        .routes(routes!(reports_monthly::monthly_pdf))
        .routes(routes!(org::approvals))
        .routes(routes!(org::stats))
        .routes(routes!(reports::summary))
        .routes(routes!(reports::count_cases))
        .routes(routes!(followups::send_follow_up))
        .routes(routes!(followups::list_webhooks, followups::create_webhook))
        .routes(routes!(followups::delete_webhook))
        .routes(routes!(followups::list_outbox))
        .routes(routes!(followups::retry_outbox))
        .routes(routes!(followups::notifications))
        .routes(routes!(prevention::list))
        .routes(routes!(prevention::update))
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        .routes(routes!(reports_export::cases_csv))
        .routes(routes!(reports_export::cases_xlsx))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(tokens::change_password))
        .routes(routes!(playbooks::list))
        .routes(routes!(playbooks::get))
        .routes(routes!(playbooks::check))
        .routes(routes!(playbooks::search_defects))
        .layer(axum::extract::DefaultBodyLimit::max(JSON_LIMIT))
        .split_for_parts();
    let (upload, upload_api) = OpenApiRouter::new()
        .routes(routes!(playbooks::import))
        .layer(axum::extract::DefaultBodyLimit::max(PLAYBOOK_LIMIT))
        .split_for_parts();
    api.merge(upload_api);
    (small.merge(upload), api)
}
