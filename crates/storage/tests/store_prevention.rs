//! Storage integration tests: prevention actions (one open action per defect and location collecting
//! its cases, a new one after it is done), managers' changes, and a root cause on every close path
//! (a person closing, the customer's answer), cases from before the upgrade joining actions — each
//! on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use jiff::civil::Time;
use olive_domain::case::{CaseStatus, CloseOutcome, RootCause, VerificationMethod};
use olive_domain::deadline::DayHours;
use olive_domain::followup::Answer;
use olive_domain::prevention::PreventionStatus;
use olive_storage::actions::{CloseCase, Verification};
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::followup::SendFollowUp;
use olive_storage::org::NewLocation;
use olive_storage::prevention::{PreventionFilter, PreventionUpdate, PreventionView};
use olive_storage::views::CaseDetail;
use olive_storage::{Actor, Store};

const DEFECT: &str = "appointment-not-in-book";

async fn actions(store: &Store, who: &Actor) -> Vec<PreventionView> {
    store
        .list_prevention(who, PreventionFilter::default())
        .await
        .expect("list prevention actions")
}

/// The actions for one defect, as `who` sees them.
async fn for_defect(store: &Store, who: &Actor, defect: &str) -> Vec<PreventionView> {
    actions(store, who)
        .await
        .into_iter()
        .filter(|a| a.defect_code == defect)
        .collect()
}

fn refs(a: &PreventionView) -> Vec<String> {
    let mut r: Vec<String> = a.cases.iter().map(|c| c.reference.clone()).collect();
    r.sort();
    r
}

/// Skip every step but the verification, so the case may close.
async fn settle(store: &Store, who: &Actor, c: &CaseDetail, now: jiff::Timestamp) {
    for s in &c.steps {
        if s.kind != olive_domain::playbook::StepKind::Verify {
            store
                .step_action(
                    who,
                    &c.summary.id,
                    &s.id,
                    true,
                    skip_because("done elsewhere"),
                    now,
                )
                .await
                .expect("skip a step");
        }
    }
}

