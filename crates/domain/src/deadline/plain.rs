//! Deadlines in a person's words: the label of a rule ("within 10 minutes", "same day by 5:00 pm") and
//! the editor's choice (a kind, a number, a time) that becomes a rule again, with a bad number reported
//! beside its field.

use super::{DeadlineRule, MAX_DAYS, MAX_DURATION};
use jiff::SignedDuration;
use jiff::civil::Time;

/// The kinds of deadline a person chooses from, with what the editor's select shows.
pub const KINDS: [(&str, &str); 6] = [
    ("minutes", "Within N minutes"),
    ("hours", "Within N hours"),
    ("same_day", "Same day by a time"),
    ("next_business_day", "Next business day by a time"),
    ("business_days", "Within N business days"),
    ("calendar_days", "Within N calendar days"),
];

/// A deadline as the editor shows it: a kind, a number (minutes, hours or days) and a time of day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineChoice {
    /// one of [`KINDS`]' codes
    pub kind: &'static str,
    /// the count for minutes, hours and days (empty where the kind has none)
    pub number: String,
    /// `HH:MM` for an `<input type="time">` (empty where none is chosen)
    pub time: String,
}

/// What is wrong with a typed deadline, and which field (`kind`, `number` or `time`) it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: impl Into<String>) -> ChoiceError {
    ChoiceError {
        field,
        message: message.into(),
    }
}

/// A time of day in a person's words: "5:00 pm", "9:30 am", "noon", "midnight".
pub fn clock(t: Time) -> String {
    match (t.hour(), t.minute()) {
        (12, 0) => "noon".into(),
        (0, 0) => "midnight".into(),
        (h, m) => {
            let half = if h < 12 { "am" } else { "pm" };
            let h12 = match h % 12 {
                0 => 12,
                h => h,
            };
            format!("{h12}:{m:02} {half}")
        }
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A duration as "10 minutes", "2 hours", "90 minutes" (whole hours as hours; seconds rounded up).
pub fn span(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let minutes = (secs + 59) / 60;
    if minutes > 0 && minutes % 60 == 0 {
        plural(minutes / 60, "hour", "hours")
    } else {
        plural(minutes, "minute", "minutes")
    }
}

fn by(at: Option<Time>) -> String {
    at.map(|t| format!(" by {}", clock(t))).unwrap_or_default()
}

impl DeadlineRule {
    /// What a person reads: "within 10 minutes", "same day by 5:00 pm", "next business day by noon",
    /// "within 2 business days by 4:00 pm", "within 3 calendar days".
    pub fn label(&self) -> String {
        match self {
            Self::After(d) => format!("within {}", span(*d)),
            Self::SameDay(t) => format!("same day by {}", clock(*t)),
            Self::NextBusinessDay(t) => format!("next business day by {}", clock(*t)),
            Self::BusinessDays { days, at } => format!(
                "within {}{}",
                plural(i64::from(*days), "business day", "business days"),
                by(*at)
            ),
            Self::CalendarDays { days, at } => format!(
                "within {}{}",
                plural(i64::from(*days), "calendar day", "calendar days"),
                by(*at)
            ),
        }
    }

    /// The editor's choice for this rule (a duration of whole hours is shown in hours).
    pub fn choice(&self) -> DeadlineChoice {
        let hhmm = |t: &Time| format!("{:02}:{:02}", t.hour(), t.minute());
        let opt = |t: &Option<Time>| t.as_ref().map(hhmm).unwrap_or_default();
        let (kind, number, time) = match self {
            Self::After(d) => {
                let minutes = (d.as_secs().max(0) + 59) / 60;
                if minutes > 0 && minutes % 60 == 0 {
                    ("hours", (minutes / 60).to_string(), String::new())
                } else {
                    ("minutes", minutes.to_string(), String::new())
                }
            }
            Self::SameDay(t) => ("same_day", String::new(), hhmm(t)),
            Self::NextBusinessDay(t) => ("next_business_day", String::new(), hhmm(t)),
            Self::BusinessDays { days, at } => ("business_days", days.to_string(), opt(at)),
            Self::CalendarDays { days, at } => ("calendar_days", days.to_string(), opt(at)),
        };
        DeadlineChoice { kind, number, time }
    }
}

fn number(text: &str, unit: &str, max: i64) -> Result<i64, ChoiceError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(err("number", format!("Enter how many {unit}.")));
    }
    match t.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        Ok(n) if n > max => Err(err(
            "number",
            if unit == "days" {
                format!("That is too long: at most {max} days.")
            } else {
                format!("That is too long: at most {max} {unit}; choose days instead.")
            },
        )),
        _ => Err(err(
            "number",
            format!("Enter a whole number of {unit}, such as 15."),
        )),
    }
}

