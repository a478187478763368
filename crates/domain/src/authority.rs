//! Authority limits: what a person may give without asking anyone, per case and per day.

use crate::money::Cents;
use crate::permission::{Permission, allows};
use crate::role::Role;
use serde::{Deserialize, Serialize};

pub mod ledger;
#[cfg(test)]
mod ledger_tests;

/// One role's limits at a location; `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthorityLimit {
    #[schema(value_type = Option<i64>)]
    pub per_case_cents: Option<Cents>,
    #[schema(value_type = Option<i64>)]
    pub per_day_cents: Option<Cents>,
}

impl AuthorityLimit {
    pub const UNLIMITED: AuthorityLimit = AuthorityLimit {
        per_case_cents: None,
        per_day_cents: None,
    };

    /// The defaults: front desk and team members 100.00/200.00, managers 500.00/1,000.00, admins unlimited.
    pub fn default_for(role: Role) -> AuthorityLimit {
        match role {
            Role::FrontDesk | Role::TeamMember => AuthorityLimit {
                per_case_cents: Some(Cents(100_00)),
                per_day_cents: Some(Cents(200_00)),
            },
            Role::Manager => AuthorityLimit {
                per_case_cents: Some(Cents(500_00)),
                per_day_cents: Some(Cents(1_000_00)),
            },
            Role::Admin => AuthorityLimit::UNLIMITED,
        }
    }
}

/// The limits of every role at one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityLimits(pub Vec<(Role, AuthorityLimit)>);

impl AuthorityLimits {
    pub fn defaults() -> Self {
        AuthorityLimits(
            Role::ALL
                .iter()
                .map(|&r| (r, AuthorityLimit::default_for(r)))
                .collect(),
        )
    }
    pub fn for_role(&self, role: Role) -> AuthorityLimit {
        if role == Role::Admin {
            return AuthorityLimit::UNLIMITED;
        }
        self.0
            .iter()
            .find(|(r, _)| *r == role)
            .map_or_else(|| AuthorityLimit::default_for(role), |(_, l)| *l)
    }
}

/// What a person has already used of their authority: on one case and on one location-local day
/// (summed from the ledger by [`ledger::used`], in the location's currency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Given {
    /// given within their own authority on this case
    pub on_case: Cents,
    /// given within their own authority, or approved for someone else, on this location-local day
    pub today: Cents,
}

/// Which of a person's two limits a figure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// what one person may give on one case without asking
    PerCase,
    /// what one person may give in a location-local day without asking
    PerDay,
}

impl LimitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::PerCase => "per_case",
            LimitKind::PerDay => "per_day",
        }
    }
    /// "your per-case limit", "your per-day limit"
    pub fn describe(self) -> &'static str {
        match self {
            LimitKind::PerCase => "per-case limit",
            LimitKind::PerDay => "per-day limit",
        }
    }
}

/// What a person can still give, and the limit that binds (`left = None`: unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    pub left: Option<Cents>,
    /// the limit that leaves the least room, with its full amount
    pub binding: Option<(LimitKind, Cents)>,
}

