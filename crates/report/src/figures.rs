//! What a monthly report says: the month, the business, the headline figures and the charts' bars,
//! and those figures in words (the lines the PDF and the email share).

use crate::Line;
pub use olive_domain::deadline::monthly::Month;
use olive_domain::insights::{percent, rate};

/// A part of a whole (6 of 8 closed cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ratio {
    pub part: i64,
    pub whole: i64,
}

impl Ratio {
    /// The share as the Insights pages show it ("75%"); None when the whole is 0.
    pub fn percent(self) -> Option<String> {
        (self.whole > 0).then(|| percent(rate(self.part, self.whole)))
    }
}

/// Gesture spend in one currency, against the month's budget when one is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spend {
    /// ISO 4217 code
    pub currency: String,
    pub spent_cents: i64,
    pub budget_cents: Option<i64>,
    /// spend ÷ recovered cases (None with no recovered case)
    pub per_recovered_cents: Option<i64>,
}

/// One bar of a chart: its label, its length, and the value printed beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub shown: String,
}

impl Bar {
    /// A bar whose printed value is its count.
    pub fn count(label: impl Into<String>, value: i64) -> Bar {
        Bar {
            label: label.into(),
            value,
            shown: value.to_string(),
        }
    }
}

/// A month's figures for a location (or the group: every location). Aggregates only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyReport {
    /// the location's name, or the group's
    pub business: String,
    pub month: Month,
    /// cases logged in the month, and in the month before
    pub logged: i64,
    pub previous_logged: i64,
    /// the stage with the most defects, and its count
    pub top_stage: Option<(String, i64)>,
    /// the defect logged most often, and its count
    pub top_defect: Option<(String, i64)>,
    /// cases closed recovered (with a satisfied verification) of the cases closed
    pub recovery: Ratio,
    /// time to first action in minutes: median and 90th percentile (None: no case had one)
    pub first_action_median_min: Option<i64>,
    pub first_action_p90_min: Option<i64>,
    /// steps settled by their due time of the steps due
    pub on_time: Ratio,
    /// gesture spend per currency
    pub spend: Vec<Spend>,
    pub handoffs_offered: i64,
    pub handed_off_twice: i64,
    /// charts
    pub defects_by_stage: Vec<Bar>,
    pub spend_by_gesture: Vec<Bar>,
    /// follow-up ratings: how many answered 1, 2, 3, 4, 5
    pub ratings: [i64; 5],
}

/// An amount with its currency's sign where it has a common one ("$240.00", "£12.50", "CHF 3.00").
pub fn money(cents: i64, currency: &str) -> String {
    let amount = olive_domain::Cents(cents).to_string();
    let (sign, amount) = match amount.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", amount),
    };
    match currency {
        "USD" | "AUD" | "CAD" | "NZD" | "SGD" | "HKD" => format!("{sign}${amount}"),
        "GBP" => format!("{sign}£{amount}"),
        "EUR" => format!("{sign}€{amount}"),
        other => format!("{sign}{other} {amount}"),
    }
}

/// "12 minutes", "1 h 05 min", "2 days 3 h".
fn minutes(m: i64) -> String {
    match m {
        1 => "1 minute".into(),
        m if m < 60 => format!("{m} minutes"),
        m if m < 24 * 60 => format!("{} h {:02} min", m / 60, m % 60),
        m => format!("{} days {} h", m / (24 * 60), (m % (24 * 60)) / 60),
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

impl MonthlyReport {
    /// The headline figures in words.
    pub(crate) fn lines(&self) -> Vec<Line> {
        let line = |label: &str, value: String| Line {
            label: label.into(),
            value,
        };
        let mut out = vec![line(
            "Cases logged",
            format!(
                "{} ({} in the {} days before)",
                self.logged,
                self.previous_logged,
                self.month.days()
            ),
        )];
        out.push(line(
            "Top leaking stage",
            match &self.top_stage {
                Some((name, n)) => format!("{name} ({})", plural(*n, "defect", "defects")),
                None => "none".into(),
            },
        ));
        out.push(line(
            "Top defect",
            match &self.top_defect {
                Some((name, n)) => format!("{name} ({})", plural(*n, "case", "cases")),
                None => "none".into(),
            },
        ));
        out.push(line(
            "Recovery rate",
            match self.recovery.percent() {
                Some(p) => format!(
                    "{p} ({} of {} closed {})",
                    self.recovery.part,
                    self.recovery.whole,
                    if self.recovery.whole == 1 {
                        "case"
                    } else {
                        "cases"
                    }
                ),
                None => "no case closed".into(),
            },
        ));
        out.push(line(
            "Time to first action",
            match (self.first_action_median_min, self.first_action_p90_min) {
                (Some(med), Some(p90)) => {
                    format!("median {}, 90th percentile {}", minutes(med), minutes(p90))
                }
                (Some(med), None) => format!("median {}", minutes(med)),
                _ => "no first action".into(),
            },
        ));
        out.push(line(
            "On-time rate",
            match self.on_time.percent() {
                Some(p) => format!(
                    "{p} ({} of {} steps due)",
                    self.on_time.part, self.on_time.whole
                ),
                None => "no step was due".into(),
            },
        ));
        if self.spend.is_empty() {
            out.push(line("Gesture spend", "none".into()));
        }
        for s in &self.spend {
            let spent = money(s.spent_cents, &s.currency);
            out.push(line(
                "Gesture spend",
                match s.budget_cents {
                    Some(b) => format!("{spent} of a {} budget", money(b, &s.currency)),
                    None => format!("{spent} (no budget set)"),
                },
            ));
            out.push(line(
                "Spend per recovered case",
                match s.per_recovered_cents {
                    Some(c) => money(c, &s.currency),
                    None => "no recovered case".into(),
                },
            ));
        }
        out.push(line(
            "Hand-offs offered",
            format!(
                "{} ({} handed off twice or more)",
                self.handoffs_offered,
                plural(self.handed_off_twice, "case", "cases")
            ),
        ));
        out
    }

    /// The ratings chart's bars: "1" … "5" with their counts.
    pub(crate) fn rating_bars(&self) -> Vec<Bar> {
        self.ratings
            .iter()
            .enumerate()
            .map(|(k, n)| Bar::count(format!("{} of 5", k + 1), *n))
            .collect()
    }
}
