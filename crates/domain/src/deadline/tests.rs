//! Tests for deadline rule parsing and display, and the business calendar's due instants.

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

#[test]
fn next_opening() {
    let cal = practice(SYD);
    let open = |s: &str| cal.next_opening(local(&cal, s)).unwrap();
    // Inside hours: the instant itself; before opening: that morning; after closing: next morning.
    assert_eq!(open("11-24 10:00"), local(&cal, "11-24 10:00"));
    assert_eq!(open("11-24 07:45"), local(&cal, "11-24 08:00"));
    assert_eq!(open("11-24 17:00"), local(&cal, "11-25 08:00"));
    assert_eq!(open("11-24 23:30"), local(&cal, "11-25 08:00"));
    // Friday night and the weekend: Monday's opening.
    assert_eq!(open("11-27 18:00"), local(&cal, "11-30 08:00"));
    assert_eq!(open("11-29 09:00"), local(&cal, "11-30 08:00"));
    // A closed date (Christmas on a Friday) is skipped like a closed weekday.
    let mut xmas = practice(SYD);
    xmas.closed.insert(date(2026, 12, 25));
    let at = local(&xmas, "12-25 07:00");
    assert_eq!(xmas.next_opening(at), Ok(local(&xmas, "12-28 08:00")));
    // No business days at all: an error, not a loop.
    let never = calendar(SYD, None, 0);
    assert_eq!(never.next_opening(at), Err(NoBusinessDays));
}

#[test]
fn next_opening_across_dst() {
    // London springs forward on Sunday 2026-03-29: Monday's 08:00 opening is 07:00 UTC (BST).
    let cal = practice(LON);
    let sat_night = utc("2026-03-28T23:00Z");
    assert_eq!(cal.next_opening(sat_night), Ok(utc("2026-03-30T07:00Z")));
    // The Friday before, still GMT: 08:00 is 08:00 UTC.
    assert_eq!(
        cal.next_opening(utc("2026-03-27T06:00Z")),
        Ok(utc("2026-03-27T08:00Z"))
    );
    // Sydney falls back on Sunday 2026-04-05: the restaurant opens at 11:00 AEST = 01:00 UTC.
    let syd = restaurant(SYD);
    let early = local(&syd, "04-05 01:00");
    assert_eq!(syd.next_opening(early), Ok(utc("2026-04-05T01:00Z")));
}
