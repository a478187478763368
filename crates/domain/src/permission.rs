//! The permission table: which role may do what. Every access check in Olive asks this table (through
//! `Actor::require` in storage); `docs/permissions.md` is generated from it and a test keeps them equal.

use crate::role::Role;
use serde::Serialize;

/// Something a caller may be allowed to do at a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// read cases, lists, history, statistics, the location, its staff and playbook
    Read,
    /// log a new case
    Create,
    /// act on a case: steps, gestures within one's authority, hand-offs of one's own cases, notes,
    /// verification, closing, reopening, cancelling, editing, follow-up
    Change,
    /// hand off a case someone else owns, or give a step to someone
    Reassign,
    /// approve or decline gestures above the giver's authority (up to one's own per-case limit)
    Approve,
    /// location settings, authority limits, staff at the location, shared devices, webhooks, messages
    Configure,
    /// edit the playbook the location uses
    EditPlaybook,
    /// assign, update and close the location's prevention actions
    Prevent,
    /// read the audit trail
    Audit,
    /// export the audit trail and cases (CSV)
    Export,
    /// see the location's insights and reports: recovery, response, spend, hand-offs by person, causes
    Insights,
    /// erase a customer's personal data
    Erase,
    /// organisation-wide administration: locations, managers, new playbooks, anyone's tokens
    Administer,
}

use Role::{Admin, FrontDesk, Manager, TeamMember};

/// The table: for each permission, the roles that hold it.
pub const TABLE: [(Permission, &[Role]); 13] = [
    (Permission::Read, &[FrontDesk, TeamMember, Manager, Admin]),
    (Permission::Create, &[FrontDesk, TeamMember, Manager, Admin]),
    (Permission::Change, &[FrontDesk, TeamMember, Manager, Admin]),
    (Permission::Reassign, &[Manager, Admin]),
    (Permission::Approve, &[Manager, Admin]),
    (Permission::Configure, &[Manager, Admin]),
    (Permission::EditPlaybook, &[Manager, Admin]),
    (Permission::Prevent, &[Manager, Admin]),
    (Permission::Audit, &[Manager, Admin]),
    (Permission::Export, &[Manager, Admin]),
    (Permission::Insights, &[Manager, Admin]),
    (Permission::Erase, &[Manager, Admin]),
    (Permission::Administer, &[Admin]),
];

