//! Demo cases in every state at any hour: the history is seeded from the clock, so how many of today's
//! cases wait for verification would otherwise depend on the time the demo was created.

use anyhow::{Context, Result};
use jiff::{SignedDuration, Timestamp};
use olive_domain::case::{CaseStatus, StepStatus};
use olive_domain::playbook::StepKind;
use olive_storage::actions::StepAction;
use olive_storage::cases::{CaseFilter, CustomerInput, NewCase};
use olive_storage::{Actor, Store};

/// Bring the newest cases in progress at `location_id` to `awaiting_verification` until `want` are
/// there: every step but the verification is done (a gesture step is skipped: the customer declined).
pub(super) async fn ensure_awaiting_verification(
    store: &Store,
    actor: &Actor,
    location_id: &str,
    want: usize,
    now: Timestamp,
) -> Result<()> {
    let with = |status: &str| CaseFilter {
        status: Some(status.into()),
        location_id: Some(location_id.into()),
        limit: Some(100),
        ..Default::default()
    };
    let have = store
        .list_cases(actor, &with(CaseStatus::AwaitingVerification.as_str()), now)
        .await?
        .items
        .len();
    let mut in_progress = store
        .list_cases(actor, &with(CaseStatus::InProgress.as_str()), now)
        .await?
        .items;
    // On a weekend morning every seeded case may be finished: log today's own (the protocols hold no
    // manager's process steps, due days later, to keep older cases open).
    for n in 0..want.saturating_sub(have + in_progress.len()) {
        in_progress.push(fresh_case(store, actor, location_id, n, now).await?);
    }
    for case in in_progress.iter().take(want.saturating_sub(have)) {
        let detail = store.get_case(actor, &case.id, now).await?;
        let pending = detail
            .steps
            .iter()
            .filter(|s| s.status == StepStatus::Pending && s.kind != StepKind::Verify);
        for step in pending {
            let (skip, action) = if step.kind == StepKind::Gesture {
                let reason = Some("Customer declined the gesture".to_string());
                (true, StepAction { reason, note: None })
            } else {
                (false, StepAction::default())
            };
            store
                .step_action(actor, &case.id, &step.id, skip, action, now)
                .await?;
        }
    }
    Ok(())
}

/// Keep one case at the location owned by `actor` (the manager) with a step overdue, so the worker's
/// reminders reach their My work whatever the hour (on a weekend morning every seeded case is
/// finished, and the protocols no longer hold manager's steps that stay open for days).
pub(super) async fn ensure_overdue(
    store: &Store,
    actor: &Actor,
    location_id: &str,
    now: Timestamp,
) -> Result<()> {
    let filter = CaseFilter {
        location_id: Some(location_id.into()),
        owner: Some(actor.staff_id.clone()),
        overdue: Some(true),
        limit: Some(1),
        ..Default::default()
    };
    if store
        .list_cases(actor, &filter, now)
        .await?
        .items
        .is_empty()
    {
        fresh_case(
            store,
            actor,
            location_id,
            2,
            now - SignedDuration::from_hours(1),
        )
        .await?;
    }
    Ok(())
}

/// A case logged now at the location (its playbook's first defect), with a customer who has an email.
async fn fresh_case(
    store: &Store,
    actor: &Actor,
    location_id: &str,
    n: usize,
    now: Timestamp,
) -> Result<olive_storage::views::CaseSummary> {
    let location = store.location(location_id).await?;
    let playbook = store.playbook(&location.playbook_code).await?;
    let defect = playbook
        .defects
        .first()
        .context("the demo playbook has defects")?;
    let (first, last) = [("Grace", "Lim"), ("Owen", "Price"), ("Ruby", "Shaw")][n % 3];
    let input = NewCase {
        location_id: location_id.into(),
        defect: defect.code.clone(),
        stage: None,
        customer: CustomerInput {
            name: format!("{first} {last}"),
            phone: Some(format!("0400 555 01{n}")),
            email: Some(format!(
                "{}.{}@example.com",
                first.to_lowercase(),
                last.to_lowercase()
            )),
            address: None,
            preferred_name: None,
        },
        description: format!("{} — noticed this morning.", defect.title),
        severity: None,
        fields: Default::default(),
        noticed_at: None,
        done_steps: Vec::new(),
    };
    let (case, _) = store.create_case(actor, input, None, now).await?;
    Ok(case.summary)
}
