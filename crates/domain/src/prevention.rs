//! Prevention actions: fixing the process behind a defect, apart from recovering each customer.
//!
//! One open action per (location, defect) collects every case with that defect; it is opened from the
//! playbook defect's `prevention` text the first time the defect occurs, and a new occurrence after the
//! action is done opens a new one. Closing a case never waits for its action.

use crate::case::RootCause;
use serde::{Deserialize, Serialize};

/// Where a prevention action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PreventionStatus {
    /// nobody has started on it yet
    Open,
    /// the owner is working on it
    InProgress,
    /// the process is fixed (with a note saying how)
    Done,
}

impl PreventionStatus {
    pub const ALL: [PreventionStatus; 3] = [Self::Open, Self::InProgress, Self::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Still collecting cases (not done).
    pub fn is_open(self) -> bool {
        self != Self::Done
    }
}

/// Why a change to a prevention action is refused; each names the field it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreventionError {
    #[error("this action is done; a new case with the defect opens a new one")]
    AlreadyDone,
    #[error("say what was changed so the defect does not happen again")]
    NoteNeeded,
    #[error("the notes are too long (at most {MAX_NOTES} characters)")]
    NotesTooLong,
}

impl PreventionError {
    /// The field of the request the refusal is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::AlreadyDone => "status",
            Self::NoteNeeded | Self::NotesTooLong => "notes",
        }
    }
}

/// The longest notes an action keeps.
pub const MAX_NOTES: usize = 4000;

/// The key that is unique among open actions: `location:defect` while the action is open, none once
/// it is done (so a done action never blocks a new one). Only playbook defects get actions: a case
/// logged as `other` has no defect code.
pub fn open_key(location_id: &str, defect_code: &str, status: PreventionStatus) -> Option<String> {
    status
        .is_open()
        .then(|| format!("{location_id}:{defect_code}"))
}

/// Whether a new case needs a new action: it has a playbook defect and no open action for its
/// (location, defect) exists.
pub fn needs_action(defect_code: Option<&str>, open_action: Option<PreventionStatus>) -> bool {
    defect_code.is_some_and(|d| !d.trim().is_empty())
        && !open_action.is_some_and(PreventionStatus::is_open)
}

/// What an action says to do at first: the playbook defect's `prevention` text, or a plain request
/// when the playbook has none.
pub fn initial_text(prevention: &str, defect_title: &str) -> String {
    let p = prevention.trim();
    if p.is_empty() {
        format!(
            "Find why \"{defect_title}\" happened and change the process so it does not happen again."
        )
    } else {
        p.to_string()
    }
}

/// A change asked of an action: a new status, notes, or neither.
pub fn check_change(
    current: PreventionStatus,
    next: Option<PreventionStatus>,
    notes: Option<&str>,
) -> Result<PreventionStatus, PreventionError> {
    if current == PreventionStatus::Done {
        return Err(PreventionError::AlreadyDone);
    }
    if notes.is_some_and(|n| n.chars().count() > MAX_NOTES) {
        return Err(PreventionError::NotesTooLong);
    }
    let next = next.unwrap_or(current);
    if next == PreventionStatus::Done && notes.is_none_or(|n| n.trim().is_empty()) {
        return Err(PreventionError::NoteNeeded);
    }
    Ok(next)
}

/// The root cause recorded when the customer's answer to the follow-up closes a case: nobody on the
/// team said why it happened, so it is marked as not stated, with the reason in words.
pub const ANSWER_ROOT_CAUSE: RootCause = RootCause::NotStated;

/// The words recorded with it (the case's prevention note).
pub const ANSWER_ROOT_NOTE: &str = "Recovered: the customer said so in the follow-up. The cause is for the prevention action to find.";

/// A root cause in words, for the Prevention page.
pub fn root_cause_label(cause: RootCause) -> &'static str {
    match cause {
        RootCause::Process => "Process",
        RootCause::Communication => "Communication",
        RootCause::Scheduling => "Scheduling",
        RootCause::ProductClinical => "Product / clinical",
        RootCause::ThirdParty => "Third party",
        RootCause::CustomerSide => "Customer side",
        RootCause::NotStated => "Not stated (closed by the customer's answer)",
    }
}

#[cfg(test)]
mod tests {
    use super::PreventionStatus::*;
    use super::*;

    #[test]
    fn one_open_action_per_location_and_defect() {
        assert_eq!(open_key("L1", "late", Open).as_deref(), Some("L1:late"));
        assert_eq!(
            open_key("L1", "late", InProgress),
            open_key("L1", "late", Open)
        );
        assert_ne!(open_key("L2", "late", Open), open_key("L1", "late", Open));
        assert_eq!(open_key("L1", "late", Done), None);
    }

    #[test]
    fn a_new_action_only_when_none_is_open() {
        assert!(needs_action(Some("late"), None));
        assert!(!needs_action(Some("late"), Some(Open)));
        assert!(!needs_action(Some("late"), Some(InProgress)));
        assert!(needs_action(Some("late"), Some(Done)));
        assert!(!needs_action(None, None), "an 'other' case has no defect");
        assert!(!needs_action(Some(" "), None));
    }

    #[test]
    fn the_text_comes_from_the_playbook() {
        assert_eq!(
            initial_text("  Roster the phones. ", "x"),
            "Roster the phones."
        );
        assert!(initial_text("", "Long wait").contains("\"Long wait\""));
    }

    #[test]
    fn status_moves_forward_and_done_needs_a_note() {
        assert_eq!(check_change(Open, Some(InProgress), None), Ok(InProgress));
        assert_eq!(check_change(Open, None, Some("started")), Ok(Open));
        assert_eq!(check_change(InProgress, Some(Open), None), Ok(Open));
        assert_eq!(
            check_change(Open, Some(Done), None),
            Err(PreventionError::NoteNeeded)
        );
        assert_eq!(
            check_change(InProgress, Some(Done), Some("  ")),
            Err(PreventionError::NoteNeeded)
        );
        assert_eq!(
            check_change(Open, Some(Done), Some("Second handset on the desk")),
            Ok(Done)
        );
        assert_eq!(
            check_change(Done, Some(Open), Some("again")),
            Err(PreventionError::AlreadyDone)
        );
        assert_eq!(PreventionError::AlreadyDone.field(), "status");
        let long = "x".repeat(MAX_NOTES + 1);
        assert_eq!(
            check_change(Open, None, Some(&long)),
            Err(PreventionError::NotesTooLong)
        );
        assert_eq!(PreventionError::NoteNeeded.field(), "notes");
    }

    #[test]
    fn statuses_round_trip() {
        for s in PreventionStatus::ALL {
            assert_eq!(PreventionStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(PreventionStatus::parse("closed"), None);
    }

    #[test]
    fn the_answer_records_a_cause() {
        assert_eq!(ANSWER_ROOT_CAUSE.as_str(), "not_stated");
        assert!(root_cause_label(ANSWER_ROOT_CAUSE).contains("customer's answer"));
        assert!(ANSWER_ROOT_NOTE.starts_with("Recovered"));
    }
}
