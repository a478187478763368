//! Closing the loop, end to end with a hand-moved clock and a real SMTP server, on SQLite and on
//! PostgreSQL: reminders, overdue notices, escalation in business hours, and digests after downtime.

#[macro_use]
mod common;

use common::world::{FRONT, MANAGER, World, syd};
use jiff::Timestamp;
use olive_storage::actions::StepAction;

async fn reminders_overdue_and_escalation_in_business_hours(pg: bool) {
    // Tuesday 09:00 at a practice open Mon–Fri 08:00–17:00.
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            None,
        )
        .await;
    let reference = c.summary.reference.clone();

    // Apologise (due 09:05) is within the 15-minute lead; offering a slot follows it (15 minutes
    // after the apology: 09:20 while the apology is not done), so it is not yet.
    w.tick_at(syd(2026, 11, 24, 9, 0)).await;
    let mails = w.smtp.mails_to(FRONT);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, format!("Due soon: {reference}"));
    assert!(
        mails[0]
            .body
            .contains(&format!("https://olive.test/cases/{reference}"))
    );
    assert!(w.smtp.mails_to(MANAGER).is_empty());

    // Ticking again sends nothing new: each alert is queued once (unique key).
    w.tick_at(syd(2026, 11, 24, 9, 1)).await;
    assert_eq!(w.smtp.mails().len(), 1);

    // 09:06: the apology is overdue and the slot is due soon: one email, two items.
    w.tick_at(syd(2026, 11, 24, 9, 6)).await;
    let mails = w.smtp.mails_to(FRONT);
    assert_eq!(mails.len(), 2, "one digest, not one email per step");
    assert!(
        mails[1].subject.contains("2 recovery steps"),
        "{}",
        mails[1].subject
    );
    assert!(mails[1].body.contains("is not done"), "{}", mails[1].body);
    // A major case: its first overdue step tells the manager (issue 18), once.
    let to_manager = w.smtp.mails_to(MANAGER);
    assert_eq!(to_manager.len(), 1);
    assert_eq!(
        to_manager[0].subject,
        format!("Major case overdue: {reference}")
    );

    // The apology escalates 30 business minutes after it was due: 09:35, not before.
    w.tick_at(syd(2026, 11, 24, 9, 34)).await;
    assert_eq!(w.smtp.mails_to(MANAGER).len(), 1);
    assert!(w.get(&c.summary.id).await.summary.escalated_at.is_none());
    w.tick_at(syd(2026, 11, 24, 9, 35)).await;
    let to_manager = w.smtp.mails_to(MANAGER);
    assert_eq!(to_manager.len(), 2);
    assert_eq!(to_manager[1].subject, format!("Escalated: {reference}"));
    let case = w.get(&c.summary.id).await;
    assert!(case.summary.escalated_at.is_some());
    assert!(
        case.timeline
            .iter()
            .any(|e| e.event == olive_domain::CaseEvent::Escalated)
    );
    let escalated = w
        .store()
        .list_cases(
            w.fx.actor("dental_manager"),
            &olive_storage::cases::CaseFilter {
                escalated: Some(true),
                ..Default::default()
            },
            w.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(escalated.items.len(), 1);

    // "My work" lists what the owner was told.
    let notes = w
        .store()
        .notifications(w.fx.actor("dental_front"), 50)
        .await
        .unwrap();
    for kind in ["reminder", "overdue", "escalation"] {
        assert!(notes.iter().any(|n| n.kind == kind), "{kind} in My work");
    }

    // Finish the morning's steps so only the afternoon's remain.
    let case = w.get(&c.summary.id).await;
    for s in case.steps.iter().filter(|s| s.due_rule.starts_with("PT")) {
        w.store()
            .step_action(
                w.fx.actor("dental_front"),
                &c.summary.id,
                &s.id,
                false,
                StepAction::default(),
                w.clock.now(),
            )
            .await
            .unwrap();
    }
    let before = w.smtp.mails_to(MANAGER).len();
    // Flowers are due at 17:00; two business hours later is Wednesday 10:00 (opening at 08:00).
    w.tick_at(syd(2026, 11, 24, 23, 0)).await;
    w.tick_at(syd(2026, 11, 25, 3, 0)).await;
    w.tick_at(syd(2026, 11, 25, 9, 59)).await;
    assert_eq!(
        w.smtp.mails_to(MANAGER).len(),
        before,
        "nothing escalates while the practice is closed"
    );
    w.tick_at(syd(2026, 11, 25, 10, 0)).await;
    let to_manager = w.smtp.mails_to(MANAGER);
    assert_eq!(to_manager.len(), before + 1);
    assert!(
        to_manager.last().unwrap().body.contains("Flowers"),
        "{}",
        to_manager.last().unwrap().body
    );
}
both!(reminders_overdue_and_escalation_in_business_hours);

