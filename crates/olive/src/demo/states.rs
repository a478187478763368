//! Demo cases in every state at any hour: the history is seeded from the clock, so how many of today's
//! cases wait for verification would otherwise depend on the time the demo was created.

use anyhow::Result;
use jiff::Timestamp;
use olive_domain::case::{CaseStatus, StepStatus};
use olive_domain::playbook::StepKind;
use olive_storage::actions::StepAction;
use olive_storage::cases::CaseFilter;
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
    let in_progress = store
        .list_cases(actor, &with(CaseStatus::InProgress.as_str()), now)
        .await?
        .items;
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
