//! Storage integration tests for step anchors (deadlines follow the work), on SQLite and PostgreSQL: a
//! step after another is due provisionally at logging and from the other's completion once it is
//! done or skipped (its alert and the case's next due move with it); steps ticked done when logging
//! count from when it was noticed; a `noticed` step counts from then.

#[macro_use]
mod common;

use common::*;
use jiff::Timestamp;
use olive_domain::case::StepStatus;
use olive_storage::Store;
use olive_storage::actions::StepAction;
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::views::CaseDetail;
use sqlx::{Connection, Row};

/// The Grill's playbook, replaced by a protocol of one chain: take it back (on the spot), re-cook it
/// within 20 minutes of that, tell them it is free within 30 minutes of the re-cook, check within 15
/// minutes of that; and a card by the end of the day, counted from the logging.
const CHAIN: &str = r#"
[playbook]
code = "restaurant"
name = "Restaurant"
customer_name_required = false

[[stages]]
code = "food"
name = "Food"

[[defects]]
code = "steak-underdone"
stage = "food"
title = "Steak underdone"
severity = "minor"

  [[defects.steps]]
  title = "Take the steak back"
  kind = "acknowledge"
  owner = "team_member"
  anchor = "noticed"
  due = "PT2M"

  [[defects.steps]]
  title = "Re-cook it"
  kind = "fix"
  owner = "team_member"
  after = 1
  within = "PT20M"

  [[defects.steps]]
  title = "Tell them there is no charge"
  kind = "follow_up"
  owner = "team_member"
  after = 2
  within = "PT30M"

  [[defects.steps]]
  title = "A card"
  kind = "follow_up"
  owner = "team_member"
  anchor = "logged"
  due = "PT3H"

  [[defects.steps]]
  title = "Check at the table"
  kind = "verify"
  owner = "team_member"
  after = 4
  within = "PT15M"
"#;

async fn with_chain(store: &Store) -> Org {
    let org = org(store).await;
    store.import_playbook(CHAIN, setup_time()).await.unwrap();
    org
}

fn steak(org: &Org, noticed: Option<&str>, done: Vec<u32>) -> NewCase {
    NewCase {
        location_id: org.grill.clone(),
        defect: "steak-underdone".into(),
        stage: None,
        customer: CustomerInput::default(),
        description: "steak underdone".into(),
        severity: None,
        fields: Default::default(),
        noticed_at: noticed.map(String::from),
        done_steps: done,
    }
}

fn dues(c: &CaseDetail) -> Vec<Timestamp> {
    c.steps.iter().map(|s| ts(&s.due_at)).collect()
}

fn next_due(c: &CaseDetail) -> Timestamp {
    ts(c.summary.next_due_at.as_deref().unwrap())
}

/// `(due_at, next_alert_at)` of each step, by position, as stored.
async fn stored(url: &str, case_id: &str) -> Vec<(i64, Option<i64>)> {
    let sql = format!(
        "SELECT due_at, next_alert_at FROM case_steps WHERE case_id = '{case_id}' ORDER BY position"
    );
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut c)
            .await;
        rows.unwrap()
            .iter()
            .map(|r| (r.get::<i64, _>(0), r.get::<Option<i64>, _>(1)))
            .collect()
    } else {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut c)
            .await;
        rows.unwrap()
            .iter()
            .map(|r| (r.get::<i64, _>(0), r.get::<Option<i64>, _>(1)))
            .collect()
    }
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

async fn done_moves_the_steps_after_it(url: String) {
    let store = Store::open(&url).await.unwrap();
    let org = with_chain(&store).await;
    let now = tuesday_10am();
    let c = create(&store, &org.grill_team, steak(&org, None, vec![]), now).await;
    // Provisional: each step after another is due from that one's due.
    let at = |m| plus_min(now, m);
    assert_eq!(dues(&c), [at(2), at(22), at(52), at(180), at(195)]);
    assert_eq!(next_due(&c), at(2));
    let before = stored(&url, &c.summary.id).await;
    assert_eq!(before[1], (ms(at(22)), Some(ms(at(22)))));

    // Taken back at 10:05, late: the re-cook is due 20 minutes from then, and the rest of the chain.
    let done = store
        .step_action(
            &org.grill_team,
            &c.summary.id,
            &c.steps[0].id,
            false,
            StepAction::default(),
            at(5),
        )
        .await
        .unwrap();
    assert_eq!(done.steps[0].status, StepStatus::Done);
    assert_eq!(dues(&done), [at(2), at(25), at(55), at(180), at(195)]);
    assert_eq!(next_due(&done), at(25));
    // The reminder looks at the new due instant; the logged step and the verification (after the
    // card) did not move.
    let after = stored(&url, &c.summary.id).await;
    assert_eq!(after[1], (ms(at(25)), Some(ms(at(25)))));
    assert_eq!(after[2], (ms(at(55)), Some(ms(at(55)))));
    assert_eq!(after[3], before[3]);
    assert_eq!(after[4], before[4]);
    // Read back the same.
    let read = store
        .get_case(&org.grill_manager, &c.summary.id, at(5))
        .await
        .unwrap();
    assert_eq!(dues(&read), dues(&done));
    assert_eq!(next_due(&read), at(25));

    // The re-cook is skipped at 10:12: the next step counts from the skip.
    let skipped = store
        .step_action(
            &org.grill_team,
            &c.summary.id,
            &c.steps[1].id,
            true,
            skip_because("the guest changed to the fish"),
            at(12),
        )
        .await
        .unwrap();
    assert_eq!(skipped.steps[1].status, StepStatus::Skipped);
    assert_eq!(ts(&skipped.steps[2].due_at), at(42));
    assert_eq!(next_due(&skipped), at(42));
    let after = stored(&url, &c.summary.id).await;
    assert_eq!(after[2], (ms(at(42)), Some(ms(at(42)))));

    // The card done early (10:20): the verification, which follows it, is due 15 minutes later.
    let card = store
        .step_action(
            &org.grill_team,
            &c.summary.id,
            &c.steps[3].id,
            false,
            StepAction::default(),
            at(20),
        )
        .await
        .unwrap();
    assert_eq!(ts(&card.steps[4].due_at), at(35));
    assert_eq!(next_due(&card), at(35));
}
both!(url done_moves_the_steps_after_it);

