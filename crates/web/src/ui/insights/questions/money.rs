//! Question 4, what does it cost: spend against the monthly budget, by gesture and location, spend per
//! recovered case, approvals.

use super::*;

pub(super) fn cost(s: &ReportSummary, l: &Links) -> Screen {
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
