//! Playbooks: the Customer Experience Cycle (stages), its defects and their recovery protocols, parsed from TOML.

use crate::deadline::DeadlineRule;
use crate::money::Cents;
use crate::role::Role;
use crate::script::{self, Placeholder};
use crate::wording::{WordingChecker, WordingRule};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// How bad a defect is for the customer.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Major,
    Critical,
}

impl Severity {
    /// What a person reads for this severity ("Critical"), never the code.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Minor => "Minor",
            Severity::Major => "Major",
            Severity::Critical => "Critical",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Severity::Minor, Severity::Major, Severity::Critical]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What a protocol step is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Acknowledge,
    Fix,
    Gesture,
    FollowUp,
    Verify,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Acknowledge => "acknowledge",
            StepKind::Fix => "fix",
            StepKind::Gesture => "gesture",
            StepKind::FollowUp => "follow_up",
            StepKind::Verify => "verify",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Acknowledge,
            Self::Fix,
            Self::Gesture,
            Self::FollowUp,
            Self::Verify,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

pub mod anchor;
mod check;
mod fields;
mod owner;
pub mod plain;
pub mod protocols;
pub mod settings;
pub mod upgrade;
pub use anchor::Anchor;
pub use fields::{Asked, CaseField, FieldKind, FieldValues, RoleLabels, default_label};
pub use owner::StepOwner;

/// The general written follow-up, for a playbook that does not write its own.
pub const DEFAULT_FOLLOW_UP: &str = "Hi {customer_first_name}, thank you for giving {business} the chance to put things right. We would like to know whether we did.";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybookMeta {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// the business's word for its customers ("patient", "guest")
    #[serde(default = "default_noun")]
    pub customer_noun: String,
    #[serde(default = "default_nouns")]
    pub customer_noun_plural: String,
    /// whether a case needs the customer's name (a restaurant logs a table instead)
    #[serde(default = "yes")]
    pub customer_name_required: bool,
    /// what `{customer_first_name}` becomes when no name is known ("Hi there,")
    #[serde(default = "default_fallback")]
    pub greeting_fallback: String,
    /// the general written follow-up, when a defect's verify step writes none
    #[serde(default = "default_follow_up")]
    pub follow_up_write: String,
    #[serde(default)]
    pub role_labels: RoleLabels,
}

fn default_noun() -> String {
    "customer".into()
}
fn default_nouns() -> String {
    "customers".into()
}
fn yes() -> bool {
    true
}
fn default_fallback() -> String {
    "there".into()
}
fn default_follow_up() -> String {
    DEFAULT_FOLLOW_UP.into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// A gesture the business may give (flowers, a card, no charge) with its typical value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GestureKind {
    pub code: String,
    pub name: String,
    /// What it usually costs, offered as the value; absent where only the real figure will do (a waived
    /// fee is counted at what it would have cost, never as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typical_value_cents: Option<Cents>,
    #[serde(default)]
    pub needs_address: bool,
}

impl GestureKind {
    /// A value given for this kind of gesture: one with no typical value needs its real, non-zero value.
    pub fn check_value(&self, value: Cents) -> Result<(), String> {
        if self.typical_value_cents.is_none() && value <= Cents::ZERO {
            return Err(format!(
                "enter the real value of “{}”: it is counted at what it would have cost",
                self.name
            ));
        }
        Ok(())
    }
}

/// One step of a defect's recovery protocol. In TOML its anchor is `anchor = "noticed" | "logged"` or
/// `after = N`, and `within` is another name for `due` on a step with `after` (`anchor.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "anchor::RawStep", into = "anchor::RawStep")]
pub struct StepTemplate {
    pub title: String,
    pub kind: StepKind,
    /// who the step is for: a role at the location, or the case's provider
    pub owner: StepOwner,
    /// where `due` counts from; `None` when the file gives none: [`anchor::default_anchor`]
    pub anchor: Option<Anchor>,
    pub due: DeadlineRule,
    /// the words said to the customer, in person or by phone
    pub say: String,
    /// the words that reach the customer in writing (a card, a letter, the follow-up email)
    pub write: String,
    /// the one text of playbooks written before `say` and `write` (read as `say`)
    pub wording: String,
    pub gesture: Option<String>,
}

impl StepTemplate {
    /// The spoken words: `say`, or the old `wording`.
    pub fn say(&self) -> &str {
        if self.say.is_empty() {
            &self.wording
        } else {
            &self.say
        }
    }

    /// Every script of the step (for checks).
    pub fn scripts(&self) -> impl Iterator<Item = &str> {
        [
            self.say.as_str(),
            self.write.as_str(),
            self.wording.as_str(),
        ]
        .into_iter()
        .filter(|t| !t.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Defect {
    pub code: String,
    pub stage: String,
    pub title: String,
    pub severity: Severity,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub prevention: String,
    #[serde(default)]
    pub early_detection: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gestures: Vec<String>,
    pub steps: Vec<StepTemplate>,
}

/// A whole playbook, as written in TOML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Playbook {
    pub playbook: PlaybookMeta,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub case_fields: Vec<CaseField>,
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub gestures: Vec<GestureKind>,
    pub defects: Vec<Defect>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wording_rules: Vec<WordingRule>,
    /// defects taken out of use (no new case can choose them), kept so they can be restored
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired_defects: Vec<Defect>,
}

/// One thing wrong with a playbook file, with the line it is on when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybookIssue {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for PlaybookIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Everything wrong with a playbook file (reported all at once, so a manager fixes them in one go).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct PlaybookError {
    pub issues: Vec<PlaybookIssue>,
}

const BUILT_IN: [(&str, &str); 2] = [
    ("dental", include_str!("../playbooks/dental.toml")),
    ("restaurant", include_str!("../playbooks/restaurant.toml")),
];

impl Playbook {
    /// The built-in playbooks' codes.
    pub fn built_in_codes() -> impl Iterator<Item = &'static str> {
        BUILT_IN.iter().map(|(c, _)| *c)
    }

