//! Working a seeded demo case as a practice would have: steps done (mostly) on time, gestures
//! approved, hand-offs as planned, then verification and closing (`recovery`) for cases older than a day.

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};
use olive_domain::playbook::Defect;
use olive_domain::role::Role;
use olive_storage::actions::{NewGesture, NewHandoff, Reason, StepAction};
use olive_storage::{Actor, Store};
use rand::Rng;
use rand::rngs::StdRng;

/// How a seeded case goes, decided when it is logged.
pub(super) struct CasePlan<'a> {
    pub defect: &'a Defect,
    pub handoff: Option<HandoffPlan<'a>>,
    /// the manager adds the defect's most generous gesture once the protocol is done
    pub goodwill: bool,
}

/// A hand-off offered on the case: to whom and why; declined (with the reason), when it is offered
/// again to someone else.
pub(super) struct HandoffPlan<'a> {
    pub to: &'a Actor,
    pub reason: &'static str,
    pub decline: Option<&'static str>,
    pub then_to: Option<&'a Actor>,
}

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
    plan: CasePlan<'_>,
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
    if let Some(h) = plan.handoff.as_ref().filter(|_| age_hours > 30) {
        t += SignedDuration::from_mins(rng.random_range(3..40));
        owner = hand_off(store, &id, owner, h.to, h.reason, h.decline, t).await?;
        if let Some(next) = h.then_to.filter(|_| h.decline.is_some()) {
            t += SignedDuration::from_mins(rng.random_range(2..15));
            owner = hand_off(store, &id, owner, next, h.reason, None, t).await?;
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
    let gift_at = t + SignedDuration::from_mins(20);
    if plan.goodwill && gift_at <= now {
        goodwill(store, &id, manager, plan.defect, playbook, gift_at).await?;
    }
    super::recovery::finish(store, &id, owner, staff, plan.defect, t, now, rng).await
}

/// The manager's own goodwill on top of the protocol: the defect's most generous gesture.
async fn goodwill(
    store: &Store,
    id: &str,
    manager: &Actor,
    defect: &Defect,
    playbook: &olive_domain::playbook::Playbook,
    t: Timestamp,
) -> Result<()> {
    let best = defect
        .gestures
        .iter()
        .filter_map(|c| playbook.gesture(c))
        .filter_map(|g| g.typical_value_cents.map(|v| (v.0, g)))
        .filter(|(v, _)| *v > 0)
        .max_by_key(|(v, _)| *v);
    let Some((value, g)) = best else {
        return Ok(());
    };
    let gift = NewGesture {
        kind: g.code.clone(),
        value_cents: value,
        note: "From the manager, with our apologies".into(),
        step_id: None,
    };
    store.give_gesture(manager, id, gift, None, t).await?;
    Ok(())
}

/// Offer the case to `to`, who accepts it (it becomes theirs) or declines with a reason.
async fn hand_off<'a>(
    store: &Store,
    id: &str,
    owner: &'a Actor,
    to: &'a Actor,
    reason: &str,
    decline: Option<&str>,
    t: Timestamp,
) -> Result<&'a Actor> {
    if to.staff_id == owner.staff_id {
        return Ok(owner);
    }
    let offer = NewHandoff {
        to: to.staff_id.clone(),
        reason: reason.into(),
    };
    let c = store.propose_handoff(owner, id, offer, t).await?;
    let Some(h) = c.handoffs.last() else {
        return Ok(owner);
    };
    let answer_at = t + SignedDuration::from_mins(5);
    let why = Reason {
        reason: decline.unwrap_or_default().into(),
    };
    store
        .answer_handoff(to, id, &h.id, decline.is_none(), why, answer_at)
        .await?;
    Ok(if decline.is_none() { to } else { owner })
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
