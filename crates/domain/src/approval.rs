//! Deciding gesture requests: a decline states its reason, and a request nobody decides is escalated
//! after the location's setting, counted in opening hours, to everyone else who could approve it.
//!
//! Pure: the scheduler passes "now", the request's instant and the location's calendar.

use crate::deadline::BusinessCalendar;
use crate::gesture::GestureStatus;
use jiff::{SignedDuration, Timestamp};

/// Opening-hours minutes a request waits before it is escalated, unless the location says otherwise.
pub const DEFAULT_ESCALATION_MINUTES: i64 = 10;
/// The longest wait a location may set (a whole working day).
pub const MAX_ESCALATION_MINUTES: i64 = 480;
/// How long a decision's reason may be.
pub const MAX_REASON_CHARS: usize = 1000;

/// Why a decision was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("say why you decline: the person who asked is told the reason")]
    ReasonRequired,
    #[error("too long (1000 characters at most)")]
    ReasonTooLong,
}

/// The reason kept with a decision (trimmed; `None` when blank). Declining requires one; approving
/// may carry one. Other moves (sent, delivered) carry none.
pub fn decision_reason(
    to: GestureStatus,
    note: Option<&str>,
) -> Result<Option<String>, DecisionError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > MAX_REASON_CHARS) {
        return Err(DecisionError::ReasonTooLong);
    }
    match (to, note) {
        (GestureStatus::Declined, None) => Err(DecisionError::ReasonRequired),
        (GestureStatus::Approved | GestureStatus::Declined, n) => Ok(n.map(str::to_string)),
        _ => Ok(None),
    }
}

/// A location's escalation setting, checked: whole minutes from 1 to 480.
pub fn check_escalation_minutes(minutes: i64) -> Result<i64, String> {
    if (1..=MAX_ESCALATION_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(format!(
            "between 1 and {MAX_ESCALATION_MINUTES} minutes of opening hours"
        ))
    }
}

/// When a request made at `requested` is escalated: `minutes` of opening hours later (a request
/// made while closed starts counting at the next opening). A calendar without business days
/// (misconfigured) falls back to the wall clock.
pub fn escalates_at(requested: Timestamp, minutes: i64, cal: &BusinessCalendar) -> Timestamp {
    let wait = SignedDuration::from_mins(minutes.max(1));
    cal.add_business_time(requested, wait)
        .unwrap_or_else(|_| requested.checked_add(wait).unwrap_or(requested))
}

/// Whether a request still undecided at `now` is due to be escalated.
pub fn escalation_due(
    requested: Timestamp,
    minutes: i64,
    now: Timestamp,
    cal: &BusinessCalendar,
) -> bool {
    escalates_at(requested, minutes, cal) <= now
}

/// Who an escalation tells: everyone who could approve the request (the location's managers who
/// may approve its value, and the admins) but the person who asked; each once, in a stable order.
pub fn escalation_recipients(requester: &str, approvers: &[String]) -> Vec<String> {
    let mut people: Vec<String> = approvers
        .iter()
        .filter(|p| p.as_str() != requester)
        .cloned()
        .collect();
    people.sort();
    people.dedup();
    people
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::DayHours;
    use jiff::civil::{Time, date};
    use jiff::tz::TimeZone;

    /// Mon–Fri 08:00–17:00 in Sydney.
    fn practice() -> BusinessCalendar {
        let day = Some(DayHours {
            open: Time::constant(8, 0, 0, 0),
            close: Time::constant(17, 0, 0, 0),
        });
        BusinessCalendar {
            tz: TimeZone::get("Australia/Sydney").unwrap(),
            hours: [day, day, day, day, day, None, None],
            closed: Default::default(),
        }
    }

    fn at(cal: &BusinessCalendar, d: i8, h: i8, m: i8) -> Timestamp {
        date(2026, 11, d)
            .at(h, m, 0, 0)
            .to_zoned(cal.tz.clone())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn declining_needs_a_reason_and_approving_does_not() {
        use GestureStatus::*;
        assert_eq!(
            decision_reason(Declined, None),
            Err(DecisionError::ReasonRequired)
        );
        assert_eq!(
            decision_reason(Declined, Some("   ")),
            Err(DecisionError::ReasonRequired)
        );
        assert_eq!(
            decision_reason(Declined, Some(" over budget ")),
            Ok(Some("over budget".into()))
        );
        assert_eq!(decision_reason(Approved, None), Ok(None));
        assert_eq!(decision_reason(Approved, Some("ok")), Ok(Some("ok".into())));
        assert_eq!(decision_reason(Sent, Some("ignored")), Ok(None));
        assert_eq!(
            decision_reason(Declined, Some(&"x".repeat(1001))),
            Err(DecisionError::ReasonTooLong)
        );
    }

    #[test]
    fn ten_opening_minutes_in_the_day() {
        let cal = practice();
        // Tuesday 24 November, 10:00.
        let asked = at(&cal, 24, 10, 0);
        assert_eq!(escalates_at(asked, 10, &cal), at(&cal, 24, 10, 10));
        assert!(!escalation_due(asked, 10, at(&cal, 24, 10, 9), &cal));
        assert!(escalation_due(asked, 10, at(&cal, 24, 10, 10), &cal));
    }

    #[test]
    fn closed_hours_do_not_count() {
        let cal = practice();
        // Tuesday 16:55: five minutes before closing, five after Wednesday's opening.
        let asked = at(&cal, 24, 16, 55);
        assert_eq!(escalates_at(asked, 10, &cal), at(&cal, 25, 8, 5));
        assert!(!escalation_due(asked, 10, at(&cal, 24, 23, 0), &cal));
        // Friday 17:30 (closed): the wait starts Monday 08:00.
        let asked = at(&cal, 27, 17, 30);
        assert_eq!(escalates_at(asked, 10, &cal), at(&cal, 30, 8, 10));
    }

    #[test]
    fn a_calendar_without_open_days_uses_the_wall_clock() {
        let cal = BusinessCalendar {
            hours: [None; 7],
            ..practice()
        };
        let asked = at(&cal, 24, 10, 0);
        assert_eq!(escalates_at(asked, 10, &cal), at(&cal, 24, 10, 10));
    }

    #[test]
    fn setting_bounds() {
        assert_eq!(check_escalation_minutes(10), Ok(10));
        assert!(check_escalation_minutes(0).is_err());
        assert!(check_escalation_minutes(481).is_err());
    }

    #[test]
    fn everyone_who_could_approve_but_the_requester() {
        let approvers = ["m2".to_string(), "admin".into(), "m1".into(), "m2".into()];
        assert_eq!(
            escalation_recipients("m1", &approvers),
            ["admin".to_string(), "m2".into()]
        );
        assert_eq!(
            escalation_recipients("fd", &approvers),
            ["admin".to_string(), "m1".into(), "m2".into()]
        );
    }
}
