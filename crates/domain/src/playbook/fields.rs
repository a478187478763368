//! What a playbook asks about a case beyond the customer (the dentist, the table, the appointment time), and the business's own words.

use crate::role::Role;
use crate::script::Placeholder;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What kind of value a case field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// free text ("12", "by the window")
    Text,
    /// a time in the location's time zone ("2026-12-05T14:30")
    Time,
    /// a whole number ("4")
    Number,
    /// a staff member of the location (their id)
    Staff,
}

impl FieldKind {
    pub const ALL: [FieldKind; 4] = [
        FieldKind::Text,
        FieldKind::Time,
        FieldKind::Number,
        FieldKind::Staff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Time => "time",
            FieldKind::Number => "number",
            FieldKind::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What a manager reads in the editor.
    pub fn label(self) -> &'static str {
        match self {
            FieldKind::Text => "Words (\"by the window\")",
            FieldKind::Time => "A time",
            FieldKind::Number => "A number",
            FieldKind::Staff => "Someone on the team",
        }
    }
}

impl Asked {
    pub fn as_str(self) -> &'static str {
        match self {
            Asked::Logging => "logging",
            Asked::Later => "later",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Asked::Logging, Asked::Later]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// When a case field is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Asked {
    /// on the form that logs the case
    #[default]
    Logging,
    /// later, on the case page
    Later,
}

/// One thing a playbook asks about a case (`[[case_fields]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CaseField {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub asked: Asked,
    /// the placeholder this field fills (default: its key, when that is a placeholder)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub fills: Option<Placeholder>,
}

impl CaseField {
    /// The placeholder this field's value fills in scripts, if any.
    pub fn placeholder(&self) -> Option<Placeholder> {
        self.fills.or_else(|| Placeholder::parse(&self.key))
    }

    /// A value typed for this field, checked and tidied (`Ok(None)` when left empty). A staff
    /// field's id and a time are checked further by the caller, who knows the staff and the time zone.
    pub fn parse_value(&self, raw: &str) -> Result<Option<String>, String> {
        let v = raw.trim();
        if v.is_empty() {
            return Ok(None);
        }
        match self.kind {
            FieldKind::Text if v.chars().count() > 100 => {
                Err("too long (100 characters at most)".into())
            }
            FieldKind::Number => match v.parse::<u32>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(Some(n.to_string())),
                _ => Err("enter a whole number from 1 to 1000".into()),
            },
            FieldKind::Staff if v.len() > 64 => Err("choose someone from the list".into()),
            _ => Ok(Some(v.to_string())),
        }
    }
}

/// The business's own word for each role ("Dentist" for `team_member` in a practice).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RoleLabels {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_desk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_member: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<String>,
}

impl RoleLabels {
    /// The label of a role: the playbook's word, else Olive's.
    pub fn label(&self, role: Role) -> String {
        self.own(role)
            .map_or_else(|| default_label(role).to_string(), str::to_string)
    }

    /// The playbook's own word for a role, if it has one.
    pub fn own(&self, role: Role) -> Option<&str> {
        self.slot(role).as_deref()
    }

    /// Give a role the playbook's own word (`None`: Olive's).
    pub fn set(&mut self, role: Role, word: Option<String>) {
        *self.slot_mut(role) = word;
    }

    fn slot(&self, role: Role) -> &Option<String> {
        match role {
            Role::FrontDesk => &self.front_desk,
            Role::TeamMember => &self.team_member,
            Role::Manager => &self.manager,
            Role::Admin => &self.admin,
        }
    }

    fn slot_mut(&mut self, role: Role) -> &mut Option<String> {
        match role {
            Role::FrontDesk => &mut self.front_desk,
            Role::TeamMember => &mut self.team_member,
            Role::Manager => &mut self.manager,
            Role::Admin => &mut self.admin,
        }
    }
}

/// Olive's own word for a role, where a playbook has none.
pub fn default_label(role: Role) -> &'static str {
    match role {
        Role::FrontDesk => "Front desk",
        Role::TeamMember => "Team member",
        Role::Manager => "Manager",
        Role::Admin => "Admin",
    }
}

/// Case field values, by key (as stored: a staff field holds the staff id, a time an RFC 3339 instant).
pub type FieldValues = BTreeMap<String, String>;
