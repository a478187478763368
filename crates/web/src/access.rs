//! Who may call each API route, in terms of the permission table (`olive_domain::permission`). The checks
//! themselves happen in one place (`Actor::require` in storage); this table says which permission each
//! route needs and where, is printed in `docs/permissions.md`, and drives the authorization matrix test,
//! which fails when a route of the OpenAPI document has no entry here.

use olive_domain::permission::{Permission, allows};
use olive_domain::role::Role;

/// Where a route's permission applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// anyone, without a token
    Public,
    /// any signed-in person (the answer is about them, or limited to what they may see)
    Signed,
    /// at the location the request points at (a path id, the case's location, the body's or the
    /// query's location): another location is 404, a role without the permission 403
    At(Permission),
    /// at the location named in the request body: one that is not the caller's is a 422 on the field
    /// (input, not an address: the same answer for an unknown location), a role without it 403
    Named(Permission),
    /// at any of the caller's locations (the answer covers those where they hold it); otherwise 403
    Somewhere(Permission),
    /// on a playbook used by a location where the caller holds the permission; otherwise 403
    /// (playbooks are not secret, so no 404)
    Playbook(Permission),
    /// organisation-wide: only a role holding it everywhere (an admin); otherwise 403
    Org(Permission),
}

/// One API route.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// as in the OpenAPI document, e.g. `/api/v1/cases/{key}`
    pub path: &'static str,
    pub scope: Scope,
}

const fn r(method: &'static str, path: &'static str, scope: Scope) -> Route {
    Route {
        method,
        path,
        scope,
    }
}

use Permission::*;
use Scope::*;

/// Every route of the JSON API.
pub const ROUTES: &[Route] = &[
    r("GET", "/api/v1/health", Public),
    r("GET", "/api/v1/ready", Public),
    r("POST", "/api/v1/wording/check", Signed),
    r("GET", "/api/v1/me", Signed),
    r("GET", "/api/v1/me/notifications", Signed),
    r("POST", "/api/v1/me/password", Signed),
    r("GET", "/api/v1/me/settings", Signed),
    r("PUT", "/api/v1/me/settings", Signed),
    r("GET", "/api/v1/my-work", Signed),
    r("POST", "/api/v1/my-work/decisions/acknowledge", Signed),
    r("GET", "/api/v1/tokens", Signed),
    r("POST", "/api/v1/tokens", Signed),
    r("DELETE", "/api/v1/tokens/{id}", Signed),
    r("GET", "/api/v1/approvals", Signed),
    r("GET", "/api/v1/locations", Signed),
    r("GET", "/api/v1/staff", Signed),
    r("GET", "/api/v1/playbooks", Signed),
    r("GET", "/api/v1/playbooks/{code}", Signed),
    r("GET", "/api/v1/locations/{id}", At(Read)),
    r("GET", "/api/v1/locations/{id}/limits", At(Read)),
    r("GET", "/api/v1/locations/{id}/defects", At(Read)),
    r("GET", "/api/v1/stats", At(Read)),
    r("GET", "/api/v1/reports/summary", At(Insights)),
    r("GET", "/api/v1/reports/monthly.pdf", At(Insights)),
    r("GET", "/api/v1/cases/count", At(Read)),
    r("GET", "/api/v1/cases", At(Read)),
    r("GET", "/api/v1/cases/{key}", At(Read)),
    r("GET", "/api/v1/cases/{key}/history", At(Read)),
    r("POST", "/api/v1/cases", Named(Create)),
    r("PATCH", "/api/v1/cases/{key}", At(Change)),
    r(
        "POST",
        "/api/v1/cases/{key}/steps/{step_id}/complete",
        At(Change),
    ),
    r(
        "POST",
        "/api/v1/cases/{key}/steps/{step_id}/skip",
        At(Change),
    ),
    r(
        "POST",
        "/api/v1/cases/{key}/steps/{step_id}/claim",
        At(Change),
    ),
    r(
        "POST",
        "/api/v1/cases/{key}/steps/{step_id}/assign",
        At(Reassign),
    ),
    r("POST", "/api/v1/cases/{key}/gestures", At(Change)),
    r(
        "POST",
        "/api/v1/cases/{key}/gestures/{gesture_id}/sent",
        At(Change),
    ),
    r(
        "POST",
        "/api/v1/cases/{key}/gestures/{gesture_id}/delivered",
        At(Change),
    ),
    r("POST", "/api/v1/cases/{key}/handoffs", At(Change)),
    r(
        "POST",
        "/api/v1/cases/{key}/handoffs/{handoff_id}/accept",
        At(Change),
    ),
    r(
        "POST",
        "/api/v1/cases/{key}/handoffs/{handoff_id}/decline",
        At(Change),
    ),
    r("POST", "/api/v1/cases/{key}/verify", At(Change)),
    r("POST", "/api/v1/cases/{key}/close", At(Change)),
    r("POST", "/api/v1/cases/{key}/reopen", At(Change)),
    r("POST", "/api/v1/cases/{key}/cancel", At(Change)),
    r("POST", "/api/v1/cases/{key}/notes", At(Change)),
    r("POST", "/api/v1/cases/{key}/follow-up", At(Change)),
    r(
        "POST",
        "/api/v1/cases/{key}/gestures/{gesture_id}/approve",
        At(Approve),
    ),
    r(
        "POST",
        "/api/v1/cases/{key}/gestures/{gesture_id}/decline",
        At(Approve),
    ),
    r("POST", "/api/v1/cases/{key}/erase", At(Erase)),
    r("PUT", "/api/v1/locations/{id}", At(Configure)),
    r("PUT", "/api/v1/locations/{id}/limits", At(Configure)),
    r("PUT", "/api/v1/locations/{id}/budget", At(Configure)),
    r("GET", "/api/v1/locations/{id}/webhooks", At(Configure)),
    r("POST", "/api/v1/locations/{id}/webhooks", At(Configure)),
    r("DELETE", "/api/v1/webhooks/{id}", At(Configure)),
    r("POST", "/api/v1/outbox/{id}/retry", At(Configure)),
    r("POST", "/api/v1/staff", Named(Configure)),
    r("PUT", "/api/v1/staff/{id}", At(Configure)),
    r("POST", "/api/v1/staff/{id}/deactivate", At(Configure)),
    r("POST", "/api/v1/staff/{id}/secret", At(Configure)),
    r("GET", "/api/v1/outbox", Somewhere(Configure)),
    r("GET", "/api/v1/prevention", Somewhere(Read)),
    r("POST", "/api/v1/prevention/{id}", At(Prevent)),
    r("GET", "/api/v1/audit", At(Audit)),
    r("GET", "/api/v1/audit/export", At(Export)),
    r("GET", "/api/v1/reports/cases.csv", At(Export)),
    r("GET", "/api/v1/reports/cases.xlsx", At(Export)),
    r("PUT", "/api/v1/playbooks", Playbook(EditPlaybook)),
    r(
        "POST",
        "/api/v1/playbooks/{code}/defects",
        Playbook(EditPlaybook),
    ),
    r(
        "DELETE",
        "/api/v1/playbooks/{code}/defects/{defect}",
        Playbook(EditPlaybook),
    ),
    r(
        "PUT",
        "/api/v1/playbooks/{code}/defects/{defect}/steps/{index}",
        Playbook(EditPlaybook),
    ),
];

