//! Opting out in one click: the follow-up email's `List-Unsubscribe` address (RFC 8058) and the link in
//! its text stop further messages about the case without asking for an answer.

use super::*;

/// What the one-click page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutPage {
    pub business: Business,
    /// the customer had already opted out (by this link, the answer page, or another case)
    pub already: bool,
}

impl Store {
    /// The page behind an unsubscribe link (no sign-in). Unknown tokens are `NotFound`; the link keeps
    /// working after the survey is answered or expired.
    pub async fn opt_out_page(&self, token: &str) -> Result<OptOutPage, StoreError> {
        let row = self.followup_by_token(None, token).await?;
        let c = self.case_by_id(&s(&row, "case_id")?).await?;
        Ok(OptOutPage {
            business: Business::of(&self.location(&c.location_id).await?),
            already: self.opted_out(&c).await?,
        })
    }

    /// Stop messages about this case to this customer (idempotent: a second click changes nothing).
    pub async fn opt_out_by_link(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<OptOutPage, StoreError> {
        let mut tx = self.db.begin().await?;
        let row = self.followup_by_token(Some(&mut tx), token).await?;
        let c = self.case_by_id_tx(&mut tx, &s(&row, "case_id")?).await?;
        let business = Business::of(&self.location(&c.location_id).await?);
        if self.opted_out(&c).await? {
            return Ok(OptOutPage {
                business,
                already: true,
            });
        }
        answer::record_opt_out(&mut tx, &c, "unsubscribe_link", now).await?;
        tx.commit().await?;
        Ok(OptOutPage {
            business,
            already: false,
        })
    }
}
