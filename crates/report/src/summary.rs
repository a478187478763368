//! The monthly report's figures taken from the Insights summary of the month (`ReportSummary`, the
//! same figures as `GET /api/v1/reports/summary`): the headline numbers and the three charts.

use crate::figures::{Bar, Month, MonthlyReport, Ratio, Spend, money};
use olive_domain::insights::ReportSummary;

impl MonthlyReport {
    /// The report of `business` for `month` from the month's summary.
    pub fn from_summary(business: impl Into<String>, month: Month, s: &ReportSummary) -> Self {
        let top = |items: Vec<(String, i64)>| {
            items.into_iter().filter(|(_, n)| *n > 0).fold(
                None::<(String, i64)>,
                |best, (label, n)| match best {
                    Some((_, m)) if m >= n => best,
                    _ => Some((label, n)),
                },
            )
        };
        let month_key = month.to_string();
        // Every currency spent in, or budgeted for, in the month: spend against the budgets set.
        let mut currencies: Vec<String> = s.cost.spend.iter().map(|a| a.currency.clone()).collect();
        for m in s.cost.by_month.iter().filter(|m| m.month == month_key) {
            if !currencies.contains(&m.currency) {
                currencies.push(m.currency.clone());
            }
        }
        let spend = currencies
            .into_iter()
            .map(|currency| {
                let budgets: Vec<i64> = s
                    .cost
                    .by_month
                    .iter()
                    .filter(|m| m.month == month_key && m.currency == currency)
                    .filter_map(|m| m.budget_cents)
                    .collect();
                Spend {
                    spent_cents: s
                        .cost
                        .spend
                        .iter()
                        .find(|a| a.currency == currency)
                        .map_or(0, |a| a.cents),
                    budget_cents: (!budgets.is_empty()).then(|| budgets.iter().sum()),
                    per_recovered_cents: s
                        .cost
                        .per_recovered
                        .iter()
                        .find(|p| p.currency == currency)
                        .map(|p| p.cents),
                    currency,
                }
            })
            .collect();
        let mut ratings = [0; 5];
        for c in &s.recovery.ratings {
            if let Ok(k @ 1..=5) = c.key.parse::<usize>() {
                ratings[k - 1] = c.count;
            }
        }
        MonthlyReport {
            business: business.into(),
            month,
            logged: s.leaking.logged,
            previous_logged: s.leaking.previous_logged,
            top_stage: top(s
                .leaking
                .by_stage
                .iter()
                .map(|t| (t.label.clone(), t.count))
                .collect()),
            top_defect: top(s
                .leaking
                .top_defects
                .iter()
                .map(|c| (c.label.clone(), c.count))
                .collect()),
            recovery: Ratio {
                part: s.recovery.recovered,
                whole: s.recovery.closed,
            },
            first_action_median_min: s.response.first_action.median_minutes,
            first_action_p90_min: s.response.first_action.p90_minutes,
            on_time: Ratio {
                part: s.response.steps_on_time,
                whole: s.response.steps_due,
            },
            spend,
            handoffs_offered: s.handoffs.total_offered,
            handed_off_twice: s.handoffs.cases_twice_or_more,
            defects_by_stage: s
                .leaking
                .by_stage
                .iter()
                .map(|t| Bar::count(t.label.clone(), t.count))
                .collect(),
            spend_by_gesture: s
                .cost
                .by_kind
                .iter()
                .map(|k| Bar {
                    label: if s.cost.spend.len() > 1 {
                        format!("{} ({})", k.label, k.currency)
                    } else {
                        k.label.clone()
                    },
                    value: k.cents,
                    shown: money(k.cents, &k.currency),
                })
                .collect(),
            ratings,
        }
    }
}