/// What a caller gets, by the table, when they call a route at their own location or another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    Allowed,
    Invalid,
    Forbidden,
    NotFound,
    Unauthorized,
}

impl Scope {
    /// The outcome for a caller with `role` (`None`: no token); `own`: the request points at a location
    /// where the caller works (admins work everywhere).
    pub fn expect(self, role: Option<Role>, own: bool) -> Expect {
        let Some(role) = role else {
            return if self == Public {
                Expect::Allowed
            } else {
                Expect::Unauthorized
            };
        };
        let own = own || role == Role::Admin;
        let held = |p| {
            if allows(role, p) {
                Expect::Allowed
            } else {
                Expect::Forbidden
            }
        };
        match self {
            Public | Signed => Expect::Allowed,
            At(_) if !own => Expect::NotFound,
            Named(_) if !own => Expect::Invalid,
            At(p) | Named(p) | Somewhere(p) => held(p),
            Playbook(p) if own => held(p),
            Playbook(_) => Expect::Forbidden,
            Org(p) => held(p),
        }
    }

    fn describe(self) -> String {
        let p = |p: Permission| format!("`{}`", p.as_str());
        match self {
            Public => "anyone".into(),
            Signed => "signed in".into(),
            At(x) => format!("{} at the location", p(x)),
            Named(x) => format!("{} at the location in the body", p(x)),
            Somewhere(x) => format!("{} at some location", p(x)),
            Playbook(x) => format!("{} at a location using the playbook", p(x)),
            Org(x) => format!("{} (organisation)", p(x)),
        }
    }
}

/// The route table as Markdown (in `docs/permissions.md`).
pub fn markdown() -> String {
    let mut out = String::from("| method | route | needs |\n|---|---|---|\n");
    for r in ROUTES {
        out.push_str(&format!(
            "| {} | `{}` | {} |\n",
            r.method,
            r.path,
            r.scope.describe()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_follow_the_permission_table() {
        let approve = At(Approve);
        assert_eq!(
            approve.expect(Some(Role::FrontDesk), true),
            Expect::Forbidden
        );
        assert_eq!(
            approve.expect(Some(Role::FrontDesk), false),
            Expect::NotFound
        );
        assert_eq!(approve.expect(Some(Role::Manager), true), Expect::Allowed);
        assert_eq!(approve.expect(Some(Role::Manager), false), Expect::NotFound);
        assert_eq!(approve.expect(Some(Role::Admin), false), Expect::Allowed);
        assert_eq!(approve.expect(None, true), Expect::Unauthorized);
        assert_eq!(Public.expect(None, false), Expect::Allowed);
        assert_eq!(
            Playbook(EditPlaybook).expect(Some(Role::Manager), false),
            Expect::Forbidden
        );
        assert_eq!(
            Org(Administer).expect(Some(Role::Manager), true),
            Expect::Forbidden
        );
    }

    #[test]
    fn every_route_is_listed_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    (a.method, a.path) != (b.method, b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }

    #[test]
    fn the_docs_carry_the_route_table() {
        let doc = include_str!("../../../docs/permissions.md");
        assert!(
            doc.contains(&markdown()),
            "docs/permissions.md is out of date; paste this table into it:\n{}",
            markdown()
        );
    }
}
