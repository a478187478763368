//! The demo's history, planned so the Insights charts tell a story: the last three full months and
//! this month so far, cases on open days and busy hours; arrival leaks most at the practice; one
//! server at The Grill hands off far more than anyone else; The Grill's gesture spend runs over its
//! budget one month (a rough month in the kitchen) and under it the next.

use super::history::{self, CasePlan, HandoffPlan};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use olive_domain::Severity;
use olive_domain::playbook::{Defect, FieldKind, Playbook};
use olive_domain::role::Role;
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::store::Location;
use olive_storage::{Actor, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// Full calendar months of history before the current one.
pub(super) const FULL_MONTHS: i32 = 3;

/// The server at The Grill who passes the hot potato: end of a shift, a section change.
pub(super) const HANDS_OFF: &str = "Sam Okafor";

/// The monthly gesture budgets the demo sets, in cents of AUD: The Grill's is exceeded in its rough
/// month (two months back) and kept the month after; the practice stays under its own.
pub(super) const GRILL_BUDGET_CENTS: i64 = 120_000;
pub(super) const PRACTICE_BUDGET_CENTS: i64 = 500_000;

const FIRST: [&str; 16] = [
    "Ava", "Noah", "Mia", "Liam", "Chloe", "Lucas", "Zara", "Ethan", "Isla", "Jack", "Priya",
    "Omar", "Grace", "Leo", "Ruby", "Kai",
];
const LAST: [&str; 12] = [
    "Nguyen", "Smith", "Patel", "Brown", "Wilson", "Taylor", "Kaur", "Chen", "Martin", "Walker",
    "Rossi", "O'Brien",
];

/// How one location's days go: cases a day by weekday (Monday first), by local hour, who logs them.
struct Rhythm {
    per_weekday: [f64; 7],
    /// (hour, weight): when in the day defects are noticed
    hours: &'static [(i8, u32)],
}

/// The practice: Mondays are busiest; the morning rush and the after-school appointments.
const PRACTICE: Rhythm = Rhythm {
    per_weekday: [2.6, 2.2, 2.0, 2.2, 1.6, 0.0, 0.0],
    hours: &[
        (8, 4),
        (9, 4),
        (10, 3),
        (11, 2),
        (12, 1),
        (13, 2),
        (14, 2),
        (15, 3),
        (16, 3),
    ],
};

/// The restaurant: Friday and Saturday nights; lunch and dinner services.
const RESTAURANT: Rhythm = Rhythm {
    per_weekday: [0.0, 1.8, 2.0, 2.6, 3.8, 4.2, 3.0],
    hours: &[
        (11, 1),
        (12, 5),
        (13, 5),
        (14, 2),
        (15, 1),
        (17, 2),
        (18, 5),
        (19, 7),
        (20, 7),
        (21, 4),
        (22, 1),
    ],
};

/// The practice's arrival defects, weighted: slots not in the book and patients left standing at the
/// desk lead (about two in five of its cases are at arrival).
const PRACTICE_ARRIVAL: [(&str, u32); 5] = [
    ("appointment-not-in-book", 7),
    ("not-greeted-on-arrival", 5),
    ("patient-came-wrong-day", 4),
    ("wrong-patient-records", 2),
    ("forms-lost", 2),
];
const PRACTICE_ARRIVAL_SHARE: f64 = 0.42;

/// The Grill's month by how many months back it is (0: this month): how busy, and whether the
/// manager added a goodwill gesture on the serious cases. Two months back a new kitchen team sent out
/// more wrong and cold dishes and the manager was generous (over budget); last month was quieter and
/// back under budget.
fn grill_month(back: i32) -> (f64, bool) {
    match back {
        2 => (1.3, true),
        1 => (0.8, false),
        _ => (1.0, false),
    }
}

/// Dishes sent back in the kitchen's rough month.
const KITCHEN: [&str; 3] = ["meal-not-as-ordered", "cold-food", "one-dish-late"];

fn months_back(today: Date, day: Date) -> i32 {
    (i32::from(today.year()) * 12 + i32::from(today.month()))
        - (i32::from(day.year()) * 12 + i32::from(day.month()))
}

fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut n = rng.random_range(0..total.max(1));
    for (x, w) in items {
        if n < *w {
            return *x;
        }
        n -= w;
    }
    items[0].0
}