/// The room left under both limits: the smaller of the two wins.
pub fn room(limit: AuthorityLimit, given: Given) -> Room {
    let case = limit
        .per_case_cents
        .map(|c| (LimitKind::PerCase, c, c.saturating_sub(given.on_case)));
    let day = limit
        .per_day_cents
        .map(|d| (LimitKind::PerDay, d, d.saturating_sub(given.today)));
    let tight = match (case, day) {
        (Some(a), Some(b)) => Some(if b.2 < a.2 { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    };
    Room {
        left: tight.map(|t| t.2.max(Cents::ZERO)),
        binding: tight.map(|t| (t.0, t.1)),
    }
}

/// What a person can still give on this case right now (`None` = unlimited).
pub fn remaining(limit: AuthorityLimit, given: Given) -> Option<Cents> {
    room(limit, given).left
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorityDecision {
    /// Within the giver's authority: approved at once, and charged to the giver.
    Approved,
    /// Beyond it: waits for a manager (or an admin). `stopped_by` names the limit and what was left of it.
    NeedsApproval {
        stopped_by: LimitKind,
        limit: Cents,
        left: Cents,
    },
}

pub fn decide(limit: AuthorityLimit, given: Given, value: Cents) -> AuthorityDecision {
    let r = room(limit, given);
    match (r.left, r.binding) {
        (Some(left), Some((stopped_by, limit))) if value > left => {
            AuthorityDecision::NeedsApproval {
                stopped_by,
                limit,
                left,
            }
        }
        _ => AuthorityDecision::Approved,
    }
}

impl AuthorityDecision {
    /// The sentence a requester reads when their gesture goes to a manager.
    pub fn explain(&self, currency: &str) -> Option<String> {
        match self {
            AuthorityDecision::Approved => None,
            AuthorityDecision::NeedsApproval {
                stopped_by,
                limit,
                left,
            } => Some(format!(
                "Sent to a manager for approval: your {} is {currency} {limit} ({currency} {left} left {}).",
                stopped_by.describe(),
                if *stopped_by == LimitKind::PerDay {
                    "today"
                } else {
                    "on this case"
                }
            )),
        }
    }
}

/// Why someone may not approve a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefusal {
    #[error("only a manager or an admin can approve a gesture")]
    NotAnApprover,
    #[error("you cannot decide your own request; another manager or an admin can")]
    OwnRequest,
    #[error("{value} is above your per-case limit of {limit}; an admin approves it")]
    AboveCaseLimit { value: Cents, limit: Cents },
    #[error(
        "approving {value} would take you over your per-day limit of {limit} ({left} left today); another manager or an admin approves it"
    )]
    NoDayRoom {
        value: Cents,
        limit: Cents,
        left: Cents,
    },
}

/// May this person decide (approve or decline) a request at all? A manager or an admin, and never a
/// manager their own request (an admin may). The value's limits are [`may_approve`]'s.
pub fn may_decide(role: Role, own_request: bool) -> Result<(), ApprovalRefusal> {
    if !allows(role, Permission::Approve) {
        return Err(ApprovalRefusal::NotAnApprover);
    }
    if own_request && role != Role::Admin {
        return Err(ApprovalRefusal::OwnRequest);
    }
    Ok(())
}

/// May this person approve a request of `value`? An approval is charged to the approver's per-day room,
/// so a manager needs the value within their per-case limit and within what is left of their day.
/// Admins are unlimited and may approve their own requests.
pub fn may_approve(
    role: Role,
    limit: AuthorityLimit,
    approver_today: Cents,
    own_request: bool,
    value: Cents,
) -> Result<(), ApprovalRefusal> {
    may_decide(role, own_request)?;
    if role == Role::Admin {
        return Ok(());
    }
    if let Some(max) = limit.per_case_cents
        && value > max
    {
        return Err(ApprovalRefusal::AboveCaseLimit { value, limit: max });
    }
    if let Some(day) = limit.per_day_cents {
        let left = day.saturating_sub(approver_today).max(Cents::ZERO);
        if value > left {
            return Err(ApprovalRefusal::NoDayRoom {
                value,
                limit: day,
                left,
            });
        }
    }
    Ok(())
}

