//! Storage integration tests: each step reaches its person — assignment at logging for each kind of
//! owner, claiming and assigning (and their refusals), who may complete a step, steps returned when
//! someone leaves, steps following the case's owner and provider, My work's steps, and alerts to the
//! assignee or, while unclaimed, to everyone holding the role — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use jiff::Timestamp;
use olive_domain::case::CaseEvent;
use olive_domain::role::Role;
use olive_storage::actions::{NewHandoff, StepAction};
use olive_storage::cases::{CaseEdit, NewCase};
use olive_storage::views::{CaseDetail, StepView};
use olive_storage::{Actor, Store, StoreError};

/// "Pain during treatment": two dentist steps, a receptionist's gesture, a dentist's call, a
/// dentist's note, and the practice manager's check.
const PAIN: &str = "pain-during-treatment";

/// Dana Diaz, a second dentist at the practice.
async fn second_dentist(store: &Store, org: &Org) -> Actor {
    person(
        store,
        "Dana Diaz",
        "dana@dental.test",
        false,
        vec![(org.dental.clone(), Role::TeamMember)],
    )
    .await
}

fn with_provider(mut input: NewCase, provider: &Actor) -> NewCase {
    input
        .fields
        .insert("provider".into(), provider.staff_id.clone().into());
    input
}

fn step<'a>(c: &'a CaseDetail, title_part: &str) -> &'a StepView {
    c.steps
        .iter()
        .find(|s| s.title.contains(title_part))
        .unwrap_or_else(|| panic!("no step '{title_part}'"))
}

fn assignee(s: &StepView) -> Option<&str> {
    s.assignee.as_ref().map(|a| a.id.as_str())
}

fn done() -> StepAction {
    StepAction {
        reason: None,
        note: None,
    }
}

fn message<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

both!(each_step_is_assigned_when_the_case_is_logged);
async fn each_step_is_assigned_when_the_case_is_logged(store: Store) {
    let org = org(&store).await;
    let (fiona, theo, maria) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let now = tuesday_10am();
    // The receptionist logs, naming the dentist.
    let input = with_provider(report(&org.dental, PAIN, "Ava Nguyen"), theo);
    let c = create(&store, fiona, input, now).await;
    assert_eq!(
        assignee(step(&c, "Stop at once")),
        Some(theo.staff_id.as_str())
    );
    assert!(step(&c, "Stop at once").for_provider);
    assert_eq!(step(&c, "Stop at once").owner_label, "Dentist");
    assert_eq!(
        assignee(step(&c, "Dentist rings")),
        Some(theo.staff_id.as_str())
    );
    assert_eq!(
        assignee(step(&c, "waive today's fee")),
        Some(fiona.staff_id.as_str())
    );
    assert_eq!(
        assignee(step(&c, "Practice manager checks")),
        None,
        "the managers' queue"
    );
    assert_eq!(
        step(&c, "Practice manager checks").owner_label,
        "Practice manager"
    );
    // Read back the same.
    let back = store.get_case(fiona, &c.summary.id, now).await.unwrap();
    for (a, b) in c.steps.iter().zip(&back.steps) {
        assert_eq!(assignee(a), assignee(b), "{}", a.title);
        assert_eq!(a.owner_label, b.owner_label);
    }
    assert_eq!(
        back.steps[0].assignee.as_ref().map(|p| p.name.as_str()),
        Some("Theo Tran")
    );
    // Each step's words are said by whoever does it: the dentist's call by Theo, whoever reads it;
    // the manager's call by nobody yet while it waits in the managers' queue (a blank for the
    // receptionist, never "it's Fiona, the practice manager"), by the manager when she reads it.
    let said = |c: &CaseDetail, part: &str| step(c, part).say.as_ref().unwrap().text.clone();
    assert!(
        said(&back, "Dentist rings").contains("it's Theo"),
        "{}",
        said(&back, "Dentist rings")
    );
    let manager_call = said(&back, "Practice manager checks");
    assert!(
        manager_call.contains("[your first name]") && !manager_call.contains("Fiona"),
        "{manager_call}"
    );
    assert!(said(&c, "Practice manager checks").contains("[your first name]"));
    let as_maria = store.get_case(maria, &c.summary.id, now).await.unwrap();
    assert!(said(&as_maria, "Practice manager checks").contains("it's Maria"));
    // No dentist named: the dentists' queue.
    let c = create(&store, fiona, report(&org.dental, PAIN, "Ben Ode"), now).await;
    assert_eq!(assignee(step(&c, "Dentist rings")), None);
    // The dentist logs it himself: his own steps, and the receptionist's wait for the front desk.
    let c = create(&store, theo, report(&org.dental, PAIN, "Cy Park"), now).await;
    assert_eq!(
        assignee(step(&c, "Dentist rings")),
        Some(theo.staff_id.as_str())
    );
    assert_eq!(assignee(step(&c, "waive today's fee")), None);
    // The manager logs it: the manager's step is hers.
    let c = create(&store, maria, report(&org.dental, PAIN, "Di Lee"), now).await;
    assert_eq!(
        assignee(step(&c, "Practice manager checks")),
        Some(maria.staff_id.as_str())
    );
    // A restaurant: the table's server gets the server's steps.
    let mut input = report(&org.grill, "meal-not-as-ordered", "");
    input.fields.insert("table".into(), "12".into());
    let input = with_provider_key(input, "server", &org.grill_team);
    let c = create(&store, &org.grill_front, input, now).await;
    let servers: Vec<&StepView> = c.steps.iter().filter(|s| s.for_provider).collect();
    assert!(!servers.is_empty());
    for s in servers {
        assert_eq!(
            assignee(s),
            Some(org.grill_team.staff_id.as_str()),
            "{}",
            s.title
        );
        assert_eq!(s.owner_label, "Server");
    }
}

