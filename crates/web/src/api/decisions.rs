//! Decisions on my gesture requests: acknowledging them, one or all (they are listed in `GET /api/v1/my-work`).

use crate::auth::Auth;
use crate::error::{ApiResult, ErrorBody, OptionalBody, OptionalJson};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeDecisions {
    /// one decision (the gesture's id); left out, all of them
    #[serde(default)]
    pub gesture_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Acknowledged {
    /// how many decisions left My work
    pub acknowledged: u64,
}

/// Acknowledge decisions on my gesture requests: they leave My work's `decisions` and the live alert.
#[utoipa::path(post, path = "/api/v1/my-work/decisions/acknowledge", tag = "cases", request_body(content = AcknowledgeDecisions, description = "optional: one gesture id"),
    responses((status = 200, body = Acknowledged), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), OptionalBody), security(("bearer" = [])))]
pub async fn acknowledge(
    State(st): State<AppState>,
    Auth(a): Auth,
    OptionalJson(b): OptionalJson<AcknowledgeDecisions>,
) -> ApiResult<Json<Acknowledged>> {
    let now = st.now();
    let acknowledged = match b.gesture_id {
        Some(id) => {
            let waiting = st
                .store
                .my_decisions(&a)
                .await?
                .iter()
                .any(|d| d.gesture_id == id);
            st.store.acknowledge_decision(&a, &id, now).await?;
            u64::from(waiting)
        }
        None => st.store.acknowledge_decisions(&a, now).await?,
    };
    Ok(Json(Acknowledged { acknowledged }))
}