both!(one_action_per_defect_and_location);
async fn one_action_per_defect_and_location(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let now = tuesday_10am();
    // A second dental practice: the same defect there gets an action of its own.
    let north = store
        .create_location(
            NewLocation {
                name: "North Dental".into(),
                playbook: "dental".into(),
                timezone: TZ.into(),
                currency: "AUD".into(),
                hours: std::array::from_fn(|d| {
                    (d < 5).then_some(DayHours {
                        open: Time::constant(8, 0, 0, 0),
                        close: Time::constant(17, 0, 0, 0),
                    })
                }),
                closed: Default::default(),
            },
            setup_time(),
        )
        .await
        .expect("a second practice")
        .id;

    let a = create(&store, fd, report(&org.dental, DEFECT, "Ava Nguyen"), now).await;
    let first = for_defect(&store, mgr, DEFECT).await;
    assert_eq!(first.len(), 1, "the first occurrence opens an action");
    assert_eq!(first[0].status, PreventionStatus::Open);
    assert_eq!(first[0].location_id, org.dental);
    assert!(
        first[0]
            .action
            .starts_with("Write appointment cards only from the booked slot"),
        "the action is the playbook's prevention text: {}",
        first[0].action
    );
    assert!(first[0].owner.is_none() && first[0].due_on.is_none());
    assert_eq!(refs(&first[0]), [a.summary.reference.as_str()]);

    let b = create(
        &store,
        fd,
        report(&org.dental, DEFECT, "Ben Ortiz"),
        plus_min(now, 5),
    )
    .await;
    let other = create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Cleo Park"),
        plus_min(now, 6),
    )
    .await;
    let joined = for_defect(&store, mgr, DEFECT).await;
    assert_eq!(joined.len(), 1, "a second case joins the open action");
    assert_eq!(joined[0].id, first[0].id);
    let mut both = vec![a.summary.reference.clone(), b.summary.reference.clone()];
    both.sort();
    assert_eq!(refs(&joined[0]), both);
    let wait = for_defect(&store, mgr, "long-wait").await;
    assert_eq!(wait.len(), 1, "another defect has its own action");
    assert_eq!(refs(&wait[0]), [other.summary.reference.as_str()]);

    // Another location: its own action, which the first practice's staff do not see.
    let n = create(
        &store,
        &org.admin,
        report(&north, DEFECT, "Dan Wu"),
        plus_min(now, 7),
    )
    .await;
    let everywhere = for_defect(&store, &org.admin, DEFECT).await;
    assert_eq!(everywhere.len(), 2);
    let theirs = everywhere
        .iter()
        .find(|x| x.location_id == north)
        .expect("north's action");
    assert_eq!(refs(theirs), [n.summary.reference.as_str()]);
    assert_eq!(for_defect(&store, mgr, DEFECT).await.len(), 1);
    assert!(
        for_defect(&store, &org.grill_manager, DEFECT)
            .await
            .is_empty()
    );
    // An `other` case has no playbook defect, and no action.
    let before = actions(&store, &org.admin).await.len();
    let other_case = NewCase {
        stage: Some("arrival".into()),
        ..report(&org.dental, "other", "Eve Lo")
    };
    create(&store, fd, other_case, plus_min(now, 8)).await;
    assert_eq!(actions(&store, &org.admin).await.len(), before);

    // The front desk reads but does not change; a manager assigns and closes.
    let id = joined[0].id.clone();
    let assign = PreventionUpdate {
        owner_id: Some(mgr.staff_id.clone()),
        due_on: Some("2026-12-04".into()),
        status: Some("in_progress".into()),
        notes: None,
    };
    assert_forbidden(store.update_prevention(fd, &id, assign.clone(), now).await);
    assert_not_found(
        store
            .update_prevention(&org.grill_manager, &id, assign.clone(), now)
            .await,
    );
    let bad = PreventionUpdate {
        owner_id: Some(org.grill_team.staff_id.clone()),
        due_on: Some("4 December".into()),
        status: Some("finished".into()),
        notes: None,
    };
    assert_eq!(
        invalid_fields(store.update_prevention(mgr, &id, bad, now).await),
        ["due_on", "owner_id", "status"]
    );
    let v = store
        .update_prevention(mgr, &id, assign, now)
        .await
        .expect("assign");
    assert_eq!(
        v.owner.as_ref().map(|o| o.name.as_str()),
        Some("Maria Manning")
    );
    assert_eq!(v.due_on.as_deref(), Some("2026-12-04"));
    assert_eq!(v.status, PreventionStatus::InProgress);
    let no_note = PreventionUpdate {
        status: Some("done".into()),
        ..PreventionUpdate::default()
    };
    assert_eq!(
        invalid_fields(store.update_prevention(mgr, &id, no_note, now).await),
        ["notes"]
    );
    let close = PreventionUpdate {
        status: Some("done".into()),
        notes: Some("Cards are printed from the book; SMS confirmation on booking".into()),
        ..PreventionUpdate::default()
    };
    let done = store
        .update_prevention(mgr, &id, close.clone(), plus_min(now, 10))
        .await
        .expect("close the action");
    assert_eq!(done.status, PreventionStatus::Done);
    assert_eq!(
        done.done_by.as_ref().map(|p| p.id.as_str()),
        Some(mgr.staff_id.as_str())
    );
    assert!(done.done_at.is_some());
    assert_eq!(
        conflict_code(store.update_prevention(mgr, &id, close, now).await),
        "prevention_done"
    );

    // After it is done, a new occurrence opens a new action; the done one keeps its cases.
    let c = create(
        &store,
        fd,
        report(&org.dental, DEFECT, "Finn Hale"),
        plus_min(now, 20),
    )
    .await;
    let after = for_defect(&store, mgr, DEFECT).await;
    assert_eq!(after.len(), 2);
    let open: Vec<_> = after.iter().filter(|x| x.status.is_open()).collect();
    assert_eq!(open.len(), 1);
    assert_ne!(open[0].id, id);
    assert_eq!(refs(open[0]), [c.summary.reference.as_str()]);
    assert_eq!(after[0].id, open[0].id, "open actions first");
    let old = after.iter().find(|x| x.id == id).expect("the done action");
    assert_eq!(refs(old), both);
    let only_open = store
        .list_prevention(
            mgr,
            PreventionFilter {
                status: Some("open".into()),
                ..PreventionFilter::default()
            },
        )
        .await
        .unwrap();
    assert!(only_open.iter().all(|x| x.status.is_open()));
    assert_eq!(
        invalid_fields(
            store
                .list_prevention(
                    mgr,
                    PreventionFilter {
                        status: Some("closed".into()),
                        ..PreventionFilter::default()
                    }
                )
                .await
        ),
        ["status"]
    );
}

