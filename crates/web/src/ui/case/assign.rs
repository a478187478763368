//! Whose each step is on the case page: its assignee or its role's queue, "Take it" for those who
//! may, and a manager's choice of who does it.

use olive_domain::case::assignment::{self, Person};
use olive_storage::actor::Actor;
use olive_storage::views::{StaffView, StepView};

/// The "whose is it" line of a step and the controls beside it.
pub struct StepWho {
    /// "Theo Tran", or "Waiting for a dentist to take it"
    pub text: String,
    /// nobody has it and I may take it
    pub can_claim: bool,
    /// a manager's choice of who does it: (staff id, name, chosen now); empty for others
    pub options: Vec<(String, String, bool)>,
    /// the step is mine
    pub mine: bool,
    /// I may tick or skip it (its assignee, a holder of its role here, a manager)
    pub can_do: bool,
}

/// Whose `s` is, for `actor` at `location_id`; `people` is the organisation's staff.
pub fn step_who(
    s: &StepView,
    actor: &Actor,
    location_id: &str,
    people: &[StaffView],
    can_assign: bool,
) -> StepWho {
    let me = Person {
        id: &actor.staff_id,
        role: actor.role_at(location_id),
        is_admin: actor.is_admin,
    };
    let label = s.owner_label.to_lowercase();
    let text = match &s.assignee {
        Some(a) if a.id == actor.staff_id => "You".to_string(),
        Some(a) => a.name.clone(),
        None => format!("Waiting for a {label} to take it"),
    };
    let can_claim =
        s.assignee.is_none() && assignment::may_claim(s.owner_role, None, me, String::new).is_ok();
    let options = if can_assign {
        people
            .iter()
            .filter(|p| p.active)
            .filter_map(|p| {
                let role = p
                    .locations
                    .iter()
                    .find(|l| l.location_id == location_id)
                    .map(|l| l.role)?;
                let them = Person {
                    id: &p.id,
                    role: Some(role),
                    is_admin: p.is_admin,
                };
                assignment::may_receive(s.owner_role, them, &p.name, String::new).ok()?;
                let chosen = s.assignee.as_ref().is_some_and(|a| a.id == p.id);
                Some((p.id.clone(), p.name.clone(), chosen))
            })
            .collect()
    } else {
        Vec::new()
    };
    let assignee = s.assignee.as_ref().map(|a| a.id.as_str());
    StepWho {
        can_do: assignment::may_complete(s.owner_role, assignee, me, String::new).is_ok(),
        mine: s.assignee.as_ref().is_some_and(|a| a.id == actor.staff_id),
        text,
        can_claim,
        options,
    }
}