/// Seed the history at both locations; returns how many cases were logged.
pub(super) async fn history(
    store: &Store,
    now: Timestamp,
    locations: [(&Location, &[Actor]); 2],
) -> Result<usize> {
    let mut rng = StdRng::seed_from_u64(1042);
    let mut days_total = 0;
    let mut spans = Vec::new();
    for (loc, _) in &locations {
        let tz = TimeZone::get(&loc.tz_name)?;
        let today = now.to_zoned(tz.clone()).date();
        let first = today.first_of_month().checked_sub(FULL_MONTHS.months())?;
        days_total += first.until(today)?.get_days() + 1;
        spans.push((tz, today, first));
    }
    let bar = ProgressBar::new(days_total as u64);
    bar.set_style(
        ProgressStyle::with_template("seeding demo history {bar:40} {pos}/{len} location-days")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut seeded = 0;
    for ((loc, staff), (tz, today, first)) in locations.into_iter().zip(spans) {
        let playbook = store.playbook(&loc.playbook_code).await?;
        let restaurant = playbook.playbook.code != "dental";
        let rhythm = if restaurant { &RESTAURANT } else { &PRACTICE };
        let mut counts: HashMap<(String, i32), usize> = HashMap::new();
        let mut handoffs = 0usize;
        let mut day = first;
        while day <= today {
            bar.inc(1);
            let this = day;
            day = day.tomorrow()?;
            if loc.calendar().hours_on(this).is_none() {
                continue;
            }
            let back = months_back(today, this);
            let (busy, generous) = if restaurant {
                grill_month(back)
            } else {
                (1.0, false)
            };
            let weekday = this.weekday().to_monday_zero_offset() as usize;
            let mean = rhythm.per_weekday[weekday] * busy;
            let n = (mean + rng.random_range(-1.2..1.2)).round().max(0.0) as usize;
            let mut times: Vec<Timestamp> = Vec::with_capacity(n);
            for _ in 0..n {
                let hour = weighted(&mut rng, rhythm.hours);
                let minute = rng.random_range(0..60);
                let at = this
                    .at(hour, minute, 0, 0)
                    .to_zoned(tz.clone())?
                    .timestamp();
                let local = this.at(hour, minute, 0, 0).time();
                let in_hours = loc
                    .calendar()
                    .hours_on(this)
                    .is_some_and(|h| h.open <= local && local < h.close);
                if at <= now && in_hours {
                    times.push(at);
                }
            }
            times.sort();
            for at in times {
                let defect = pick_defect(&mut rng, &playbook, restaurant, generous);
                let reporter = pick_reporter(&mut rng, staff, restaurant);
                let input = case_input(&mut rng, loc, &playbook, defect, staff, at, &tz);
                let (case, _) = store.create_case(reporter, input, None, at).await?;
                seeded += 1;
                let n = counts.entry((reporter.staff_id.clone(), back)).or_default();
                *n += 1;
                let handoff = if restaurant {
                    grill_handoff(&mut rng, reporter, staff, *n, &mut handoffs)
                } else {
                    practice_handoff(&mut rng, reporter, staff)
                };
                let plan = CasePlan {
                    defect,
                    handoff,
                    goodwill: generous
                        && defect.severity != Severity::Minor
                        && rng.random_bool(0.5),
                };
                let age_hours = now.duration_since(at).as_hours();
                history::work_case(
                    store, &case, reporter, staff, age_hours, at, now, &mut rng, &playbook, plan,
                )
                .await?;
            }
        }
    }
    bar.finish_and_clear();
    Ok(seeded)
}

fn pick_defect<'p>(
    rng: &mut StdRng,
    playbook: &'p Playbook,
    restaurant: bool,
    rough_kitchen: bool,
) -> &'p Defect {
    let by_code = |code: &str| playbook.defects.iter().find(|d| d.code == code);
    let chosen = if restaurant {
        if rough_kitchen && rng.random_bool(0.35) {
            by_code(KITCHEN[rng.random_range(0..KITCHEN.len())])
        } else {
            None
        }
    } else if rng.random_bool(PRACTICE_ARRIVAL_SHARE) {
        by_code(weighted(rng, &PRACTICE_ARRIVAL))
    } else {
        // The rest of the cycle, arrival left out: fewer cases at each of the other stages.
        let others: Vec<&Defect> = playbook
            .defects
            .iter()
            .filter(|d| d.stage != "arrival")
            .collect();
        others
            .get(rng.random_range(0..others.len().max(1)))
            .copied()
    };
    chosen.unwrap_or_else(|| {
        // Defects cluster: the first few of each playbook happen more often.
        let idx = if rng.random_bool(0.5) {
            rng.random_range(0..playbook.defects.len().min(6))
        } else {
            rng.random_range(0..playbook.defects.len())
        };
        &playbook.defects[idx]
    })
}

/// Who logs a case: at the restaurant mostly the servers (Sam most of all) and the host, the manager
/// now and then; at the practice anyone.
fn pick_reporter<'a>(rng: &mut StdRng, staff: &'a [Actor], restaurant: bool) -> &'a Actor {
    if !restaurant {
        return &staff[rng.random_range(0..staff.len())];
    }
    let weights: Vec<(usize, u32)> = staff
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let w = match a {
                a if is(a, Role::Manager) => 1,
                // Sam works the most shifts.
                a if a.name == HANDS_OFF => 3,
                _ => 2,
            };
            (i, w)
        })
        .collect();
    &staff[weighted(rng, &weights)]
}

