//! The monthly report goes out once per location and month, through the real SMTP sink, on SQLite
//! and on PostgreSQL: on the location's first business day at 08:00 local (Harbour Dental is closed
//! on Sundays and 1 November 2026 is one: Monday the 2nd; The Grill opens every day: the 1st), to
//! each of its managers who has not opted out, with the PDF attached; the admins get the group's once
//! every location's is due. Two workers ticking at once, and a restarted one, send nothing twice.

#[macro_use]
mod common;

use common::mime::{parts, words};
use common::world::{MANAGER, World, syd};
use olive_jobs::{Worker, WorkerConfig};
use olive_storage::me::MySettings;
use olive_storage::org::NewStaff;
use olive_storage::{Actor, Store};

const ADMIN: &str = "admin@olive.test";
const GRILL_MANAGER: &str = "grill.manager@olive.test";
const QUIET: &str = "quiet.manager@olive.test";

/// A worker of its own (another process, or this one after a restart) on the same database.
fn another_worker(w: &World) -> Worker {
    let cfg = WorkerConfig {
        smtp: Some(w.smtp.config()),
        monthly_reports: true,
        ..WorkerConfig::default()
    };
    Worker::new(w.store().clone(), cfg, w.clock.as_clock()).unwrap()
}

/// Two workers tick at the same time, then a third (a restart).
async fn ticks(w: &World, at: jiff::Timestamp) {
    w.clock.set(at);
    let (a, b) = (another_worker(w), another_worker(w));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    ra.unwrap();
    rb.unwrap();
    another_worker(w).tick().await.unwrap();
}

/// A monthly email as received: (subject, text, attachments as (file name, bytes)).
type Received = (String, String, Vec<(String, Vec<u8>)>);

/// The monthly emails `to` received.
fn monthly_to(w: &World, to: &str) -> Vec<Received> {
    w.smtp
        .raw()
        .iter()
        .filter_map(|raw| {
            let (headers, parts) = parts(raw);
            let h = |n: &str| {
                headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            if !h("To").contains(to) {
                return None;
            }
            let subject = words(&h("Subject"));
            if !subject.starts_with("Olive — ") {
                return None;
            }
            let text = parts
                .iter()
                .find(|p| p.filename().is_none())
                .map(|p| p.text())
                .unwrap_or_default();
            let files = parts
                .iter()
                .filter_map(|p| Some((p.filename()?, p.content.clone())))
                .collect();
            Some((subject, text, files))
        })
        .collect()
}

async fn a_second_dental_manager_who_opts_out(store: &Store, dental: &str) {
    let view = store
        .add_staff(
            NewStaff {
                name: "Quinn Quiet".into(),
                email: Some(QUIET.into()),
                username: Some("quiet".into()),
                is_admin: false,
                locations: vec![(dental.to_string(), olive_domain::role::Role::Manager)],
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let quinn = Actor::of_staff(&view);
    let set = store
        .set_my_settings(
            &quinn,
            MySettings {
                monthly_report: false,
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    assert!(!set.monthly_report);
    assert!(!store.my_settings(&quinn).await.unwrap().monthly_report);
}

async fn once_per_location_and_month(pg: bool) {
    let w = World::new(pg, syd(2026, 10, 31, 9, 0), |_, wc| {
        wc.monthly_reports = true
    })
    .await;
    a_second_dental_manager_who_opts_out(w.store(), &w.fx.dental).await;

    // Sunday 1 November, 07:59: nobody's 08:00 yet.
    ticks(&w, syd(2026, 11, 1, 7, 59)).await;
    assert!(monthly_to(&w, GRILL_MANAGER).is_empty());

    // 08:05: The Grill (open on Sundays) gets October's; Harbour Dental is closed today.
    ticks(&w, syd(2026, 11, 1, 8, 5)).await;
    let grill = monthly_to(&w, GRILL_MANAGER);
    assert_eq!(grill.len(), 1, "{grill:?}");
    assert_eq!(grill[0].0, "Olive — October 2026 at The Grill");
    assert!(
        monthly_to(&w, MANAGER).is_empty(),
        "Dental is closed on Sunday"
    );
    assert!(
        monthly_to(&w, ADMIN).is_empty(),
        "the group waits for every location"
    );

    // Monday the 2nd, before Dental opens its report: still nothing for it.
    ticks(&w, syd(2026, 11, 2, 7, 59)).await;
    assert!(monthly_to(&w, MANAGER).is_empty());

    // 08:05: Dental's manager gets it, once; the one who opted out does not; the admin gets the group's.
    ticks(&w, syd(2026, 11, 2, 8, 5)).await;
    ticks(&w, syd(2026, 11, 2, 8, 30)).await;
    let dental = monthly_to(&w, MANAGER);
    assert_eq!(dental.len(), 1, "exactly one: {dental:?}");
    let (subject, text, files) = &dental[0];
    assert_eq!(subject, "Olive — October 2026 at Harbour Dental");
    assert!(text.starts_with("Hi Dental,"), "{text}");
    assert!(text.contains("- Recovery rate: "), "{text}");
    assert!(
        text.contains(&format!(
            "https://olive.test/insights?location={}&from=2026-10-01&to=2026-10-31",
            w.fx.dental
        )),
        "{text}"
    );
    assert_eq!(files.len(), 1, "one attachment");
    assert_eq!(files[0].0, "olive-2026-10-harbour-dental.pdf");
    assert!(files[0].1.starts_with(b"%PDF-"));
    assert!(monthly_to(&w, QUIET).is_empty(), "opted out");
    let group = monthly_to(&w, ADMIN);
    assert_eq!(group.len(), 1, "{group:?}");
    assert_eq!(group[0].0, "Olive — October 2026 at All locations");
    assert_eq!(group[0].2[0].0, "olive-2026-10-all-locations.pdf");
    assert!(
        group[0]
            .1
            .contains("https://olive.test/insights?from=2026-10-01")
    );
    assert_eq!(monthly_to(&w, GRILL_MANAGER).len(), 1, "still one");

    // Later in November, after more restarts: nothing again. December's first business day: November's.
    ticks(&w, syd(2026, 11, 20, 12, 0)).await;
    assert_eq!(monthly_to(&w, MANAGER).len(), 1);
    ticks(&w, syd(2026, 12, 1, 8, 1)).await;
    let dental = monthly_to(&w, MANAGER);
    assert_eq!(dental.len(), 2);
    assert_eq!(dental[1].0, "Olive — November 2026 at Harbour Dental");
}
both!(once_per_location_and_month);

/// A worker that was down at 08:00 sends the report when it next runs, later in the month.
async fn a_late_worker_still_sends_it(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 3, 15, 0), |_, wc| {
        wc.monthly_reports = true
    })
    .await;
    let report = w.tick_at(syd(2026, 11, 3, 15, 0)).await;
    assert_eq!(
        report.monthly_reports, 3,
        "Dental, The Grill and the group: {report:?}"
    );
    assert_eq!(monthly_to(&w, MANAGER).len(), 1);
    assert_eq!(monthly_to(&w, GRILL_MANAGER).len(), 1);
    assert_eq!(monthly_to(&w, ADMIN).len(), 1);
    let again = w.tick_at(syd(2026, 11, 3, 15, 2)).await;
    assert_eq!(again.monthly_reports, 0);
}
both!(a_late_worker_still_sends_it);
