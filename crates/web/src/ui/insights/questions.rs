//! The six questions as screens: for each, the headline figures (each linked to the cases behind it),
//! the charts and the tables (each table also a CSV download).

use super::chart::{self, Bar, Cell};
use super::links::Links;
use crate::ui::{human, money};
use jiff::SignedDuration;
use olive_domain::insights::{Recovery, ReportSummary, Timing, percent};

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

fn leaking(s: &ReportSummary, l: &Links) -> Screen {
    let k = &s.leaking;
    let top = k
        .by_stage
        .iter()
        .max_by_key(|t| t.count)
        .filter(|t| t.count > 0);
    let figures = vec![
        fig(
            "logged",
            "Defects logged",
            k.logged.to_string(),
            format!("{} in the period before", k.previous_logged),
            Some(l.noticed(&[])),
        ),
        fig(
            "top-stage",
            "Top leaking stage",
            top.map_or_else(|| "–".into(), |t| t.label.clone()),
            top.map_or_else(String::new, |t| format!("{} defects", t.count)),
            top.map(|t| l.noticed(&[("stage", &t.key)])),
        ),
        fig(
            "critical",
            "Critical (safety) defects",
            k.by_severity
                .iter()
                .find(|c| c.key == "critical")
                .map_or(0, |c| c.count)
                .to_string(),
            "shown in red".into(),
            Some(l.noticed(&[("severity", "critical")])),
        ),
    ];
    let stage_bars: Vec<Bar> = k
        .by_stage
        .iter()
        .map(|t| {
            Bar::new(&t.label, t.count as f64, t.count.to_string())
                .second(t.previous as f64, format!("{} before", t.previous))
                .link(l.noticed(&[("stage", &t.key)]))
        })
        .collect();
    let weeks: Vec<String> = k.weeks.iter().map(|w| short_day(w)).collect();
    let heat_rows: Vec<(String, Vec<Cell>)> = k
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
    let defect_bars: Vec<Bar> = k
        .top_defects
        .iter()
        .map(|d| {
            Bar::new(&d.label, d.count as f64, d.count.to_string())
                .link(l.noticed(&[("defect", &d.key)]))
        })
        .collect();
    let sev_bars: Vec<Bar> = k
        .by_severity
        .iter()
        .map(|c| {
            Bar::new(&c.label, c.count as f64, c.count.to_string())
                .link(l.noticed(&[("severity", &c.key)]))
                .alert(c.key == "critical")
        })
        .collect();
    let plain = |v: &[olive_domain::insights::Count]| -> Vec<Bar> {
        v.iter()
            .map(|c| Bar::new(&c.label, c.count as f64, c.count.to_string()))
            .collect()
    };
    let hours: Vec<olive_domain::insights::Count> =
        k.by_hour.iter().filter(|c| c.count > 0).cloned().collect();
    let mut sections = vec![
        Section {
            title: "Defects by stage of the visit, against the period before".into(),
            chart: Some(chart::bars(
                "ch-stage",
                "Defects by stage",
                &describe(&stage_bars),
                &stage_bars,
                Some(("this period", "the period before")),
            )),
            table: Table {
                id: "stages",
                caption: "Defects by stage".into(),
                headers: vec!["Stage", "This period", "Period before", "Change"],
                rows: k
                    .by_stage
                    .iter()
                    .map(|x| {
                        vec![
                            t_label(&x.label),
                            tl(x.count.to_string(), l.noticed(&[("stage", &x.key)])),
                            t(x.previous.to_string()),
                            t(change(x.count, x.previous)),
                        ]
                    })
                    .collect(),
            },
        },
        Section {
            title: "Stage by week".into(),
            chart: Some(chart::heatmap(
                "ch-heat",
                "Defects by stage and week",
                "Each cell counts the defects of a stage noticed in a week; darker means more.",
                &heat_rows,
                &weeks,
            )),
            table: Table {
                id: "weeks",
                caption: "Defects by stage and week (weeks start on Monday)".into(),
                headers: vec!["Stage", "Week of", "Defects"],
                rows: k
                    .heatmap
                    .iter()
                    .flat_map(|r| {
                        r.counts.iter().zip(&k.weeks).map(move |(n, w)| {
                            vec![
                                t_label(&r.label),
                                t(w.clone()),
                                tl(n.to_string(), l.week(w, &[("stage", &r.key)])),
                            ]
                        })
                    })
                    .collect(),
            },
        },
        Section {
            title: "Top defects".into(),
            chart: Some(chart::bars(
                "ch-defects",
                "Top defects",
                &describe(&defect_bars),
                &defect_bars,
                None,
            )),
            table: count_table("defects", "Top defects", "Defect", &k.top_defects, |c| {
                l.noticed(&[("defect", &c.key)])
            }),
        },
        Section {
            title: "Severity".into(),
            chart: Some(chart::bars(
                "ch-sev",
                "Defects by severity",
                &describe(&sev_bars),
                &sev_bars,
                None,
            )),
            table: count_table(
                "severity",
                "Defects by severity",
                "Severity",
                &k.by_severity,
                |c| l.noticed(&[("severity", &c.key)]),
            ),
        },
        Section {
            title: "Day of the week".into(),
            chart: Some(chart::bars(
                "ch-weekday",
                "Defects by day of the week",
                &describe(&plain(&k.by_weekday)),
                &plain(&k.by_weekday),
                None,
            )),
            table: count_table_plain(
                "weekdays",
                "Defects by day of the week",
                "Day",
                &k.by_weekday,
            ),
        },
        Section {
            title: "Hour of the day (the location's clock)".into(),
            chart: Some(chart::bars(
                "ch-hour",
                "Defects by hour of the day",
                &describe(&plain(&hours)),
                &plain(&hours),
                None,
            )),
            table: count_table_plain("hours", "Defects by hour of the day", "Hour", &hours),
        },
    ];
    if k.by_location.len() > 1 {
        let loc_bars: Vec<Bar> = k
            .by_location
            .iter()
            .map(|c| {
                Bar::new(&c.label, c.count as f64, c.count.to_string())
                    .link(l.at(&c.key).noticed(&[]))
            })
            .collect();
        sections.insert(
            1,
            Section {
                title: "By location".into(),
                chart: Some(chart::bars(
                    "ch-loc",
                    "Defects by location",
                    &describe(&loc_bars),
                    &loc_bars,
                    None,
                )),
                table: count_table(
                    "locations",
                    "Defects by location",
                    "Location",
                    &k.by_location,
                    |c| l.at(&c.key).noticed(&[]),
                ),
            },
        );
    }
    Screen { figures, sections }
}