async fn downtime_sends_one_digest_per_person(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 26, 9, 0), |_, _| {}).await;
    let mut refs = Vec::new();
    for name in ["Ann One", "Ben Two", "Cat Three"] {
        refs.push(
            w.case("dental_front", "appointment-not-in-book", name, None)
                .await
                .summary
                .reference,
        );
    }
    // The server was off from Thursday 09:00 until Monday noon.
    w.tick_at(syd(2026, 11, 30, 12, 0)).await;
    let front = w.smtp.mails_to(FRONT);
    let manager = w.smtp.mails_to(MANAGER);
    assert_eq!(front.len(), 1, "one digest for the owner, not a storm");
    assert_eq!(manager.len(), 1, "one digest for the manager");
    for r in &refs {
        assert!(front[0].body.contains(r.as_str()), "{r} in the digest");
        assert!(
            manager[0].body.contains(r.as_str()),
            "{r} escalated to the manager"
        );
    }
    // Each step got only its latest alert: escalated steps do not also send a reminder and an overdue notice.
    let notes = w
        .store()
        .notifications(w.fx.actor("dental_front"), 200)
        .await
        .unwrap();
    let case = w.get(&refs[0]).await;
    let per_case = notes
        .iter()
        .filter(|n| n.case_id.as_deref() == Some(case.summary.id.as_str()))
        .count();
    let lead = jiff::SignedDuration::from_mins(15);
    let due_by_now = case
        .steps
        .iter()
        .filter(|s| s.due_at.parse::<Timestamp>().unwrap() - lead <= syd(2026, 11, 30, 12, 0))
        .count();
    assert!(
        due_by_now >= 4 && due_by_now < case.steps.len(),
        "{due_by_now} steps due by Monday noon"
    );
    assert_eq!(per_case, due_by_now, "one alert per step that came due");
    w.tick_at(syd(2026, 11, 30, 12, 5)).await;
    assert_eq!(w.smtp.mails().len(), 2, "nothing is sent twice");
}
both!(downtime_sends_one_digest_per_person);

async fn a_backlog_larger_than_one_transaction_is_still_one_digest(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 26, 9, 0), |_, _| {}).await;
    // Enough cases that their alerts take several of the scheduler's short transactions.
    let cases = olive_storage::scheduler::BACKGROUND_CHUNK as usize / 4 + 5;
    let refs = missing_appointments(&w, cases).await;
    w.tick_at(syd(2026, 11, 30, 12, 0)).await;
    let front = w.smtp.mails_to(FRONT);
    assert_eq!(front.len(), 1, "one digest for the owner");
    let lines = front[0].body.matches("\n- ").count();
    assert!(
        lines > olive_storage::scheduler::BACKGROUND_CHUNK as usize,
        "{lines} lines: more alerts than one transaction runs"
    );
    for r in &refs {
        assert!(
            front[0].body.contains(&format!("/cases/{r}\n")),
            "{r} in the digest"
        );
    }
    assert!(
        front[0]
            .subject
            .contains(&format!("{lines} recovery steps")),
        "{}",
        front[0].subject
    );
    assert_eq!(
        w.smtp.mails_to(MANAGER).len(),
        1,
        "one digest for the manager"
    );
    // No part of a digest is left behind, held or not.
    w.tick_at(syd(2026, 11, 30, 12, 5)).await;
    assert_eq!(w.smtp.mails().len(), 2, "nothing is sent twice");
}
both!(a_backlog_larger_than_one_transaction_is_still_one_digest);

