//! Who may do what: the permission matrix, in one place.
//!
//! Handlers name the action they are about to perform; this module decides.
//! The README's matrix is generated from [`matrix`] and checked by a test.

use crate::error::DomainError;
use crate::ids::{SessionId, TenantId, UserId};
use crate::tenant::Tenant;
use crate::user::{Role, User};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the tenant's profile and settings.
    ReadTenant,
    /// Change the tenant's name and settings.
    ManageTenant,
    /// Read one's own profile.
    ReadOwnProfile,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ReadTenant,
        Action::ManageTenant,
        Action::ReadOwnProfile,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Action::ReadTenant => "read the tenant (`GET /v1/tenants/current`)",
            Action::ManageTenant => "change the tenant (`PATCH /v1/tenants/current`)",
            Action::ReadOwnProfile => "read oneself (`GET /v1/auth/me`), log out",
        }
    }
}

/// The rule itself.
pub fn allowed(role: Role, action: Action) -> bool {
    match action {
        Action::ReadTenant | Action::ReadOwnProfile => true,
        Action::ManageTenant => role.is_admin(),
    }
}

/// Every (action, role, allowed) triple, for documentation and tests.
pub fn matrix() -> Vec<(Action, [(Role, bool); 4])> {
    let roles = [Role::Owner, Role::Admin, Role::Agent, Role::Customer];
    Action::ALL
        .iter()
        .map(|&a| (a, roles.map(|r| (r, allowed(r, a)))))
        .collect()
}

/// An authenticated caller, with the tenant and user as they are now (not as
/// they were when the token was issued).
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: Tenant,
    pub user: User,
    pub session_id: SessionId,
}

impl Principal {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }

    pub fn user_id(&self) -> UserId {
        self.user.id
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    pub fn require(&self, action: Action) -> Result<(), DomainError> {
        if allowed(self.role(), action) {
            Ok(())
        } else {
            Err(DomainError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_and_admins_manage_the_tenant() {
        assert!(allowed(Role::Owner, Action::ManageTenant));
        assert!(allowed(Role::Admin, Action::ManageTenant));
        assert!(!allowed(Role::Agent, Action::ManageTenant));
        assert!(!allowed(Role::Customer, Action::ManageTenant));
    }

    #[test]
    fn the_matrix_covers_every_action_and_role() {
        let m = matrix();
        assert_eq!(m.len(), Action::ALL.len());
        for (action, row) in m {
            for (role, ok) in row {
                assert_eq!(ok, allowed(role, action));
            }
        }
    }
}
