//! Staff roles (what each may do is the table in `permission`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A staff member's role at a location (`admin` administers the whole organisation).
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
pub enum Role {
    FrontDesk,
    TeamMember,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::FrontDesk,
        Role::TeamMember,
        Role::Manager,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::FrontDesk => "front_desk",
            Role::TeamMember => "team_member",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role '{s}': expected front_desk, team_member, manager or admin")
            })
    }
}
