//! The one case state machine: statuses, step statuses, closing rules and timeline events.

pub mod assignment;
pub mod logging;

use crate::playbook::StepKind;
use serde::{Deserialize, Serialize};

/// Where a case is in its life.
///
/// `open` → `in_progress` (first step done or skipped) → `awaiting_verification` (every step but
/// the verification is done or skipped) → `closed` (outcome recovered | not_recovered);
/// `cancelled` (with a reason) from any open state; `closed` → `in_progress` when reopened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    InProgress,
    AwaitingVerification,
    Closed,
    Cancelled,
}

impl CaseStatus {
    /// What a person reads for this status ("Waiting for verification"), never the code.
    pub fn label(self) -> &'static str {
        match self {
            CaseStatus::Open => "Open",
            CaseStatus::InProgress => "In progress",
            CaseStatus::AwaitingVerification => "Waiting for verification",
            CaseStatus::Closed => "Closed",
            CaseStatus::Cancelled => "Cancelled",
        }
    }
    pub const ALL: [CaseStatus; 5] = [
        CaseStatus::Open,
        CaseStatus::InProgress,
        CaseStatus::AwaitingVerification,
        CaseStatus::Closed,
        CaseStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::AwaitingVerification => "awaiting_verification",
            CaseStatus::Closed => "closed",
            CaseStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    /// Still being worked on (not closed or cancelled).
    pub fn is_active(self) -> bool {
        !matches!(self, CaseStatus::Closed | CaseStatus::Cancelled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Done,
    Skipped,
}

impl StepStatus {
    /// What a person reads for this status ("To do"), never the code.
    pub fn label(self) -> &'static str {
        match self {
            StepStatus::Pending => "To do",
            StepStatus::Done => "Done",
            StepStatus::Skipped => "Skipped",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Done, Self::Skipped]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloseOutcome {
    Recovered,
    NotRecovered,
}

impl CloseOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CloseOutcome::Recovered => "recovered",
            CloseOutcome::NotRecovered => "not_recovered",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Recovered, Self::NotRecovered]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Why the defect happened: the raw material for prevention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RootCause {
    Process,
    Communication,
    Scheduling,
    ProductClinical,
    ThirdParty,
    CustomerSide,
    /// nobody on the team said: the customer's answer to the follow-up closed the case
    NotStated,
}

impl RootCause {
    pub fn as_str(self) -> &'static str {
        match self {
            RootCause::Process => "process",
            RootCause::Communication => "communication",
            RootCause::Scheduling => "scheduling",
            RootCause::ProductClinical => "product_clinical",
            RootCause::ThirdParty => "third_party",
            RootCause::CustomerSide => "customer_side",
            RootCause::NotStated => "not_stated",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Process,
            Self::Communication,
            Self::Scheduling,
            Self::ProductClinical,
            Self::ThirdParty,
            Self::CustomerSide,
            Self::NotStated,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
    /// A cause a person closing the case may give (`not_stated` is only for the customer's answer).
    pub fn given_by_staff(self) -> bool {
        self != RootCause::NotStated
    }
}

/// How a verification was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    InPerson,
    Phone,
    CustomerAnswer,
}

impl VerificationMethod {
    pub const ALL: [VerificationMethod; 3] = [
        VerificationMethod::InPerson,
        VerificationMethod::Phone,
        VerificationMethod::CustomerAnswer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerificationMethod::InPerson => "in_person",
            VerificationMethod::Phone => "phone",
            VerificationMethod::CustomerAnswer => "customer_answer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A step as the state machine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepState {
    pub kind: StepKind,
    pub status: StepStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the case is {0} and can no longer be changed")]
    Finished(&'static str),
    #[error("the step is already {0}")]
    StepNotPending(&'static str),
    #[error("the case still has open steps; complete or skip them first")]
    OpenSteps,
    #[error(
        "closing as recovered needs a verification: who verified, how and what the customer said"
    )]
    NotVerified,
    #[error("only a closed case can be reopened")]
    NotClosed,
    #[error("the case is already {0}")]
    Already(&'static str),
}

/// The status a case should have after its steps changed (never moves a finished case).
pub fn status_from_steps(current: CaseStatus, steps: &[StepState]) -> CaseStatus {
    if !current.is_active() {
        return current;
    }
    let touched = steps.iter().any(|s| s.status != StepStatus::Pending);
    let all_but_verify_settled = steps
        .iter()
        .filter(|s| s.kind != StepKind::Verify)
        .all(|s| s.status != StepStatus::Pending);
    if touched && all_but_verify_settled {
        CaseStatus::AwaitingVerification
    } else if touched {
        CaseStatus::InProgress
    } else {
        CaseStatus::Open
    }
}

/// A step may be completed or skipped while the case is active and the step is pending.
pub fn check_step_change(case: CaseStatus, step: StepStatus) -> Result<(), TransitionError> {
    if !case.is_active() {
        return Err(TransitionError::Finished(case.as_str()));
    }
    if step != StepStatus::Pending {
        return Err(TransitionError::StepNotPending(step.as_str()));
    }
    Ok(())
}

/// Closing: every step but verification settled; `recovered` also needs a verification record.
pub fn check_close(
    case: CaseStatus,
    outcome: CloseOutcome,
    steps: &[StepState],
    verified: bool,
) -> Result<(), TransitionError> {
    if !case.is_active() {
        return Err(TransitionError::Already(case.as_str()));
    }
    let open = steps
        .iter()
        .any(|s| s.kind != StepKind::Verify && s.status == StepStatus::Pending);
    if open {
        return Err(TransitionError::OpenSteps);
    }
    if outcome == CloseOutcome::Recovered && !verified {
        return Err(TransitionError::NotVerified);
    }
    Ok(())
}

pub fn check_cancel(case: CaseStatus) -> Result<(), TransitionError> {
    if case.is_active() {
        Ok(())
    } else {
        Err(TransitionError::Already(case.as_str()))
    }
}

pub fn check_reopen(case: CaseStatus) -> Result<(), TransitionError> {
    if case == CaseStatus::Closed {
        Ok(())
    } else {
        Err(TransitionError::NotClosed)
    }
}

/// Every kind of entry on a case's append-only timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseEvent {
    Created,
    Edited,
    StatusChanged,
    StepCompleted,
    StepSkipped,
    StepAdded,
    GestureGiven,
    GestureRequested,
    GestureApproved,
    GestureDeclined,
    GestureSent,
    GestureDelivered,
    HandoffProposed,
    HandoffAccepted,
    HandoffDeclined,
    OwnerChanged,
    Verified,
    Closed,
    Reopened,
    Cancelled,
    Note,
    Escalated,
    FollowUpSent,
    FollowUpAnswered,
    FollowUpUnanswered,
    OptedOut,
    /// the customer's personal data was erased (on request or by retention): who, when and why
    Redacted,
    /// the case's severity alerted the location's managers (`alerts::severity`): who was told, why
    SeverityAlert,
    /// a step was given to someone or returned to its role's queue (claimed, assigned by a manager,
    /// or returned when its assignee left): not a hand-off of the case
    StepAssigned,
}

impl CaseEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseEvent::Created => "created",
            CaseEvent::Edited => "edited",
            CaseEvent::StatusChanged => "status_changed",
            CaseEvent::StepCompleted => "step_completed",
            CaseEvent::StepSkipped => "step_skipped",
            CaseEvent::StepAdded => "step_added",
            CaseEvent::GestureGiven => "gesture_given",
            CaseEvent::GestureRequested => "gesture_requested",
            CaseEvent::GestureApproved => "gesture_approved",
            CaseEvent::GestureDeclined => "gesture_declined",
            CaseEvent::GestureSent => "gesture_sent",
            CaseEvent::GestureDelivered => "gesture_delivered",
            CaseEvent::HandoffProposed => "handoff_proposed",
            CaseEvent::HandoffAccepted => "handoff_accepted",
            CaseEvent::HandoffDeclined => "handoff_declined",
            CaseEvent::OwnerChanged => "owner_changed",
            CaseEvent::Verified => "verified",
            CaseEvent::Closed => "closed",
            CaseEvent::Reopened => "reopened",
            CaseEvent::Cancelled => "cancelled",
            CaseEvent::Note => "note",
            CaseEvent::Escalated => "escalated",
            CaseEvent::FollowUpSent => "follow_up_sent",
            CaseEvent::FollowUpAnswered => "follow_up_answered",
            CaseEvent::FollowUpUnanswered => "follow_up_unanswered",
            CaseEvent::OptedOut => "opted_out",
            CaseEvent::Redacted => "redacted",
            CaseEvent::SeverityAlert => "severity_alert",
            CaseEvent::StepAssigned => "step_assigned",
        }
    }
}