/// `n` missing appointments logged by the front desk now: their references.
async fn missing_appointments(w: &World, n: usize) -> Vec<String> {
    let mut refs = Vec::new();
    for k in 0..n {
        let c = w
            .case(
                "dental_front",
                "appointment-not-in-book",
                &format!("Pat {k}"),
                None,
            )
            .await;
        refs.push(c.summary.reference);
    }
    refs
}

/// Tuesday 09:00, a worker whose passes take `rows` rows per phase, and five missing appointments
/// seen at 09:05 with two steps each within the reminder lead: ten alerts due. Returns the world and the references.
async fn ten_alerts_in_passes_of(pg: bool, rows: u64) -> (World, Vec<String>) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, wc| {
        wc.batch = rows;
        wc.pass = rows;
    })
    .await;
    let refs = missing_appointments(&w, 5).await;
    // 09:05: each case's apology (due now) and its offer of a slot (15 minutes after the apology) are
    // both within the reminder lead.
    w.clock.set(syd(2026, 11, 24, 9, 5));
    (w, refs)
}

async fn alerts_go_out_while_the_scan_still_has_steps_to_take(pg: bool) {
    // A pass takes at most three rows per phase: the scan stops after three steps, and their alerts
    // go out before it takes the rest (cases logged faster than the scan empties cannot hold them back).
    let (w, refs) = ten_alerts_in_passes_of(pg, 3).await;
    let (first, more) = w.worker.pass().await.unwrap();
    assert!(more, "{first:?}");
    assert_eq!((first.steps_scanned, first.jobs_run), (3, 3), "{first:?}");
    let mails = w.smtp.mails_to(FRONT);
    assert_eq!(mails.len(), 1, "the first three alerts went out at once");
    assert!(
        mails[0].subject.contains("3 recovery steps"),
        "{}",
        mails[0].subject
    );
    let rest = w.worker.tick().await.unwrap();
    assert_eq!((rest.steps_scanned, rest.jobs_run), (7, 7), "{rest:?}");
    let mails = w.smtp.mails_to(FRONT);
    let lines: usize = mails.iter().map(|m| m.body.matches("\n- ").count()).sum();
    assert_eq!(lines, 10, "every alert once");
    for r in &refs {
        let n: usize = mails
            .iter()
            .map(|m| m.body.matches(&format!("/cases/{r}\n")).count())
            .sum();
        assert_eq!(n, 2, "{r}: both of its steps");
    }
}
both!(alerts_go_out_while_the_scan_still_has_steps_to_take);

async fn the_worker_stops_between_the_passes_of_a_tick(pg: bool) {
    // One row per pass: ten alerts take ten passes. Shutdown, asked for once the first email is out,
    // ends the tick after that pass instead of waiting for the other nine.
    let (w, _) = ten_alerts_in_passes_of(pg, 1).await;
    let shutdown = std::future::poll_fn(|_| {
        if w.smtp.mails().is_empty() {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    });
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        w.worker.clone().run(shutdown),
    )
    .await
    .expect("the worker stopped");
    let mails = w.smtp.mails_to(FRONT);
    assert_eq!(mails.len(), 1, "one pass, one alert");
    // What was left is still due, and goes out at the next tick, once.
    let rest = w.tick_at(syd(2026, 11, 24, 9, 5)).await;
    assert_eq!(rest.jobs_run, 9, "{rest:?}");
    let lines: usize = w
        .smtp
        .mails_to(FRONT)
        .iter()
        .map(|m| m.body.matches("\n- ").count())
        .sum();
    assert_eq!(lines, 10);
}
both!(the_worker_stops_between_the_passes_of_a_tick);
