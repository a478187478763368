//! Who a protocol step is for: a role at the location, or the case's provider (the dentist who saw
//! the patient, the server at the table), named on the case by a staff case field.

use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A step's `owner` in a playbook: `front_desk`, `team_member`, `manager`, `admin` or `provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepOwner {
    /// anyone holding the role at the location (the case owner, when they hold it)
    Role(Role),
    /// the staff member the case names as its provider; without one, the team members' queue
    Provider,
}

impl StepOwner {
    /// The role a step is for: the provider is a team member.
    pub fn role(self) -> Role {
        match self {
            StepOwner::Role(r) => r,
            StepOwner::Provider => Role::TeamMember,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StepOwner::Role(r) => r.as_str(),
            StepOwner::Provider => "provider",
        }
    }
}

impl From<Role> for StepOwner {
    fn from(r: Role) -> Self {
        StepOwner::Role(r)
    }
}

impl fmt::Display for StepOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StepOwner {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "provider" {
            return Ok(StepOwner::Provider);
        }
        s.parse::<Role>().map(StepOwner::Role).map_err(|_| {
            format!(
                "unknown owner '{s}': expected front_desk, team_member, manager, admin or provider"
            )
        })
    }
}

impl Serialize for StepOwner {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StepOwner {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_read_and_print_as_written() {
        for s in ["front_desk", "team_member", "manager", "admin", "provider"] {
            let o: StepOwner = s.parse().unwrap();
            assert_eq!(o.as_str(), s);
        }
        assert_eq!(StepOwner::Provider.role(), Role::TeamMember);
        assert_eq!(
            "manager".parse::<StepOwner>().unwrap().role(),
            Role::Manager
        );
        let e = "dentist".parse::<StepOwner>().unwrap_err();
        assert!(e.contains("provider"), "{e}");
    }
}
