//! Storage integration tests for logging after the moment: when the defect was noticed, and the steps the
//! server already did at the table, done by them at that instant — on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::{CaseStatus, StepStatus};
use olive_domain::playbook::StepKind;
use olive_storage::Store;
use olive_storage::cases::{CustomerInput, NewCase};

fn table_case(org: &Org, noticed: Option<&str>, done: Vec<u32>) -> NewCase {
    NewCase {
        location_id: org.grill.clone(),
        defect: "meal-not-as-ordered".into(),
        stage: None,
        customer: CustomerInput::default(),
        description: "steak underdone".into(),
        severity: None,
        fields: [("table".to_string(), serde_json::json!("12"))].into(),
        noticed_at: noticed.map(String::from),
        done_steps: done,
    }
}

async fn steps_done_at_the_table(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    // Noticed twenty minutes ago; the server apologised and re-fired it there and then.
    let c = create(
        &store,
        &org.grill_team,
        table_case(&org, Some("2026-11-24T09:40"), vec![1, 2]),
        now,
    )
    .await;
    let noticed = local("2026-11-24T09:40");
    assert_eq!(ts(&c.summary.noticed_at), noticed);
    assert_eq!(ts(&c.summary.created_at), now);
    assert_eq!(c.summary.status, CaseStatus::InProgress);
    for s in &c.steps[..2] {
        assert_eq!(s.status, StepStatus::Done, "{}", s.title);
        assert_eq!(s.done_by.as_ref().unwrap().id, org.grill_team.staff_id);
        assert_eq!(ts(s.done_at.as_deref().unwrap()), noticed);
        assert!(!s.overdue);
    }
    assert!(c.steps[2..].iter().all(|s| s.status == StepStatus::Pending));
    // Read back as stored, and the next deadline is a step still to do.
    let read = store
        .get_case(&org.grill_manager, &c.summary.id, now)
        .await
        .unwrap();
    assert_eq!(read.summary.noticed_at, c.summary.noticed_at);
    assert_eq!(read.steps[1].status, StepStatus::Done);
    let next = ts(read.summary.next_due_at.as_deref().unwrap());
    let first_pending = read
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Pending)
        .map(|s| ts(&s.due_at))
        .min()
        .unwrap();
    assert_eq!(next, first_pending);
    let created = &read.timeline[0].data;
    assert_eq!(created["done_on_the_spot"], serde_json::json!([1, 2]));

    // Without a time, it was noticed as it was logged.
    let plain = create(&store, &org.grill_team, table_case(&org, None, vec![]), now).await;
    assert_eq!(plain.summary.noticed_at, plain.summary.created_at);
    assert_eq!(plain.summary.status, CaseStatus::Open);
}
both!(steps_done_at_the_table);

async fn what_cannot_be_said_when_logging(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let try_case = |input| store.create_case(&org.grill_team, input, None, now);
    // Tomorrow, last month, not a time.
    for when in ["2026-11-25T09:40", "2026-10-24T09:40", "at lunch"] {
        let r = try_case(table_case(&org, Some(when), vec![])).await;
        assert_eq!(invalid_fields(r), vec!["noticed_at"], "{when}");
    }
    // A gesture is recorded with its value; the verification is the guest's to give; step 99 is not there.
    let p = store.playbook("restaurant").await.unwrap();
    let steps = &p.defect("meal-not-as-ordered").unwrap().steps;
    let gesture = steps
        .iter()
        .position(|s| s.kind == StepKind::Gesture)
        .unwrap() as u32
        + 1;
    for done in [vec![gesture], vec![steps.len() as u32], vec![99]] {
        let r = try_case(table_case(&org, None, done.clone())).await;
        assert_eq!(invalid_fields(r), vec!["done_steps"], "{done:?}");
    }
    let page = store
        .list_cases(&org.admin, &Default::default(), now)
        .await
        .unwrap();
    assert!(page.items.is_empty(), "nothing was logged");
}
both!(what_cannot_be_said_when_logging);
