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
mod tests {
    use super::DeadlineError::{NoBusinessDays, OutOfRange};
    use super::*;
    use jiff::civil::{DateTime, Weekday, date, time};

    const SYD: &str = "Australia/Sydney";
    const LON: &str = "Europe/London";

    fn hm(h: i8, m: i8) -> Time {
        time(h, m, 0, 0)
    }

    fn hrs(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    fn dh(open: i8, close: i8) -> Option<DayHours> {
        let (open, close) = (hm(open, 0), hm(close, 0));
        Some(DayHours { open, close })
    }

    fn calendar(zone: &str, day: Option<DayHours>, open_days: usize) -> BusinessCalendar {
        let mut hours = [None; 7];
        hours[..open_days].fill(day);
        let tz = TimeZone::get(zone).expect("time zone in tzdb");
        let closed = BTreeSet::new();
        BusinessCalendar { tz, hours, closed }
    }

    /// Dental practice: Mon–Fri 08:00–17:00, closed weekends.
    fn practice(zone: &str) -> BusinessCalendar {
        calendar(zone, dh(8, 17), 5)
    }

    /// Restaurant: open every day 11:00–23:00.
    fn restaurant(zone: &str) -> BusinessCalendar {
        calendar(zone, dh(11, 23), 7)
    }

    /// Local wall time "MM-DD HH:MM" in 2026 in the calendar's zone, as an instant.
    fn local(cal: &BusinessCalendar, s: &str) -> Timestamp {
        let dt: DateTime = format!("2026-{s}").parse().expect("civil datetime");
        dt.to_zoned(cal.tz.clone()).expect("local time").timestamp()
    }

    fn utc(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn rule(s: &str) -> DeadlineRule {
        s.parse().expect("valid rule")
    }

    /// Asserts each (rule, reported, expected due) with local times in the calendar's zone.
    fn check(cal: &BusinessCalendar, cases: &[(&str, &str, &str)]) {
        for &(r, reported, expected) in cases {
            let due = cal.due(&rule(r), local(cal, reported));
            assert_eq!(due, Ok(local(cal, expected)), "{r} reported {reported}");
        }
    }

    #[test]
    fn dental_practice() {
        assert_eq!(date(2026, 3, 3).weekday(), Weekday::Tuesday);
        let cases = [
            ("PT10M", "03-03 09:00", "03-03 09:10"),
            ("PT1H30M", "03-07 16:00", "03-07 17:30"), // ignores business hours
            ("same_day 17:00", "03-03 14:00", "03-03 17:00"),
            ("same_day 17:00", "03-03 18:30", "03-04 17:00"), // after closing
            ("same_day 17:00", "03-03 17:00", "03-04 17:00"), // exactly at the time
            ("next_business_day 10:00", "03-06 19:00", "03-09 10:00"), // Fri → Mon
            ("same_day 17:00", "03-06 19:00", "03-09 17:00"),
            ("business_days 2", "03-05 11:00", "03-09 17:00"), // Thu → Mon at close
            ("business_days 1 16:00", "03-05 11:00", "03-06 16:00"),
            ("calendar_days 3", "03-03 14:23", "03-06 14:23"),
            ("calendar_days 4", "03-03 14:23", "03-07 14:23"), // Saturday is fine
            ("calendar_days 1 09:00", "03-03 14:23", "03-04 09:00"),
        ];
        check(&practice(SYD), &cases);
    }

    #[test]
    fn holidays_and_closing_times() {
        let mut cal = practice(SYD);
        cal.closed.insert(date(2026, 3, 9));
        cal.hours[4] = dh(8, 13); // short Friday
        assert!(!cal.is_business_day(date(2026, 3, 9)));
        assert!(cal.is_business_day(date(2026, 3, 10)));
        assert_eq!(cal.hours_on(date(2026, 3, 9)), None);
        assert_eq!(cal.hours_on(date(2026, 3, 7)), None);
        assert_eq!(cal.hours_on(date(2026, 3, 6)), dh(8, 13));
        let next = cal.next_business_day(date(2026, 3, 6));
        assert_eq!(next, Ok(date(2026, 3, 10)));
        let cases = [
            ("next_business_day 10:00", "03-06 19:00", "03-10 10:00"), // Monday holiday
            ("business_days 1", "03-05 11:00", "03-06 13:00"),         // that day's closing
            ("business_days 2", "03-05 11:00", "03-10 17:00"),
        ];
        check(&cal, &cases);
    }

    #[test]
    fn london_spring_forward() {
        let cal = practice(LON);
        let sat = local(&cal, "03-28 09:00");
        assert_eq!(sat, utc("2026-03-28T09:00Z"));
        let due = cal.due(&rule("calendar_days 1"), sat).unwrap();
        assert_eq!(due, utc("2026-03-29T08:00Z")); // Sunday 09:00 BST
        assert_eq!(due.duration_since(sat), hrs(23));
        // 00:55 GMT + 10 real minutes = 01:05 UTC = 02:05 BST.
        let before_gap = local(&cal, "03-29 00:55");
        let due = cal.due(&rule("PT10M"), before_gap).unwrap();
        assert_eq!(due, utc("2026-03-29T01:05Z"));
        assert_eq!(due.to_zoned(cal.tz.clone()).time(), hm(2, 5));
        // 01:30 does not exist that day: compatible resolution gives 02:30 BST.
        let due = restaurant(LON).due(&rule("same_day 01:30"), before_gap);
        assert_eq!(due, Ok(utc("2026-03-29T01:30Z")));
    }

    #[test]
    fn restaurant_weekend_and_sydney_fall_back() {
        let cal = restaurant(SYD);
        let cases = [
            ("next_business_day 11:00", "03-07 10:00", "03-08 11:00"), // Sat → Sun
            ("same_day 17:00", "03-07 10:00", "03-07 17:00"),
        ];
        check(&cal, &cases);
        // 2026-04-05 03:00 AEDT (+11) becomes 02:00 AEST (+10).
        let sat = local(&cal, "04-04 20:00");
        assert_eq!(sat, utc("2026-04-04T09:00Z"));
        let due = |r: &str, at: Timestamp| cal.due(&rule(r), at).unwrap();
        let next_day = due("next_business_day 10:00", sat);
        assert_eq!(next_day, utc("2026-04-05T00:00Z")); // 10:00 AEST
        assert_eq!(due("calendar_days 1", sat), utc("2026-04-05T10:00Z")); // 20:00 AEST, 25 h
        let sun_early = utc("2026-04-04T14:00Z"); // 01:00 AEDT
        assert_eq!(due("same_day 17:00", sun_early), utc("2026-04-05T07:00Z")); // 17:00 AEST
        // 02:30 happens twice: compatible picks the earlier (AEDT) instant.
        assert_eq!(due("same_day 02:30", sun_early), utc("2026-04-04T15:30Z"));
    }

    #[test]
    fn no_business_days_is_an_error() {
        let mut cal = calendar(SYD, None, 0);
        let now = local(&cal, "03-03 09:00");
        assert_eq!(
            cal.next_business_day(now.to_zoned(cal.tz.clone()).date()),
            Err(NoBusinessDays)
        );
        for r in [
            "same_day 17:00",
            "next_business_day 10:00",
            "business_days 2",
        ] {
            assert_eq!(cal.due(&rule(r), now), Err(NoBusinessDays), "{r}");
        }
        assert_eq!(cal.add_business_time(now, hrs(2)), Err(NoBusinessDays));
        let later = local(&cal, "04-03 09:00");
        assert_eq!(cal.business_time_between(now, later), SignedDuration::ZERO);
        // Invalid hours (close before open) count as closed.
        cal.hours = [dh(17, 8); 7];
        assert_eq!(cal.next_business_day(date(2026, 3, 3)), Err(NoBusinessDays));
    }

    #[test]
    fn parse_display_round_trip() {
        let canonical = "PT10M|PT2H|PT1H30M|PT45S|same_day 17:00|next_business_day 10:00|\
            business_days 2|business_days 365 16:00|calendar_days 3|calendar_days 1 09:00|\
            calendar_days 0 23:59";
        for s in canonical.split('|') {
            assert_eq!(rule(s).to_string(), s);
        }
        assert_eq!(
            rule("PT1H30M"),
            DeadlineRule::After(SignedDuration::from_mins(90))
        );
        assert_eq!(rule("PT90M").to_string(), "PT1H30M");
        assert_eq!(rule("PT744H"), DeadlineRule::After(hrs(744)));
        assert_eq!(rule("  same_day   9:05 "), DeadlineRule::SameDay(hm(9, 5)));
        let at = None;
        assert_eq!(
            rule("business_days 2"),
            DeadlineRule::BusinessDays { days: 2, at }
        );
        let at = Some(hm(9, 0));
        assert_eq!(
            rule("calendar_days 1 09:00"),
            DeadlineRule::CalendarDays { days: 1, at }
        );
        let with_secs = DeadlineRule::SameDay(time(9, 5, 30, 0));
        assert_eq!(rule(&with_secs.to_string()), with_secs);
    }

    #[test]
    fn parse_errors() {
        let err = |s: &str| match s.parse::<DeadlineRule>() {
            Err(DeadlineError::Parse(m)) => m,
            other => panic!("expected a parse error for {s:?}, got {other:?}"),
        };
        let expected = "unknown deadline rule 'tomorrow': expected PT10M, same_day HH:MM, \
            next_business_day HH:MM, business_days N [HH:MM] or calendar_days N [HH:MM]";
        assert_eq!(err("tomorrow"), expected);
        for (input, needle) in [
            ("", "empty deadline rule"),
            ("pizza", "unknown deadline rule"),
            ("P1D", "use calendar_days"),
            ("PT1D", "invalid duration"),
            ("-PT10M", "invalid duration"),
            ("PT0M", "must be positive"),
            ("PT745H", "longer than 31 days"),
            ("PT10M now", "extra text"),
            ("business_days 0", "from 1 to 365"),
            ("calendar_days 366", "from 0 to 365"),
            ("business_days two", "invalid day count 'two'"),
            ("business_days", "needs a day count"),
            ("same_day", "needs a time"),
            ("same_day 25:00", "invalid time '25:00'"),
            ("same_day 5pm", "invalid time"),
            ("next_business_day 10:00 11:00", "extra text"),
        ] {
            assert!(err(input).contains(needle), "{input:?}: {}", err(input));
        }
    }

    #[test]
    fn serde_as_string() {
        let json = serde_json::to_string(&rule("business_days 2 16:00")).unwrap();
        assert_eq!(json, r#""business_days 2 16:00""#);
        let parsed: DeadlineRule = serde_json::from_str(r#""PT1H30M""#).unwrap();
        assert_eq!(parsed, rule("PT1H30M"));
        let e = serde_json::from_str::<DeadlineRule>(r#""tomorrow""#).unwrap_err();
        assert!(e.to_string().contains("unknown deadline rule 'tomorrow'"));
        assert!(serde_json::from_str::<DeadlineRule>("42").is_err());
        let h: DayHours = serde_json::from_str(r#"{"open":"08:00","close":"17:00"}"#).unwrap();
        assert_eq!(Some(h), dh(8, 17));
    }

    #[test]
    fn business_time() {
        let cal = practice(SYD);
        let at = |s: &str| local(&cal, s);
        let between = |a: &str, b: &str| cal.business_time_between(at(a), at(b));
        let add = |a: &str, h: i64| cal.add_business_time(at(a), hrs(h));
        assert_eq!(between("03-06 16:00", "03-09 09:00"), hrs(2)); // over the weekend
        assert_eq!(between("03-09 09:00", "03-06 16:00"), SignedDuration::ZERO);
        assert_eq!(between("03-03 07:00", "03-04 18:00"), hrs(18));
        assert_eq!(add("03-06 16:30", 2), Ok(at("03-09 09:30"))); // Fri → Mon
        assert_eq!(add("03-03 06:00", 2), Ok(at("03-03 10:00"))); // starts at opening
        assert_eq!(add("03-03 08:00", 9), Ok(at("03-03 17:00"))); // ends at closing
        assert_eq!(add("03-03 08:00", 0), Ok(at("03-03 08:00")));
        assert_eq!(add("03-03 08:00", -1), Err(OutOfRange));
        let from = at("03-06 16:30");
        let to = cal.add_business_time(from, hrs(20)).unwrap();
        assert_eq!(cal.business_time_between(from, to), hrs(20));
    }
}