impl Permission {
    pub const ALL: [Permission; 13] = {
        let mut all = [Permission::Read; 13];
        let mut k = 0;
        while k < TABLE.len() {
            all[k] = TABLE[k].0;
            k += 1;
        }
        all
    };

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Create => "create",
            Permission::Change => "change",
            Permission::Reassign => "reassign",
            Permission::Approve => "approve",
            Permission::Configure => "configure",
            Permission::EditPlaybook => "edit_playbook",
            Permission::Prevent => "prevent",
            Permission::Audit => "audit",
            Permission::Export => "export",
            Permission::Insights => "insights",
            Permission::Erase => "erase",
            Permission::Administer => "administer",
        }
    }

    /// What the permission covers, in words (the docs' table).
    pub fn covers(self) -> &'static str {
        match self {
            Permission::Read => {
                "read cases, lists, customer history, statistics, the location, its staff and playbook"
            }
            Permission::Create => "log a new case",
            Permission::Change => {
                "act on a case: steps, gestures within one's own authority, hand-offs of one's own cases, notes, verification, closing, reopening, cancelling, editing, customer follow-up"
            }
            Permission::Reassign => "hand off a case someone else owns, or give a step to someone",
            Permission::Approve => {
                "approve or decline gestures above the giver's authority, up to one's own per-case limit and within what is left of one's own per-day limit, since an approval is charged to the approver's day (beyond either: another manager or an admin)"
            }
            Permission::Configure => {
                "location settings, authority limits of the roles below one's own, staff at the location, shared devices, webhooks, failed messages"
            }
            Permission::EditPlaybook => "edit the playbook the location uses",
            Permission::Prevent => {
                "assign, update and close the location's prevention actions (owner, due date, status, notes)"
            }
            Permission::Audit => "read the audit trail of the location",
            Permission::Export => {
                "export the location's audit trail (CSV); `olive export` exports cases at the command line"
            }
            Permission::Insights => {
                "see the location's insights and reports: where defects leak, response times, recovery, gesture spend against the budget, hand-offs by person, root causes; the monthly report"
            }
            Permission::Erase => "erase a customer's personal data from a case",
            Permission::Administer => {
                "organisation-wide: add locations, add or change managers, import new playbooks, see and revoke anyone's API tokens, the organisation-wide audit entries"
            }
        }
    }

    /// The refusal a caller without the permission gets (HTTP 403).
    pub fn refusal(self) -> String {
        let names: Vec<String> = self
            .roles()
            .iter()
            .map(|r| format!("a {}", r.as_str().replace('_', " ")))
            .collect();
        let who = match names.split_last() {
            Some((last, [])) => last.replace("a admin", "an admin"),
            Some((last, rest)) => {
                format!("{} or {last}", rest.join(", ")).replace("a admin", "an admin")
            }
            None => "nobody".into(),
        };
        format!("only {who} may {}", self.verb())
    }

    fn verb(self) -> &'static str {
        match self {
            Permission::Read => "read this",
            Permission::Create => "log cases here",
            Permission::Change => "change this case",
            Permission::Reassign => "hand off a case someone else owns or give a step to someone",
            Permission::Approve => "approve or decline gestures",
            Permission::Configure => "change this location's settings",
            Permission::EditPlaybook => "change this playbook",
            Permission::Prevent => "change prevention actions",
            Permission::Audit => "read the audit trail",
            Permission::Export => "export the audit trail",
            Permission::Insights => "see insights and reports",
            Permission::Erase => "erase a customer's personal data",
            Permission::Administer => "do this",
        }
    }

    /// The roles holding this permission.
    pub fn roles(self) -> &'static [Role] {
        TABLE
            .iter()
            .find(|(p, _)| *p == self)
            .map_or(&[], |(_, r)| r)
    }
}

/// Does a role hold a permission?
pub fn allows(role: Role, permission: Permission) -> bool {
    permission.roles().contains(&role)
}

/// The table as Markdown (written into `docs/permissions.md`).
pub fn markdown() -> String {
    let mut out = String::from("| permission | covers |");
    for r in Role::ALL {
        out.push_str(&format!(" {r} |"));
    }
    out.push_str("\n|---|---|");
    for _ in Role::ALL {
        out.push_str(":-:|");
    }
    out.push('\n');
    for p in Permission::ALL {
        out.push_str(&format!("| `{}` | {} |", p.as_str(), p.covers()));
        for r in Role::ALL {
            out.push_str(if allows(r, p) { " ✓ |" } else { " — |" });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_in_the_table_once_and_admins_hold_all() {
        for p in Permission::ALL {
            assert_eq!(TABLE.iter().filter(|(q, _)| *q == p).count(), 1, "{p:?}");
            assert!(allows(Role::Admin, p), "{p:?}");
        }
        let mut sorted = Permission::ALL.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), TABLE.len());
    }

    #[test]
    fn front_line_staff_act_on_cases_but_do_not_configure() {
        for r in [Role::FrontDesk, Role::TeamMember] {
            assert!(allows(r, Permission::Create) && allows(r, Permission::Change));
            for p in [
                Permission::Approve,
                Permission::Configure,
                Permission::Prevent,
                Permission::Audit,
                Permission::Erase,
                Permission::Administer,
            ] {
                assert!(!allows(r, p), "{r} {p:?}");
            }
        }
        assert!(!allows(Role::Manager, Permission::Administer));
        assert_eq!(
            Permission::Approve.refusal(),
            "only a manager or an admin may approve or decline gestures"
        );
        assert_eq!(
            Permission::Administer.refusal(),
            "only an admin may do this"
        );
    }

    #[test]
    fn the_docs_carry_the_table() {
        let doc = include_str!("../../../docs/permissions.md");
        assert!(
            doc.contains(&markdown()),
            "docs/permissions.md is out of date; paste this table into it:\n{}",
            markdown()
        );
    }
}
