//! The period a report covers (whole local days), the one before it, its weeks, open-case ages and
//! nearest-rank percentiles.

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp, ToSpan};

/// The longest period one report covers.
pub const MAX_DAYS: i32 = 731;

/// Whole local days, `from` to `to` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// Why a period was refused: the field and the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PeriodError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> PeriodError {
    PeriodError {
        field,
        message: message.into(),
    }
}

/// A `YYYY-MM-DD` date, or the field's error.
pub fn parse_date(field: &'static str, v: &str) -> Result<Date, PeriodError> {
    v.trim()
        .parse::<Date>()
        .map_err(|_| err(field, "use a date such as 2026-11-30"))
}

impl Period {
    /// The period from the request: both given, or the 30 days up to `today` by default; `from` after
    /// `to`, or more than two years, is refused.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Date) -> Result<Period, PeriodError> {
        let to = match to.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => parse_date("to", v)?,
            None => today,
        };
        let from = match from.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => parse_date("from", v)?,
            None => to.checked_sub(29.days()).unwrap_or(to),
        };
        if from > to {
            return Err(err("from", "the first day comes after the last"));
        }
        let p = Period { from, to };
        if p.days() > MAX_DAYS as i64 {
            return Err(err("from", "a report covers two years at most"));
        }
        Ok(p)
    }

    /// A calendar month, `2026-11`.
    pub fn month(v: &str) -> Result<Period, PeriodError> {
        let bad = || err("month", "use a month such as 2026-11");
        let (y, m) = v.trim().split_once('-').ok_or_else(bad)?;
        let (y, m) = (
            y.parse::<i16>().map_err(|_| bad())?,
            m.parse::<i8>().map_err(|_| bad())?,
        );
        let from = Date::new(y, m, 1).map_err(|_| bad())?;
        Ok(Period {
            from,
            to: from.last_of_month(),
        })
    }

    /// Days in the period.
    pub fn days(&self) -> i64 {
        (self.to - self.from).get_days() as i64 + 1
    }

    /// The period of equal length just before.
    pub fn previous(&self) -> Period {
        let n = self.days();
        let to = self.from.yesterday().unwrap_or(self.from);
        let from = to.checked_sub((n - 1).days()).unwrap_or(to);
        Period { from, to }
    }

    /// Whether a local day falls in the period.
    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && d <= self.to
    }

    /// The Mondays of the weeks the period touches, first to last.
    pub fn weeks(&self) -> Vec<Date> {
        let mut w = monday_of(self.from);
        let mut out = Vec::new();
        while w <= self.to {
            out.push(w);
            match w.checked_add(7.days()) {
                Ok(n) => w = n,
                Err(_) => break,
            }
        }
        out
    }

    /// The months the period touches, `2026-11`, first to last.
    pub fn months(&self) -> Vec<String> {
        let mut m = self.from.first_of_month();
        let mut out = Vec::new();
        while m <= self.to {
            out.push(month_key(m));
            match m.checked_add(1.month()) {
                Ok(n) => m = n,
                Err(_) => break,
            }
        }
        out
    }
}

/// `2026-11` for a day in November 2026.
pub fn month_key(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The Monday of a day's week.
pub fn monday_of(d: Date) -> Date {
    let back = d.weekday().to_monday_zero_offset() as i64;
    d.checked_sub(back.days()).unwrap_or(d)
}

/// The weekdays, Monday first, as people read them.
pub const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Monday, "Monday"),
    (Weekday::Tuesday, "Tuesday"),
    (Weekday::Wednesday, "Wednesday"),
    (Weekday::Thursday, "Thursday"),
    (Weekday::Friday, "Friday"),
    (Weekday::Saturday, "Saturday"),
    (Weekday::Sunday, "Sunday"),
];

/// How long an open case has been open, since it was noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeBucket {
    UnderOneDay,
    OneToThree,
    ThreeToSeven,
    OverSeven,
}

impl AgeBucket {
    pub const ALL: [AgeBucket; 4] = [
        AgeBucket::UnderOneDay,
        AgeBucket::OneToThree,
        AgeBucket::ThreeToSeven,
        AgeBucket::OverSeven,
    ];

