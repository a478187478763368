//! Storage integration tests: a case's severity alerts the location's managers (critical at once,
//! major at its first overdue step, minor never; once per case), and reminders planned while the
//! location is closed wait for its opening — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use jiff::{SignedDuration, Timestamp};
use olive_domain::case::CaseEvent;
use olive_domain::playbook::Severity;
use olive_storage::cases::CaseEdit;
use olive_storage::outbox::{Channel, OutboxMessage};
use olive_storage::{Actor, Store};

/// The emails waiting in the outbox (claimed and marked delivered, so each is seen once).
async fn emails(store: &Store, now: Timestamp) -> Vec<OutboxMessage> {
    let out = store
        .claim_outbox(&[Channel::Email], now, SignedDuration::from_mins(5), 1000)
        .await
        .expect("claim the outbox");
    let ids: Vec<String> = out.iter().map(|m| m.id.clone()).collect();
    store.outbox_delivered(&ids, now).await.expect("delivered");
    out
}

/// How many of a person's notifications are of `kind`.
async fn count(store: &Store, who: &Actor, kind: &str) -> usize {
    let n = store.notifications(who, 200).await.unwrap();
    n.iter().filter(|n| n.kind == kind).count()
}

/// The severity alerts on a case's timeline.
async fn severity_events(store: &Store, who: &Actor, case: &str, now: Timestamp) -> usize {
    let c = store.get_case(who, case, now).await.unwrap();
    events(&c)
        .into_iter()
        .filter(|e| *e == CaseEvent::SeverityAlert)
        .count()
}

/// The scheduler as the worker runs it: scan the steps, run the jobs.
async fn tick(store: &Store, now: Timestamp) {
    store.scan_steps(now, 1000).await.expect("scan");
    store.run_jobs(now, 1000).await.expect("run jobs");
}

/// Tuesday 24 November 2026 at 12:00 in Sydney: The Grill is open (11:30–22:30).
fn grill_noon() -> Timestamp {
    local("2026-11-24T12:00")
}

both!(critical_case_alerts_the_locations_managers_at_once_and_once);
async fn critical_case_alerts_the_locations_managers_at_once_and_once(store: Store) {
    let org = org(&store).await;
    let now = grill_noon();
    let input = report(&org.grill, "allergen-in-served-dish", "Table 4");
    let c = create(&store, &org.grill_team, input, now).await;
    assert_eq!(c.summary.severity, Severity::Critical);
    let id = c.summary.id.clone();
    // At once: The Grill's manager, in My work, on the live alert and by email.
    let gabe = &org.grill_manager;
    assert_eq!(count(&store, gabe, "critical_case").await, 1);
    let live = store.live_case_alerts(gabe, 10).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].case_ref, c.summary.reference);
    assert!(
        live[0].text.contains("Dish served to a diner"),
        "{}",
        live[0].text
    );
    assert!(
        live[0].text.contains("Sam Okafor"),
        "who logged it: {}",
        live[0].text
    );
    let mail = emails(&store, now).await;
    let to: Vec<&str> = mail
        .iter()
        .filter(|m| m.event == "critical_case")
        .map(|m| m.recipient.as_str())
        .collect();
    assert_eq!(to, ["gabe@grill.test"]);
    // Not the other location's manager, not the front desk, not the reporter.
    for other in [&org.dental_manager, &org.grill_front, &org.grill_team] {
        assert_eq!(count(&store, other, "critical_case").await, 0);
        assert!(store.live_case_alerts(other, 10).await.unwrap().is_empty());
    }
    assert_eq!(severity_events(&store, gabe, &id, now).await, 1);
    // Its steps going overdue and escalating tell nobody about the severity again.
    for minutes in [3, 15, 60, 240] {
        tick(&store, plus_min(now, minutes)).await;
    }
    let later = plus_min(now, 240);
    assert_eq!(count(&store, gabe, "critical_case").await, 1);
    assert_eq!(severity_events(&store, gabe, &id, later).await, 1);
    assert!(
        emails(&store, later)
            .await
            .iter()
            .all(|m| m.event != "critical_case")
    );
    // Opening the case clears the live alert (My work keeps the entry).
    store.clear_case_alerts(gabe, &id, later).await.unwrap();
    assert!(store.live_case_alerts(gabe, 10).await.unwrap().is_empty());
    assert_eq!(count(&store, gabe, "critical_case").await, 1);
}

