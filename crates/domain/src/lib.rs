//! Olive's pure domain rules: playbooks, deadlines, case state machine, authority, wording.
//!
//! Nothing here does IO, reads a clock or talks SQL: "now" is always a parameter.

pub mod alerts;
pub mod approval;
pub mod authority;
pub mod case;
pub mod contact;
pub mod deadline;
pub mod events;
pub mod followup;
pub mod gesture;
pub mod ids;
pub mod insights;
pub mod money;
pub mod net;
pub mod permission;
pub mod playbook;
pub mod prevention;
pub mod proxy;
pub mod role;
pub mod script;
pub mod wording;

pub use authority::{AuthorityDecision, AuthorityLimit, AuthorityLimits};
pub use case::{CaseEvent, CaseStatus, CloseOutcome, RootCause, StepStatus, TransitionError};
pub use contact::{Email, Phone};
pub use deadline::{BusinessCalendar, DayHours, DeadlineRule};
pub use gesture::GestureStatus;
pub use ids::{CaseRef, Id};
pub use money::{Cents, Currency};
pub use playbook::{
    CaseField, Defect, FieldKind, FieldValues, Playbook, Severity, Stage, StepKind, StepTemplate,
};
pub use role::Role;
pub use script::{Cast, Placeholder, Rendered};
pub use wording::{Finding, WordingChecker, WordingRule};