    /// The bucket of a case noticed at `noticed`, seen at `now` (an age under 0 counts as 0).
    pub fn of(noticed: Timestamp, now: Timestamp) -> AgeBucket {
        let hours = now.duration_since(noticed).as_hours();
        match hours {
            h if h < 24 => AgeBucket::UnderOneDay,
            h if h < 72 => AgeBucket::OneToThree,
            h if h < 168 => AgeBucket::ThreeToSeven,
            _ => AgeBucket::OverSeven,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            AgeBucket::UnderOneDay => "0-1",
            AgeBucket::OneToThree => "1-3",
            AgeBucket::ThreeToSeven => "3-7",
            AgeBucket::OverSeven => "7+",
        }
    }

    pub fn parse(s: &str) -> Option<AgeBucket> {
        AgeBucket::ALL.into_iter().find(|b| b.key() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBucket::UnderOneDay => "Under a day",
            AgeBucket::OneToThree => "1 to 3 days",
            AgeBucket::ThreeToSeven => "3 to 7 days",
            AgeBucket::OverSeven => "Over 7 days",
        }
    }

    /// The noticed instants of this bucket at `now`: `(after, at_or_before)`, each bound open when none.
    /// A case is in the bucket when `after < noticed <= at_or_before`.
    pub fn noticed_between(self, now: Timestamp) -> (Option<Timestamp>, Option<Timestamp>) {
        let ago = |h: i64| now.checked_sub(SignedDuration::from_hours(h)).ok();
        match self {
            AgeBucket::UnderOneDay => (ago(24), None),
            AgeBucket::OneToThree => (ago(72), ago(24)),
            AgeBucket::ThreeToSeven => (ago(168), ago(72)),
            AgeBucket::OverSeven => (None, ago(168)),
        }
    }
}

/// The nearest-rank percentile of sorted values: the ⌈p·n⌉-th smallest (p in 0..=1).
pub fn nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
    Some(sorted[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_period_is_whole_days_and_knows_the_one_before() {
        let p = Period::parse(Some("2026-11-01"), Some("2026-11-30"), date(2026, 12, 5)).unwrap();
        assert_eq!(p.days(), 30);
        assert_eq!(
            p.previous(),
            Period {
                from: date(2026, 10, 2),
                to: date(2026, 10, 31)
            }
        );
        assert_eq!(p.weeks().first(), Some(&date(2026, 10, 26)));
        assert_eq!(p.weeks().last(), Some(&date(2026, 11, 30)));
        assert_eq!(p.months(), vec!["2026-11".to_string()]);
    }

    #[test]
    fn bad_periods_name_their_field() {
        let today = date(2026, 12, 5);
        assert_eq!(
            Period::parse(Some("2026-13-01"), None, today)
                .unwrap_err()
                .field,
            "from"
        );
        assert_eq!(
            Period::parse(None, Some("yesterday"), today)
                .unwrap_err()
                .field,
            "to"
        );
        assert_eq!(
            Period::parse(Some("2026-12-01"), Some("2026-11-01"), today)
                .unwrap_err()
                .field,
            "from"
        );
        assert!(Period::parse(Some("2020-01-01"), Some("2026-01-01"), today).is_err());
        assert_eq!(Period::month("2026-13").unwrap_err().field, "month");
        assert_eq!(Period::month("2026-02").unwrap().to, date(2026, 2, 28));
        let d = Period::parse(None, None, today).unwrap();
        assert_eq!((d.from, d.to, d.days()), (date(2026, 11, 6), today, 30));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&v, 0.5), Some(5));
        assert_eq!(nearest_rank(&v, 0.9), Some(9));
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[3, 9, 20], 0.5), Some(9));
    }

    #[test]
    fn ages_fall_in_their_bucket() {
        let now: Timestamp = "2026-12-05T12:00:00Z".parse().unwrap();
        let at = |h: i64| now.checked_sub(SignedDuration::from_hours(h)).unwrap();
        assert_eq!(AgeBucket::of(at(2), now), AgeBucket::UnderOneDay);
        assert_eq!(AgeBucket::of(at(24), now), AgeBucket::OneToThree);
        assert_eq!(AgeBucket::of(at(100), now), AgeBucket::ThreeToSeven);
        assert_eq!(AgeBucket::of(at(400), now), AgeBucket::OverSeven);
        // noticed in the future (clock skew) is under a day, never negative
        assert_eq!(
            AgeBucket::of(now + SignedDuration::from_hours(1), now),
            AgeBucket::UnderOneDay
        );
        // the bounds agree with the bucket
        let (after, upto) = AgeBucket::OneToThree.noticed_between(now);
        assert!(after.unwrap() < at(24) && at(24) <= upto.unwrap());
    }
}
