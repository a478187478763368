//! A customer's email is the practice's own: sent in the location's name, replies to the location's
//! email, and a footer with its name, phone and address. Staff emails are Olive's.

use crate::error::StoreError;
use crate::store::Store;

/// The events whose emails go to a customer (the rest go to staff).
pub const CUSTOMER_EMAIL_EVENTS: [&str; 1] = ["follow_up"];

/// Does an email of this event go to a customer?
pub fn is_customer_email(event: &str) -> bool {
    CUSTOMER_EMAIL_EVENTS.contains(&event)
}

/// Whose name a customer email goes out in, read from its location when the email is claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// the display name of `From` (the address stays the configured sender's)
    pub name: String,
    /// `Reply-To`: the location's email, when it has one
    pub reply_to: Option<String>,
    /// the lines that end the email: the name, then the phone and the address when set
    pub footer: String,
}

impl Store {
    /// The sender of a customer email at `location_id` (`None` for a staff email, or a location that
    /// is gone: such an email goes out as Olive's).
    pub(crate) async fn sender_of(
        &self,
        event: &str,
        location_id: Option<&str>,
    ) -> Result<Option<Sender>, StoreError> {
        let Some(location_id) = location_id.filter(|_| is_customer_email(event)) else {
            return Ok(None);
        };
        match self.location(location_id).await {
            Ok(l) => Ok(Some(Sender {
                footer: l.footer(),
                reply_to: l.email.as_ref().map(ToString::to_string),
                name: l.name,
            })),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