fn is(a: &Actor, role: Role) -> bool {
    a.roles.iter().any(|(_, r)| *r == role)
}

/// At The Grill: Sam hands off three cases in four of his own each month, and now and then the
/// server he offers one to is busy and declines (he offers it to the manager then); the others hand
/// off one case in a dozen, to a colleague or the manager. The manager keeps his.
fn grill_handoff<'a>(
    rng: &mut StdRng,
    owner: &'a Actor,
    staff: &'a [Actor],
    nth_this_month: usize,
    offered: &mut usize,
) -> Option<HandoffPlan<'a>> {
    if is(owner, Role::Manager) {
        return None;
    }
    let often = owner.name == HANDS_OFF;
    let hands_off = if often {
        !nth_this_month.is_multiple_of(4)
    } else {
        nth_this_month % 12 == 5
    };
    if !hands_off {
        return None;
    }
    let manager = staff.iter().find(|a| is(a, Role::Manager))?;
    let servers: Vec<&Actor> = staff
        .iter()
        .filter(|a| is(a, Role::TeamMember) && a.staff_id != owner.staff_id)
        .collect();
    let reasons = [
        "End of my shift: handing over before I leave",
        "Section change: the table is in the next section now",
        "The guest asked for the manager",
    ];
    let k = rng.random_range(0..reasons.len());
    let to = if k == 2 || servers.is_empty() {
        manager
    } else {
        servers[rng.random_range(0..servers.len())]
    };
    let declined = often && to.staff_id != manager.staff_id && {
        *offered += 1;
        offered.is_multiple_of(4)
    };
    Some(HandoffPlan {
        to,
        reason: reasons[k],
        decline: declined.then_some("Still running my own section; the manager will take it"),
        then_to: declined.then_some(manager),
    })
}

/// At the practice: now and then a case needs the practice manager.
fn practice_handoff<'a>(
    rng: &mut StdRng,
    owner: &'a Actor,
    staff: &'a [Actor],
) -> Option<HandoffPlan<'a>> {
    let manager = staff.iter().find(|a| is(a, Role::Manager))?;
    if owner.staff_id == manager.staff_id || !rng.random_bool(0.12) {
        return None;
    }
    let reasons = [
        "Needs the practice manager's decision",
        "The patient asked to speak to the practice manager",
    ];
    Some(HandoffPlan {
        to: manager,
        reason: reasons[rng.random_range(0..reasons.len())],
        decline: None,
        then_to: None,
    })
}

/// The case as the front desk logs it, with the playbook's case fields: the dentist and the
/// appointment time; the table, the party and the server (a third of the restaurant's guests give no
/// name: the table stands in).
fn case_input(
    rng: &mut StdRng,
    loc: &Location,
    playbook: &Playbook,
    defect: &Defect,
    staff: &[Actor],
    at: Timestamp,
    tz: &TimeZone,
) -> NewCase {
    let first = FIRST[rng.random_range(0..FIRST.len())];
    let last = LAST[rng.random_range(0..LAST.len())];
    let phone = format!("04{:08}", rng.random_range(0..20_000_000u32) % 400);
    let team: Vec<&Actor> = staff.iter().filter(|a| is(a, Role::TeamMember)).collect();
    let mut fields = std::collections::BTreeMap::new();
    let mut named = true;
    for f in &playbook.case_fields {
        let v = match f.kind {
            FieldKind::Staff if !team.is_empty() => {
                team[rng.random_range(0..team.len())].staff_id.clone()
            }
            FieldKind::Time => at.to_string(),
            FieldKind::Number => rng.random_range(1..9).to_string(),
            FieldKind::Text => {
                named = rng.random_bool(0.67);
                rng.random_range(1..31).to_string()
            }
            FieldKind::Staff => continue,
        };
        fields.insert(f.key.clone(), serde_json::Value::String(v));
    }
    NewCase {
        location_id: loc.id.clone(),
        defect: defect.code.clone(),
        stage: None,
        customer: CustomerInput {
            name: if named {
                format!("{first} {last}")
            } else {
                String::new()
            },
            phone: Some(phone),
            email: Some(format!(
                "{}.{}@example.com",
                first.to_lowercase(),
                last.to_lowercase().replace('\'', "")
            )),
            address: Some(format!(
                "{} Harbour St, Sydney NSW 2000",
                rng.random_range(1..200)
            )),
            preferred_name: None,
        },
        description: format!(
            "{} — noticed at {}.",
            defect.title,
            at.to_zoned(tz.clone()).strftime("%H:%M")
        ),
        severity: None,
        fields,
        noticed_at: None,
        done_steps: Vec::new(),
    }
}
