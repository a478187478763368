//! What the store hands out: serialisable views of cases, steps, gestures, staff and locations (the API's JSON shapes).

use olive_domain::case::{
    CaseEvent, CaseStatus, CloseOutcome, RootCause, StepStatus, VerificationMethod,
};
use olive_domain::gesture::GestureStatus;
use olive_domain::playbook::{Severity, StepKind};
use olive_domain::role::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A person, as shown next to a case.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
pub struct Customer {
    /// as recorded; may be empty where the playbook does not require a name
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// the name they asked to be called, used in greetings
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// the phone as it was typed ("0412 345 678"), for pages; never in the API's JSON (`phone` is there)
    #[serde(skip)]
    pub phone_display: Option<String>,
}

impl Customer {
    /// The phone for a person to read: as it was typed, else the stored form.
    pub fn phone_shown(&self) -> Option<&str> {
        self.phone.as_ref()?;
        self.phone_display.as_deref().or(self.phone.as_deref())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DefectRef {
    /// the defect code, or `other`
    pub code: String,
    pub title: String,
}

/// One row of a case list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseSummary {
    pub id: String,
    /// human reference, e.g. `C-1042`
    #[serde(rename = "ref")]
    pub reference: String,
    pub location_id: String,
    pub status: CaseStatus,
    pub outcome: Option<CloseOutcome>,
    pub stage: String,
    pub defect: DefectRef,
    pub severity: Severity,
    pub customer: Customer,
    /// how staff lists name the customer: the name, else the table ("Table 12"), else the
    /// business's word ("Guest")
    pub display_name: String,
    /// the playbook's case fields, by key, as stored (a staff field holds the staff id, a time an
    /// RFC 3339 instant)
    pub fields: BTreeMap<String, String>,
    pub description: String,
    pub reporter: PersonRef,
    pub owner: PersonRef,
    pub handoff_count: i64,
    /// handed off twice or more
    pub hot_potato: bool,
    /// how many times the case was reopened (by a person, or after a customer's poor answer)
    pub reopen_count: i64,
    pub next_due_at: Option<String>,
    pub overdue: bool,
    pub created_at: String,
    /// when the defect was noticed: `created_at` unless the reporter said earlier
    pub noticed_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    /// set when a step stayed overdue past its grace period and the location's managers were told
    pub escalated_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StepView {
    pub id: String,
    pub position: i64,
    pub title: String,
    pub kind: StepKind,
    /// the role expected to do it (a provider's step: `team_member`)
    pub owner_role: Role,
    /// the step is for the case's provider (the dentist who saw the patient, the table's server)
    pub for_provider: bool,
    /// whom the step is for, in the business's words ("Dentist", "Host")
    pub owner_label: String,
    /// whose the step is; null while it waits in its role's queue at the location for someone to take it
    pub assignee: Option<PersonRef>,
    /// the playbook's deadline rule, e.g. `same_day 17:00`
    pub due_rule: String,
    pub due_at: String,
    pub overdue: bool,
    /// the spoken script's template (older playbooks' one `wording`); see `say` for it rendered
    pub wording: String,
    /// what to say to the customer (in person or by phone), rendered for this case
    pub say: Option<ScriptView>,
    /// what reaches the customer in writing (a card, the follow-up email), rendered for this case
    pub write: Option<ScriptView>,
    pub gesture_code: Option<String>,
    /// the gesture recorded for this step (a gesture step is completed by recording it)
    pub gesture_id: Option<String>,
    pub status: StepStatus,
    pub done_by: Option<PersonRef>,
    pub done_at: Option<String>,
    pub skip_reason: Option<String>,
    pub note: Option<String>,
}

/// A step on someone's My work: theirs, or waiting in the queue of one of their roles.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MyStep {
    pub step_id: String,
    pub case_id: String,
    /// the case's reference, `C-1042`
    pub case_ref: String,
    /// the customer as staff lists name them ("Ava Jones", "Table 12")
    pub customer: String,
    /// the location's name
    pub location: String,
    pub title: String,
    /// the role the step is for (a provider's step: `team_member`)
    pub owner_role: Role,
    /// whom the step is for, in the business's words ("Dentist", "Server")
    pub owner_label: String,
    /// null: nobody has taken it yet (`POST /api/v1/cases/{key}/steps/{step_id}/claim` takes it)
    pub assignee: Option<PersonRef>,
    pub due_at: String,
    pub overdue: bool,
    pub severity: Severity,
}

/// A script rendered for one case: the template, the text with this case's names in place, and the
/// blanks a person still fills before it reaches the customer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ScriptView {
    pub template: String,
    pub text: String,
    pub blanks: Vec<String>,
}

