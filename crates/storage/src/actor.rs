//! Who is asking: the authenticated staff member, their roles per location, and the scoping rules.

use crate::error::StoreError;
use olive_domain::role::Role;

/// The caller of every store operation (from an API token or, later, a session).
#[derive(Debug, Clone)]
pub struct Actor {
    pub staff_id: String,
    pub name: String,
    pub is_admin: bool,
    /// (location id, role) for each location the person works at
    pub roles: Vec<(String, Role)>,
}

impl Actor {
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
    pub fn member_of(&self, location_id: &str, what: &'static str) -> Result<Role, StoreError> {
        self.role_at(location_id).ok_or(StoreError::NotFound(what))
    }

    /// Locations the caller may see (`None` = every location: an admin).
    pub fn scope(&self) -> Option<Vec<String>> {
        (!self.is_admin).then(|| self.roles.iter().map(|(l, _)| l.clone()).collect())
    }

    /// Managers and admins configure a location (limits, staff); others get 403.
    pub fn require_configure(&self, location_id: &str) -> Result<Role, StoreError> {
        let role = self.member_of(location_id, "location")?;
        if role.can_configure() {
            Ok(role)
        } else {
            Err(StoreError::Forbidden(
                "only a manager or an admin can change this".into(),
            ))
        }
    }

    pub fn require_admin(&self) -> Result<(), StoreError> {
        if self.is_admin {
            Ok(())
        } else {
            Err(StoreError::Forbidden("only an admin can do this".into()))
        }
    }
}
