//! Who does each step: assignment when a case is logged, claiming from a role's queue, a manager's
//! assignment, and who may complete a step. Assigning or claiming a step is not a hand-off.

use crate::playbook::StepOwner;
use crate::role::Role;

/// Someone at a location, as the assignment rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person<'a> {
    pub id: &'a str,
    /// their role at the case's location (None: they do not work there)
    pub role: Option<Role>,
    /// an organisation administrator (acts everywhere as a manager would)
    pub is_admin: bool,
}

impl Person<'_> {
    /// Whether they hold `role` at the location (an administrator holds `admin` everywhere).
    pub fn holds(&self, role: Role) -> bool {
        self.role == Some(role) || (role == Role::Admin && self.is_admin)
    }

    /// Managers (and administrators) may act on every step at their location.
    pub fn manages(&self) -> bool {
        self.is_admin || matches!(self.role, Some(Role::Manager | Role::Admin))
    }
}

/// The assignee of a new step: the case's provider for a provider step, else the case owner when
/// they hold the step's role; otherwise `None`, the role's queue at the location.
pub fn assign_at_logging<'a>(
    owner: StepOwner,
    case_owner: Person<'a>,
    provider: Option<&'a str>,
) -> Option<&'a str> {
    if owner == StepOwner::Provider
        && let Some(p) = provider
    {
        return Some(p);
    }
    case_owner.holds(owner.role()).then_some(case_owner.id)
}

/// Why someone may not act on a step, in words that name who the step is for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepRefusal {
    /// the step is for someone else (`for_whom`: "the dentist", "Dr Theo Tran")
    #[error("this step is for {for_whom}: they, or a manager, can do it")]
    NotYours { for_whom: String },
    /// claiming needs the role (or a manager)
    #[error("only {for_whom} or a manager can take this step")]
    NotYourRole { for_whom: String },
    /// the step is already someone's
    #[error("{name} has already taken this step")]
    Taken { name: String },
    /// the person a manager assigns must do the step's kind of work at the location
    #[error("{name} is not {for_whom} at this location")]
    CannotDo { name: String, for_whom: String },
}

/// Who may complete or skip a step: its assignee, a holder of its role at the location, or a manager.
/// `for_whom` is how the refusal names who the step is for.
pub fn may_complete(
    role: Role,
    assignee: Option<&str>,
    actor: Person<'_>,
    for_whom: impl FnOnce() -> String,
) -> Result<(), StepRefusal> {
    if assignee == Some(actor.id) || actor.holds(role) || actor.manages() {
        Ok(())
    } else {
        Err(StepRefusal::NotYours {
            for_whom: for_whom(),
        })
    }
}

/// Taking a step from the queue: a holder of its role (or a manager), while nobody else has it.
/// Taking a step already one's own is allowed (a second tap changes nothing).
pub fn may_claim(
    role: Role,
    assignee: Option<(&str, &str)>,
    actor: Person<'_>,
    role_label: impl FnOnce() -> String,
) -> Result<(), StepRefusal> {
    if !(actor.holds(role) || actor.manages()) {
        return Err(StepRefusal::NotYourRole {
            for_whom: role_label(),
        });
    }
    match assignee {
        Some((id, name)) if id != actor.id => Err(StepRefusal::Taken { name: name.into() }),
        _ => Ok(()),
    }
}

/// Whom a manager may give a step to: someone at the location who holds its role, or a manager there.
pub fn may_receive(
    role: Role,
    person: Person<'_>,
    name: &str,
    role_label: impl FnOnce() -> String,
) -> Result<(), StepRefusal> {
    if person.holds(role) || person.manages() {
        Ok(())
    } else {
        Err(StepRefusal::CannotDo {
            name: name.into(),
            for_whom: role_label(),
        })
    }
}

