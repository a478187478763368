//! The figures computed from the facts: one function per question.

use super::facts::{CaseFact, Facts, Labels};
use super::period::{AgeBucket, Period, WEEKDAYS, monday_of, month_key, nearest_rank};
use super::*;
use crate::case::CloseOutcome;
use std::collections::{BTreeMap, HashMap};

/// Every figure of the report.
pub fn summarise(
    period: Period,
    location_ids: Vec<String>,
    facts: &Facts,
    labels: &Labels,
    now: jiff::Timestamp,
) -> ReportSummary {
    ReportSummary {
        from: period.from.to_string(),
        to: period.to.to_string(),
        location_ids,
        leaking: leaking(period, facts, labels),
        response: response(facts, labels, now),
        recovery: recovery(facts, labels),
        cost: cost(period, facts, labels),
        handoffs: handoffs(facts, labels),
        causes: causes(facts, labels),
    }
}

/// Counts under keys, most first, ties by label.
fn ranked(counts: HashMap<String, i64>, label: impl Fn(&str) -> String) -> Vec<Count> {
    let mut v: Vec<Count> = counts
        .into_iter()
        .map(|(key, count)| Count {
            label: label(&key),
            key,
            count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    v
}

fn tally<'a>(keys: impl Iterator<Item = &'a str>) -> HashMap<String, i64> {
    let mut m = HashMap::new();
    for k in keys {
        *m.entry(k.to_string()).or_insert(0) += 1;
    }
    m
}

/// The stages in the cycle's order, then any stage the playbooks no longer name.
fn stage_order(labels: &Labels, seen: impl Iterator<Item = String>) -> Vec<(String, String)> {
    let mut out = labels.stages.clone();
    for s in seen {
        if !out.iter().any(|(c, _)| *c == s) {
            out.push((s.clone(), s));
        }
    }
    out
}

/// The defect code as a key (`other` for the `other` protocol).
pub fn defect_key(c: &CaseFact) -> &str {
    c.defect.as_deref().unwrap_or("other")
}

fn leaking(period: Period, facts: &Facts, labels: &Labels) -> Leaking {
    let cases = &facts.noticed;
    let by_stage_now = tally(cases.iter().map(|c| c.stage.as_str()));
    let stages = stage_order(
        labels,
        by_stage_now
            .keys()
            .chain(facts.previous_by_stage.keys())
            .cloned(),
    );
    let by_stage = stages
        .iter()
        .map(|(key, label)| Trend {
            key: key.clone(),
            label: label.clone(),
            count: by_stage_now.get(key).copied().unwrap_or(0),
            previous: facts.previous_by_stage.get(key).copied().unwrap_or(0),
        })
        .collect();
    let weeks = period.weeks();
    let heatmap = stages
        .iter()
        .map(|(key, label)| HeatRow {
            key: key.clone(),
            label: label.clone(),
            counts: weeks
                .iter()
                .map(|w| {
                    cases
                        .iter()
                        .filter(|c| c.stage == *key && monday_of(c.noticed_local.date()) == *w)
                        .count() as i64
                })
                .collect(),
        })
        .collect();
    let mut top_defects = ranked(tally(cases.iter().map(defect_key)), |k| {
        labels.defect((k != "other").then_some(k))
    });
    top_defects.truncate(10);
    let sev = tally(cases.iter().map(|c| c.severity.as_str()));
    let by_severity = ["critical", "major", "minor"]
        .iter()
        .map(|k| Count {
            key: k.to_string(),
            label: severity_label(k),
            count: sev.get(*k).copied().unwrap_or(0),
        })
        .collect();
    let by_location = ranked(tally(cases.iter().map(|c| c.location_id.as_str())), |k| {
        labels.location(k)
    });
    let by_weekday = WEEKDAYS
        .iter()
        .map(|(d, name)| Count {
            key: name[..3].to_lowercase(),
            label: name.to_string(),
            count: cases
                .iter()
                .filter(|c| c.noticed_local.date().weekday() == *d)
                .count() as i64,
        })
        .collect();
    let by_hour = (0..24)
        .map(|h| Count {
            key: format!("{h:02}"),
            label: format!("{h:02}:00"),
            count: cases
                .iter()
                .filter(|c| c.noticed_local.hour() as i64 == h)
                .count() as i64,
        })
        .collect();
    Leaking {
        logged: cases.len() as i64,
        previous_logged: facts.previous_by_stage.values().sum(),
        by_stage,
        weeks: weeks.iter().map(|w| w.to_string()).collect(),
        heatmap,
        top_defects,
        by_severity,
        by_location,
        by_weekday,
        by_hour,
    }
}

/// Minutes from noticed to the first action, floored at 0; none before any action.
pub fn first_action_minutes(c: &CaseFact) -> Option<i64> {
    let first = c.first_action?;
    Some((first.as_millisecond() - c.noticed.as_millisecond()).max(0) / 60_000)
}

fn timing(key: &str, label: String, mut mins: Vec<i64>) -> Timing {
    mins.sort_unstable();
    Timing {
        key: key.to_string(),
        label,
        cases: mins.len() as i64,
        median_minutes: nearest_rank(&mins, 0.5),
        p90_minutes: nearest_rank(&mins, 0.9),
    }
}

fn timings_by(
    cases: &[CaseFact],
    key: impl Fn(&CaseFact) -> &str,
    label: impl Fn(&str) -> String,
) -> Vec<Timing> {
    let mut groups: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for c in cases {
        if let Some(m) = first_action_minutes(c) {
            groups.entry(key(c)).or_default().push(m);
        }
    }
    let mut v: Vec<Timing> = groups
        .into_iter()
        .map(|(k, mins)| timing(k, label(k), mins))
        .collect();
    v.sort_by(|a, b| {
        b.median_minutes
            .cmp(&a.median_minutes)
            .then(b.cases.cmp(&a.cases))
    });
    v
}

fn response(facts: &Facts, labels: &Labels, now: jiff::Timestamp) -> Response {
    let cases = &facts.noticed;
    let all = cases.iter().filter_map(first_action_minutes).collect();
    let steps_due = facts.steps_due.len() as i64;
    let steps_on_time = facts
        .steps_due
        .iter()
        .filter(|s| s.settled.is_some_and(|t| t <= s.due))
        .count() as i64;
    let overdue_now = facts
        .open
        .iter()
        .filter(|c| c.next_due.is_some_and(|d| d < now))
        .count() as i64;
    let open_by_age = AgeBucket::ALL
        .iter()
        .map(|b| Count {
            key: b.key().into(),
            label: b.label().into(),
            count: facts
                .open
                .iter()
                .filter(|c| AgeBucket::of(c.noticed, now) == *b)
                .count() as i64,
        })
        .collect();
    Response {
        first_action: timing("all", "Every case".into(), all),
        by_stage: timings_by(cases, |c| c.stage.as_str(), |k| labels.stage(k)),
        by_defect: timings_by(cases, defect_key, |k| {
            labels.defect((k != "other").then_some(k))
        }),
        by_person: timings_by(cases, |c| c.owner_id.as_str(), |k| labels.person(k)),
        steps_due,
        steps_on_time,
        on_time_rate: rate(steps_on_time, steps_due),
        overdue_now,
        open_by_age,
    }
}

fn recoveries<'a>(
    closed: impl Iterator<Item = (&'a str, bool)>,
    label: impl Fn(&str) -> String,
) -> Vec<Recovery> {
    let mut m: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for (k, rec) in closed {
        let e = m.entry(k).or_default();
        e.0 += 1;
        e.1 += rec as i64;
    }
    let mut v: Vec<Recovery> = m
        .into_iter()
        .map(|(k, (closed, recovered))| Recovery {
            key: k.to_string(),
            label: label(k),
            closed,
            recovered,
            rate: rate(recovered, closed),
        })
        .collect();
    v.sort_by(|a, b| b.closed.cmp(&a.closed).then_with(|| a.label.cmp(&b.label)));
    v
}

fn is_recovered(c: &CaseFact) -> bool {
    c.outcome == Some(CloseOutcome::Recovered)
}

fn recovery(facts: &Facts, labels: &Labels) -> Outcomes {
    let closed = &facts.closed;
    let recovered = closed.iter().filter(|(c, _)| is_recovered(c)).count() as i64;
    let ratings = (1..=5)
        .map(|r| Count {
            key: r.to_string(),
            label: format!("{r} of 5"),
            count: facts.answers.iter().filter(|a| a.rating == Some(r)).count() as i64,
        })
        .collect();
    let total = closed.len() as i64;
    Outcomes {
        closed: total,
        recovered,
        not_recovered: total - recovered,
        rate: rate(recovered, total),
        answered: facts.answers.len() as i64,
        ratings,
        would_return_yes: facts
            .answers
            .iter()
            .filter(|a| a.would_return == Some(true))
            .count() as i64,
        would_return_no: facts
            .answers
            .iter()
            .filter(|a| a.would_return == Some(false))
            .count() as i64,
        reopened: closed.iter().filter(|(c, _)| c.reopened).count() as i64,
        by_defect: recoveries(
            closed.iter().map(|(c, _)| (defect_key(c), is_recovered(c))),
            |k| labels.defect((k != "other").then_some(k)),
        ),
        by_stage: recoveries(
            closed
                .iter()
                .map(|(c, _)| (c.stage.as_str(), is_recovered(c))),
            |k| labels.stage(k),
        ),
        by_person: recoveries(
            closed
                .iter()
                .map(|(c, _)| (c.owner_id.as_str(), is_recovered(c))),
            |k| labels.person(k),
        ),
        by_gesture: recoveries(
            closed.iter().flat_map(|(c, kinds)| {
                let mut kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
                kinds.sort_unstable();
                kinds.dedup();
                kinds.into_iter().map(move |k| (k, is_recovered(c)))
            }),
            |k| labels.gesture(k),
        ),
    }
}

fn cost(period: Period, facts: &Facts, labels: &Labels) -> Cost {
    let g = &facts.gestures;
    let mut spend: BTreeMap<&str, i64> = BTreeMap::new();
    let mut by_kind: BTreeMap<(&str, &str), (i64, i64)> = BTreeMap::new();
    let mut by_loc: BTreeMap<(&str, &str), (i64, i64)> = BTreeMap::new();
    let mut by_month: BTreeMap<(String, &str, &str), i64> = BTreeMap::new();
    for x in g {
        *spend.entry(&x.currency).or_default() += x.cents;
        let k = by_kind.entry((&x.kind, &x.currency)).or_default();
        k.0 += x.cents;
        k.1 += 1;
        let l = by_loc.entry((&x.location_id, &x.currency)).or_default();
        l.0 += x.cents;
        l.1 += 1;
        *by_month
            .entry((month_key(x.given_on), &x.location_id, &x.currency))
            .or_default() += x.cents;
    }
    let spends = |m: BTreeMap<(&str, &str), (i64, i64)>, label: &dyn Fn(&str) -> String| {
        let mut v: Vec<Spend> = m
            .into_iter()
            .map(|((k, cur), (cents, count))| Spend {
                key: k.to_string(),
                label: label(k),
                currency: cur.to_string(),
                cents,
                count,
            })
            .collect();
        v.sort_by(|a, b| b.cents.cmp(&a.cents).then_with(|| a.label.cmp(&b.label)));
        v
    };
    // Every location's every month of the period, spent or not, against its budget.
    let mut months = Vec::new();
    for m in period.months() {
        for l in &labels.locations {
            months.push(MonthSpend {
                month: m.clone(),
                location_id: l.id.clone(),
                location: l.name.clone(),
                currency: l.currency.clone(),
                cents: by_month
                    .get(&(m.clone(), l.id.as_str(), l.currency.as_str()))
                    .copied()
                    .unwrap_or(0),
                budget_cents: l.budget_cents,
            });
        }
    }
    let recovered = facts.closed.iter().filter(|(c, _)| is_recovered(c)).count() as i64;
    let spend: Vec<Amount> = spend
        .into_iter()
        .map(|(c, cents)| Amount {
            currency: c.to_string(),
            cents,
        })
        .collect();
    let per_recovered = spend
        .iter()
        .filter(|_| recovered > 0)
        .map(|a| Amount {
            currency: a.currency.clone(),
            cents: a.cents / recovered,
        })
        .collect();
    let mut waits: Vec<i64> = facts
        .approvals
        .iter()
        .filter_map(|a| {
            a.decided
                .map(|(_, at)| at.duration_since(a.asked).as_mins().max(0))
        })
        .collect();
    waits.sort_unstable();
    let decided = |ok: bool| {
        facts
            .approvals
            .iter()
            .filter(|a| a.decided.is_some_and(|(v, _)| v == ok))
            .count() as i64
    };
    Cost {
        spend,
        by_kind: spends(by_kind, &|k| labels.gesture(k)),
        by_location: spends(by_loc, &|k| labels.location(k)),
        by_month: months,
        per_recovered,
        approvals: Approvals {
            asked: facts.approvals.len() as i64,
            approved: decided(true),
            declined: decided(false),
            waiting: facts
                .approvals
                .iter()
                .filter(|a| a.decided.is_none())
                .count() as i64,
            median_wait_minutes: nearest_rank(&waits, 0.5),
        },
    }
}

fn handoffs(facts: &Facts, labels: &Labels) -> Handoffs {
    /// offered, accepted, declined, reasons
    type Tally = (i64, i64, i64, HashMap<String, i64>);
    let mut people: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut cases: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for h in &facts.handoffs {
        cases.entry(&h.from_id).or_default().insert(&h.case_id);
        let p = people.entry(&h.from_id).or_default();
        p.0 += 1;
        p.1 += (h.status == "accepted") as i64;
        p.2 += (h.status == "declined") as i64;
        *p.3.entry(h.reason.trim().to_string()).or_insert(0) += 1;
    }
    let mut by_person: Vec<PersonHandoffs> = people
        .into_iter()
        .map(
            |(id, (offered, accepted, declined, reasons))| PersonHandoffs {
                staff_id: id.to_string(),
                name: labels.person(id),
                offered,
                cases: cases.get(id).map_or(0, |c| c.len() as i64),
                accepted,
                declined,
                reasons: ranked(reasons, |k| k.to_string()),
            },
        )
        .collect();
    by_person.sort_by(|a, b| b.offered.cmp(&a.offered).then_with(|| a.name.cmp(&b.name)));
    let mut counts: Vec<i64> = by_person.iter().map(|p| p.offered).collect();
    counts.sort_unstable();
    let median_per_person = match counts.len() {
        0 => None,
        n if n % 2 == 1 => Some(counts[n / 2] as f64),
        n => Some((counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0),
    };
    Handoffs {
        total_offered: facts.handoffs.len() as i64,
        by_person,
        median_per_person,
        cases_twice_or_more: facts
            .noticed
            .iter()
            .filter(|c| c.handoff_count >= crate::case::HOT_POTATO_HANDOFFS)
            .count() as i64,
        claimed: ranked(
            tally(facts.claims.iter().map(|c| c.staff_id.as_str())),
            |k| labels.person(k),
        ),
    }
}

fn causes(facts: &Facts, labels: &Labels) -> Causes {
    let cause = |c: &CaseFact| c.root_cause.clone().unwrap_or_default();
    let by_cause = ranked(
        tally(
            facts
                .closed
                .iter()
                .map(|(c, _)| c.root_cause.as_deref().unwrap_or("")),
        ),
        cause_label,
    );
    let of = |key: &dyn Fn(&CaseFact) -> String, label: &dyn Fn(&str) -> String| {
        let mut m: BTreeMap<(String, String), i64> = BTreeMap::new();
        for (c, _) in &facts.closed {
            *m.entry((key(c), cause(c))).or_default() += 1;
        }
        let mut v: Vec<CauseOf> = m
            .into_iter()
            .map(|((d, k), count)| CauseOf {
                defect_label: label(&d),
                defect: d,
                cause_label: cause_label(&k),
                cause: k,
                count,
            })
            .collect();
        v.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.defect_label.cmp(&b.defect_label))
        });
        v
    };
    Causes {
        by_cause,
        by_defect: of(&|c| defect_key(c).to_string(), &|k| {
            labels.defect((k != "other").then_some(k))
        }),
        by_stage: of(&|c| c.stage.clone(), &|k| labels.stage(k)),
        prevention_open: facts.prevention.0,
        prevention_done: facts.prevention.1,
    }
}
