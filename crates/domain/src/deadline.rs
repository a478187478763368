//! Deadline rules for playbook steps (`due`) and the business calendar that turns them into instants.
//!
//! Pure: the report time ("now") is always a parameter. Civil times that fall into a DST gap or
//! fold are resolved with jiff's "compatible" disambiguation.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};

pub mod monthly;
pub mod plain;
pub use plain::{ChoiceError, DeadlineChoice};

const EXPECTED: &str = "expected PT10M, same_day HH:MM, next_business_day HH:MM, \
    business_days N [HH:MM] or calendar_days N [HH:MM]";
const MAX_DAYS: u32 = 365;
const MAX_DURATION: SignedDuration = SignedDuration::from_hours(31 * 24);
/// How many consecutive days may be searched for a business day before giving up.
const SEARCH_DAYS: u32 = 366;

/// A parsed deadline rule from a playbook step's `due` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineRule {
    /// `PT10M`, `PT2H`, `PT1H30M` (ISO 8601 duration with hours/minutes/seconds only).
    After(SignedDuration),
    /// `same_day 17:00`
    SameDay(Time),
    /// `next_business_day 10:00`
    NextBusinessDay(Time),
    /// `business_days 2` or `business_days 2 16:00` (None = that day's closing time)
    BusinessDays { days: u32, at: Option<Time> },
    /// `calendar_days 3` or `calendar_days 1 09:00` (None = same local time of day as the report)
    CalendarDays { days: u32, at: Option<Time> },
}

/// Errors from parsing deadline rules or evaluating them against a calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error("{0}")]
    Parse(String),
    #[error("the location has no business days within a year")]
    NoBusinessDays,
    #[error("deadline out of range (outside the supported dates, or a negative amount)")]
    OutOfRange,
}

macro_rules! parse_err {
    ($($arg:tt)*) => { DeadlineError::Parse(format!($($arg)*)) };
}

fn out_of_range<E>(_: E) -> DeadlineError {
    DeadlineError::OutOfRange
}

