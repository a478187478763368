//! Working a seeded demo case as a practice would have: steps done (mostly) on time, gestures
//! approved, the odd hand-off, then verification and closing for cases older than a day.

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};
use olive_domain::case::{CloseOutcome, RootCause, VerificationMethod};
use olive_domain::role::Role;
use olive_storage::actions::{CloseCase, NewGesture, NewHandoff, Reason, StepAction, Verification};
use olive_storage::{Actor, Store};
use rand::Rng;
use rand::rngs::StdRng;

#[allow(clippy::too_many_arguments)]
pub(super) async fn work_case(
    store: &Store,
    case: &olive_storage::views::CaseDetail,
    reporter: &Actor,
    staff: &[Actor],
    age_hours: i64,
    at: Timestamp,
    now: Timestamp,
    rng: &mut StdRng,
    playbook: &olive_domain::playbook::Playbook,
) -> Result<()> {
    let id = case.summary.id.clone();
    let mut t = at;
    let manager = staff
        .iter()
        .find(|a| a.roles.iter().any(|(_, r)| *r == Role::Manager))
        .unwrap_or(reporter);
    let mut owner = reporter;
    // Today's cases stay open with some progress; older ones are worked to the end.
    let steps_to_do = if age_hours < 30 {
        rng.random_range(0..2)
    } else {
        case.steps.len()
    };
    if age_hours > 30 && rng.random_bool(0.12) && owner.staff_id != manager.staff_id {
        t += SignedDuration::from_mins(rng.random_range(3..40));
        store
            .propose_handoff(
                owner,
                &id,
                NewHandoff {
                    to: manager.staff_id.clone(),
                    reason: "Needs a manager's decision on the account".into(),
                },
                t,
            )
            .await?;
        let c = store.get_case(manager, &id, t).await?;
        if let Some(h) = c.handoffs.last() {
            store
                .answer_handoff(manager, &id, &h.id, true, Reason::default(), t)
                .await?;
            owner = manager;
        }
    }
    for step in case.steps.iter().take(steps_to_do) {
        if step.kind == olive_domain::playbook::StepKind::Verify {
            break;
        }
        let doer = doer(step, owner, staff, manager, &case.summary.location_id);
        let due = step.due_at.parse::<Timestamp>().unwrap_or(t);
        t = if rng.random_bool(0.85) {
            (due - SignedDuration::from_mins(rng.random_range(1..20)))
                .max(t + SignedDuration::from_mins(1))
        } else {
            due + SignedDuration::from_mins(rng.random_range(5..180))
        };
        if t > now {
            return Ok(());
        }
        if step.kind == olive_domain::playbook::StepKind::Gesture {
            // A gesture step is completed by recording its gesture (a waived fee at a realistic price).
            if let Some(g) = step.gesture_code.as_ref().and_then(|c| playbook.gesture(c)) {
                let value = g.typical_value_cents.map_or_else(
                    || match playbook.playbook.code.as_str() {
                        "dental" => rng.random_range(180..=260) * 100,
                        _ => rng.random_range(24..=42) * 100,
                    },
                    |v| v.0,
                );
                let (c, gid, _) = store
                    .give_gesture(
                        owner,
                        &id,
                        NewGesture {
                            kind: g.code.clone(),
                            value_cents: value,
                            note: String::new(),
                            step_id: Some(step.id.clone()),
                        },
                        None,
                        t,
                    )
                    .await?;
                if c.gestures.iter().any(|x| {
                    x.id == gid && x.status == olive_domain::gesture::GestureStatus::PendingApproval
                }) && owner.staff_id != manager.staff_id
                {
                    // A manager whose day is full leaves it to an admin: the request stays pending.
                    match store
                        .gesture_action(
                            manager,
                            &id,
                            &gid,
                            olive_domain::gesture::GestureStatus::Approved,
                            Default::default(),
                            t,
                        )
                        .await
                    {
                        Ok(_) | Err(olive_storage::StoreError::Forbidden(_)) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                let now_done = store.get_case(owner, &id, t).await?.steps.iter().any(|s| {
                    s.id == step.id && s.status != olive_domain::case::StepStatus::Pending
                });
                if now_done {
                    continue;
                }
            }
            skip_step(
                store,
                doer,
                &id,
                &step.id,
                "The gesture is waiting for a manager",
                t,
            )
            .await?;
            continue;
        }
        if rng.random_bool(0.06) && step.kind != olive_domain::playbook::StepKind::Acknowledge {
            skip_step(store, doer, &id, &step.id, "Customer declined", t).await?;
        } else {
            store
                .step_action(doer, &id, &step.id, false, StepAction::default(), t)
                .await?;
        }
    }
    if age_hours < 30 || steps_to_do < case.steps.len() {
        return Ok(());
    }
    t += SignedDuration::from_hours(rng.random_range(2..30));
    if t > now {
        return Ok(());
    }
    let happy = rng.random_bool(0.86);
    let said = if happy {
        "Said we went above and beyond and they'll be back."
    } else {
        "Still disappointed; felt it took too long."
    };
    store
        .verify(
            owner,
            &id,
            Verification {
                method: VerificationMethod::Phone,
                customer_said: said.into(),
                satisfied: happy,
            },
            t,
        )
        .await?;
    let causes = [
        RootCause::Process,
        RootCause::Communication,
        RootCause::Scheduling,
        RootCause::ProductClinical,
        RootCause::ThirdParty,
    ];
    let outcome = if happy {
        CloseOutcome::Recovered
    } else {
        CloseOutcome::NotRecovered
    };
    store
        .close(
            owner,
            &id,
            CloseCase {
                outcome,
                root_cause: causes[rng.random_range(0..causes.len())],
                prevention_note: None,
            },
            t,
        )
        .await?;
    Ok(())
}

/// Who does a step in the demo's history: the owner where they hold its role, else its assignee (the
/// dentist named on the case), else someone at the location who holds its role, else the manager.
fn doer<'a>(
    step: &olive_storage::views::StepView,
    owner: &'a Actor,
    staff: &'a [Actor],
    manager: &'a Actor,
    location_id: &str,
) -> &'a Actor {
    let holds = |a: &Actor| a.role_at(location_id) == Some(step.owner_role);
    if holds(owner) {
        return owner;
    }
    let assignee = step.assignee.as_ref().map(|p| p.id.as_str());
    staff
        .iter()
        .find(|a| Some(a.staff_id.as_str()) == assignee)
        .or_else(|| staff.iter().find(|a| holds(a)))
        .unwrap_or(manager)
}

/// Skip a step of the demo's history with a reason.
async fn skip_step(
    store: &Store,
    who: &Actor,
    case: &str,
    step: &str,
    reason: &str,
    t: Timestamp,
) -> Result<()> {
    let why = StepAction {
        reason: Some(reason.into()),
        note: None,
    };
    store.step_action(who, case, step, true, why, t).await?;
    Ok(())
}
