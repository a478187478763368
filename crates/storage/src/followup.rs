//! Customer follow-up: a staff member sends "Did we make it right?" with a single-case link; the
//! customer's answer closes the case as recovered or reopens it; customers can opt out.

use crate::actor::Actor;
use crate::audit::By;
use crate::cases::CaseRow;
use crate::db::Tx;
use crate::error::{FieldErrors, StoreError};
use crate::outbox::{self, EmailOut};
use crate::rows::{i, ms, new_id, oi, opt_rfc3339, os, rfc3339, s};
use crate::store::Store;
use crate::views::CaseDetail;
use jiff::Timestamp;
use olive_domain::case::{CaseEvent, CloseOutcome, StepStatus};
use olive_domain::events::EventType;
use olive_domain::followup::{Answer, first_name, greeting_name};
use olive_domain::permission::Permission;
use olive_domain::playbook::StepKind;
use rand::RngCore;
use sea_query::{Expr, ExprTrait, LockType, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

mod answer;
mod optout;
pub use optout::OptOutPage;
mod send;

#[derive(Debug, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SendFollowUp {
    /// the message (placeholders such as `{customer_first_name}`, `{me}`, `{business}`; see the
    /// playbook format); default: the verify step's written words, else the playbook's general follow-up
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowUpView {
    pub id: String,
    pub channel: String,
    pub sent_at: String,
    pub expires_at: String,
    /// `waiting`, `answered`, `unanswered` (no answer in time: call the customer) or `expired`
    pub state: String,
    pub rating: Option<i64>,
    pub would_return: Option<bool>,
    pub comment: Option<String>,
    pub answered_at: Option<String>,
}

/// The business as the customer's pages name it: its name (what `Display` prints) and its phone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Business {
    pub name: String,
    /// as the location wrote it ("02 9555 0142"), when it has one
    pub phone: Option<String>,
}

impl Business {
    pub(crate) fn of(l: &crate::store::Location) -> Business {
        Business {
            name: l.name.clone(),
            phone: l.phone.as_ref().map(|p| p.as_str().to_string()),
        }
    }
}

impl From<&str> for Business {
    fn from(name: &str) -> Business {
        Business {
            name: name.to_string(),
            phone: None,
        }
    }
}

impl std::fmt::Display for Business {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

/// What the public follow-up page may show: the business and the customer's first name, nothing else.
#[derive(Debug, Clone)]
pub enum FollowUpPage {
    Open {
        business: Business,
        first_name: String,
    },
    Answered {
        business: Business,
    },
    Expired {
        business: Business,
    },
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Contact keys a customer's opt-out is stored under.
pub(crate) fn contact_keys(c: &CaseRow) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(e) = &c.customer.email {
        keys.push(format!("email:{}", e.to_lowercase()));
    }
    if let Some(p) = &c.customer.phone {
        keys.push(format!("phone:{p}"));
    }
    keys
}

pub(crate) fn followup_view(
    r: &sqlx::any::AnyRow,
    now: Timestamp,
) -> Result<FollowUpView, StoreError> {
    let answered = oi(r, "answered_at")?;
    let expires = i(r, "expires_at")?;
    let state = if answered.is_some() {
        "answered"
    } else if oi(r, "timed_out_at")?.is_some() {
        "unanswered"
    } else if expires <= ms(now) {
        "expired"
    } else {
        "waiting"
    };
    Ok(FollowUpView {
        id: s(r, "id")?,
        channel: s(r, "channel")?,
        sent_at: rfc3339(i(r, "created_at")?),
        expires_at: rfc3339(expires),
        state: state.into(),
        rating: oi(r, "rating")?,
        would_return: oi(r, "would_return")?.map(|v| v != 0),
        comment: os(r, "comment")?,
        answered_at: opt_rfc3339(answered),
    })
}

pub(crate) const FOLLOWUP_COLS: [&str; 10] = [
    "id",
    "channel",
    "created_at",
    "expires_at",
    "answered_at",
    "timed_out_at",
    "rating",
    "would_return",
    "comment",
    "case_id",
];

impl Store {
    /// Has this customer (by email or phone) asked not to be contacted?
    pub(crate) async fn opted_out(&self, c: &CaseRow) -> Result<bool, StoreError> {
        let keys = contact_keys(c);
        if keys.is_empty() {
            return Ok(false);
        }
        Ok(self
            .db
            .fetch_optional(
                &Query::select()
                    .column("contact")
                    .from("contact_opt_outs")
                    .and_where(Expr::col("contact").is_in(keys))
                    .to_owned(),
            )
            .await?
            .is_some())
    }

    /// Follow-ups of a case, oldest first.
    pub(crate) async fn followups_of(
        &self,
        case_id: &str,
        now: Timestamp,
    ) -> Result<Vec<FollowUpView>, StoreError> {
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(FOLLOWUP_COLS)
                    .from("followups")
                    .and_where(Expr::col("case_id").eq(case_id))
                    .order_by("created_at", Order::Asc)
                    .to_owned(),
            )
            .await?;
        rows.iter().map(|r| followup_view(r, now)).collect()
    }
}
