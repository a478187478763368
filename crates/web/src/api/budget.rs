//! A location's monthly budget for gestures: `PUT /api/v1/locations/{id}/budget` (managers and admins).

use crate::auth::Auth;
use crate::error::{ApiJson, ApiPath, ApiResult, ErrorBody, JsonBody};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use olive_storage::StoreError;
use olive_storage::views::CurrencyTotal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The budget to set.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetRequest {
    /// cents of the location's currency per month, 0 to 10000000000 (100,000,000.00); `null`: no budget
    #[schema(value_type = Option<i64>, example = 150000)]
    pub monthly_cents: Value,
}

/// A location's monthly budget after a change.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct BudgetView {
    pub location_id: String,
    /// `null`: no budget
    pub monthly_budget: Option<CurrencyTotal>,
}

/// The cents asked for: a whole number or `null`; anything else is a field error on `monthly_cents`.
fn cents(v: &Value) -> Result<Option<i64>, StoreError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(|| {
            StoreError::field(
                "monthly_cents",
                "a whole number of cents from 0 to 10000000000, or null for no budget",
            )
        }),
        _ => Err(StoreError::field(
            "monthly_cents",
            "a whole number of cents, or null for no budget",
        )),
    }
}

/// Set (or, with `null`, remove) the location's monthly budget for gestures, in cents of its currency.
/// Recorded in the audit trail (`budget.changed`, with the old and new cents).
#[utoipa::path(put, path = "/api/v1/locations/{id}/budget", tag = "organisation", params(("id" = String, Path)), request_body = BudgetRequest,
    responses((status = 200, body = BudgetView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), JsonBody), security(("bearer" = [])))]
pub async fn put_budget(
    State(st): State<AppState>,
    Auth(a): Auth,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<BudgetRequest>,
) -> ApiResult<Json<BudgetView>> {
    a.require(olive_domain::permission::Permission::Configure, &id)?;
    let monthly_budget = st
        .store
        .set_budget(&a, &id, cents(&b.monthly_cents)?, st.now())
        .await?;
    Ok(Json(BudgetView {
        location_id: id,
        monthly_budget,
    }))
}

#[cfg(test)]
mod tests {
    use super::cents;
    use serde_json::json;

    #[test]
    fn only_whole_cents_or_null() {
        assert_eq!(cents(&json!(null)).ok(), Some(None));
        assert_eq!(cents(&json!(150000)).ok(), Some(Some(150000)));
        // Negative whole numbers pass here; the store refuses them (with the field named).
        assert_eq!(cents(&json!(-1)).ok(), Some(Some(-1)));
        for bad in [json!(1.5), json!("100"), json!(1e30), json!([1])] {
            assert!(cents(&bad).is_err(), "{bad}");
        }
    }
}