/// A case handed off this many times (accepted) or more is flagged as a hot potato.
pub const HOT_POTATO_HANDOFFS: i64 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use StepKind::*;
    use StepStatus::*;

    fn steps(v: &[(StepKind, StepStatus)]) -> Vec<StepState> {
        v.iter()
            .map(|&(kind, status)| StepState { kind, status })
            .collect()
    }

    #[test]
    fn status_follows_steps() {
        let s = steps(&[(Acknowledge, Pending), (Fix, Pending), (Verify, Pending)]);
        assert_eq!(status_from_steps(CaseStatus::Open, &s), CaseStatus::Open);
        let s = steps(&[(Acknowledge, Done), (Fix, Pending), (Verify, Pending)]);
        assert_eq!(
            status_from_steps(CaseStatus::Open, &s),
            CaseStatus::InProgress
        );
        let s = steps(&[(Acknowledge, Done), (Fix, Skipped), (Verify, Pending)]);
        assert_eq!(
            status_from_steps(CaseStatus::InProgress, &s),
            CaseStatus::AwaitingVerification
        );
        assert_eq!(
            status_from_steps(CaseStatus::Closed, &s),
            CaseStatus::Closed
        );
    }

    #[test]
    fn closing_rules() {
        let open = steps(&[(Fix, Pending), (Verify, Pending)]);
        assert_eq!(
            check_close(
                CaseStatus::InProgress,
                CloseOutcome::NotRecovered,
                &open,
                false
            ),
            Err(TransitionError::OpenSteps)
        );
        let settled = steps(&[(Fix, Done), (Verify, Pending)]);
        assert_eq!(
            check_close(
                CaseStatus::AwaitingVerification,
                CloseOutcome::Recovered,
                &settled,
                false
            ),
            Err(TransitionError::NotVerified)
        );
        assert!(
            check_close(
                CaseStatus::AwaitingVerification,
                CloseOutcome::Recovered,
                &settled,
                true
            )
            .is_ok()
        );
        assert!(
            check_close(
                CaseStatus::AwaitingVerification,
                CloseOutcome::NotRecovered,
                &settled,
                false
            )
            .is_ok()
        );
        assert!(check_close(CaseStatus::Closed, CloseOutcome::Recovered, &settled, true).is_err());
    }

    #[test]
    fn cancel_and_reopen() {
        assert!(check_cancel(CaseStatus::Open).is_ok());
        assert!(check_cancel(CaseStatus::Cancelled).is_err());
        assert!(check_reopen(CaseStatus::Closed).is_ok());
        assert!(check_reopen(CaseStatus::InProgress).is_err());
        assert!(check_step_change(CaseStatus::Closed, Pending).is_err());
        assert!(check_step_change(CaseStatus::Open, Done).is_err());
    }

    #[test]
    fn event_names_match_serde() {
        for e in [
            CaseEvent::Created,
            CaseEvent::HandoffAccepted,
            CaseEvent::GestureRequested,
            CaseEvent::Redacted,
        ] {
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
        }
    }
}