both!(raised_to_critical_alerts_at_once_and_dismissing_clears_it);
async fn raised_to_critical_alerts_at_once_and_dismissing_clears_it(store: Store) {
    let org = org(&store).await;
    let now = grill_noon();
    let input = report(&org.grill, "drinks-slow-or-wrong", "Table 9");
    let c = create(&store, &org.grill_front, input, now).await;
    let gabe = &org.grill_manager;
    assert_eq!(count(&store, gabe, "critical_case").await, 0);
    let edit = CaseEdit {
        severity: Some(Severity::Critical),
        ..CaseEdit::default()
    };
    let t = plus_min(now, 1);
    store
        .edit_case(&org.grill_front, &c.summary.id, edit, t)
        .await
        .unwrap();
    let live = store.live_case_alerts(gabe, 10).await.unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(severity_events(&store, gabe, &c.summary.id, t).await, 1);
    // Someone else cannot dismiss it; the manager can.
    assert!(
        !store
            .dismiss_case_alert(&org.grill_front, &live[0].id, t)
            .await
            .unwrap()
    );
    assert!(
        store
            .dismiss_case_alert(gabe, &live[0].id, t)
            .await
            .unwrap()
    );
    assert!(store.live_case_alerts(gabe, 10).await.unwrap().is_empty());
}

both!(major_case_alerts_managers_at_its_first_overdue_step_once);
async fn major_case_alerts_managers_at_its_first_overdue_step_once(store: Store) {
    let org = org(&store).await;
    let now = grill_noon();
    let input = report(&org.grill, "cold-food", "Table 2");
    let c = create(&store, &org.grill_team, input, now).await;
    assert_eq!(c.summary.severity, Severity::Major);
    let id = c.summary.id.clone();
    let gabe = &org.grill_manager;
    // Logged, and its first step (2 minutes) not yet overdue: nobody is told.
    tick(&store, plus_min(now, 1)).await;
    assert_eq!(count(&store, gabe, "major_overdue").await, 0);
    assert_eq!(severity_events(&store, gabe, &id, now).await, 0);
    emails(&store, plus_min(now, 1)).await;
    // The first step goes overdue: the managers are told.
    let t = plus_min(now, 3);
    tick(&store, t).await;
    assert_eq!(count(&store, gabe, "major_overdue").await, 1);
    assert!(
        emails(&store, t)
            .await
            .iter()
            .any(|m| m.recipient == "gabe@grill.test" && m.body.contains("Major case overdue"))
    );
    // Later steps going overdue, and escalations: still once.
    for minutes in [11, 35, 60, 240] {
        tick(&store, plus_min(now, minutes)).await;
    }
    assert_eq!(count(&store, gabe, "major_overdue").await, 1);
    assert_eq!(
        severity_events(&store, gabe, &id, plus_min(now, 240)).await,
        1
    );
    // Major cases are not on the live alert, and nobody else heard of it.
    assert!(store.live_case_alerts(gabe, 10).await.unwrap().is_empty());
    for other in [&org.dental_manager, &org.grill_front] {
        assert_eq!(count(&store, other, "major_overdue").await, 0);
    }
}

both!(minor_case_alerts_nobody);
async fn minor_case_alerts_nobody(store: Store) {
    let org = org(&store).await;
    let now = grill_noon();
    let input = report(&org.grill, "phone-unanswered", "Ben Ortiz");
    let c = create(&store, &org.grill_front, input, now).await;
    assert_eq!(c.summary.severity, Severity::Minor);
    for minutes in [1, 31, 60, 240, 600] {
        tick(&store, plus_min(now, minutes)).await;
    }
    for who in [&org.grill_manager, &org.dental_manager, &org.admin] {
        assert_eq!(count(&store, who, "critical_case").await, 0);
        assert_eq!(count(&store, who, "major_overdue").await, 0);
    }
    let t = plus_min(now, 600);
    assert_eq!(
        severity_events(&store, &org.grill_manager, &c.summary.id, t).await,
        0
    );
}

both!(reminders_planned_while_closed_wait_for_opening);
async fn reminders_planned_while_closed_wait_for_opening(store: Store) {
    let org = org(&store).await;
    // Harbour Dental opens at 08:00. Logged at 07:50: the 15-minute steps are due at 08:05, so
    // their reminders (planned 07:50) wait for the 08:00 opening.
    let logged = local("2026-11-24T07:50");
    let input = report(&org.dental, "phone-unanswered", "Ava Nguyen");
    create(&store, &org.dental_front, input, logged).await;
    let fiona = &org.dental_front;
    let due_0805 = |n: &[olive_storage::notify::NotificationView]| {
        n.iter()
            .filter(|n| n.kind == "reminder" && n.text.contains("08:05"))
            .count()
    };
    for at in ["07:50", "07:55", "07:59"] {
        tick(&store, local(&format!("2026-11-24T{at}"))).await;
        let n = store.notifications(fiona, 200).await.unwrap();
        assert_eq!(due_0805(&n), 0, "no reminder at {at} while closed");
    }
    tick(&store, local("2026-11-24T08:00")).await;
    let n = store.notifications(fiona, 200).await.unwrap();
    assert!(due_0805(&n) >= 1, "reminded at opening: {n:?}");
    // The step due at 07:52 while closed keeps its overdue notice at its due time.
    assert!(n.iter().any(|n| n.kind == "overdue"), "{n:?}");
}
