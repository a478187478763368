//! The facts a report is computed from, as storage loads them (already narrowed to the caller's
//! locations and the report's filters), and the labels people read.

use crate::case::{CaseStatus, CloseOutcome};
use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use std::collections::HashMap;

/// A case, with its times in the location's own clock where a day or an hour is counted.
#[derive(Debug, Clone)]
pub struct CaseFact {
    pub id: String,
    pub location_id: String,
    pub stage: String,
    /// none: the `other` protocol
    pub defect: Option<String>,
    pub severity: String,
    pub owner_id: String,
    pub status: CaseStatus,
    pub outcome: Option<CloseOutcome>,
    pub noticed: Timestamp,
    /// `noticed` in the location's time zone
    pub noticed_local: DateTime,
    pub first_action: Option<Timestamp>,
    pub next_due: Option<Timestamp>,
    /// the close date in the location's time zone (closed cases)
    pub closed_on: Option<Date>,
    pub handoff_count: i64,
    pub reopened: bool,
    pub root_cause: Option<String>,
}

/// A protocol step that came due in the period.
#[derive(Debug, Clone)]
pub struct StepDue {
    pub due: Timestamp,
    /// when it was done or skipped
    pub settled: Option<Timestamp>,
}

/// A gesture given (approved or within authority), with its day in the location's clock.
#[derive(Debug, Clone)]
pub struct GestureFact {
    pub case_id: String,
    pub location_id: String,
    pub kind: String,
    pub currency: String,
    pub cents: i64,
    pub given_on: Date,
}

/// A gesture that needed a manager's approval, asked in the period.
#[derive(Debug, Clone)]
pub struct Approval {
    pub asked: Timestamp,
    /// `approved`, `declined`, or none while waiting
    pub decided: Option<(bool, Timestamp)>,
}

/// A follow-up answer received in the period.
#[derive(Debug, Clone)]
pub struct Answer {
    pub rating: Option<i64>,
    pub would_return: Option<bool>,
}

/// A hand-off offered on a case noticed in the period.
#[derive(Debug, Clone)]
pub struct Handoff {
    pub case_id: String,
    pub from_id: String,
    /// `pending`, `accepted`, `declined`, `cancelled`
    pub status: String,
    pub reason: String,
}

/// A step someone took from their role's queue in the period.
#[derive(Debug, Clone)]
pub struct Claim {
    pub staff_id: String,
}

/// What people read for each code: stages (in the experience cycle's order), defects, gesture kinds,
/// people and locations.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// (code, title), in the cycle's order (the first location's playbook first)
    pub stages: Vec<(String, String)>,
    pub defects: HashMap<String, String>,
    pub gestures: HashMap<String, String>,
    pub people: HashMap<String, String>,
    pub locations: Vec<LocationLabel>,
}

/// A location as the report names it, with its currency and monthly gesture budget.
#[derive(Debug, Clone)]
pub struct LocationLabel {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub budget_cents: Option<i64>,
}

impl Labels {
    pub fn stage(&self, code: &str) -> String {
        self.stages
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_string(), |(_, t)| t.clone())
    }
    pub fn defect(&self, code: Option<&str>) -> String {
        match code {
            Some(c) => self
                .defects
                .get(c)
                .cloned()
                .unwrap_or_else(|| c.to_string()),
            None => "Other (no protocol)".into(),
        }
    }
    pub fn gesture(&self, code: &str) -> String {
        self.gestures
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.replace('_', " "))
    }
    pub fn person(&self, id: &str) -> String {
        self.people
            .get(id)
            .cloned()
            .unwrap_or_else(|| "Someone no longer here".into())
    }
    pub fn location(&self, id: &str) -> String {
        self.locations
            .iter()
            .find(|l| l.id == id)
            .map_or_else(|| id.to_string(), |l| l.name.clone())
    }
}

/// Everything one report needs.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// cases noticed in the period
    pub noticed: Vec<CaseFact>,
    /// how many cases were noticed in the period before, by stage
    pub previous_by_stage: HashMap<String, i64>,
    /// cases closed (recovered or not) in the period, with the gesture kinds given on each
    pub closed: Vec<(CaseFact, Vec<String>)>,
    /// cases open now
    pub open: Vec<CaseFact>,
    pub steps_due: Vec<StepDue>,
    pub gestures: Vec<GestureFact>,
    pub approvals: Vec<Approval>,
    pub answers: Vec<Answer>,
    pub handoffs: Vec<Handoff>,
    pub claims: Vec<Claim>,
    /// prevention actions at the locations: (open, done)
    pub prevention: (i64, i64),
}
