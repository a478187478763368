//! When a step's owner is reminded, told it is overdue, and when the case escalates to a manager.
//!
//! Pure: the scheduler passes "now", the step's due instant and the location's calendar. Overdue
//! notices follow the wall clock (the customer may be waiting now); a reminder planned while the
//! location is closed waits for its next opening; escalation counts only business time, so nothing
//! escalates while the business is closed. Which severities alert the managers: `alerts/severity.rs`.

pub mod severity;

use crate::deadline::{BusinessCalendar, DeadlineRule};
use jiff::{SignedDuration, Timestamp};

/// The alerts a pending step can raise, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertKind {
    /// the step is due soon (`lead` before its due instant)
    Reminder = 1,
    /// the step's due instant has passed
    Overdue = 2,
    /// the step is still not done after the grace period: the location's managers are told
    Escalation = 3,
}

impl AlertKind {
    pub const ALL: [AlertKind; 3] = [
        AlertKind::Reminder,
        AlertKind::Overdue,
        AlertKind::Escalation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Reminder => "reminder",
            AlertKind::Overdue => "overdue",
            AlertKind::Escalation => "escalation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The stored level once this alert has gone out.
    pub fn level(self) -> i64 {
        self as i64
    }
}

/// How early to remind and how long to wait before escalating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertPolicy {
    /// remind the owner this long before a step is due
    pub lead: SignedDuration,
    /// business time after the due instant before a short step (due within the hour) escalates
    pub short_grace: SignedDuration,
    /// business time after the due instant before any other step escalates
    pub long_grace: SignedDuration,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            lead: SignedDuration::from_mins(15),
            short_grace: SignedDuration::from_mins(30),
            long_grace: SignedDuration::from_hours(2),
        }
    }
}

/// What the scheduler should do with a step now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertPlan {
    /// the alert to send now: the latest one whose time has come (earlier ones that were missed,
    /// e.g. while the server was off, are not sent separately)
    pub fire: Option<AlertKind>,
    /// the step's alert level after this
    pub level: i64,
    /// when to look at the step again (None: nothing more to send)
    pub next_at: Option<Timestamp>,
}

/// A step is "short" when its rule gives less than an hour (the customer is waiting now).
pub fn is_short(rule: &DeadlineRule) -> bool {
    matches!(rule, DeadlineRule::After(d) if *d <= SignedDuration::from_hours(1))
}

impl AlertPolicy {
    /// The instant `kind` is due for a step due at `due`.
    pub fn fires_at(
        &self,
        kind: AlertKind,
        due: Timestamp,
        short: bool,
        cal: &BusinessCalendar,
    ) -> Timestamp {
        match kind {
            // Outside opening hours (closed day, before opening, after closing) the reminder waits
            // for the next opening; a calendar without business days keeps the wall clock.
            AlertKind::Reminder => {
                let planned = due.checked_sub(self.lead).unwrap_or(due);
                cal.next_opening(planned).unwrap_or(planned)
            }
            AlertKind::Overdue => due,
            AlertKind::Escalation => {
                let grace = if short {
                    self.short_grace
                } else {
                    self.long_grace
                };
                // A calendar without business days (misconfigured) falls back to the wall clock.
                cal.add_business_time(due, grace)
                    .unwrap_or_else(|_| due.checked_add(grace).unwrap_or(due))
            }
        }
    }