/// `H:MM`, `HH:MM` or `HH:MM:SS`, 24-hour clock.
fn parse_time(tok: &str, rule: &str) -> Result<Time, DeadlineError> {
    let bad = || parse_err!("invalid time '{tok}' in '{rule}': expected HH:MM (24-hour)");
    let parts: Vec<&str> = tok.split(':').collect();
    let digits = |p: &&str| p.bytes().all(|b| b.is_ascii_digit());
    let shape_ok = matches!(parts.len(), 2 | 3)
        && (1..=2).contains(&parts[0].len())
        && parts[1..].iter().all(|p| p.len() == 2)
        && parts.iter().all(digits);
    let num = |i: usize| parts.get(i).map_or(Ok(0), |p| p.parse::<i8>());
    match (shape_ok, num(0), num(1), num(2)) {
        (true, Ok(h), Ok(m), Ok(s)) => Time::new(h, m, s, 0).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

fn parse_days(tok: &str, rule: &str, min: u32) -> Result<u32, DeadlineError> {
    let digits = !tok.is_empty() && tok.len() <= 3 && tok.bytes().all(|b| b.is_ascii_digit());
    match tok.parse::<u32>() {
        Ok(n) if digits && (min..=MAX_DAYS).contains(&n) => Ok(n),
        _ => Err(parse_err!(
            "invalid day count '{tok}' in '{rule}': expected a whole number from {min} to {MAX_DAYS}"
        )),
    }
}

fn parse_duration(tok: &str) -> Result<SignedDuration, DeadlineError> {
    let allowed = |b: u8| b.is_ascii_digit() || b".,HMShms".contains(&b);
    let shape_ok = tok.len() > 2
        && tok.as_bytes()[..2].eq_ignore_ascii_case(b"PT")
        && tok.bytes().skip(2).all(allowed);
    let d = match tok.parse::<SignedDuration>() {
        Ok(d) if shape_ok => d,
        _ => {
            return Err(parse_err!(
                "invalid duration '{tok}': expected hours, minutes or seconds only, e.g. \
                 PT10M, PT2H, PT1H30M (use calendar_days N for whole days)"
            ));
        }
    };
    match d {
        d if d <= SignedDuration::ZERO => Err(parse_err!("duration '{tok}' must be positive")),
        d if d > MAX_DURATION => Err(parse_err!("duration '{tok}' is longer than 31 days")),
        d => Ok(d),
    }
}

impl FromStr for DeadlineRule {
    type Err = DeadlineError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rule = s.trim();
        let toks: Vec<&str> = rule.split_whitespace().collect();
        let Some((&head, args)) = toks.split_first() else {
            return Err(parse_err!("empty deadline rule: {EXPECTED}"));
        };
        let kw = head.to_ascii_lowercase();
        let extra = || parse_err!("unexpected extra text in deadline rule '{rule}': {EXPECTED}");
        let duration_like = (kw.trim_start_matches(['-', '+']).strip_prefix('p'))
            .is_some_and(|r| r.starts_with(|c: char| c == 't' || c.is_ascii_digit()));
        match (kw.as_str(), args) {
            (_, []) if duration_like => parse_duration(head).map(Self::After),
            _ if duration_like => Err(extra()),
            ("same_day" | "next_business_day", []) => Err(parse_err!(
                "deadline rule '{rule}' needs a time, e.g. '{kw} 17:00'"
            )),
            ("same_day", [t]) => parse_time(t, rule).map(Self::SameDay),
            ("next_business_day", [t]) => parse_time(t, rule).map(Self::NextBusinessDay),
            ("business_days" | "calendar_days", []) => Err(parse_err!(
                "deadline rule '{rule}' needs a day count, e.g. '{kw} 2'"
            )),
            ("business_days" | "calendar_days", [n, rest @ ..]) if rest.len() <= 1 => {
                let business = kw == "business_days";
                let days = parse_days(n, rule, u32::from(business))?;
                let at = rest.first().map(|t| parse_time(t, rule)).transpose()?;
                Ok(if business {
                    Self::BusinessDays { days, at }
                } else {
                    Self::CalendarDays { days, at }
                })
            }
            ("same_day" | "next_business_day" | "business_days" | "calendar_days", _) => {
                Err(extra())
            }
            _ => Err(parse_err!("unknown deadline rule '{rule}': {EXPECTED}")),
        }
    }
}

/// `HH:MM`, or `HH:MM:SS` when the seconds are non-zero (sub-seconds are not printed).
fn hhmm(t: Time) -> String {
    match t.second() {
        0 => format!("{:02}:{:02}", t.hour(), t.minute()),
        s => format!("{:02}:{:02}:{s:02}", t.hour(), t.minute()),
    }
}

impl fmt::Display for DeadlineRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kw, days, at) = match self {
            // jiff prints a SignedDuration in ISO 8601 form: PT10M, PT2H, PT1H30M.
            Self::After(d) => return write!(f, "{d}"),
            Self::SameDay(t) => return write!(f, "same_day {}", hhmm(*t)),
            Self::NextBusinessDay(t) => return write!(f, "next_business_day {}", hhmm(*t)),
            Self::BusinessDays { days, at } => ("business_days", days, at),
            Self::CalendarDays { days, at } => ("calendar_days", days, at),
        };
        write!(f, "{kw} {days}")?;
        at.map_or(Ok(()), |t| write!(f, " {}", hhmm(t)))
    }
}

impl serde::Serialize for DeadlineRule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DeadlineRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Opening hours for one weekday: open..close local times (close > open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DayHours {
    pub open: Time,
    pub close: Time,
}

/// A location's business calendar.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    pub tz: TimeZone,
    /// index 0 = Monday ... 6 = Sunday; None = closed that weekday
    pub hours: [Option<DayHours>; 7],
    /// closed dates (public holidays etc.), local dates
    pub closed: BTreeSet<Date>,
}

impl BusinessCalendar {
    /// Opening hours on `date`: None if the weekday is closed, the date is in `closed`, or the
    /// configured hours are invalid (close not after open).
    pub fn hours_on(&self, date: Date) -> Option<DayHours> {
        if self.closed.contains(&date) {
            return None;
        }
        let idx = usize::try_from(date.weekday().to_monday_zero_offset()).ok()?;
        let hours = self.hours.get(idx).copied().flatten()?;
        (hours.close > hours.open).then_some(hours)
    }

    pub fn is_business_day(&self, date: Date) -> bool {
        self.hours_on(date).is_some()
    }

    /// First business day strictly after `date`; searches at most 366 days, else
    /// `Err(DeadlineError::NoBusinessDays)`.
    pub fn next_business_day(&self, date: Date) -> Result<Date, DeadlineError> {
        let mut d = date;
        for _ in 0..SEARCH_DAYS {
            d = d.tomorrow().map_err(out_of_range)?;
            if self.is_business_day(d) {
                return Ok(d);
            }
        }
        Err(DeadlineError::NoBusinessDays)
    }