fn timing_table(
    id: &'static str,
    caption: &str,
    head: &'static str,
    v: &[Timing],
    link: impl Fn(&Timing) -> String,
) -> Table {
    Table {
        id,
        caption: caption.into(),
        headers: vec![head, "Cases", "Median", "p90"],
        rows: v
            .iter()
            .map(|x| {
                vec![
                    t_label(&x.label),
                    tl(x.cases.to_string(), link(x)),
                    t(minutes(x.median_minutes)),
                    t(minutes(x.p90_minutes)),
                ]
            })
            .collect(),
    }
}

fn response(s: &ReportSummary, l: &Links) -> Screen {
    let r = &s.response;
    let figures = vec![
        fig(
            "first-action-median",
            "Time to first action (median)",
            minutes(r.first_action.median_minutes),
            format!(
                "p90 {} over {} cases",
                minutes(r.first_action.p90_minutes),
                r.first_action.cases
            ),
            None,
        ),
        fig(
            "on-time",
            "Steps done on time",
            percent(r.on_time_rate),
            format!("{} of {} steps due", r.steps_on_time, r.steps_due),
            None,
        ),
        fig(
            "overdue-now",
            "Overdue now",
            r.overdue_now.to_string(),
            "open cases with a step past due".into(),
            Some(l.now(&[("overdue", "1")])),
        ),
    ];
    let med = |v: &[Timing], link: &dyn Fn(&Timing) -> String| -> Vec<Bar> {
        v.iter()
            .map(|x| {
                Bar::new(
                    &x.label,
                    x.median_minutes.unwrap_or(0) as f64,
                    minutes(x.median_minutes),
                )
                .second(
                    x.p90_minutes.unwrap_or(0) as f64,
                    format!("p90 {}", minutes(x.p90_minutes)),
                )
                .link(link(x))
            })
            .collect()
    };
    let by_stage = med(&r.by_stage, &|x| l.noticed(&[("stage", &x.key)]));
    let by_person = med(&r.by_person, &|x| l.noticed(&[("owner", &x.key)]));
    let age_bars: Vec<Bar> = r
        .open_by_age
        .iter()
        .map(|c| {
            Bar::new(&c.label, c.count as f64, c.count.to_string())
                .link(l.now(&[("age", &c.key)]))
                .alert(c.key == "7+" && c.count > 0)
        })
        .collect();
    let sections = vec![
        Section {
            title: "Time to first action by stage".into(),
            chart: Some(chart::bars(
                "ch-fa-stage",
                "Median minutes to first action by stage",
                &describe(&by_stage),
                &by_stage,
                Some(("median", "p90")),
            )),
            table: timing_table(
                "first-action-stage",
                "Time to first action by stage",
                "Stage",
                &r.by_stage,
                |x| l.noticed(&[("stage", &x.key)]),
            ),
        },
        Section {
            title: "Time to first action by person holding the case".into(),
            chart: Some(chart::bars(
                "ch-fa-person",
                "Median minutes to first action by person",
                &describe(&by_person),
                &by_person,
                Some(("median", "p90")),
            )),
            table: timing_table(
                "first-action-person",
                "Time to first action by person",
                "Person",
                &r.by_person,
                |x| l.noticed(&[("owner", &x.key)]),
            ),
        },
        Section {
            title: "Time to first action by defect".into(),
            chart: None,
            table: timing_table(
                "first-action-defect",
                "Time to first action by defect",
                "Defect",
                &r.by_defect,
                |x| l.noticed(&[("defect", &x.key)]),
            ),
        },
        Section {
            title: "Open cases by age".into(),
            chart: Some(chart::bars(
                "ch-age",
                "Open cases by age",
                &describe(&age_bars),
                &age_bars,
                None,
            )),
            table: count_table(
                "open-age",
                "Open cases by age (since noticed)",
                "Age",
                &r.open_by_age,
                |c| l.now(&[("age", &c.key)]),
            ),
        },
    ];
    Screen { figures, sections }
}

