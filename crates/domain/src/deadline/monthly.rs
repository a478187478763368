//! The monthly report's calendar: a month (`2026-11`, "November 2026"), and when a location's report
//! for the month before goes out: its first business day of the month at 08:00 local time (opening
//! hours and closed dates decide what a business day is). Pure: "now" is a parameter.

use super::{BusinessCalendar, DeadlineError};
use jiff::Timestamp;
use jiff::civil::Time;
use std::fmt;

/// The local time the monthly report goes out on its day.
pub const SEND_AT: Time = Time::constant(8, 0, 0, 0);

/// A calendar month ("2026-11" when displayed, "November 2026" as a title).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i16,
    /// 1..=12
    pub month: i8,
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Month {
    /// A month from a year and 1..=12 (None otherwise).
    pub fn new(year: i16, month: i8) -> Option<Month> {
        ((1..=12).contains(&month) && (1..=9999).contains(&year)).then_some(Month { year, month })
    }

    /// `YYYY-MM` ("2026-11"); None for anything else.
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    /// The month a date falls in.
    pub fn of(date: jiff::civil::Date) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// "November 2026".
    pub fn title(self) -> String {
        let name = MONTH_NAMES
            .get(usize::try_from(self.month - 1).unwrap_or(0))
            .copied()
            .unwrap_or("");
        format!("{name} {}", self.year)
    }

    /// The first day of the month.
    pub fn first_day(self) -> jiff::civil::Date {
        jiff::civil::Date::new(self.year, self.month, 1).unwrap_or_default()
    }

    /// The last day of the month.
    pub fn last_day(self) -> jiff::civil::Date {
        self.first_day().last_of_month()
    }

    /// How many days it has.
    pub fn days(self) -> i8 {
        self.first_day().days_in_month()
    }

    /// The month before.
    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl BusinessCalendar {
    /// When the report on the month before `month` goes out: `month`'s first business day at 08:00
    /// local. `NoBusinessDays` for a location never open.
    pub fn monthly_report_at(&self, month: Month) -> Result<Timestamp, DeadlineError> {
        let first = month.first_day();
        let day = if self.is_business_day(first) {
            first
        } else {
            self.next_business_day(first)?
        };
        self.at(day, SEND_AT)
    }

    /// The month whose report is due at `now`: the month before the local one, once the local month's
    /// first business day has reached 08:00 (and for the rest of the month, so a worker that was down
    /// then sends it when it runs again). None before that, or for a location never open.
    pub fn monthly_report_due(&self, now: Timestamp) -> Option<Month> {
        let this = Month::of(self.local_date(now));
        let at = self.monthly_report_at(this).ok()?;
        (now >= at).then(|| this.previous())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deadline::DayHours;

    /// Open Monday to Friday 09:00–17:00 in Sydney, closed on 2026-12-01 besides.
    fn weekdays() -> BusinessCalendar {
        let day = Some(DayHours {
            open: Time::constant(9, 0, 0, 0),
            close: Time::constant(17, 0, 0, 0),
        });
        BusinessCalendar {
            tz: jiff::tz::TimeZone::get("Australia/Sydney").unwrap(),
            hours: [day, day, day, day, day, None, None],
            closed: ["2026-12-01".parse().unwrap()].into(),
        }
    }

    fn at(s: &str) -> Timestamp {
        format!("{s}[Australia/Sydney]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    #[test]
    fn the_first_business_day_at_eight() {
        let cal = weekdays();
        // 2026-11-01 is a Sunday: Monday the 2nd at 08:00.
        let nov = Month::new(2026, 11).unwrap();
        assert_eq!(cal.monthly_report_at(nov).unwrap(), at("2026-11-02T08:00"));
        assert_eq!(cal.monthly_report_due(at("2026-11-01T09:00")), None);
        assert_eq!(cal.monthly_report_due(at("2026-11-02T07:59")), None);
        assert_eq!(
            cal.monthly_report_due(at("2026-11-02T08:05")),
            Month::new(2026, 10)
        );
        // A worker down that morning still sends it later in the month.
        assert_eq!(
            cal.monthly_report_due(at("2026-11-30T23:00")),
            Month::new(2026, 10)
        );
        // 2026-12-01 (a Tuesday) is a closed date: Wednesday the 2nd.
        assert_eq!(cal.monthly_report_due(at("2026-12-01T10:00")), None);
        assert_eq!(
            cal.monthly_report_due(at("2026-12-02T08:00")),
            Month::new(2026, 11)
        );
        // January's report is on December.
        assert_eq!(
            cal.monthly_report_due(at("2027-01-01T08:30")),
            Month::new(2026, 12)
        );
    }

    #[test]
    fn never_open_is_never_due() {
        let mut cal = weekdays();
        cal.hours = [None; 7];
        assert_eq!(cal.monthly_report_due(at("2026-11-15T12:00")), None);
    }

    #[test]
    fn months_parse_and_read() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.title(), "November 2026");
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.last_day().to_string(), "2026-11-30");
        assert_eq!(
            Month::parse("2026-01").unwrap().previous().to_string(),
            "2025-12"
        );
        for bad in [
            "2026-13", "2026-00", "2026-1", "26-11", "2026/11", "", "2026-1a", "0000-01",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
    }
}
