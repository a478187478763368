//! The gesture parts of the case page that follow the authority rules: what you may still give and why,
//! the form on a gesture step (a gesture step is completed by recording its gesture), and the address asked
//! for when a gesture that needs one is marked sent.

use crate::ui::money;
use olive_domain::authority::LimitKind;
use olive_domain::case::StepStatus;
use olive_domain::gesture::GestureStatus;
use olive_domain::playbook::{Playbook, StepKind};
use olive_storage::views::{CaseDetail, StepView};

/// The form shown on a pending gesture step.
pub struct StepGesture {
    /// the gesture the protocol suggests (preselected)
    pub code: String,
    /// its typical value as "60.00", or empty where the real value must be typed (a waived fee)
    pub value: String,
    /// a gesture was recorded for the step and waits for a manager: the step is done when approved
    pub waiting: bool,
}

/// The gesture form of a step, if it is a pending gesture step.
pub fn step_gesture(s: &StepView, playbook: &Playbook) -> Option<StepGesture> {
    if s.kind != StepKind::Gesture || s.status != StepStatus::Pending {
        return None;
    }
    let code = s.gesture_code.clone().unwrap_or_default();
    let value = playbook
        .gesture(&code)
        .and_then(|g| g.typical_value_cents)
        .map(|v| v.to_string().replace(',', ""))
        .unwrap_or_default();
    Some(StepGesture {
        code,
        value,
        waiting: s.gesture_id.is_some(),
    })
}

/// "You can give up to …", naming the limit that binds.
pub fn remaining_text(c: &CaseDetail) -> String {
    let a = &c.my_authority;
    match (a.left_cents, a.limit, a.limit_cents) {
        (None, ..) => "You can give any gesture on this case without asking anyone.".to_string(),
        (Some(0), Some(LimitKind::PerDay), Some(full)) => format!(
            "You have used your per-day limit ({}) today; a gesture now goes to a manager for approval.",
            money(full, &c.currency)
        ),
        (Some(0), _, Some(full)) => format!(
            "You have used your per-case limit ({}) on this case; a bigger gesture goes to a manager for approval.",
            money(full, &c.currency)
        ),
        (Some(left), Some(kind), Some(full)) => format!(
            "You can give up to {} on this case without asking anyone: what is left of your {} ({}).",
            money(left, &c.currency),
            kind.describe(),
            money(full, &c.currency)
        ),
        (Some(left), ..) => format!(
            "You can give up to {} on this case without asking anyone.",
            money(left, &c.currency)
        ),
    }
}

/// Whether marking this gesture sent must ask for the delivery address first.
pub fn asks_address(
    c: &CaseDetail,
    kind: &str,
    status: GestureStatus,
    playbook: &Playbook,
) -> bool {
    matches!(status, GestureStatus::Approved | GestureStatus::Sent)
        && c.summary.customer.address.is_none()
        && playbook.gesture(kind).is_some_and(|g| g.needs_address)
}

/// The playbook's gestures for the select: (code, name, "typically 60.00 AUD" or what to type, the
/// typical value as the value box takes it: "60.00", or empty where the real value must be typed).
pub fn kinds(playbook: &Playbook, currency: &str) -> Vec<(String, String, String, String)> {
    playbook
        .gestures
        .iter()
        .map(|g| {
            let (hint, value) = match g.typical_value_cents {
                Some(v) => (
                    format!("typically {}", money(v.0, currency)),
                    v.to_string().replace(',', ""),
                ),
                None => ("enter its real value".to_string(), String::new()),
            };
            (g.code.clone(), g.name.clone(), hint, value)
        })
        .collect()
}