fn with_provider_key(mut input: NewCase, key: &str, who: &Actor) -> NewCase {
    input.fields.insert(key.into(), who.staff_id.clone().into());
    input
}

both!(claiming_assigning_and_completing);
async fn claiming_assigning_and_completing(store: Store) {
    let org = org(&store).await;
    let (fiona, theo, maria) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let dana = second_dentist(&store, &org).await;
    let now = tuesday_10am();
    let c = create(&store, fiona, report(&org.dental, PAIN, "Ava Nguyen"), now).await;
    let key = c.summary.id.clone();
    let call = step(&c, "Dentist rings").id.clone();

    // Only the step's people may tick it: the receptionist is told whom it is for.
    let refused = store
        .step_action(fiona, &key, &call, false, done(), now)
        .await;
    assert!(
        matches!(refused, Err(StoreError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(
        message(refused),
        "this step is for the dentist: they, or a manager, can do it"
    );
    // Nor take it.
    let refused = store.claim_step(fiona, &key, &call, now).await;
    assert!(matches!(refused, Err(StoreError::Forbidden(_))));
    assert_eq!(
        message(refused),
        "only the dentist or a manager can take this step"
    );
    // Someone at another location does not see the case at all.
    assert!(
        store
            .claim_step(&org.grill_team, &key, &call, now)
            .await
            .is_err()
    );

    // Dana takes it; a second tap changes nothing; Theo finds it taken.
    let c = store.claim_step(&dana, &key, &call, now).await.unwrap();
    assert_eq!(
        assignee(step(&c, "Dentist rings")),
        Some(dana.staff_id.as_str())
    );
    store.claim_step(&dana, &key, &call, now).await.unwrap();
    assert_eq!(
        conflict_code(store.claim_step(theo, &key, &call, now).await),
        "step_taken"
    );
    // Taking a step is not a hand-off.
    let c = store.get_case(maria, &key, now).await.unwrap();
    assert_eq!(c.summary.handoff_count, 0);
    assert_eq!(c.summary.owner.id, fiona.staff_id);
    let taken: Vec<_> = c
        .timeline
        .iter()
        .filter(|e| e.event == CaseEvent::StepAssigned)
        .collect();
    assert_eq!(taken.len(), 1, "one record, not one per tap");
    assert_eq!(taken[0].data["how"], "claimed");

    // A manager assigns: not to the receptionist (not a dentist), not to another location's staff.
    assert_forbidden(
        store
            .assign_step(fiona, &key, &call, Some(&theo.staff_id), now)
            .await,
    );
    let r = store
        .assign_step(maria, &key, &call, Some(&fiona.staff_id), now)
        .await;
    assert_eq!(invalid_fields_of(&r), ["staff_id"]);
    assert_eq!(
        message(r),
        "Fiona Frost is not the dentist at this location"
    );
    let r = store
        .assign_step(maria, &key, &call, Some(&org.grill_team.staff_id), now)
        .await;
    assert_eq!(invalid_fields(r), ["staff_id"]);
    let c = store
        .assign_step(maria, &key, &call, Some(&theo.staff_id), now)
        .await
        .unwrap();
    assert_eq!(
        assignee(step(&c, "Dentist rings")),
        Some(theo.staff_id.as_str())
    );
    // Back to the queue, and to Theo again.
    let c = store
        .assign_step(maria, &key, &call, None, now)
        .await
        .unwrap();
    assert_eq!(assignee(step(&c, "Dentist rings")), None);
    store
        .assign_step(maria, &key, &call, Some(&theo.staff_id), now)
        .await
        .unwrap();

    // Any dentist at the practice, or a manager, may tick a dentist's step; the assignee of course.
    let c = store
        .step_action(theo, &key, &call, false, done(), now)
        .await
        .unwrap();
    let s = step(&c, "Dentist rings");
    assert_eq!(
        s.done_by.as_ref().map(|p| p.id.as_str()),
        Some(theo.staff_id.as_str())
    );
    let stop = step(&c, "Stop at once").id.clone();
    store
        .step_action(&dana, &key, &stop, false, done(), now)
        .await
        .unwrap();
    let check = step(&c, "Practice manager checks").id.clone();
    assert_forbidden(
        store
            .step_action(theo, &key, &check, false, done(), now)
            .await,
    );
    // Skipping asks the same.
    assert_forbidden(
        store
            .step_action(
                fiona,
                &key,
                &step(&c, "Record what worked").id,
                true,
                skip_because("no"),
                now,
            )
            .await,
    );
    // A finished step can be neither taken nor assigned.
    assert_eq!(
        conflict_code(store.claim_step(&dana, &key, &call, now).await),
        "invalid_transition"
    );
    let c = store.get_case(maria, &key, now).await.unwrap();
    assert_eq!(c.summary.handoff_count, 0, "no hand-off in all of this");
}

fn invalid_fields_of<T>(r: &Result<T, StoreError>) -> Vec<String> {
    match r {
        Err(StoreError::Validation { fields, .. }) => fields.keys().cloned().collect(),
        _ => panic!("expected a validation error"),
    }
}

both!(steps_follow_people);
async fn steps_follow_people(store: Store) {
    let org = org(&store).await;
    let (fiona, theo, maria) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let dana = second_dentist(&store, &org).await;
    let now = tuesday_10am();
    let input = with_provider(report(&org.dental, PAIN, "Ava Nguyen"), theo);
    let c = create(&store, fiona, input, now).await;
    let key = c.summary.id.clone();

    // Another dentist is named: the dentist's open steps move with the name.
    let mut fields = std::collections::BTreeMap::new();
    fields.insert("provider".to_string(), dana.staff_id.clone().into());
    let edit = CaseEdit {
        description: None,
        customer: None,
        severity: None,
        fields: Some(fields),
    };
    let c = store.edit_case(fiona, &key, edit, now).await.unwrap();
    for s in c.steps.iter().filter(|s| s.for_provider) {
        assert_eq!(assignee(s), Some(dana.staff_id.as_str()), "{}", s.title);
    }
    assert_eq!(
        assignee(step(&c, "waive today's fee")),
        Some(fiona.staff_id.as_str())
    );

    // The case is handed to the manager: the receptionist's step waits for the front desk; the
    // dentist's stay with the dentist. The hand-off is counted, as always.
    store
        .propose_handoff(
            fiona,
            &key,
            NewHandoff {
                to: maria.staff_id.clone(),
                reason: "going home".into(),
            },
            now,
        )
        .await
        .unwrap();
    let offered = store.get_case(maria, &key, now).await.unwrap();
    let h = offered.handoffs.last().unwrap().id.clone();
    let c = store
        .answer_handoff(maria, &key, &h, true, reason(""), now)
        .await
        .unwrap();
    assert_eq!(c.summary.handoff_count, 1);
    assert_eq!(assignee(step(&c, "waive today's fee")), None);
    assert_eq!(
        assignee(step(&c, "Dentist rings")),
        Some(dana.staff_id.as_str())
    );

    // Dana leaves: her open steps return to the dentists' queue, on the record.
    store
        .deactivate_staff(maria, &dana.staff_id, now)
        .await
        .unwrap();
    let c = store.get_case(maria, &key, now).await.unwrap();
    for s in c.steps.iter().filter(|s| s.for_provider) {
        assert_eq!(assignee(s), None, "{}", s.title);
    }
    let returned = c
        .timeline
        .iter()
        .filter(|e| e.event == CaseEvent::StepAssigned && e.data["how"] == "returned")
        .count();
    assert_eq!(returned, c.steps.iter().filter(|s| s.for_provider).count());
    // Theo sees them waiting for him to take.
    let mine = store.my_steps(theo, now).await.unwrap();
    assert!(
        mine.iter()
            .any(|m| m.title.contains("Dentist rings") && m.assignee.is_none())
    );
}

both!(my_work_lists_my_steps_and_my_roles_queue);
async fn my_work_lists_my_steps_and_my_roles_queue(store: Store) {
    let org = org(&store).await;
    let (fiona, theo, maria) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let now = tuesday_10am();
    let named = create(
        &store,
        fiona,
        with_provider(report(&org.dental, PAIN, "Ava Nguyen"), theo),
        now,
    )
    .await;
    let queued = create(&store, fiona, report(&org.dental, PAIN, "Ben Ode"), now).await;
    // A case at the restaurant is nobody's business at the practice.
    create(
        &store,
        &org.grill_front,
        report(&org.grill, "meal-not-as-ordered", "Zed"),
        now,
    )
    .await;

    let theo_steps = store.my_steps(theo, now).await.unwrap();
    // Theo's own (named) and the unnamed case's dentist steps, nothing else.
    let for_dentist = named.steps.iter().filter(|s| s.for_provider).count();
    assert_eq!(theo_steps.len(), for_dentist * 2, "{theo_steps:#?}");
    assert!(theo_steps.iter().all(|s| s.owner_label == "Dentist"));
    assert_eq!(
        theo_steps.iter().filter(|s| s.assignee.is_some()).count(),
        for_dentist
    );
    assert!(theo_steps.iter().all(|s| s.location == "Harbour Dental"));
    // Soonest due first.
    let dues: Vec<Timestamp> = theo_steps.iter().map(|s| ts(&s.due_at)).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]));
    let one = theo_steps
        .iter()
        .find(|s| s.case_id == queued.summary.id)
        .unwrap();
    assert_eq!(one.case_ref, queued.summary.reference);
    assert_eq!(one.customer, "Ben Ode");
    // The receptionist sees her own steps only; the manager, the managers' queue.
    let fiona_steps = store.my_steps(fiona, now).await.unwrap();
    assert!(fiona_steps.iter().all(|s| s.owner_role == Role::FrontDesk));
    assert_eq!(fiona_steps.len(), 2);
    let maria_steps = store.my_steps(maria, now).await.unwrap();
    assert_eq!(maria_steps.len(), 2);
    assert!(maria_steps.iter().all(|s| s.assignee.is_none()));
    // Taken, it leaves the others' lists; done, it leaves everyone's.
    let call = step(&queued, "Dentist rings").id.clone();
    store
        .claim_step(theo, &queued.summary.id, &call, now)
        .await
        .unwrap();
    let after = store.my_steps(theo, now).await.unwrap();
    let s = after.iter().find(|s| s.step_id == call).unwrap();
    assert_eq!(
        s.assignee.as_ref().map(|a| a.name.as_str()),
        Some("Theo Tran")
    );
    store
        .step_action(theo, &queued.summary.id, &call, false, done(), now)
        .await
        .unwrap();
    assert!(
        store
            .my_steps(theo, now)
            .await
            .unwrap()
            .iter()
            .all(|s| s.step_id != call)
    );
}

