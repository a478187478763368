//! A gesture's fulfilment life: pending_approval → approved | declined → sent → delivered.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GestureStatus {
    PendingApproval,
    Approved,
    Declined,
    Sent,
    Delivered,
}

impl GestureStatus {
    /// What a person reads for this status ("Waiting for approval"), never the code.
    pub fn label(self) -> &'static str {
        match self {
            GestureStatus::PendingApproval => "Waiting for approval",
            GestureStatus::Approved => "Approved",
            GestureStatus::Declined => "Declined",
            GestureStatus::Sent => "Sent",
            GestureStatus::Delivered => "Delivered",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GestureStatus::PendingApproval => "pending_approval",
            GestureStatus::Approved => "approved",
            GestureStatus::Declined => "declined",
            GestureStatus::Sent => "sent",
            GestureStatus::Delivered => "delivered",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::PendingApproval,
            Self::Approved,
            Self::Declined,
            Self::Sent,
            Self::Delivered,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// The statuses of a gesture the customer was given (or will be: approved, not yet sent): what
    /// counts as spend. A request still waiting and a declined one are not spend.
    pub const GIVEN: [GestureStatus; 3] = [
        GestureStatus::Approved,
        GestureStatus::Sent,
        GestureStatus::Delivered,
    ];

    /// Whether the gesture counts against the giver's authority (declined ones do not).
    pub fn counts(self) -> bool {
        self != GestureStatus::Declined
    }

    /// The allowed next status for an action, or an error naming the current one.
    pub fn advance(self, to: GestureStatus) -> Result<GestureStatus, String> {
        use GestureStatus::*;
        let ok = matches!(
            (self, to),
            (PendingApproval, Approved)
                | (PendingApproval, Declined)
                | (Approved, Sent)
                | (Sent, Delivered)
                | (Approved, Delivered)
        );
        if ok {
            Ok(to)
        } else {
            Err(format!(
                "a gesture that is {} cannot become {}",
                self.as_str(),
                to.as_str()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GestureStatus::*;

    #[test]
    fn life_cycle() {
        assert_eq!(PendingApproval.advance(Approved), Ok(Approved));
        assert_eq!(Approved.advance(Sent), Ok(Sent));
        assert_eq!(Sent.advance(Delivered), Ok(Delivered));
        assert!(Declined.advance(Sent).is_err());
        assert!(PendingApproval.advance(Sent).is_err());
        assert!(Delivered.advance(Approved).is_err());
    }
}
