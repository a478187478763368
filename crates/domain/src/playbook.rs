//! Playbooks: the Customer Experience Cycle (stages), its defects and their recovery protocols, parsed from TOML.

use crate::deadline::DeadlineRule;
use crate::money::Cents;
use crate::role::Role;
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybookMeta {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
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

/// One step of a defect's recovery protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepTemplate {
    pub title: String,
    pub kind: StepKind,
    pub owner: Role,
    pub due: DeadlineRule,
    #[serde(default)]
    pub wording: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gesture: Option<String>,
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
    pub stages: Vec<Stage>,
    #[serde(default)]
    pub gestures: Vec<GestureKind>,
    pub defects: Vec<Defect>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wording_rules: Vec<WordingRule>,
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
                line: e.span().map(|s| line_of(text, s.start)),
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

    fn problems(&self, text: &str) -> Vec<PlaybookIssue> {
        let mut issues = Vec::new();
        let mut push = |anchor: Option<&str>, message: String| {
            issues.push(PlaybookIssue {
                line: anchor.and_then(|a| find_line(text, a)),
                message,
            })
        };
        if !valid_code(&self.playbook.code) {
            push(
                None,
                format!(
                    "playbook code '{}' must use lower-case letters, digits and '-'",
                    self.playbook.code
                ),
            );
        }
        if self.playbook.name.trim().is_empty() {
            push(None, "the playbook needs a name".into());
        }
        if self.stages.is_empty() {
            push(
                None,
                "the playbook needs at least one [[stages]] entry".into(),
            );
        }
        let mut seen = HashSet::new();
        for s in &self.stages {
            let anchor = format!("code = \"{}\"", s.code);
            if !valid_code(&s.code) {
                push(
                    Some(&anchor),
                    format!(
                        "stage code '{}' must use lower-case letters, digits and '-'",
                        s.code
                    ),
                );
            }
            if !seen.insert(s.code.as_str()) {
                push(Some(&anchor), format!("stage '{}' is listed twice", s.code));
            }
        }
        let mut gesture_codes = HashSet::new();
        for g in &self.gestures {
            if !gesture_codes.insert(g.code.as_str()) {
                push(
                    Some(&format!("code = \"{}\"", g.code)),
                    format!("gesture '{}' is listed twice", g.code),
                );
            }
            if g.typical_value_cents.is_some_and(|v| v.0 < 0) {
                push(
                    Some(&format!("code = \"{}\"", g.code)),
                    format!("gesture '{}' has a negative typical value", g.code),
                );
            }
        }
        let checker = match self.wording_checker() {
            Ok(c) => Some(c),
            Err(e) => {
                push(None, e);
                None
            }
        };
        let mut defect_codes = HashSet::new();
        for d in &self.defects {
            let anchor = format!("code = \"{}\"", d.code);
            let at = Some(anchor.as_str());
            if !valid_code(&d.code) || d.code == "other" {
                push(
                    at,
                    format!(
                        "defect code '{}' must use lower-case letters, digits and '-' (and not be 'other')",
                        d.code
                    ),
                );
            }
            if !defect_codes.insert(d.code.as_str()) {
                push(at, format!("defect '{}' is listed twice", d.code));
            }
            if self.stage(&d.stage).is_none() {
                push(
                    at,
                    format!(
                        "defect '{}' names stage '{}', which is not in [[stages]]",
                        d.code, d.stage
                    ),
                );
            }
            if d.title.trim().is_empty() {
                push(at, format!("defect '{}' needs a title", d.code));
            }
            if d.steps.is_empty() {
                push(
                    at,
                    format!(
                        "defect '{}' needs at least one step in its protocol",
                        d.code
                    ),
                );
            }
            let verifies = d
                .steps
                .iter()
                .filter(|s| s.kind == StepKind::Verify)
                .count();
            if verifies != 1 || d.steps.last().map(|s| s.kind) != Some(StepKind::Verify) {
                push(
                    at,
                    format!(
                        "defect '{}' must end with exactly one step of kind 'verify'",
                        d.code
                    ),
                );
            }
            for g in d
                .gestures
                .iter()
                .chain(d.steps.iter().filter_map(|s| s.gesture.as_ref()))
            {
                if !gesture_codes.contains(g.as_str()) {
                    push(
                        at,
                        format!(
                            "defect '{}' names gesture '{g}', which is not in [[gestures]]",
                            d.code
                        ),
                    );
                }
            }
            for s in &d.steps {
                if s.title.trim().is_empty() {
                    push(at, format!("a step of defect '{}' needs a title", d.code));
                }
                if let Some(f) = checker
                    .as_ref()
                    .and_then(|c| c.check(&s.wording).into_iter().next())
                {
                    push(
                        at,
                        format!(
                            "the wording of step '{}' of defect '{}' is flagged: \"{}\" — {} Try: {}",
                            s.title, d.code, f.excerpt, f.message, f.suggestion
                        ),
                    );
                }
            }
        }
        for s in &self.stages {
            if !self.defects.iter().any(|d| d.stage == s.code) {
                push(
                    Some(&format!("code = \"{}\"", s.code)),
                    format!("stage '{}' has no defects", s.code),
                );
            }
        }
        issues
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
