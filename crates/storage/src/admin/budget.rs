//! A location's monthly budget for gestures: set or cleared by a manager (audited), read for Insights.

use crate::actor::Actor;
use crate::audit::{By, Target};
use crate::error::StoreError;
use crate::rows::{oi, s};
use crate::store::Store;
use crate::views::CurrencyTotal;
use jiff::Timestamp;
use olive_domain::money::{Cents, MoneyError};
use olive_domain::permission::Permission;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::json;

/// One location's monthly gesture budget, as `Store::budgets` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub location_id: String,
    /// cents of `currency` per calendar month (the location's local month); `None`: no budget set
    pub monthly_cents: Option<i64>,
    /// the location's currency (ISO 4217)
    pub currency: String,
}

/// The check on a budget: 0 to 100,000,000.00, as every amount Olive stores.
pub fn check_budget(cents: Option<i64>) -> Result<Option<i64>, StoreError> {
    cents
        .map(|c| {
            Cents::non_negative(c).map(|c| c.0).map_err(|e| {
                let msg = match e {
                    MoneyError::Negative => "a budget cannot be negative".to_string(),
                    MoneyError::TooLarge => {
                        "a budget is at most 100,000,000.00 (10000000000 cents)".to_string()
                    }
                    other => other.to_string(),
                };
                StoreError::field("monthly_cents", msg)
            })
        })
        .transpose()
}

impl Store {
    /// Set (`Some`) or clear (`None`) a location's monthly gesture budget, in cents of its currency.
    /// Needs `Configure` there; a value outside 0..=100,000,000.00 is a field error on `monthly_cents`.
    /// Audited (`budget.changed`, with the old and new cents and the currency) in the same transaction.
    pub async fn set_budget(
        &self,
        actor: &Actor,
        location_id: &str,
        monthly_cents: Option<i64>,
        now: Timestamp,
    ) -> Result<Option<CurrencyTotal>, StoreError> {
        actor.require(Permission::Configure, location_id)?;
        let cents = check_budget(monthly_cents)?;
        let mut tx = self.db.begin().await?;
        // Read inside the transaction: the audit entry's "from" is what this change replaced.
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns(["monthly_budget_cents", "currency"])
                    .from("locations")
                    .and_where(Expr::col("id").eq(location_id))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("location"))?;
        let before = oi(&row, "monthly_budget_cents")?;
        let currency = s(&row, "currency")?;
        tx.execute(
            &Query::update()
                .table("locations")
                .value("monthly_budget_cents", cents)
                .and_where(Expr::col("id").eq(location_id))
                .to_owned(),
        )
        .await?;
        tx.audit(
            By::Staff(actor),
            now,
            "budget.changed",
            Target::new("location", location_id, Some(location_id)),
            json!({"from": before, "to": cents, "currency": currency}),
        )
        .await?;
        tx.commit().await?;
        self.changed(crate::store::changes::Change::Settings).await;
        Ok(cents.map(|cents| CurrencyTotal { cents, currency }))
    }

    /// The monthly gesture budget of each of these locations (those that exist), in the order of
    /// their ids. No access check: the caller (Insights) has already scoped `location_ids` to the
    /// reader's locations.
    pub async fn budgets(&self, location_ids: &[String]) -> Result<Vec<Budget>, StoreError> {
        if location_ids.is_empty() {
            return Ok(Vec::new());
        }
        let q = Query::select()
            .columns(["id", "monthly_budget_cents", "currency"])
            .from("locations")
            .and_where(Expr::col("id").is_in(location_ids.iter().cloned()))
            .order_by("id", Order::Asc)
            .to_owned();
        self.db
            .fetch_all(&q)
            .await?
            .iter()
            .map(|r| {
                Ok(Budget {
                    location_id: s(r, "id")?,
                    monthly_cents: oi(r, "monthly_budget_cents")?,
                    currency: s(r, "currency")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::check_budget;
    use crate::error::StoreError;

    #[test]
    fn a_budget_is_between_nothing_and_a_hundred_million() {
        assert_eq!(check_budget(None).ok(), Some(None));
        assert_eq!(check_budget(Some(0)).ok(), Some(Some(0)));
        assert_eq!(
            check_budget(Some(100_000_000_00)).ok(),
            Some(Some(100_000_000_00))
        );
        for bad in [-1, 100_000_000_01] {
            match check_budget(Some(bad)) {
                Err(StoreError::Validation { fields, .. }) => {
                    assert!(fields.contains_key("monthly_cents"), "{bad}")
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