/// One of the playbook's case fields on a case, as people read it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseFieldView {
    pub key: String,
    pub label: String,
    #[schema(value_type = String)]
    pub kind: olive_domain::FieldKind,
    pub required: bool,
    /// asked when the case is logged (`logging`) or later on the case page (`later`)
    #[schema(value_type = String)]
    pub asked: olive_domain::playbook::Asked,
    /// as stored (a staff id, an RFC 3339 instant), `null` when not given
    pub value: Option<String>,
    /// as people read it (the staff member's name, the time in the location's time zone)
    pub display: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GestureView {
    pub id: String,
    pub case_id: String,
    pub kind: String,
    pub value_cents: i64,
    pub currency: String,
    pub note: String,
    pub status: GestureStatus,
    pub given_by: PersonRef,
    pub given_at: String,
    pub decided_by: Option<PersonRef>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub sent_at: Option<String>,
    pub delivered_at: Option<String>,
    /// the protocol step it was given for
    pub step_id: Option<String>,
    /// while it waits for a manager: the limit that sent it there and what was left of it
    pub pending_reason: Option<String>,
    /// when a request nobody decided in time was escalated to the other managers and the admins
    pub escalated_at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoffStatus {
    Proposed,
    Accepted,
    Declined,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HandoffView {
    pub id: String,
    pub from: PersonRef,
    pub to: PersonRef,
    pub reason: String,
    pub status: HandoffStatus,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub decline_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VerificationView {
    pub verified_by: PersonRef,
    pub method: VerificationMethod,
    pub customer_said: String,
    pub satisfied: bool,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TimelineEntry {
    pub id: String,
    pub at: String,
    pub actor: Option<PersonRef>,
    pub event: CaseEvent,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// A case with everything on it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub currency: String,
    pub root_cause: Option<RootCause>,
    pub prevention_note: Option<String>,
    pub status_reason: Option<String>,
    /// the playbook's case fields, in its order, given or not
    pub case_fields: Vec<CaseFieldView>,
    /// the business's word for its customers ("patient", "guest")
    pub customer_noun: String,
    pub steps: Vec<StepView>,
    pub gestures: Vec<GestureView>,
    pub handoffs: Vec<HandoffView>,
    pub verifications: Vec<VerificationView>,
    pub timeline: Vec<TimelineEntry>,
    /// follow-ups sent to the customer, newest last
    pub follow_ups: Vec<crate::followup::FollowUpView>,
    /// the customer asked not to be contacted again
    pub customer_opted_out: bool,
    /// what the caller may still give on this case without approval (`null` = unlimited)
    pub my_remaining_authority_cents: Option<i64>,
    /// the same, with the limit that binds (per case or per day) and its full amount
    pub my_authority: AuthorityView,
}

/// What the caller may still give without asking, and which of their limits leaves the least room.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AuthorityView {
    /// `null` = unlimited
    pub left_cents: Option<i64>,
    /// the limit that binds: `per_case` or `per_day` (`null` = unlimited)
    #[schema(value_type = Option<String>)]
    pub limit: Option<olive_domain::authority::LimitKind>,
    pub limit_cents: Option<i64>,
}

impl From<olive_domain::authority::Room> for AuthorityView {
    fn from(r: olive_domain::authority::Room) -> Self {
        AuthorityView {
            left_cents: r.left.map(|c| c.0),
            limit: r.binding.map(|b| b.0),
            limit_cents: r.binding.map(|b| b.1.0),
        }
    }
}

/// An amount in one currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct CurrencyTotal {
    pub currency: String,
    pub cents: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LocationRole {
    pub location_id: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffView {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub is_admin: bool,
    pub active: bool,
    pub locations: Vec<LocationRole>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoursView {
    /// e.g. `mon`
    pub day: String,
    /// `HH:MM`
    pub open: String,
    pub close: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LocationView {
    pub id: String,
    pub name: String,
    pub playbook: String,
    pub timezone: String,
    pub currency: String,
    /// open weekdays only
    pub hours: Vec<HoursView>,
    /// `YYYY-MM-DD`
    pub closed_dates: Vec<String>,
    /// a gesture request still undecided after this many minutes of opening hours is escalated to
    /// the other managers and the admins (default 10)
    pub approval_escalation_minutes: i64,
    /// the location's phone number as its customers read it (email footers); `null`: not given
    #[schema(example = "02 9555 0142")]
    pub phone: Option<String>,
    /// the location's email: replies to the emails its customers get go there (`Reply-To`)
    #[schema(example = "hello@harbourdental.example")]
    pub email: Option<String>,
    /// the postal address, lines separated by `\n` (email footers)
    pub address: Option<String>,
    /// what the location means to spend on gestures in a month (`PUT /api/v1/locations/{id}/budget`),
    /// in its currency; `null`: no budget
    pub monthly_budget: Option<CurrencyTotal>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LimitView {
    pub role: Role,
    /// `null` = unlimited
    pub per_case_cents: Option<i64>,
    pub per_day_cents: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CountBy {
    pub key: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stats {
    pub total_cases: i64,
    pub open_cases: i64,
    pub overdue_cases: i64,
    pub by_stage: Vec<CountBy>,
    pub by_defect: Vec<CountBy>,
    pub handoffs: i64,
    /// accepted hand-offs each person passed on (key = staff id), most first
    pub handoffs_by_person: Vec<CountBy>,
    pub hot_potato_cases: i64,
    /// what was given (approved, sent or delivered), one total per currency, never added across currencies
    pub gestures_given: Vec<CurrencyTotal>,
    pub gestures_pending: i64,
    pub closed_cases: i64,
    pub recovered_cases: i64,
    /// recovered / closed, 0..1 (`null` when nothing is closed)
    pub recovered_rate: Option<f64>,
    /// median minutes from report to the first step done or skipped
    pub median_minutes_to_first_action: Option<f64>,
}