    /// The instant of local `date` at `time` (DST gaps/folds resolved "compatibly").
    fn at(&self, date: Date, time: Time) -> Result<Timestamp, DeadlineError> {
        let zoned = self
            .tz
            .to_ambiguous_zoned(date.to_datetime(time))
            .compatible();
        zoned.map(|z| z.timestamp()).map_err(out_of_range)
    }

    /// The opening window of `date` as instants, if it is a business day.
    fn window(&self, date: Date) -> Option<(Timestamp, Timestamp)> {
        let h = self.hours_on(date)?;
        Some((self.at(date, h.open).ok()?, self.at(date, h.close).ok()?))
    }

    fn local_date(&self, ts: Timestamp) -> Date {
        ts.to_zoned(self.tz.clone()).date()
    }

    /// The due instant for `rule` when a defect is reported at `reported`.
    pub fn due(
        &self,
        rule: &DeadlineRule,
        reported: Timestamp,
    ) -> Result<Timestamp, DeadlineError> {
        let local = reported.to_zoned(self.tz.clone());
        let (today, now) = (local.date(), local.time());
        match *rule {
            DeadlineRule::After(d) => reported.checked_add(d).map_err(out_of_range),
            DeadlineRule::SameDay(t) if now < t && self.is_business_day(today) => self.at(today, t),
            DeadlineRule::SameDay(t) | DeadlineRule::NextBusinessDay(t) => {
                self.at(self.next_business_day(today)?, t)
            }
            DeadlineRule::BusinessDays { days, at } => {
                // A hand-built `days: 0` behaves like 1 (the parser rejects 0).
                let mut d = today;
                for _ in 0..days.max(1) {
                    d = self.next_business_day(d)?;
                }
                let close = self.hours_on(d).ok_or(DeadlineError::NoBusinessDays)?.close;
                self.at(d, at.unwrap_or(close))
            }
            DeadlineRule::CalendarDays { days, at } => {
                let span = Span::new()
                    .try_days(i64::from(days))
                    .map_err(out_of_range)?;
                let d = today.checked_add(span).map_err(out_of_range)?;
                self.at(d, at.unwrap_or(now))
            }
        }
    }

    /// The first instant at or after `at` when the location is open: `at` itself inside opening
    /// hours, else the next opening (closed weekdays and closed dates skipped; the opening's local
    /// time read in the zone, DST included). `NoBusinessDays` when none comes within a year.
    pub fn next_opening(&self, at: Timestamp) -> Result<Timestamp, DeadlineError> {
        let mut d = self.local_date(at);
        for _ in 0..=SEARCH_DAYS {
            if let Some((open, close)) = self.window(d)
                && at < close
            {
                return Ok(open.max(at));
            }
            d = d.tomorrow().map_err(out_of_range)?;
        }
        Err(DeadlineError::NoBusinessDays)
    }

    /// Business time (only time inside opening hours counts) elapsed between two instants;
    /// zero if `to <= from`.
    pub fn business_time_between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        let mut total = SignedDuration::ZERO;
        let (mut d, end) = (self.local_date(from), self.local_date(to));
        while from < to && d <= end {
            if let Some((open, close)) = self.window(d) {
                let (start, stop) = (open.max(from), close.min(to));
                if stop > start {
                    total = total.saturating_add(stop.duration_since(start));
                }
            }
            let Ok(next) = d.tomorrow() else { break };
            d = next;
        }
        total
    }

    /// The instant that is `amount` of business time after `from` (skips closed hours and days).
    /// Zero returns `from`; a negative amount is `OutOfRange`.
    pub fn add_business_time(
        &self,
        from: Timestamp,
        amount: SignedDuration,
    ) -> Result<Timestamp, DeadlineError> {
        if amount.is_negative() {
            return Err(DeadlineError::OutOfRange);
        }
        let (mut remaining, mut d, mut idle_days) = (amount, self.local_date(from), 0);
        while !remaining.is_zero() {
            match self.window(d) {
                Some((open, close)) if close > open.max(from) => {
                    let start = open.max(from);
                    let available = close.duration_since(start);
                    if available >= remaining {
                        return start.checked_add(remaining).map_err(out_of_range);
                    }
                    remaining -= available;
                    idle_days = 0;
                }
                _ if idle_days >= SEARCH_DAYS => return Err(DeadlineError::NoBusinessDays),
                _ => idle_days += 1,
            }
            d = d.tomorrow().map_err(out_of_range)?;
        }
        Ok(from)
    }
}

#[cfg(test)]
mod tests;