async fn an_alerted_step_starts_its_alerts_afresh(url: String) {
    let store = Store::open(&url).await.unwrap();
    let org = with_chain(&store).await;
    // During service (The Grill opens at 11:30), so the scheduler does not wait for the opening.
    let now = local("2026-11-24T19:00");
    let c = create(&store, &org.grill_team, steak(&org, None, vec![]), now).await;
    // The scheduler tells of the first two steps (due within its lead by then) and moves them on.
    store.scan_steps(plus_min(now, 30), 100).await.unwrap();
    let alerted = stored(&url, &c.summary.id).await;
    assert_ne!(alerted[1].1, Some(alerted[1].0), "step 2 was alerted");
    store
        .step_action(
            &org.grill_team,
            &c.summary.id,
            &c.steps[0].id,
            false,
            StepAction::default(),
            plus_min(now, 31),
        )
        .await
        .unwrap();
    let after = stored(&url, &c.summary.id).await;
    // Its due moved, and its alerts start again from the new due: no overdue notice at the old one.
    assert_eq!(after[1].0, ms(plus_min(now, 51)));
    assert_eq!(after[1].1, Some(after[1].0));
}
both!(url an_alerted_step_starts_its_alerts_afresh);

async fn steps_done_when_logging_count_from_when_it_was_noticed(store: Store) {
    let org = with_chain(&store).await;
    let now = tuesday_10am();
    // Noticed at 09:40, taken back there and then; logged at 10:00.
    let c = create(
        &store,
        &org.grill_team,
        steak(&org, Some("2026-11-24T09:40"), vec![1]),
        now,
    )
    .await;
    let noticed = local("2026-11-24T09:40");
    assert_eq!(c.steps[0].status, StepStatus::Done);
    assert_eq!(ts(c.steps[0].done_at.as_deref().unwrap()), noticed);
    // The re-cook is due 20 minutes after it was taken back; the card counts from the logging.
    assert_eq!(ts(&c.steps[1].due_at), plus_min(noticed, 20));
    assert_eq!(ts(&c.steps[2].due_at), plus_min(noticed, 50));
    assert_eq!(ts(&c.steps[3].due_at), plus_min(now, 180));
    assert_eq!(next_due(&c), now);
    let read = store
        .get_case(&org.grill_manager, &c.summary.id, now)
        .await
        .unwrap();
    assert_eq!(dues(&read), dues(&c));
    assert_eq!(next_due(&read), now);
}
both!(steps_done_when_logging_count_from_when_it_was_noticed);

async fn a_noticed_step_counts_from_when_it_was_noticed(store: Store) {
    let org = with_chain(&store).await;
    let now = tuesday_10am();
    let c = create(
        &store,
        &org.grill_team,
        steak(&org, Some("2026-11-24T09:40"), vec![]),
        now,
    )
    .await;
    let noticed = local("2026-11-24T09:40");
    // Taking it back was due two minutes after it was noticed: overdue as it is logged.
    assert_eq!(ts(&c.steps[0].due_at), plus_min(noticed, 2));
    assert!(c.steps[0].overdue);
    assert_eq!(ts(&c.steps[1].due_at), plus_min(noticed, 22));
    // The card counts from the logging, not from when it was noticed.
    assert_eq!(ts(&c.steps[3].due_at), plus_min(now, 180));
    assert_eq!(next_due(&c), plus_min(noticed, 2));
}
both!(a_noticed_step_counts_from_when_it_was_noticed);
