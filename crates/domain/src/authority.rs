//! Authority limits: what a person may give without asking anyone, per case and per day.

use crate::money::Cents;
use crate::permission::{Permission, allows};
use crate::role::Role;
use serde::{Deserialize, Serialize};

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

/// What a giver has already given, for the remaining-authority sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Given {
    /// approved or pending by this person on this case
    pub on_case: Cents,
    /// approved by this person today (location's day)
    pub today: Cents,
}

/// What a person can still give on this case right now (`None` = unlimited).
pub fn remaining(limit: AuthorityLimit, given: Given) -> Option<Cents> {
    let case = limit
        .per_case_cents
        .map(|c| c.saturating_sub(given.on_case));
    let day = limit.per_day_cents.map(|d| d.saturating_sub(given.today));
    let left = match (case, day) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    };
    left.map(|c| c.max(Cents::ZERO))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorityDecision {
    /// Within the giver's authority: approved at once.
    Approved,
    /// Beyond it: waits for a manager (or an admin, above the manager's own per-case limit).
    NeedsApproval,
}

pub fn decide(limit: AuthorityLimit, given: Given, value: Cents) -> AuthorityDecision {
    match remaining(limit, given) {
        Some(left) if value > left => AuthorityDecision::NeedsApproval,
        _ => AuthorityDecision::Approved,
    }
}

/// Can someone with `role` (and that role's limit) approve a request of `value`?
/// A manager approves up to their own per-case limit; above it an admin approves.
pub fn can_approve(role: Role, limit: AuthorityLimit, value: Cents) -> bool {
    allows(role, Permission::Approve)
        && (role == Role::Admin || limit.per_case_cents.is_none_or(|max| value <= max))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            AuthorityDecision::NeedsApproval
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
            AuthorityDecision::NeedsApproval
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