/// The scheduler as the worker runs it: scan the steps, run the jobs.
async fn tick(store: &Store, now: Timestamp) {
    store.scan_steps(now, 1000).await.expect("scan");
    store.run_jobs(now, 1000).await.expect("run jobs");
}

/// A person's step alerts (reminders, overdue notices, escalations) about a case.
async fn alerts_about(store: &Store, who: &Actor, case_id: &str) -> Vec<String> {
    store
        .notifications(who, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.case_id.as_deref() == Some(case_id))
        .filter(|n| matches!(n.kind.as_str(), "reminder" | "overdue" | "escalation"))
        .map(|n| n.text)
        .collect()
}

both!(alerts_reach_the_assignee_or_the_role);
async fn alerts_reach_the_assignee_or_the_role(store: Store) {
    let org = org(&store).await;
    let (fiona, theo, maria) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let dana = second_dentist(&store, &org).await;
    let now = tuesday_10am();
    let named = create(
        &store,
        fiona,
        with_provider(report(&org.dental, PAIN, "Ava Nguyen"), theo),
        now,
    )
    .await;
    let queued = create(&store, fiona, report(&org.dental, PAIN, "Ben Ode"), now).await;
    // Minutes after logging: the first dentist step (due in 2 minutes) is reminded and overdue.
    tick(&store, plus_min(now, 1)).await;
    tick(&store, plus_min(now, 5)).await;
    // The named case's dentist step: Theo alone, not the receptionist who owns the case, not Dana.
    let theo_named = alerts_about(&store, theo, &named.summary.id).await;
    assert!(
        theo_named.iter().any(|t| t.contains("Stop at once")),
        "{theo_named:?}"
    );
    assert!(
        alerts_about(&store, &dana, &named.summary.id)
            .await
            .iter()
            .all(|t| !t.contains("Stop at once"))
    );
    assert!(
        alerts_about(&store, fiona, &named.summary.id)
            .await
            .iter()
            .all(|t| !t.contains("Stop at once")),
        "the receptionist is not chased for the dentist's step"
    );
    // The unnamed case's dentist step waits in the queue: every dentist hears of it.
    for who in [theo, &dana] {
        let got = alerts_about(&store, who, &queued.summary.id).await;
        assert!(got.iter().any(|t| t.contains("Stop at once")), "{got:?}");
    }
    assert!(
        alerts_about(&store, maria, &queued.summary.id)
            .await
            .iter()
            .all(|t| !t.contains("Stop at once"))
    );
    // Once taken, only the taker is chased.
    let fix = step(&queued, "Top up").id.clone();
    store
        .claim_step(&dana, &queued.summary.id, &fix, now)
        .await
        .unwrap();
    let before_theo = alerts_about(&store, theo, &queued.summary.id).await.len();
    tick(&store, plus_min(now, 14)).await;
    tick(&store, plus_min(now, 20)).await;
    let dana_got = alerts_about(&store, &dana, &queued.summary.id).await;
    assert!(
        dana_got.iter().any(|t| t.contains("Top up")),
        "{dana_got:?}"
    );
    let theo_got = alerts_about(&store, theo, &queued.summary.id).await;
    assert!(
        theo_got[..theo_got.len() - before_theo]
            .iter()
            .all(|t| !t.contains("Top up")),
        "{theo_got:?}"
    );
}