fn time_of_day(text: &str, required: bool) -> Result<Option<Time>, ChoiceError> {
    let t = text.trim();
    if t.is_empty() {
        return if required {
            Err(err("time", "Choose a time of day."))
        } else {
            Ok(None)
        };
    }
    let bad = || err("time", "Enter a time of day, such as 17:00.");
    let (h, m) = t.split_once(':').ok_or_else(bad)?;
    let m = m.get(..2).ok_or_else(bad)?;
    match (h.parse::<i8>(), m.parse::<i8>()) {
        (Ok(h), Ok(m)) => Time::new(h, m, 0, 0).map(Some).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

impl DeadlineChoice {
    /// The rule a person chose: the kind from [`KINDS`], the number and the time as typed.
    pub fn to_rule(
        kind: &str,
        number_text: &str,
        time_text: &str,
    ) -> Result<DeadlineRule, ChoiceError> {
        let max_minutes = MAX_DURATION.as_secs() / 60;
        let days = |t: &str| number(t, "days", i64::from(MAX_DAYS)).map(|n| n as u32);
        match kind {
            "minutes" => number(number_text, "minutes", max_minutes)
                .map(|n| DeadlineRule::After(SignedDuration::from_mins(n))),
            "hours" => number(number_text, "hours", max_minutes / 60)
                .map(|n| DeadlineRule::After(SignedDuration::from_hours(n))),
            "same_day" => Ok(DeadlineRule::SameDay(
                time_of_day(time_text, true)?.unwrap_or(Time::midnight()),
            )),
            "next_business_day" => Ok(DeadlineRule::NextBusinessDay(
                time_of_day(time_text, true)?.unwrap_or(Time::midnight()),
            )),
            "business_days" => {
                let days = days(number_text)?;
                let at = time_of_day(time_text, false)?;
                Ok(DeadlineRule::BusinessDays { days, at })
            }
            "calendar_days" => {
                let days = days(number_text)?;
                let at = time_of_day(time_text, false)?;
                Ok(DeadlineRule::CalendarDays { days, at })
            }
            _ => Err(err("kind", "Choose when the step is due.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::time;

    fn rule(s: &str) -> DeadlineRule {
        s.parse().expect("rule")
    }

    #[test]
    fn labels_read_as_a_person_says_them() {
        assert_eq!(rule("PT10M").label(), "within 10 minutes");
        assert_eq!(rule("PT1M").label(), "within 1 minute");
        assert_eq!(rule("PT2H").label(), "within 2 hours");
        assert_eq!(rule("PT1H").label(), "within 1 hour");
        assert_eq!(rule("PT1H30M").label(), "within 90 minutes");
        assert_eq!(rule("same_day 17:00").label(), "same day by 5:00 pm");
        assert_eq!(rule("same_day 09:30").label(), "same day by 9:30 am");
        assert_eq!(
            rule("next_business_day 12:00").label(),
            "next business day by noon"
        );
        assert_eq!(rule("business_days 2").label(), "within 2 business days");
        assert_eq!(
            rule("business_days 1 16:00").label(),
            "within 1 business day by 4:00 pm"
        );
        assert_eq!(rule("calendar_days 3").label(), "within 3 calendar days");
        assert_eq!(
            rule("calendar_days 1 00:00").label(),
            "within 1 calendar day by midnight"
        );
    }

    #[test]
    fn every_rule_comes_back_from_its_choice() {
        for s in [
            "PT10M",
            "PT2H",
            "PT1H30M",
            "same_day 17:00",
            "next_business_day 12:00",
            "business_days 2",
            "business_days 3 16:30",
            "calendar_days 7",
            "calendar_days 1 09:00",
        ] {
            let r = rule(s);
            let c = r.choice();
            assert!(KINDS.iter().any(|(k, _)| *k == c.kind), "{s}");
            assert_eq!(
                DeadlineChoice::to_rule(c.kind, &c.number, &c.time),
                Ok(r),
                "{s}"
            );
        }
    }

    #[test]
    fn typed_choices_become_rules() {
        let ok = |k, n, t| DeadlineChoice::to_rule(k, n, t).expect("valid");
        assert_eq!(ok("minutes", " 15 ", ""), rule("PT15M"));
        assert_eq!(ok("hours", "4", "17:00"), rule("PT4H"));
        assert_eq!(
            ok("same_day", "", "17:00"),
            DeadlineRule::SameDay(time(17, 0, 0, 0))
        );
        assert_eq!(
            ok("next_business_day", "9", "12:00"),
            rule("next_business_day 12:00")
        );
        assert_eq!(ok("business_days", "2", ""), rule("business_days 2"));
        assert_eq!(
            ok("calendar_days", "3", "09:00"),
            rule("calendar_days 3 09:00")
        );
    }

    #[test]
    fn a_bad_number_or_time_names_its_field() {
        let bad = |k, n, t| DeadlineChoice::to_rule(k, n, t).expect_err("invalid");
        assert_eq!(bad("minutes", "", "").field, "number");
        assert_eq!(bad("minutes", "ten", "").field, "number");
        assert_eq!(bad("minutes", "0", "").field, "number");
        assert_eq!(bad("minutes", "-5", "").field, "number");
        assert_eq!(bad("hours", "1000", "").field, "number");
        assert_eq!(bad("business_days", "400", "").field, "number");
        assert_eq!(bad("same_day", "", "").field, "time");
        assert_eq!(bad("same_day", "", "25:00").field, "time");
        assert_eq!(bad("calendar_days", "2", "noonish").field, "time");
        assert_eq!(bad("PT10M", "", "").field, "kind");
        assert!(!bad("minutes", "0", "").message.contains("PT"));
    }
}
