//! The people side of a helpdesk: users, integrators' API keys, and teams.

use crate::accounts::events::ApiKeyCreated;
use crate::accounts::events::ApiKeyRevoked;
use crate::accounts::events::TeamChanged;
use crate::accounts::events::UserUpdated;
use crate::accounts::input::NewApiKey;
use crate::accounts::input::NewTeam;
use crate::accounts::input::NewUser;
use crate::accounts::input::TeamPatch;
use crate::accounts::input::UserPatch;
use crate::accounts::input::parse_role;
use crate::accounts::organizations::organization_for;
use crate::accounts::ports::ApiKeyStore;
use crate::accounts::ports::UserStore;
use crate::accounts::ports::{OrganizationStore, TeamStore};
use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::accounts::api_key::ApiKey;
use crate::accounts::passwords::Passwords;
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::service::user_created;
use crate::accounts::team::Team;
use crate::accounts::user::{Role, User, UserStatus};
use crate::kernel::error::DomainError;
use crate::kernel::events::{DomainEvent, EventType, Subject};
use crate::kernel::ids::{ApiKeyId, OrganizationId, TeamId, UserId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::kernel::validation::Validator;

pub struct Directory<S> {
    store: S,
    passwords: Passwords,
}

impl<S: UserStore + ApiKeyStore + TeamStore + OrganizationStore> Directory<S> {
    pub fn new(store: S, passwords: Passwords) -> Self {
        Self { store, passwords }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub async fn list_users(
        &self,
        principal: &Principal,
        role: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<User>, DomainError> {
        principal.require(Action::ReadUsers)?;
        let role = match role {
            None => None,
            Some("owner") => Some(Role::Owner),
            Some(r) => {
                Some(parse_role(r).map_err(|e| DomainError::field("role", e.code, e.message))?)
            }
        };
        Ok(self
            .store
            .list_users(principal.tenant_id(), role, page)
            .await?)
    }

    /// Staff read anyone in the tenant; a customer only themselves. Anything
    /// else is `NotFound`, like an id from another tenant.
    pub async fn get_user(&self, principal: &Principal, id: UserId) -> Result<User, DomainError> {
        if principal.user_id() != Some(id) {
            principal
                .require(Action::ReadUsers)
                .map_err(|_| DomainError::NotFound)?;
        }
        self.store
            .user(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn create_user(
        &self,
        principal: &Principal,
        input: NewUser,
        now: Timestamp,
    ) -> Result<User, DomainError> {
        let NewUser {
            name,
            email,
            role,
            password,
        } = input;
        refuse_owner(role)?;
        principal.require_manage(role)?;
        let hash = match password {
            Some(p) => Some(self.passwords.hash(&p).await?),
            None => None,
        };
        let mut user = User::new(principal.tenant_id(), email, name, role, hash, now);
        if role == Role::Customer {
            user.organization_id =
                organization_for(&self.store, user.tenant_id, &user.email).await?;
        }
        let invited = user.password_hash.is_none();
        let events = [user_created(&user, principal.actor(), invited, now)];
        self.store.create_user(&user, None, &events).await?;
        Ok(user)
    }

    pub async fn update_user(
        &self,
        principal: &Principal,
        id: UserId,
        input: UserPatch,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<User, DomainError> {
        let UserPatch {
            name,
            email,
            role,
            status,
            notes,
        } = input;
        let mut user = changeable(self.managed_user(principal, id).await?)?;
        if if_match.is_some_and(|v| v != user.version) {
            return Err(DomainError::PreconditionFailed);
        }
        if user.role == Role::Owner && (role.is_some() || status.is_some()) {
            return Err(DomainError::field(
                "role",
                "owner_is_fixed",
                "the owner's role and status cannot be changed",
            ));
        }
        if let Some(new_role) = role {
            refuse_owner(new_role)?;
            principal.require_manage(new_role)?;
        }
        if principal.user_id() == Some(id) && status == Some(UserStatus::Deactivated) {
            return Err(DomainError::field(
                "status",
                "cannot_deactivate_self",
                "you cannot deactivate yourself",
            ));
        }

        let expected = user.version;
        let previous_email = user.email.clone();
        let mut changed: Vec<&str> = Vec::new();
        if let Some(n) = name.filter(|n| *n != user.name) {
            user.name = n;
            changed.push("name");
        }
        if let Some(e) = email.filter(|e| *e != user.email) {
            user.email = e;
            changed.push("email");
        }
        if let Some(r) = role.filter(|r| *r != user.role) {
            if r.rank() < user.role.rank() {
                // A demotion ends the sessions the higher role was given.
                user.sessions_ended_at = Some(now);
            }
            user.role = r;
            changed.push("role");
        }
        if let Some(n) = notes.filter(|n| *n != user.notes) {
            user.notes = n;
            changed.push("notes");
        }
        if let Some(s) = status.filter(|s| *s != user.status) {
            if s == UserStatus::Deactivated {
                // Reactivating later does not revive these sessions.
                user.sessions_ended_at = Some(now);
            }
            user.status = s;
            changed.push("status");
        }
        if changed.is_empty() {
            return Ok(user);
        }
        user.version += 1;
        user.updated_at = now;
        let kind = if changed.contains(&"status") && user.status == UserStatus::Deactivated {
            EventType::UserDeactivated
        } else {
            EventType::UserUpdated
        };
        let event = UserUpdated::event(kind, &user, principal.actor(), &changed, now);
        let moved = (user.email != previous_email).then_some(&previous_email);
        self.store
            .update_user(&user, expected, moved, &[event])
            .await?;
        Ok(user)
    }

    /// Puts a customer in an organisation (`None`: in none). Their new
    /// tickets belong to it; the ones they have keep theirs.
    pub async fn set_organization(
        &self,
        principal: &Principal,
        id: UserId,
        organization: Option<OrganizationId>,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<User, DomainError> {
        let mut user = changeable(self.managed_user(principal, id).await?)?;
        principal.require(Action::ManageOrganizations)?;
        if if_match.is_some_and(|v| v != user.version) {
            return Err(DomainError::PreconditionFailed);
        }
        if user.role != Role::Customer {
            return Err(DomainError::field(
                "organizationId",
                "not_a_customer",
                "only customers belong to organisations",
            ));
        }
        if let Some(org) = organization
            && self
                .store
                .organization(user.tenant_id, org)
                .await?
                .is_none()
        {
            return Err(DomainError::field(
                "organizationId",
                "unknown_organization",
                "no such organisation",
            ));
        }
        if user.organization_id == organization {
            return Ok(user);
        }
        let expected = user.version;
        user.organization_id = organization;
        user.version += 1;
        user.updated_at = now;
        let event = UserUpdated::event(
            EventType::UserUpdated,
            &user,
            principal.actor(),
            &["organizationId"],
            now,
        );
        self.store
            .update_user(&user, expected, None, &[event])
            .await?;
        Ok(user)
    }

    /// Deactivates a user: their credentials stop working, their tickets
    /// and comments stay.
    pub async fn deactivate_user(
        &self,
        principal: &Principal,
        id: UserId,
        now: Timestamp,
    ) -> Result<User, DomainError> {
        let patch = UserPatch {
            status: Some(UserStatus::Deactivated),
            ..UserPatch::default()
        };
        self.update_user(principal, id, patch, None, now).await
    }

    /// A user the principal may manage; others are `NotFound` to readers
    /// who cannot see them and `Forbidden` to staff who can.
    async fn managed_user(&self, principal: &Principal, id: UserId) -> Result<User, DomainError> {
        let user = self.get_user(principal, id).await?;
        principal.require_manage(user.role)?;
        Ok(user)
    }

    pub async fn create_api_key(
        &self,
        principal: &Principal,
        input: NewApiKey,
        now: Timestamp,
    ) -> Result<(String, ApiKey), DomainError> {
        principal.require(Action::ManageApiKeys)?;
        let creator = principal.user_id().ok_or(DomainError::Forbidden)?;
        let NewApiKey { name, role, scopes } = input;
        let (secret, key) = ApiKey::issue(principal.tenant_id(), name, role, scopes, creator, now);
        let event = DomainEvent::new(
            EventType::ApiKeyCreated,
            key.tenant_id,
            now,
            principal.actor(),
            Subject::default(),
            &ApiKeyCreated {
                api_key_id: key.id,
                role,
            },
        );
        self.store.create_api_key(&key, &[event]).await?;
        Ok((secret, key))
    }

    pub async fn list_api_keys(&self, principal: &Principal) -> Result<Vec<ApiKey>, DomainError> {
        principal.require(Action::ManageApiKeys)?;
        Ok(self.store.list_api_keys(principal.tenant_id()).await?)
    }

    pub async fn revoke_api_key(
        &self,
        principal: &Principal,
        id: ApiKeyId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        principal.require(Action::ManageApiKeys)?;
        let event = DomainEvent::new(
            EventType::ApiKeyRevoked,
            principal.tenant_id(),
            now,
            principal.actor(),
            Subject::default(),
            &ApiKeyRevoked { api_key_id: id },
        );
        Ok(self
            .store
            .revoke_api_key(principal.tenant_id(), id, &[event])
            .await?)
    }

    pub async fn list_teams(&self, principal: &Principal) -> Result<Vec<Team>, DomainError> {
        principal.require(Action::ReadTeams)?;
        Ok(self.store.list_teams(principal.tenant_id()).await?)
    }

    pub async fn get_team(&self, principal: &Principal, id: TeamId) -> Result<Team, DomainError> {
        principal
            .require(Action::ReadTeams)
            .map_err(|_| DomainError::NotFound)?;
        self.store
            .team(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn create_team(
        &self,
        principal: &Principal,
        input: NewTeam,
        now: Timestamp,
    ) -> Result<Team, DomainError> {
        principal.require(Action::ManageTeams)?;
        let NewTeam {
            name,
            description,
            members,
        } = input;
        self.check_members(principal, &members).await?;
        let team = Team {
            id: TeamId::new(),
            tenant_id: principal.tenant_id(),
            name,
            description,
            members,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = team_event(EventType::TeamCreated, &team, principal, now);
        self.store.put_team(&team, None, &[event]).await?;
        Ok(team)
    }

    pub async fn update_team(
        &self,
        principal: &Principal,
        id: TeamId,
        input: TeamPatch,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<Team, DomainError> {
        // Who cannot see teams learns nothing, not even that one exists.
        let mut team = self.get_team(principal, id).await?;
        principal.require(Action::ManageTeams)?;
        let TeamPatch {
            name,
            description,
            members,
        } = input;
        if if_match.is_some_and(|v| v != team.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let expected = team.version;
        let before = team.clone();
        if let Some(n) = name {
            team.name = n;
        }
        if let Some(d) = description {
            team.description = d;
        }
        if let Some(m) = members {
            self.check_members(principal, &m).await?;
            team.members = m;
        }
        if team == before {
            return Ok(team);
        }
        team.version += 1;
        team.updated_at = now;
        let event = team_event(EventType::TeamUpdated, &team, principal, now);
        self.store.put_team(&team, Some(expected), &[event]).await?;
        Ok(team)
    }

    pub async fn delete_team(
        &self,
        principal: &Principal,
        id: TeamId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let team = self.get_team(principal, id).await?;
        principal.require(Action::ManageTeams)?;
        let event = team_event(EventType::TeamDeleted, &team, principal, now);
        Ok(self
            .store
            .delete_team(principal.tenant_id(), id, &[event])
            .await?)
    }

    /// Members must be active staff of the tenant.
    async fn check_members(
        &self,
        principal: &Principal,
        members: &BTreeSet<UserId>,
    ) -> Result<(), DomainError> {
        let ids: Vec<UserId> = members.iter().copied().collect();
        let found = self.store.users(principal.tenant_id(), &ids).await?;
        let mut v = Validator::new();
        for id in members {
            let ok = found
                .iter()
                .any(|u| u.id == *id && u.role.is_staff() && u.is_active());
            if !ok {
                v.push(crate::kernel::validation::FieldError::new(
                    "members",
                    "invalid_member",
                    format!("{id} is not an active agent of this helpdesk"),
                ));
            }
        }
        v.finish()
    }
}

fn team_event(kind: EventType, team: &Team, principal: &Principal, now: Timestamp) -> DomainEvent {
    DomainEvent::new(
        kind,
        team.tenant_id,
        now,
        principal.actor(),
        Subject {
            team_id: Some(team.id),
            ..Subject::default()
        },
        &TeamChanged {
            name: team.name.clone(),
            members: team.members.len(),
        },
    )
}

/// A tenant has one owner, set at sign-up: nobody makes another.
fn refuse_owner(role: Role) -> Result<(), DomainError> {
    if role == Role::Owner {
        return Err(DomainError::field(
            "role",
            "invalid_role",
            "a tenant has one owner, set at sign-up",
        ));
    }
    Ok(())
}

/// An erased person stays erased: nothing brings a name, address, role
/// or organisation back to the tombstone.
fn changeable(user: User) -> Result<User, DomainError> {
    if user.is_erased() {
        return Err(DomainError::field(
            "id",
            "erased",
            "this person's data was erased; the account cannot be changed",
        ));
    }
    Ok(user)
}
