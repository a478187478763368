//! The six questions as screens: for each, the headline figures (each linked to the cases behind it),
//! the charts and the tables (each table also a CSV download).

use super::chart::{self, Bar, Cell};
use super::links::Links;
use crate::ui::{human, money};
use jiff::SignedDuration;
use olive_domain::insights::{Recovery, ReportSummary, Timing, percent};

mod leaking;
mod money;
mod people;
mod recovery;
mod response;

use leaking::leaking;
use money::cost;
use people::{causes, handoffs};
use recovery::recovery;
use response::response;

/// The six questions, in the order a manager asks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    Leaking,
    Response,
    Recovery,
    Cost,
    Handoffs,
    Causes,
}

impl Question {
    pub const ALL: [Question; 6] = [
        Question::Leaking,
        Question::Response,
        Question::Recovery,
        Question::Cost,
        Question::Handoffs,
        Question::Causes,
    ];
    pub fn slug(self) -> &'static str {
        match self {
            Question::Leaking => "leaking",
            Question::Response => "response",
            Question::Recovery => "recovery",
            Question::Cost => "cost",
            Question::Handoffs => "handoffs",
            Question::Causes => "causes",
        }
    }
    pub fn parse(s: &str) -> Option<Question> {
        Question::ALL.into_iter().find(|q| q.slug() == s)
    }
    /// The question as the manager asks it.
    pub fn ask(self) -> &'static str {
        match self {
            Question::Leaking => "Where are we leaking?",
            Question::Response => "Are we on top of defects when they occur?",
            Question::Recovery => "Does the recovery hit home?",
            Question::Cost => "What does recovery cost, and is it worth it?",
            Question::Handoffs => "Who passes the hot potato?",
            Question::Causes => "Why did it happen, and are we fixing it?",
        }
    }
    /// The short tab label.
    pub fn tab(self) -> &'static str {
        match self {
            Question::Leaking => "Leaking",
            Question::Response => "Response",
            Question::Recovery => "Recovery",
            Question::Cost => "Cost",
            Question::Handoffs => "Hand-offs",
            Question::Causes => "Causes",
        }
    }
}

/// A headline figure; `id` names it for tests and for the eye (`data-figure`).
pub struct Figure {
    pub id: &'static str,
    pub label: String,
    pub value: String,
    pub note: String,
    pub link: Option<String>,
}

pub struct TCell {
    pub text: String,
    pub link: Option<String>,
}

fn t(text: impl Into<String>) -> TCell {
    TCell {
        text: text.into(),
        link: None,
    }
}

fn tl(text: impl Into<String>, link: String) -> TCell {
    TCell {
        text: text.into(),
        link: Some(link),
    }
}

/// A table of a screen (also offered as CSV under its `id`).
pub struct Table {
    pub id: &'static str,
    pub caption: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<TCell>>,
}

/// A chart with the table holding its numbers.
pub struct Section {
    pub title: String,
    pub chart: Option<String>,
    pub table: Table,
}

/// One question's screen.
pub struct Screen {
    pub figures: Vec<Figure>,
    pub sections: Vec<Section>,
}

fn fig(id: &'static str, label: &str, value: String, note: String, link: Option<String>) -> Figure {
    Figure {
        id,
        label: label.into(),
        value,
        note,
        link,
    }
}

fn minutes(m: Option<i64>) -> String {
    m.map_or_else(|| "–".into(), |m| human(SignedDuration::from_mins(m)))
}

fn amounts(v: &[olive_domain::insights::Amount]) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.iter()
        .map(|a| money(a.cents, &a.currency))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Build a question's screen from the summary.
pub fn screen(q: Question, s: &ReportSummary, l: &Links) -> Screen {
    match q {
        Question::Leaking => leaking(s, l),
        Question::Response => response(s, l),
        Question::Recovery => recovery(s, l),
        Question::Cost => cost(s, l),
        Question::Handoffs => handoffs(s, l),
        Question::Causes => causes(s, l),
    }
}

/// The stage × week heatmap, each cell linked to the cases of its stage and week.
pub fn heatmap_of(s: &ReportSummary, l: &Links, id: &str) -> String {
    let k = &s.leaking;
    let weeks: Vec<String> = k.weeks.iter().map(|w| short_day(w)).collect();
    let rows: Vec<(String, Vec<Cell>)> = k
        .heatmap
        .iter()
        .map(|r| {
            (
                r.label.clone(),
                r.counts
                    .iter()
                    .zip(&k.weeks)
                    .map(|(n, w)| Cell {
                        count: *n,
                        link: Some(l.week(w, &[("stage", &r.key)])),
                    })
                    .collect(),
            )
        })
        .collect();
    chart::heatmap(
        id,
        "Defects by stage and week",
        "Each cell counts the defects of a stage noticed in a week (weeks start on Monday); darker means more.",
        &rows,
        &weeks,
    )
}

fn t_label(s: &str) -> TCell {
    t(s.to_string())
}

fn count_table(
    id: &'static str,
    caption: &str,
    head: &'static str,
    v: &[olive_domain::insights::Count],
    link: impl Fn(&olive_domain::insights::Count) -> String,
) -> Table {
    Table {
        id,
        caption: caption.into(),
        headers: vec![head, "Cases"],
        rows: v
            .iter()
            .map(|c| vec![t_label(&c.label), tl(c.count.to_string(), link(c))])
            .collect(),
    }
}

fn count_table_plain(
    id: &'static str,
    caption: &str,
    head: &'static str,
    v: &[olive_domain::insights::Count],
) -> Table {
    Table {
        id,
        caption: caption.into(),
        headers: vec![head, "Count"],
        rows: v
            .iter()
            .map(|c| vec![t_label(&c.label), t(c.count.to_string())])
            .collect(),
    }
}

/// The chart's numbers in words, for its description.
fn describe(bars: &[Bar]) -> String {
    if bars.is_empty() {
        return "Nothing in this period.".into();
    }
    bars.iter()
        .map(|b| format!("{}: {}", b.label, b.text))
        .collect::<Vec<_>>()
        .join("; ")
}

/// "+3 (+50%)", "−1", "new".
fn change(now: i64, before: i64) -> String {
    let d = now - before;
    match (before, d) {
        (_, 0) => "no change".into(),
        (0, _) => "new".into(),
        (b, d) => format!(
            "{}{d} ({}{:.0}%)",
            if d > 0 { "+" } else { "" },
            if d > 0 { "+" } else { "" },
            d as f64 * 100.0 / b as f64
        ),
    }
}

/// `2026-11-02` → "2 Nov".
fn short_day(d: &str) -> String {
    d.parse::<jiff::civil::Date>()
        .map_or_else(|_| d.to_string(), |d| d.strftime("%-d %b").to_string())
}
