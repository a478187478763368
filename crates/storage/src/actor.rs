//! Who is asking: the authenticated staff member, their roles per location, and the scoping rules.

use crate::error::StoreError;
use olive_domain::permission::{Permission, allows};
use olive_domain::role::Role;

/// The caller of every store operation (from an API token or, later, a session).
#[derive(Debug, Clone)]
pub struct Actor {
    pub staff_id: String,
    pub name: String,
    pub is_admin: bool,
    /// (location id, role) for each location the person works at
    pub roles: Vec<(String, Role)>,
    /// how the request came in, for the audit trail
    pub origin: Origin,
}

/// The answer for a location named in a body that is not one of the caller's.
pub const NOT_YOURS: &str = "no such location among yours";

/// How a caller reached Olive: recorded with every change in the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub via: Via,
    /// the API token's id, or a web session's short id (never a secret)
    pub credential: Option<String>,
    /// the client address, for changes made over HTTP
    pub ip: Option<String>,
}

/// The channel of a change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Via {
    /// an API bearer token
    Token,
    /// a signed-in browser
    Session,
    /// a PIN session on a shared front-desk device
    Device,
    /// the `olive` command line (or code running without a signed-in person)
    #[default]
    Cli,
    /// the scheduler or worker
    System,
    /// the customer, through a follow-up link
    Customer,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Token => "token",
            Via::Session => "session",
            Via::Device => "device",
            Via::Cli => "cli",
            Via::System => "system",
            Via::Customer => "customer",
        }
    }
}

impl Actor {
    /// The operator at the command line: acts as an admin, recorded as `cli` in the audit trail.
    pub fn operator(name: &str) -> Actor {
        Actor {
            staff_id: String::new(),
            name: name.into(),
            is_admin: true,
            roles: Vec::new(),
            origin: Origin::default(),
        }
    }

    /// A staff member acting (from the command line, a test or the demo seeder).
    pub fn of_staff(view: &crate::views::StaffView) -> Actor {
        Actor {
            staff_id: view.id.clone(),
            name: view.name.clone(),
            is_admin: view.is_admin,
            roles: view
                .locations
                .iter()
                .map(|l| (l.location_id.clone(), l.role))
                .collect(),
            origin: Origin::default(),
        }
    }

    /// The caller's role at a location; admins act as `admin` everywhere.
    pub fn role_at(&self, location_id: &str) -> Option<Role> {
        if self.is_admin {
            return Some(Role::Admin);
        }
        self.roles
            .iter()
            .find(|(l, _)| l == location_id)
            .map(|(_, r)| *r)
    }

    /// The role at a location, or 404 for a location the caller does not belong to.
    fn member_of(&self, location_id: &str, what: &'static str) -> Result<Role, StoreError> {
        self.role_at(location_id).ok_or(StoreError::NotFound(what))
    }

    /// Locations the caller may see (`None` = every location: an admin).
    pub fn scope(&self) -> Option<Vec<String>> {
        (!self.is_admin).then(|| self.roles.iter().map(|(l, _)| l.clone()).collect())
    }

    /// The one access check: the caller's role at the location must hold `permission` in the table
    /// (`olive_domain::permission`). A location the caller does not belong to is 404 (its existence is
    /// not revealed); a role without the permission is 403.
    pub fn require(&self, permission: Permission, location_id: &str) -> Result<Role, StoreError> {
        self.require_on(permission, location_id, "location")
    }

    /// `require`, naming what the 404 is about (`case`, `webhook`, …).
    pub fn require_on(
        &self,
        permission: Permission,
        location_id: &str,
        what: &'static str,
    ) -> Result<Role, StoreError> {
        let role = self.member_of(location_id, what)?;
        if allows(role, permission) {
            Ok(role)
        } else {
            Err(StoreError::Forbidden(permission.refusal()))
        }
    }

    /// `require` for a location named in a request body (`field`): one that is not the caller's is a
    /// validation error on the field (it is input, not an address), the same for unknown and foreign.
    pub fn require_named(
        &self,
        permission: Permission,
        location_id: &str,
        field: &'static str,
    ) -> Result<Role, StoreError> {
        match self.require(permission, location_id) {
            Err(StoreError::NotFound(_)) => Err(StoreError::field(field, NOT_YOURS)),
            other => other,
        }
    }

    /// Does the caller hold `permission` at this location (no error: for showing or hiding a control)?
    pub fn may(&self, permission: Permission, location_id: &str) -> bool {
        self.role_at(location_id)
            .is_some_and(|r| allows(r, permission))
    }

    /// Holds `permission` at some location (admins: always)? Otherwise 403.
    pub fn require_somewhere(&self, permission: Permission) -> Result<(), StoreError> {
        if self.is_admin || self.roles.iter().any(|(_, r)| allows(*r, permission)) {
            Ok(())
        } else {
            Err(StoreError::Forbidden(permission.refusal()))
        }
    }

    /// Organisation-wide permissions (`Administer`): only an admin's role holds them.
    pub fn require_org(&self, permission: Permission) -> Result<(), StoreError> {
        if self.is_admin && allows(Role::Admin, permission) {
            Ok(())
        } else {
            Err(StoreError::Forbidden(permission.refusal()))
        }
    }

    /// The locations where the caller holds `permission`.
    pub fn locations_allowing(&self, permission: Permission) -> Vec<String> {
        self.roles
            .iter()
            .filter(|(_, r)| allows(*r, permission))
            .map(|(l, _)| l.clone())
            .collect()
    }
}
