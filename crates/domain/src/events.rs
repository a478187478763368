//! The events Olive publishes to webhooks.

use serde::{Deserialize, Serialize};

/// An event type a webhook endpoint can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum EventType {
    #[serde(rename = "case.created")]
    CaseCreated,
    #[serde(rename = "case.escalated")]
    CaseEscalated,
    #[serde(rename = "case.closed")]
    CaseClosed,
    #[serde(rename = "case.reopened")]
    CaseReopened,
    #[serde(rename = "feedback.received")]
    FeedbackReceived,
    #[serde(rename = "gesture.pending_approval")]
    GesturePendingApproval,
}

impl EventType {
    pub const ALL: [EventType; 6] = [
        EventType::CaseCreated,
        EventType::CaseEscalated,
        EventType::CaseClosed,
        EventType::CaseReopened,
        EventType::FeedbackReceived,
        EventType::GesturePendingApproval,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CaseCreated => "case.created",
            EventType::CaseEscalated => "case.escalated",
            EventType::CaseClosed => "case.closed",
            EventType::CaseReopened => "case.reopened",
            EventType::FeedbackReceived => "feedback.received",
            EventType::GesturePendingApproval => "gesture.pending_approval",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_parse() {
        for e in EventType::ALL {
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(json, format!("\"{}\"", e.as_str()));
            assert_eq!(EventType::parse(e.as_str()), Some(e));
        }
        assert_eq!(EventType::parse("case.deleted"), None);
    }
}