/// "the dentist" from "Dentist": how a refusal names a role.
pub fn the(label: &str) -> String {
    format!("the {}", label.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    fn at(id: &str, role: Role) -> Person<'_> {
        Person {
            id,
            role: Some(role),
            is_admin: false,
        }
    }

    #[test]
    fn a_new_step_goes_to_the_provider_the_owner_or_the_queue() {
        let fiona = at("fiona", FrontDesk);
        let theo = at("theo", TeamMember);
        // The receptionist logs: her steps are hers, the dentist's go to the case's dentist.
        assert_eq!(
            assign_at_logging(FrontDesk.into(), fiona, Some("theo")),
            Some("fiona")
        );
        assert_eq!(
            assign_at_logging(StepOwner::Provider, fiona, Some("theo")),
            Some("theo")
        );
        // No dentist named: the dentists' queue, unless the owner is one.
        assert_eq!(assign_at_logging(StepOwner::Provider, fiona, None), None);
        assert_eq!(
            assign_at_logging(StepOwner::Provider, theo, None),
            Some("theo")
        );
        // A manager's step logged by the receptionist waits in the managers' queue.
        assert_eq!(assign_at_logging(Manager.into(), fiona, Some("theo")), None);
        // A team-member step (not the provider's) is the owner's only when they are a team member.
        assert_eq!(
            assign_at_logging(TeamMember.into(), fiona, Some("theo")),
            None
        );
        assert_eq!(
            assign_at_logging(TeamMember.into(), theo, None),
            Some("theo")
        );
        // An administrator holds the owner's role everywhere.
        let owner = Person {
            id: "olga",
            role: None,
            is_admin: true,
        };
        assert_eq!(assign_at_logging(Admin.into(), owner, None), Some("olga"));
    }

    #[test]
    fn completing_is_for_the_assignee_the_role_or_a_manager() {
        let label = || the("Dentist");
        let fiona = at("fiona", FrontDesk);
        let theo = at("theo", TeamMember);
        let mia = at("mia", Manager);
        assert_eq!(may_complete(TeamMember, Some("theo"), theo, label), Ok(()));
        assert_eq!(
            may_complete(TeamMember, None, at("tess", TeamMember), label),
            Ok(())
        );
        assert_eq!(may_complete(TeamMember, Some("theo"), mia, label), Ok(()));
        let e = may_complete(TeamMember, Some("theo"), fiona, label).unwrap_err();
        assert_eq!(
            e.to_string(),
            "this step is for the dentist: they, or a manager, can do it"
        );
        // The assignee may finish it even without the role (a manager gave it to them).
        assert_eq!(may_complete(Manager, Some("fiona"), fiona, label), Ok(()));
        // Someone from another location holds no role here.
        let elsewhere = Person {
            id: "sam",
            role: None,
            is_admin: false,
        };
        assert!(may_complete(FrontDesk, None, elsewhere, label).is_err());
    }

    #[test]
    fn claiming_and_assigning_need_the_role() {
        let label = || the("Server");
        let sam = at("sam", TeamMember);
        let hana = at("hana", FrontDesk);
        assert_eq!(may_claim(TeamMember, None, sam, label), Ok(()));
        assert_eq!(
            may_claim(TeamMember, Some(("sam", "Sam")), sam, label),
            Ok(())
        );
        assert_eq!(
            may_claim(TeamMember, Some(("tom", "Tom Reed")), sam, label)
                .unwrap_err()
                .to_string(),
            "Tom Reed has already taken this step"
        );
        assert_eq!(
            may_claim(TeamMember, None, hana, label)
                .unwrap_err()
                .to_string(),
            "only the server or a manager can take this step"
        );
        assert_eq!(
            may_claim(TeamMember, None, at("max", Manager), label),
            Ok(())
        );
        assert_eq!(may_receive(TeamMember, sam, "Sam", label), Ok(()));
        assert_eq!(
            may_receive(TeamMember, at("max", Manager), "Max", label),
            Ok(())
        );
        assert_eq!(
            may_receive(TeamMember, hana, "Hana Li", label)
                .unwrap_err()
                .to_string(),
            "Hana Li is not the server at this location"
        );
        let elsewhere = Person {
            id: "x",
            role: None,
            is_admin: false,
        };
        assert!(may_receive(TeamMember, elsewhere, "X", label).is_err());
    }
}