/// Can someone with `role` (and that role's limit) approve a request of `value`, leaving aside
/// what they already approved today? (For listing the requests a person may see.)
pub fn can_approve(role: Role, limit: AuthorityLimit, value: Cents) -> bool {
    may_approve(role, limit, Cents::ZERO, false, value).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manager_never_decides_her_own_request_an_admin_may() {
        assert_eq!(may_decide(Role::Manager, false), Ok(()));
        assert_eq!(
            may_decide(Role::Manager, true),
            Err(ApprovalRefusal::OwnRequest)
        );
        assert_eq!(may_decide(Role::Admin, true), Ok(()));
        assert_eq!(
            may_decide(Role::FrontDesk, false),
            Err(ApprovalRefusal::NotAnApprover)
        );
        // Approving goes through the same rule before the limits.
        let m = AuthorityLimit::default_for(Role::Manager);
        assert_eq!(
            may_approve(Role::Manager, m, Cents::ZERO, true, Cents(1)),
            Err(ApprovalRefusal::OwnRequest)
        );
    }

    #[test]
    fn ten_dollar_card_is_approved_and_three_hundred_dollar_flowers_wait() {
        let fd = AuthorityLimit::default_for(Role::FrontDesk);
        assert_eq!(
            decide(fd, Given::default(), Cents(10_00)),
            AuthorityDecision::Approved
        );
        assert_eq!(
            decide(
                fd,
                Given {
                    on_case: Cents(10_00),
                    today: Cents(10_00)
                },
                Cents(300_00)
            ),
            AuthorityDecision::NeedsApproval {
                stopped_by: LimitKind::PerCase,
                limit: Cents(100_00),
                left: Cents(90_00)
            }
        );
    }

    #[test]
    fn per_day_limit_counts_other_cases() {
        let fd = AuthorityLimit::default_for(Role::FrontDesk);
        let given = Given {
            on_case: Cents::ZERO,
            today: Cents(150_00),
        };
        assert_eq!(remaining(fd, given), Some(Cents(50_00)));
        assert_eq!(
            decide(fd, given, Cents(60_00)),
            AuthorityDecision::NeedsApproval {
                stopped_by: LimitKind::PerDay,
                limit: Cents(200_00),
                left: Cents(50_00)
            }
        );
        assert_eq!(
            decide(fd, given, Cents(60_00)).explain("AUD").as_deref(),
            Some(
                "Sent to a manager for approval: your per-day limit is AUD 200.00 (AUD 50.00 left today)."
            )
        );
        assert_eq!(decide(fd, given, Cents(50_00)), AuthorityDecision::Approved);
    }

    #[test]
    fn remaining_never_negative_and_admin_unlimited() {
        let fd = AuthorityLimit::default_for(Role::FrontDesk);
        assert_eq!(
            remaining(
                fd,
                Given {
                    on_case: Cents(500_00),
                    today: Cents(0)
                }
            ),
            Some(Cents::ZERO)
        );
        assert_eq!(
            remaining(
                AuthorityLimits::defaults().for_role(Role::Admin),
                Given::default()
            ),
            None
        );
    }

    #[test]
    fn an_approval_needs_room_in_the_approvers_day_and_names_the_limit() {
        let m = AuthorityLimit::default_for(Role::Manager);
        assert_eq!(
            may_approve(Role::Manager, m, Cents(700_00), false, Cents(300_00)),
            Ok(())
        );
        assert_eq!(
            may_approve(Role::Manager, m, Cents(800_00), false, Cents(300_00)),
            Err(ApprovalRefusal::NoDayRoom {
                value: Cents(300_00),
                limit: Cents(1_000_00),
                left: Cents(200_00)
            })
        );
        assert_eq!(
            may_approve(Role::Manager, m, Cents(800_00), false, Cents(300_00))
                .unwrap_err()
                .to_string(),
            "approving 300.00 would take you over your per-day limit of 1,000.00 (200.00 left today); another manager or an admin approves it"
        );
        assert_eq!(
            may_approve(Role::Manager, m, Cents::ZERO, true, Cents(10_00)),
            Err(ApprovalRefusal::OwnRequest)
        );
        assert_eq!(
            may_approve(
                Role::Admin,
                AuthorityLimit::UNLIMITED,
                Cents(1_000_000_00),
                true,
                Cents(10_00)
            ),
            Ok(())
        );
        assert_eq!(
            may_approve(
                Role::FrontDesk,
                AuthorityLimit::UNLIMITED,
                Cents::ZERO,
                false,
                Cents(1)
            ),
            Err(ApprovalRefusal::NotAnApprover)
        );
    }

    #[test]
    fn the_room_names_the_tighter_limit() {
        let fd = AuthorityLimit::default_for(Role::FrontDesk);
        let r = room(
            fd,
            Given {
                on_case: Cents(10_00),
                today: Cents(150_00),
            },
        );
        assert_eq!(r.left, Some(Cents(50_00)));
        assert_eq!(r.binding, Some((LimitKind::PerDay, Cents(200_00))));
        let r = room(
            fd,
            Given {
                on_case: Cents(40_00),
                today: Cents(40_00),
            },
        );
        assert_eq!(r.left, Some(Cents(60_00)));
        assert_eq!(r.binding, Some((LimitKind::PerCase, Cents(100_00))));
        assert_eq!(
            room(AuthorityLimit::UNLIMITED, Given::default()).binding,
            None
        );
    }

    #[test]
    fn who_may_approve() {
        let m = AuthorityLimit::default_for(Role::Manager);
        assert!(can_approve(Role::Manager, m, Cents(300_00)));
        assert!(!can_approve(Role::Manager, m, Cents(600_00)));
        assert!(can_approve(
            Role::Admin,
            AuthorityLimit::UNLIMITED,
            Cents(600_00)
        ));
        assert!(!can_approve(
            Role::FrontDesk,
            AuthorityLimit::UNLIMITED,
            Cents(1)
        ));
    }
}