fn recovery_table(
    id: &'static str,
    caption: &str,
    head: &'static str,
    v: &[Recovery],
    link: impl Fn(&Recovery, &'static str) -> String,
) -> Table {
    Table {
        id,
        caption: caption.into(),
        headers: vec![head, "Closed", "Recovered", "Rate"],
        rows: v
            .iter()
            .map(|x| {
                vec![
                    t_label(&x.label),
                    tl(x.closed.to_string(), link(x, "")),
                    tl(x.recovered.to_string(), link(x, "recovered")),
                    t(percent(x.rate)),
                ]
            })
            .collect(),
    }
}

fn recovery(s: &ReportSummary, l: &Links) -> Screen {
    let r = &s.recovery;
    let figures = vec![
        fig(
            "recovery-rate",
            "Recovery rate",
            percent(r.rate),
            format!("{} of {} closed cases recovered", r.recovered, r.closed),
            Some(l.closed(&[("outcome", "recovered")])),
        ),
        fig(
            "closed",
            "Closed",
            r.closed.to_string(),
            format!("{} not recovered", r.not_recovered),
            Some(l.closed(&[])),
        ),
        fig(
            "would-return",
            "Would come back",
            format!("{} yes · {} no", r.would_return_yes, r.would_return_no),
            format!("{} follow-up answers", r.answered),
            None,
        ),
        fig(
            "reopened",
            "Reopened before closing",
            r.reopened.to_string(),
            "after a poor answer or by a manager".into(),
            Some(l.closed(&[("reopened", "1")])),
        ),
    ];
    let rate_bars = |v: &[Recovery], link: &dyn Fn(&Recovery) -> String| -> Vec<Bar> {
        v.iter()
            .map(|x| {
                Bar::new(
                    &x.label,
                    x.rate.unwrap_or(0.0) * 100.0,
                    format!("{} ({} of {})", percent(x.rate), x.recovered, x.closed),
                )
                .link(link(x))
            })
            .collect()
    };
    let ratings: Vec<Bar> = r
        .ratings
        .iter()
        .map(|c| Bar::new(&c.label, c.count as f64, c.count.to_string()))
        .collect();
    let by_defect = rate_bars(&r.by_defect, &|x| l.closed(&[("defect", &x.key)]));
    let by_gesture = rate_bars(&r.by_gesture, &|x| l.closed(&[("gesture", &x.key)]));
    let sections = vec![
        Section {
            title: "Recovery by defect".into(),
            chart: Some(chart::bars(
                "ch-rec-defect",
                "Recovery rate by defect",
                &describe(&by_defect),
                &by_defect,
                None,
            )),
            table: recovery_table(
                "recovery-defect",
                "Recovery by defect",
                "Defect",
                &r.by_defect,
                |x, o| l.closed(&[("defect", &x.key), ("outcome", o)]),
            ),
        },
        Section {
            title: "Ratings from the follow-up".into(),
            chart: Some(chart::bars(
                "ch-ratings",
                "Follow-up ratings",
                &describe(&ratings),
                &ratings,
                None,
            )),
            table: count_table_plain(
                "ratings",
                "Follow-up ratings (1 poor, 5 excellent)",
                "Rating",
                &r.ratings,
            ),
        },
        Section {
            title: "Recovery by gesture".into(),
            chart: Some(chart::bars(
                "ch-rec-gesture",
                "Recovery rate by gesture given",
                &describe(&by_gesture),
                &by_gesture,
                None,
            )),
            table: recovery_table(
                "recovery-gesture",
                "Recovery by gesture given",
                "Gesture",
                &r.by_gesture,
                |x, o| l.closed(&[("gesture", &x.key), ("outcome", o)]),
            ),
        },
        Section {
            title: "Recovery by stage".into(),
            chart: None,
            table: recovery_table(
                "recovery-stage",
                "Recovery by stage",
                "Stage",
                &r.by_stage,
                |x, o| l.closed(&[("stage", &x.key), ("outcome", o)]),
            ),
        },
        Section {
            title: "Recovery by person holding the case".into(),
            chart: None,
            table: recovery_table(
                "recovery-person",
                "Recovery by person",
                "Person",
                &r.by_person,
                |x, o| l.closed(&[("owner", &x.key), ("outcome", o)]),
            ),
        },
    ];
    Screen { figures, sections }
}

fn cost(s: &ReportSummary, l: &Links) -> Screen {
    let c = &s.cost;
    let budgeted: Vec<_> = c
        .by_month
        .iter()
        .filter(|m| m.budget_cents.is_some())
        .collect();
    let over = budgeted
        .iter()
        .filter(|m| m.budget_cents.is_some_and(|b| m.cents > b))
        .count();
    let figures = vec![
        fig(
            "spend",
            "Gesture spend",
            amounts(&c.spend),
            format!(
                "{} gestures given",
                c.by_kind.iter().map(|k| k.count).sum::<i64>()
            ),
            None,
        ),
        fig(
            "per-recovered",
            "Spend per recovered case",
            amounts(&c.per_recovered),
            format!("{} cases recovered", s.recovery.recovered),
            Some(l.closed(&[("outcome", "recovered")])),
        ),
        fig(
            "over-budget",
            "Months over budget",
            format!("{over} of {}", budgeted.len()),
            if budgeted.is_empty() {
                "no budget set (Settings)".into()
            } else {
                "location months with a budget".into()
            },
            None,
        ),
        fig(
            "approvals",
            "Approvals asked",
            c.approvals.asked.to_string(),
            format!(
                "{} approved, {} declined, {} waiting; median wait {}",
                c.approvals.approved,
                c.approvals.declined,
                c.approvals.waiting,
                minutes(c.approvals.median_wait_minutes)
            ),
            None,
        ),
    ];
    let month_bars: Vec<Bar> = c
        .by_month
        .iter()
        .map(|m| {
            let label = if s.location_ids.len() > 1 {
                format!("{} {}", m.month, m.location)
            } else {
                m.month.clone()
            };
            let b = Bar::new(label, m.cents as f64, money(m.cents, &m.currency))
                .alert(m.budget_cents.is_some_and(|b| m.cents > b));
            match m.budget_cents {
                Some(bud) => b.second(bud as f64, format!("budget {}", money(bud, &m.currency))),
                None => b,
            }
        })
        .collect();
    let kind_bars: Vec<Bar> = c
        .by_kind
        .iter()
        .map(|k| Bar::new(&k.label, k.cents as f64, money(k.cents, &k.currency)))
        .collect();
    let sections = vec![
        Section {
            title: "Spend by month against the budget".into(),
            chart: Some(chart::bars(
                "ch-month",
                "Gesture spend by month against the budget",
                &describe(&month_bars),
                &month_bars,
                Some(("spent", "budget")),
            )),
            table: Table {
                id: "months",
                caption: "Gesture spend by month and location".into(),
                headers: vec!["Month", "Location", "Spent", "Budget", "Left"],
                rows: c
                    .by_month
                    .iter()
                    .map(|m| {
                        vec![
                            t(m.month.clone()),
                            t(m.location.clone()),
                            t(money(m.cents, &m.currency)),
                            t(m.budget_cents
                                .map_or_else(|| "no budget".into(), |b| money(b, &m.currency))),
                            t(m.budget_cents.map_or_else(String::new, |b| {
                                if m.cents > b {
                                    format!("over by {}", money(m.cents - b, &m.currency))
                                } else {
                                    money(b - m.cents, &m.currency)
                                }
                            })),
                        ]
                    })
                    .collect(),
            },
        },
        Section {
            title: "Spend by gesture".into(),
            chart: Some(chart::bars(
                "ch-kind",
                "Gesture spend by kind",
                &describe(&kind_bars),
                &kind_bars,
                None,
            )),
            table: Table {
                id: "kinds",
                caption: "Gesture spend by kind".into(),
                headers: vec!["Gesture", "Given", "Spent"],
                rows: c
                    .by_kind
                    .iter()
                    .map(|k| {
                        vec![
                            t_label(&k.label),
                            t(k.count.to_string()),
                            t(money(k.cents, &k.currency)),
                        ]
                    })
                    .collect(),
            },
        },
        Section {
            title: "Spend by location".into(),
            chart: None,
            table: Table {
                id: "spend-locations",
                caption: "Gesture spend by location".into(),
                headers: vec!["Location", "Given", "Spent"],
                rows: c
                    .by_location
                    .iter()
                    .map(|k| {
                        vec![
                            t_label(&k.label),
                            t(k.count.to_string()),
                            t(money(k.cents, &k.currency)),
                        ]
                    })
                    .collect(),
            },
        },
    ];
    Screen { figures, sections }
}

fn handoffs(s: &ReportSummary, l: &Links) -> Screen {
    let h = &s.handoffs;
    let top = h.by_person.first();
    let figures = vec![
        fig(
            "handoffs",
            "Hand-offs offered",
            h.total_offered.to_string(),
            h.median_per_person.map_or_else(String::new, |m| {
                format!("median {m} per person who handed off")
            }),
            None,
        ),
        fig(
            "top-passer",
            "Hands off most",
            top.map_or_else(|| "nobody".into(), |p| p.name.clone()),
            top.map_or_else(String::new, |p| {
                format!("{} hand-offs on {} cases", p.offered, p.cases)
            }),
            top.map(|p| l.noticed(&[("handed_off_by", &p.staff_id)])),
        ),
        fig(
            "hot-potato",
            "Cases handed off twice or more",
            h.cases_twice_or_more.to_string(),
            "the hot potato".into(),
            Some(l.noticed(&[("handoffs_min", "2")])),
        ),
    ];
    let median = h.median_per_person.unwrap_or(0.0);
    let bars: Vec<Bar> = h
        .by_person
        .iter()
        .map(|p| {
            Bar::new(
                &p.name,
                p.offered as f64,
                format!(
                    "{} ({} accepted, {} declined)",
                    p.offered, p.accepted, p.declined
                ),
            )
            .link(l.noticed(&[("handed_off_by", &p.staff_id)]))
            .alert(median > 0.0 && p.offered as f64 >= 3.0 * median)
        })
        .collect();
    let claims: Vec<Bar> = h
        .claimed
        .iter()
        .map(|c| Bar::new(&c.label, c.count as f64, c.count.to_string()))
        .collect();
    let sections = vec![
        Section {
            title: "Hand-offs offered, by person".into(),
            chart: Some(chart::bars(
                "ch-handoffs",
                "Hand-offs offered by person",
                &describe(&bars),
                &bars,
                None,
            )),
            table: Table {
                id: "handoffs-person",
                caption: "Hand-offs by person".into(),
                headers: vec![
                    "Person", "Offered", "Cases", "Accepted", "Declined", "Reasons",
                ],
                rows: h
                    .by_person
                    .iter()
                    .map(|p| {
                        vec![
                            t_label(&p.name),
                            t(p.offered.to_string()),
                            tl(
                                p.cases.to_string(),
                                l.noticed(&[("handed_off_by", &p.staff_id)]),
                            ),
                            t(p.accepted.to_string()),
                            t(p.declined.to_string()),
                            t(p.reasons
                                .iter()
                                .map(|r| format!("{} ({})", r.label, r.count))
                                .collect::<Vec<_>>()
                                .join("; ")),
                        ]
                    })
                    .collect(),
            },
        },
        Section {
            title: "Steps taken from a role's queue (not hand-offs)".into(),
            chart: Some(chart::bars(
                "ch-claims",
                "Steps claimed from a queue by person",
                &describe(&claims),
                &claims,
                None,
            )),
            table: count_table_plain(
                "claims",
                "Steps claimed from a role's queue",
                "Person",
                &h.claimed,
            ),
        },
    ];
    Screen { figures, sections }
}

fn causes(s: &ReportSummary, l: &Links) -> Screen {
    let c = &s.causes;
    let top = c.by_cause.first();
    let figures = vec![
        fig(
            "top-cause",
            "Most common root cause",
            top.map_or_else(|| "–".into(), |x| x.label.clone()),
            top.map_or_else(String::new, |x| format!("{} closed cases", x.count)),
            None,
        ),
        fig(
            "prevention",
            "Prevention actions",
            format!("{} open · {} done", c.prevention_open, c.prevention_done),
            "at these locations".into(),
            Some("/prevention".into()),
        ),
    ];
    let bars: Vec<Bar> = c
        .by_cause
        .iter()
        .map(|x| Bar::new(&x.label, x.count as f64, x.count.to_string()))
        .collect();
    let cause_rows =
        |v: &[olive_domain::insights::CauseOf], key: &'static str| -> Vec<Vec<TCell>> {
            v.iter()
                .map(|x| {
                    vec![
                        t_label(&x.defect_label),
                        t(x.cause_label.clone()),
                        tl(x.count.to_string(), l.closed(&[(key, &x.defect)])),
                    ]
                })
                .collect()
        };
    let sections = vec![
        Section {
            title: "Root causes of the cases closed".into(),
            chart: Some(chart::bars(
                "ch-causes",
                "Root causes",
                &describe(&bars),
                &bars,
                None,
            )),
            table: count_table_plain(
                "causes",
                "Root causes of the cases closed",
                "Root cause",
                &c.by_cause,
            ),
        },
        Section {
            title: "Root causes by defect".into(),
            chart: None,
            table: Table {
                id: "causes-defect",
                caption: "Root causes by defect".into(),
                headers: vec!["Defect", "Root cause", "Cases (all causes)"],
                rows: cause_rows(&c.by_defect, "defect"),
            },
        },
        Section {
            title: "Root causes by stage".into(),
            chart: None,
            table: Table {
                id: "causes-stage",
                caption: "Root causes by stage".into(),
                headers: vec!["Stage", "Root cause", "Cases (all causes)"],
                rows: cause_rows(&c.by_stage, "stage"),
            },
        },
    ];
    Screen { figures, sections }
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