both!(root_cause_on_every_close_path);
async fn root_cause_on_every_close_path(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let now = tuesday_10am();
    let t = |m| plus_min(now, m);

    // A person closing: the cause given is kept, and a staff close may not leave it unstated.
    let a = create(&store, fd, report(&org.dental, DEFECT, "Ava Nguyen"), now).await;
    settle(&store, fd, &a, t(1)).await;
    let unstated = CloseCase {
        outcome: CloseOutcome::NotRecovered,
        root_cause: RootCause::NotStated,
        prevention_note: None,
    };
    assert_eq!(
        invalid_fields(store.close(fd, &a.summary.id, unstated, t(2)).await),
        ["root_cause"]
    );
    let said = Verification {
        method: VerificationMethod::Phone,
        customer_said: "All sorted, thanks".into(),
        satisfied: true,
    };
    store
        .verify(fd, &a.summary.id, said, t(3))
        .await
        .expect("verify");
    // Closing never waits for the prevention action, which is still open.
    let closed = store
        .close(
            fd,
            &a.summary.id,
            CloseCase {
                outcome: CloseOutcome::Recovered,
                root_cause: RootCause::Scheduling,
                prevention_note: Some("Card written from the phone pad".into()),
            },
            t(4),
        )
        .await
        .expect("close while the action is open");
    assert_eq!(closed.summary.status, CaseStatus::Closed);
    assert_eq!(closed.root_cause, Some(RootCause::Scheduling));

    // The customer's answer closing a case: the same closing rule, and a root cause recorded.
    let with_email = NewCase {
        customer: CustomerInput {
            name: "Ben Ortiz".into(),
            email: Some("ben@example.com".into()),
            ..CustomerInput::default()
        },
        ..report(&org.dental, DEFECT, "Ben Ortiz")
    };
    let b = create(&store, fd, with_email, t(5)).await;
    settle(&store, fd, &b, t(6)).await;
    let (_, link) = store
        .send_followup(fd, &b.summary.id, SendFollowUp { message: None }, t(7))
        .await
        .expect("follow-up");
    let token = link.rsplit('/').next().expect("a token");
    let answer = Answer {
        rating: 5,
        would_return: true,
        comment: "Lovely now".into(),
    };
    store
        .answer_followup(token, answer, false, t(30))
        .await
        .expect("answer");
    let b = store.get_case(mgr, &b.summary.id, t(31)).await.unwrap();
    assert_eq!(b.summary.status, CaseStatus::Closed);
    assert_eq!(b.summary.outcome, Some(CloseOutcome::Recovered));
    assert_eq!(b.root_cause, Some(RootCause::NotStated));
    assert!(
        b.prevention_note
            .as_deref()
            .is_some_and(|n| n.starts_with("Recovered: the customer said so")),
        "{:?}",
        b.prevention_note
    );

    // A good answer while other steps are open records the verification and leaves the case open.
    let with_email = NewCase {
        customer: CustomerInput {
            name: "Cleo Park".into(),
            email: Some("cleo@example.com".into()),
            ..CustomerInput::default()
        },
        ..report(&org.dental, DEFECT, "Cleo Park")
    };
    let c = create(&store, fd, with_email, t(40)).await;
    let (_, link) = store
        .send_followup(fd, &c.summary.id, SendFollowUp { message: None }, t(41))
        .await
        .expect("follow-up");
    let token = link.rsplit('/').next().expect("a token");
    let answer = Answer {
        rating: 5,
        would_return: true,
        comment: String::new(),
    };
    store
        .answer_followup(token, answer, false, t(50))
        .await
        .expect("answer");
    let c = store.get_case(mgr, &c.summary.id, t(51)).await.unwrap();
    assert!(c.summary.status.is_active());
    assert_eq!(c.root_cause, None);

    // The Prevention page's material: every case of the defect, with the causes given at closing.
    let action = actions(&store, mgr)
        .await
        .into_iter()
        .find(|x| x.defect_code == DEFECT)
        .expect("the action");
    assert_eq!(action.cases.len(), 3);
    assert_eq!(action.status, PreventionStatus::Open);
    let mut causes: Vec<(RootCause, i64)> = action
        .root_causes
        .iter()
        .map(|c| (c.root_cause, c.count))
        .collect();
    causes.sort_by_key(|c| c.0.as_str());
    assert_eq!(
        causes,
        [(RootCause::NotStated, 1), (RootCause::Scheduling, 1)]
    );
    let noted = action
        .cases
        .iter()
        .find(|x| x.reference == a.summary.reference)
        .expect("the first case");
    assert_eq!(
        noted.prevention_note.as_deref(),
        Some("Card written from the phone pad")
    );
}

