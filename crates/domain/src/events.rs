//! The events Olive publishes to webhooks, and the rules for when a change announces one.

use crate::case::CaseStatus;
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
    #[serde(rename = "case.cancelled")]
    CaseCancelled,
    #[serde(rename = "gesture.approved")]
    GestureApproved,
    #[serde(rename = "gesture.declined")]
    GestureDeclined,
    #[serde(rename = "customer.opted_out")]
    CustomerOptedOut,
    #[serde(rename = "case.erased")]
    CaseErased,
}

impl EventType {
    pub const ALL: [EventType; 11] = [
        EventType::CaseCreated,
        EventType::CaseEscalated,
        EventType::CaseClosed,
        EventType::CaseReopened,
        EventType::CaseCancelled,
        EventType::CaseErased,
        EventType::FeedbackReceived,
        EventType::CustomerOptedOut,
        EventType::GesturePendingApproval,
        EventType::GestureApproved,
        EventType::GestureDeclined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CaseCreated => "case.created",
            EventType::CaseEscalated => "case.escalated",
            EventType::CaseClosed => "case.closed",
            EventType::CaseReopened => "case.reopened",
            EventType::FeedbackReceived => "feedback.received",
            EventType::GesturePendingApproval => "gesture.pending_approval",
            EventType::CaseCancelled => "case.cancelled",
            EventType::GestureApproved => "gesture.approved",
            EventType::GestureDeclined => "gesture.declined",
            EventType::CustomerOptedOut => "customer.opted_out",
            EventType::CaseErased => "case.erased",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// `case.reopened` announces a case that was closed and is worked on again: a case still being worked
/// on (a poor follow-up answer while it awaits verification) or a cancelled one is not "reopened".
pub fn announces_reopen(before: CaseStatus) -> bool {
    before == CaseStatus::Closed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_closed_case_is_reopened() {
        assert!(announces_reopen(CaseStatus::Closed));
        for s in [
            CaseStatus::Open,
            CaseStatus::InProgress,
            CaseStatus::AwaitingVerification,
            CaseStatus::Cancelled,
        ] {
            assert!(!announces_reopen(s), "{s:?}");
        }
    }

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