    /// Decide what a step at alert `level` (0 = nothing sent yet) needs at `now`.
    pub fn plan(
        &self,
        level: i64,
        due: Timestamp,
        short: bool,
        now: Timestamp,
        cal: &BusinessCalendar,
    ) -> AlertPlan {
        let pending = AlertKind::ALL.into_iter().filter(|k| k.level() > level);
        let mut fire = pending
            .filter(|k| self.fires_at(*k, due, short, cal) <= now)
            .max();
        let prior = level;
        let level = fire.map_or(level, AlertKind::level);
        // A step due right at opening: its reminder waited for the opening, which is its due
        // instant. The reminder is the one message sent then (it stands for the overdue notice).
        if fire == Some(AlertKind::Overdue)
            && prior == 0
            && self.fires_at(AlertKind::Reminder, due, short, cal) == due
            && now < due.checked_add(self.lead).unwrap_or(due)
        {
            fire = Some(AlertKind::Reminder);
        }
        // The earliest alert still to come (a reminder moved to the opening can come after the
        // overdue notice of a step due while closed).
        let next_at = AlertKind::ALL
            .into_iter()
            .filter(|k| k.level() > level)
            .map(|k| self.fires_at(k, due, short, cal))
            .min();
        AlertPlan {
            fire,
            level,
            next_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::DayHours;
    use jiff::civil::{Time, date};
    use jiff::tz::TimeZone;

    /// Mon–Fri 08:00–17:00 in Sydney; closed at weekends.
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

    fn at(cal: &BusinessCalendar, y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
        date(y, m, d)
            .at(h, min, 0, 0)
            .to_zoned(cal.tz.clone())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn reminder_then_overdue_then_escalation() {
        let cal = practice();
        let p = AlertPolicy::default();
        // Tuesday 2026-11-24, step due 10:00.
        let due = at(&cal, 2026, 11, 24, 10, 0);
        let early = p.plan(0, due, false, at(&cal, 2026, 11, 24, 9, 30), &cal);
        assert_eq!(early.fire, None);
        assert_eq!(early.next_at, Some(at(&cal, 2026, 11, 24, 9, 45)));
        let remind = p.plan(0, due, false, at(&cal, 2026, 11, 24, 9, 45), &cal);
        assert_eq!(remind.fire, Some(AlertKind::Reminder));
        assert_eq!(remind.next_at, Some(due));
        let overdue = p.plan(1, due, false, at(&cal, 2026, 11, 24, 10, 1), &cal);
        assert_eq!(overdue.fire, Some(AlertKind::Overdue));
        assert_eq!(overdue.next_at, Some(at(&cal, 2026, 11, 24, 12, 0)));
        let esc = p.plan(2, due, false, at(&cal, 2026, 11, 24, 12, 0), &cal);
        assert_eq!(esc.fire, Some(AlertKind::Escalation));
        assert_eq!((esc.level, esc.next_at), (3, None));
        assert_eq!(
            p.plan(3, due, false, at(&cal, 2026, 12, 24, 12, 0), &cal)
                .fire,
            None
        );
    }

    #[test]
    fn escalation_waits_for_opening_hours() {
        let cal = practice();
        let p = AlertPolicy::default();
        // Due Friday 16:30: one and a half business hours remain on Monday morning.
        let due = at(&cal, 2026, 11, 27, 16, 30);
        let esc = p.fires_at(AlertKind::Escalation, due, false, &cal);
        assert_eq!(esc, at(&cal, 2026, 11, 30, 9, 30));
        // Saturday 03:00: overdue, but no escalation while closed.
        let sat = p.plan(2, due, false, at(&cal, 2026, 11, 28, 3, 0), &cal);
        assert_eq!(sat.fire, None);
        assert_eq!(sat.next_at, Some(esc));
        // A short step due at 16:50 escalates 30 business minutes later: Monday 08:20.
        let short_due = at(&cal, 2026, 11, 27, 16, 50);
        assert_eq!(
            p.fires_at(AlertKind::Escalation, short_due, true, &cal),
            at(&cal, 2026, 11, 30, 8, 20)
        );
    }

    #[test]
    fn after_downtime_only_the_latest_alert_fires() {
        let cal = practice();
        let p = AlertPolicy::default();
        let due = at(&cal, 2026, 11, 27, 10, 0);
        // The server was off from Thursday to Monday noon: one escalation, not three messages.
        let plan = p.plan(0, due, false, at(&cal, 2026, 11, 30, 12, 0), &cal);
        assert_eq!(plan.fire, Some(AlertKind::Escalation));
        assert_eq!(plan.level, 3);
        // Off only until just after the due time: the overdue notice replaces the reminder.
        let plan = p.plan(0, due, false, at(&cal, 2026, 11, 27, 10, 5), &cal);
        assert_eq!(plan.fire, Some(AlertKind::Overdue));
    }

    #[test]
    fn reminders_wait_for_opening_hours() {
        let cal = practice();
        let p = AlertPolicy::default();
        // Due Tuesday 08:00, right at opening: not reminded at 07:45 while closed, but at 08:00,
        // and that reminder is the one message then (no overdue notice on top).
        let due = at(&cal, 2026, 11, 24, 8, 0);
        assert_eq!(p.fires_at(AlertKind::Reminder, due, false, &cal), due);
        let early = p.plan(0, due, false, at(&cal, 2026, 11, 24, 7, 45), &cal);
        assert_eq!((early.fire, early.next_at), (None, Some(due)));
        let opening = p.plan(0, due, false, due, &cal);
        assert_eq!(opening.fire, Some(AlertKind::Reminder));
        assert_eq!(opening.level, AlertKind::Overdue.level());
        assert_eq!(opening.next_at, Some(at(&cal, 2026, 11, 24, 10, 0)));
        // Due 08:10: reminded at the 08:00 opening, overdue at 08:10 as before.
        let due = at(&cal, 2026, 11, 24, 8, 10);
        assert_eq!(
            p.fires_at(AlertKind::Reminder, due, false, &cal),
            at(&cal, 2026, 11, 24, 8, 0)
        );
        let remind = p.plan(0, due, false, at(&cal, 2026, 11, 24, 8, 0), &cal);
        assert_eq!(
            (remind.fire, remind.next_at),
            (Some(AlertKind::Reminder), Some(due))
        );
        // Due Monday 08:05 (reminder planned Monday 07:50): not on the weekend, at Monday's opening.
        let due = at(&cal, 2026, 11, 30, 8, 5);
        assert_eq!(
            p.fires_at(AlertKind::Reminder, due, false, &cal),
            at(&cal, 2026, 11, 30, 8, 0)
        );
        // Due 07:30 while closed: the overdue notice keeps its rule (07:30); no reminder after it.
        let due = at(&cal, 2026, 11, 24, 7, 30);
        let plan = p.plan(0, due, false, at(&cal, 2026, 11, 24, 7, 0), &cal);
        assert_eq!((plan.fire, plan.next_at), (None, Some(due)));
        let late = p.plan(0, due, false, due, &cal);
        assert_eq!((late.fire, late.level), (Some(AlertKind::Overdue), 2));
        // Inside hours nothing changes: due 10:00, reminded 09:45.
        let due = at(&cal, 2026, 11, 24, 10, 0);
        assert_eq!(
            p.fires_at(AlertKind::Reminder, due, false, &cal),
            at(&cal, 2026, 11, 24, 9, 45)
        );
    }

    #[test]
    fn short_rules() {
        assert!(is_short(&"PT10M".parse().unwrap()));
        assert!(is_short(&"PT1H".parse().unwrap()));
        assert!(!is_short(&"PT2H".parse().unwrap()));
        assert!(!is_short(&"same_day 17:00".parse().unwrap()));
    }
}
