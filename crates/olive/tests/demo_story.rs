//! The demo tells the story the Insights charts show (issue 21): `olive demo --no-serve` into a
//! temporary data dir on SQLite, then the summary as the group owner sees it for the last full month
//! (the demo's clock is the real one): arrival leaks most at Harbour Dental, one server at The Grill
//! hands off at least three times as often as the median, and The Grill's gesture spend is over its
//! budget one month and under it the next.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use olive_domain::insights::ReportSummary;
use olive_storage::reports::ReportFilter;
use olive_storage::{Actor, Store};
use std::path::PathBuf;
use std::process::Command;

const OWNER: &str = "olivia@harbourgroup.example";

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "olive-demo-story-{}",
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The first and last day of the month `back` months before the one `today` is in.
fn month(today: Date, back: i32) -> (Date, Date) {
    let first = today.first_of_month().checked_sub(back.months()).unwrap();
    (first, first.last_of_month())
}

async fn summary(
    store: &Store,
    owner: &Actor,
    location: &str,
    from: Date,
    to: Date,
    now: Timestamp,
) -> ReportSummary {
    let filter = ReportFilter {
        location_id: Some(location.into()),
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        ..Default::default()
    };
    store
        .report_summary(owner, &filter, now)
        .await
        .expect("the summary")
}

#[test]
fn the_demo_tells_the_insights_story() {
    let dir = temp_dir();
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_olive"))
        .args(["demo", "--no-serve", "--data-dir"])
        .arg(&dir)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run olive demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("olive demo took {:.1} s", started.elapsed().as_secs_f64());
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.join("olive.db").display());
        let store = Store::open(&url).await.expect("open");
        let id = store.find_staff(OWNER).await.expect("the demo's owner");
        let owner = Actor::of_staff(&store.staff_view(&id).await.expect("owner"));
        let system = Actor::operator("test");
        let locations = store.list_locations(&system).await.expect("locations");
        let find = |name: &str| {
            locations
                .iter()
                .find(|l| l.name == name)
                .map(|l| l.id.clone())
                .expect("a demo location")
        };
        let (dental, grill) = (find("Harbour Dental"), find("The Grill"));
        let now = Timestamp::now();
        let today = now.to_zoned(TimeZone::get("Australia/Sydney").unwrap()).date();
        let (from, to) = month(today, 1);

        // Harbour Dental: arrival is the top leaking stage last month.
        let s = summary(&store, &owner, &dental, from, to, now).await;
        let stages: Vec<(String, i64)> = s
            .leaking
            .by_stage
            .iter()
            .map(|t| (t.key.clone(), t.count))
            .collect();
        eprintln!("Harbour Dental {from}..{to}: logged {}, by stage {stages:?}", s.leaking.logged);
        let top = s.leaking.by_stage.iter().max_by_key(|t| t.count).unwrap();
        assert_eq!(top.key, "arrival", "{stages:?}");
        let second = stages.iter().filter(|(k, _)| k != "arrival").map(|(_, c)| *c).max();
        assert!(top.count > second.unwrap_or(0), "{stages:?}");
        eprintln!(
            "  recovery: closed {}, recovered {}, answered {}, ratings {:?}, reopened {}, causes {:?}",
            s.recovery.closed,
            s.recovery.recovered,
            s.recovery.answered,
            s.recovery.ratings.iter().map(|c| (&c.key, c.count)).collect::<Vec<_>>(),
            s.recovery.reopened,
            s.causes.by_cause.iter().map(|c| (&c.key, c.count)).collect::<Vec<_>>(),
        );

        // Scheduling is the cause the team gives most for the practice's arrival defects.
        let arrival: Vec<(&str, i64)> = s
            .causes
            .by_stage
            .iter()
            .filter(|c| c.defect == "arrival")
            .map(|c| (c.cause.as_str(), c.count))
            .collect();
        let cause = arrival.iter().max_by_key(|(_, n)| *n).map(|(c, _)| *c);
        assert_eq!(cause, Some("scheduling"), "{arrival:?}");

        // The Grill: one person hands off at least three times as often as the median.
        let s = summary(&store, &owner, &grill, from, to, now).await;
        let people: Vec<(String, i64, i64, i64)> = s
            .handoffs
            .by_person
            .iter()
            .map(|p| (p.name.clone(), p.offered, p.accepted, p.declined))
            .collect();
        let median = s.handoffs.median_per_person.expect("hand-offs last month");
        eprintln!("The Grill {from}..{to}: hand-offs {people:?}, median {median}");
        let counts = |v: &[olive_domain::insights::Count]| {
            v.iter().map(|c| format!("{} {}", c.label, c.count)).collect::<Vec<_>>().join(", ")
        };
        eprintln!("  by weekday: {}", counts(&s.leaking.by_weekday));
        eprintln!("  by hour: {}", counts(&s.leaking.by_hour));
        let top = &s.handoffs.by_person[0];
        assert_eq!(top.name, "Sam Okafor", "{people:?}");
        assert!(top.offered as f64 >= 3.0 * median, "{people:?}, median {median}");
        assert!(s.handoffs.by_person.len() >= 3, "{people:?}");

        // The Grill's spend: over budget one month, under it the next.
        let (before, _) = month(today, 2);
        let s = summary(&store, &owner, &grill, before, to, now).await;
        let months: Vec<(String, i64, Option<i64>)> = s
            .cost
            .by_month
            .iter()
            .map(|m| (m.month.clone(), m.cents, m.budget_cents))
            .collect();
        eprintln!("The Grill spend by month: {months:?}");
        assert_eq!(months.len(), 2, "{months:?}");
        let budget = months[0].2.expect("The Grill has a monthly budget");
        assert_eq!(months[1].2, Some(budget));
        assert!(months[0].1 > budget, "{months:?}");
        assert!(months[1].1 < budget, "{months:?}");
        let (first, _) = month(today, 3);
        let s = summary(&store, &owner, &dental, first, to, now).await;
        let months: Vec<(String, i64, Option<i64>)> = s
            .cost
            .by_month
            .iter()
            .map(|m| (m.month.clone(), m.cents, m.budget_cents))
            .collect();
        eprintln!("Harbour Dental spend by month: {months:?}");
        assert_eq!(months.len(), 3, "{months:?}");
        for (_, cents, budget) in &months {
            let budget = budget.expect("Harbour Dental has a monthly budget");
            assert!(*cents < budget, "{months:?}");
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}