    /// The TOML text of a built-in playbook.
    pub fn built_in_source(code: &str) -> Option<&'static str> {
        BUILT_IN.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
    }

    /// Parse and validate a playbook written in TOML.
    pub fn from_toml(text: &str) -> Result<Playbook, PlaybookError> {
        let playbook: Playbook = toml::from_str(text).map_err(|e| PlaybookError {
            issues: vec![PlaybookIssue {
                line: e
                    .span()
                    .map(|s| anchor::step_error_at(text, s.start, e.message())),
                message: e.message().trim().to_string(),
            }],
        })?;
        let issues = playbook.problems(text);
        if issues.is_empty() {
            Ok(playbook)
        } else {
            Err(PlaybookError { issues })
        }
    }

    /// Serialise back to TOML (for download and export).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    pub fn stage(&self, code: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.code == code)
    }

    pub fn defect(&self, code: &str) -> Option<&Defect> {
        self.defects.iter().find(|d| d.code == code)
    }

    pub fn gesture(&self, code: &str) -> Option<&GestureKind> {
        self.gestures.iter().find(|g| g.code == code)
    }

    /// A case field by key.
    pub fn case_field(&self, key: &str) -> Option<&CaseField> {
        self.case_fields.iter().find(|f| f.key == key)
    }

    /// The case field that fills a placeholder ("server" fills `{provider}` in a restaurant).
    pub fn field_for(&self, p: Placeholder) -> Option<&CaseField> {
        self.case_fields.iter().find(|f| f.placeholder() == Some(p))
    }

    /// The business's word for a role.
    pub fn role_label(&self, role: Role) -> String {
        self.playbook.role_labels.label(role)
    }

    /// Who a step is for, in the business's words: the provider field's label ("Dentist", "Server"),
    /// else the role's.
    pub fn owner_label(&self, owner: StepOwner) -> String {
        match owner {
            StepOwner::Provider => self
                .field_for(Placeholder::Provider)
                .map(|f| f.label.clone())
                .unwrap_or_else(|| self.role_label(Role::TeamMember)),
            StepOwner::Role(r) => self.role_label(r),
        }
    }

    /// How staff lists name a case's customer: the name given, else the table ("Table 12"), else
    /// the business's word ("Guest").
    pub fn display_name(&self, customer_name: &str, fields: &FieldValues) -> String {
        let name = crate::followup::full_name(customer_name, "");
        if !name.is_empty() {
            return name.into_owned();
        }
        if let Some(f) = self.field_for(Placeholder::Table)
            && let Some(t) = fields.get(&f.key).filter(|t| !t.trim().is_empty())
        {
            return format!("{} {}", f.label, t.trim());
        }
        crate::wording::capitalise_first(&self.playbook.customer_noun)
    }

    /// Old tokens in the playbook's scripts, each a warning with its replacement (never a refusal).
    pub fn warnings(&self, text: &str) -> Vec<PlaybookIssue> {
        let mut out = Vec::new();
        for d in &self.defects {
            for s in &d.steps {
                for t in s.scripts().flat_map(script::legacy_tokens) {
                    if out.iter().any(|i: &PlaybookIssue| {
                        i.message.contains(&format!("\"{}\"", t.token))
                            && i.message.contains(&d.code)
                    }) {
                        continue;
                    }
                    out.push(PlaybookIssue {
                        line: find_line(text, &t.token),
                        message: format!(
                            "defect '{}' uses the old token \"{}\": write {} instead",
                            d.code, t.token, t.suggestion
                        ),
                    });
                }
            }
        }
        out
    }

    /// The wording checker for this playbook: built-in rules plus the playbook's own.
    pub fn wording_checker(&self) -> Result<WordingChecker, String> {
        WordingChecker::built_in_with(&self.wording_rules)
    }

    /// Defects whose code, title or keywords match every word typed (for the front desk's search box).
    pub fn search_defects<'a>(&'a self, query: &str) -> Vec<&'a Defect> {
        let words: Vec<String> = query.split_whitespace().map(|w| w.to_lowercase()).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(usize, &Defect)> = self
            .defects
            .iter()
            .filter_map(|d| {
                let hay = format!(
                    "{} {} {}",
                    d.code.replace('-', " "),
                    d.title,
                    d.keywords.join(" ")
                )
                .to_lowercase();
                let all = words.iter().all(|w| hay.contains(w.as_str()));
                let phrase = query.trim().to_lowercase();
                let kw = d.keywords.iter().any(|k| k.to_lowercase() == phrase);
                all.then_some((if kw { 0 } else { 1 }, d))
            })
            .collect();
        hits.sort_by_key(|(rank, _)| *rank);
        hits.into_iter().map(|(_, d)| d).collect()
    }
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
}

fn line_of(text: &str, byte: usize) -> usize {
    text.get(..byte.min(text.len()))
        .map_or(1, |t| t.matches('\n').count() + 1)
}

fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|b| line_of(text, b))
}

#[cfg(test)]
mod tests;