both!(url cases_from_before_prevention_join_an_action);
async fn cases_from_before_prevention_join_an_action(url: String) {
    let store = Store::open(&url).await.expect("open");
    let org = org(&store).await;
    let fd = &org.dental_front;
    let now = tuesday_10am();
    let a = create(&store, fd, report(&org.dental, DEFECT, "Ava Nguyen"), now).await;
    let b = create(&store, fd, report(&org.dental, DEFECT, "Ben Ortiz"), now).await;
    create(
        &store,
        fd,
        report(&org.dental, "long-wait", "Cleo Park"),
        now,
    )
    .await;
    // As if they had been logged before migration 0015: no actions, no links.
    for table in ["prevention_cases", "prevention_actions"] {
        store
            .db()
            .execute(&sea_query::Query::delete().from_table(table).to_owned())
            .await
            .expect("empty the table");
    }
    assert!(actions(&store, &org.admin).await.is_empty());
    store.db().close().await;

    let store = Store::open(&url).await.expect("open again");
    let all = actions(&store, &org.admin).await;
    assert_eq!(all.len(), 2, "one action per defect with cases");
    let act = for_defect(&store, &org.dental_manager, DEFECT).await;
    assert_eq!(act.len(), 1);
    assert_eq!(act[0].status, PreventionStatus::Open);
    assert!(
        act[0].action.starts_with("Write appointment cards"),
        "{}",
        act[0].action
    );
    let mut both = vec![a.summary.reference.clone(), b.summary.reference.clone()];
    both.sort();
    assert_eq!(refs(&act[0]), both);
    store.db().close().await;

    // Once done, opening again changes nothing, and new cases join the action.
    let store = Store::open(&url).await.expect("open a third time");
    assert_eq!(actions(&store, &org.admin).await.len(), 2);
    let c = create(&store, fd, report(&org.dental, DEFECT, "Dan Wu"), now).await;
    let act = for_defect(&store, &org.dental_manager, DEFECT).await;
    assert_eq!(act.len(), 1);
    assert!(refs(&act[0]).contains(&c.summary.reference));
}
