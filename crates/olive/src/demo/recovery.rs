//! How a seeded case ends: the owner rings the customer to verify and closes it with a root cause;
//! some customers were also sent "Did we make it right?" and answer it (a rating from 1 to 5 and
//! whether they would come back), and a poor answer reopens the case until it is put right again.

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};
use olive_domain::case::{CloseOutcome, RootCause, StepStatus, VerificationMethod};
use olive_domain::followup::Answer;
use olive_domain::playbook::{Defect, StepKind};
use olive_storage::actions::{CloseCase, StepAction, Verification};
use olive_storage::{Actor, Store};
use rand::Rng;
use rand::rngs::StdRng;

/// Verify and close the case (its protocol done by `t`), with a follow-up for some customers.
#[allow(clippy::too_many_arguments)]
pub(super) async fn finish(
    store: &Store,
    id: &str,
    owner: &Actor,
    staff: &[Actor],
    defect: &Defect,
    t: Timestamp,
    now: Timestamp,
    rng: &mut StdRng,
) -> Result<()> {
    let mut t = t + SignedDuration::from_hours(rng.random_range(2..30));
    if t > now {
        return Ok(());
    }
    // Some customers get the follow-up email before the verification call; they answer later.
    let link = if rng.random_bool(0.45) {
        let sent = store.send_followup(owner, id, Default::default(), t).await;
        sent.ok().map(|(_, link)| link)
    } else {
        None
    };
    let happy = rng.random_bool(0.86);
    verify_and_close(store, id, owner, defect, happy, t, rng).await?;
    let Some(link) = link.filter(|_| rng.random_bool(0.8)) else {
        return Ok(());
    };
    t += SignedDuration::from_hours(rng.random_range(4..72));
    if t > now {
        return Ok(());
    }
    // Most answers agree with the call; now and then a customer who said it was fine on the phone
    // rates it poorly, and the case is opened again.
    let answer = if happy && rng.random_bool(0.93) {
        Answer {
            rating: if rng.random_bool(0.7) { 5 } else { 4 },
            would_return: true,
            comment: String::new(),
        }
    } else {
        Answer {
            rating: rng.random_range(1..=3),
            would_return: rng.random_bool(0.3),
            comment: "Nobody told me what would change.".into(),
        }
    };
    let token = link.rsplit('/').next().unwrap_or_default();
    store.answer_followup(token, answer, false, t).await?;
    // Reopened: the owner calls back and puts it right (or cannot), and closes it again.
    t += SignedDuration::from_hours(rng.random_range(1..24));
    if t > now {
        return Ok(());
    }
    let detail = store.get_case(owner, id, t).await?;
    if !detail.summary.status.is_active() {
        return Ok(());
    }
    for step in detail
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Pending && s.kind != StepKind::Verify)
    {
        let doer = staff
            .iter()
            .find(|a| a.role_at(&detail.summary.location_id) == Some(step.owner_role))
            .unwrap_or(owner);
        store
            .step_action(doer, id, &step.id, false, StepAction::default(), t)
            .await?;
    }
    let put_right = rng.random_bool(0.6);
    verify_and_close(store, id, owner, defect, put_right, t, rng).await
}

async fn verify_and_close(
    store: &Store,
    id: &str,
    owner: &Actor,
    defect: &Defect,
    happy: bool,
    t: Timestamp,
    rng: &mut StdRng,
) -> Result<()> {
    let said = if happy {
        "Said we went above and beyond and they'll be back."
    } else {
        "Still disappointed; felt it took too long."
    };
    store
        .verify(
            owner,
            id,
            Verification {
                method: VerificationMethod::Phone,
                customer_said: said.into(),
                satisfied: happy,
            },
            t,
        )
        .await?;
    let outcome = if happy {
        CloseOutcome::Recovered
    } else {
        CloseOutcome::NotRecovered
    };
    let close = CloseCase {
        outcome,
        root_cause: root_cause(defect, rng),
        prevention_note: None,
    };
    store.close(owner, id, close, t).await?;
    Ok(())
}

/// Why it happened, as the team records it: at arrival mostly scheduling (appointments made outside
/// the book, double-ups, the wrong day), otherwise any cause.
fn root_cause(defect: &Defect, rng: &mut StdRng) -> RootCause {
    if defect.stage == "arrival" {
        return match rng.random_range(0..10) {
            0..6 => RootCause::Scheduling,
            6..8 => RootCause::Communication,
            _ => RootCause::Process,
        };
    }
    let causes = [
        RootCause::Process,
        RootCause::Communication,
        RootCause::Scheduling,
        RootCause::ProductClinical,
        RootCause::ThirdParty,
    ];
    causes[rng.random_range(0..causes.len())]
}
