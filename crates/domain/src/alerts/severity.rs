//! Which severity alerts the location's managers, and when: the one rule storage applies.
//!
//! `critical` tells them at once (logged as critical, or raised to critical by an edit); `major`
//! tells them when the case's first step goes overdue; `minor` tells nobody. A case alerts its
//! managers once at most, whatever happens after.

use crate::playbook::Severity;

/// The moment something happens to a case that a severity alert may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// the case is logged, or an edit raises its severity
    Logged,
    /// one of the case's steps has gone overdue (its overdue notice or escalation is sent)
    StepOverdue,
}

/// Who a severity alert goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// the active managers of the case's location (its admins when it has none)
    LocationManagers,
}

/// When a severity first alerts the managers.
pub fn alert_moment(severity: Severity) -> Option<Moment> {
    match severity {
        Severity::Critical => Some(Moment::Logged),
        Severity::Major => Some(Moment::StepOverdue),
        Severity::Minor => None,
    }
}

/// Whether a case of `severity` alerts anyone at `moment`, given whether it already did. A case
/// alerts at its severity's moment or any later one (a case raised to critical after a step went
/// overdue alerts at once), and only once.
pub fn alert_at(severity: Severity, moment: Moment, already_alerted: bool) -> Option<Audience> {
    let first = alert_moment(severity)?;
    let reached = match (first, moment) {
        (Moment::Logged, _) | (Moment::StepOverdue, Moment::StepOverdue) => true,
        (Moment::StepOverdue, Moment::Logged) => false,
    };
    (reached && !already_alerted).then_some(Audience::LocationManagers)
}

/// The My-work kind (and live alert) of a severity alert.
pub fn notification_kind(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical_case",
        Severity::Major | Severity::Minor => "major_overdue",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Moment::*;
    use Severity::*;

    #[test]
    fn critical_alerts_at_once() {
        assert_eq!(
            alert_at(Critical, Logged, false),
            Some(Audience::LocationManagers)
        );
        // Missed when logged (raised later, or an old case): the first overdue step still does.
        assert_eq!(
            alert_at(Critical, StepOverdue, false),
            Some(Audience::LocationManagers)
        );
    }

    #[test]
    fn major_waits_for_the_first_overdue_step() {
        assert_eq!(alert_at(Major, Logged, false), None);
        assert_eq!(
            alert_at(Major, StepOverdue, false),
            Some(Audience::LocationManagers)
        );
    }

    #[test]
    fn minor_alerts_nobody() {
        assert_eq!(alert_moment(Minor), None);
        for m in [Logged, StepOverdue] {
            assert_eq!(alert_at(Minor, m, false), None);
        }
    }

    #[test]
    fn once_per_case() {
        for sev in [Minor, Major, Critical] {
            for m in [Logged, StepOverdue] {
                assert_eq!(alert_at(sev, m, true), None, "{sev:?} {m:?}");
            }
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(notification_kind(Critical), "critical_case");
        assert_eq!(notification_kind(Major), "major_overdue");
    }
}
