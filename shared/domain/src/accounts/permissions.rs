//! Who may do what: the permission matrix, in one place.
//!
//! Handlers name the action they are about to perform; this module decides.
//! An action is allowed when the caller's role allows it and, for an API
//! key, when the key also holds the action's scope. What a role may do to
//! one particular object (a customer and *their own* ticket) is decided by
//! the use case, which knows the object. The README's matrix is rendered by
//! [`markdown_matrix`] and a test keeps the two equal.

use crate::accounts::api_key::{ApiKey, Scope};
use crate::accounts::organization::Membership;
use crate::accounts::tenant::Tenant;
use crate::accounts::user::{Role, User};
use crate::kernel::error::DomainError;
use crate::kernel::events::Actor;
use crate::kernel::ids::{SessionId, TenantId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadTenant,
    ManageTenant,
    ReadOwnProfile,
    ReadUsers,
    ManageCustomers,
    ManageAgents,
    ManageAdmins,
    ManageApiKeys,
    ReadTeams,
    ManageTeams,
    ReadOrganizations,
    ManageOrganizations,
    ExportPersonalData,
    ErasePersonalData,
    CreateTicket,
    ReadTickets,
    UpdateTicket,
    DeleteTicket,
    BulkUpdateTickets,
    ReplyPublicly,
    WriteInternalNote,
    ReadTicketFields,
    ManageTicketFields,
    OwnNotifications,
    LiveUpdates,
    ManageWebhooks,
    ManageMailboxes,
    ReadSla,
    ManageSla,
    UseViews,
    ManageSharedViews,
    ReadKnowledgeBase,
    WriteKnowledgeBase,
    ManageKnowledgeBase,
    ReadAutomation,
    ManageAutomation,
    UseMacros,
    ReadReports,
    ReadAllReports,
    ReadAuditLog,
}

/// Which roles an action is open to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    Everyone,
    Staff,
    Admins,
    Owner,
}

impl Audience {
    fn admits(self, role: Role) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Staff => role.is_staff(),
            Audience::Admins => role.is_admin(),
            Audience::Owner => role == Role::Owner,
        }
    }
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ReadTenant,
        Action::ManageTenant,
        Action::ReadOwnProfile,
        Action::ReadUsers,
        Action::ManageCustomers,
        Action::ManageAgents,
        Action::ManageAdmins,
        Action::ManageApiKeys,
        Action::ReadTeams,
        Action::ManageTeams,
        Action::ReadOrganizations,
        Action::ManageOrganizations,
        Action::ExportPersonalData,
        Action::ErasePersonalData,
        Action::CreateTicket,
        Action::ReadTickets,
        Action::UpdateTicket,
        Action::DeleteTicket,
        Action::BulkUpdateTickets,
        Action::ReplyPublicly,
        Action::WriteInternalNote,
        Action::ReadTicketFields,
        Action::ManageTicketFields,
        Action::OwnNotifications,
        Action::LiveUpdates,
        Action::ManageWebhooks,
        Action::ManageMailboxes,
        Action::ReadSla,
        Action::ManageSla,
        Action::UseViews,
        Action::ManageSharedViews,
        Action::ReadKnowledgeBase,
        Action::WriteKnowledgeBase,
        Action::ManageKnowledgeBase,
        Action::ReadAutomation,
        Action::ManageAutomation,
        Action::UseMacros,
        Action::ReadReports,
        Action::ReadAllReports,
        Action::ReadAuditLog,
    ];

    /// (who, what an API key needs, what it covers).
    fn rule(self) -> (Audience, KeyAccess, &'static str) {
        use Action as A;
        use Audience::*;
        use KeyAccess::{Any, Never};
        let scope = KeyAccess::Scope;
        match self {
            A::ReadTenant => (
                Everyone,
                scope(Scope::TenantRead),
                "read the tenant: `GET /v1/tenants/current`",
            ),
            A::ManageTenant => (
                Admins,
                scope(Scope::TenantWrite),
                "change the tenant: `PATCH /v1/tenants/current`",
            ),
            A::ReadOwnProfile => (
                Everyone,
                Any,
                "oneself: `GET /v1/auth/me` (a key describes itself), `POST /v1/auth/logout` (sessions only)",
            ),
            A::ReadUsers => (
                Staff,
                scope(Scope::UsersRead),
                "list and read users: `GET /v1/users`, `GET /v1/users/{id}` (customers: only themselves)",
            ),
            A::ManageCustomers => (
                Admins,
                scope(Scope::UsersWrite),
                "create, change, deactivate customers: `POST /v1/users`, `PATCH`/`DELETE /v1/users/{id}`",
            ),
            A::ManageAgents => (Admins, scope(Scope::UsersWrite), "the same for agents"),
            A::ManageAdmins => (
                Owner,
                Never,
                "the same for admins, and making someone admin",
            ),
            A::ManageApiKeys => (
                Admins,
                Never,
                "API keys: `GET`/`POST /v1/api-keys`, `DELETE /v1/api-keys/{id}`",
            ),
            A::ReadTeams => (
                Staff,
                scope(Scope::TeamsRead),
                "read teams: `GET /v1/teams`, `GET /v1/teams/{id}`",
            ),
            A::ManageTeams => (
                Admins,
                scope(Scope::TeamsWrite),
                "change teams: `POST /v1/teams`, `PATCH`/`DELETE /v1/teams/{id}`",
            ),
            A::ReadOrganizations => (
                Staff,
                scope(Scope::UsersRead),
                "read organisations: `GET /v1/organizations`, `…/{id}`, `…/{id}/tickets`",
            ),
            A::ManageOrganizations => (
                Admins,
                scope(Scope::UsersWrite),
                "create, change and delete organisations; set a person's `organizationId`",
            ),
            A::ExportPersonalData => (
                Everyone,
                scope(Scope::UsersWrite),
                "a copy of a person's data: `POST /v1/users/{id}/export`, then `GET /v1/jobs/{id}` (non-admins: only themselves)",
            ),
            A::ErasePersonalData => (
                Admins,
                scope(Scope::UsersWrite),
                "erase a customer's personal data: `POST /v1/users/{id}/erase`",
            ),
            A::CreateTicket => (
                Everyone,
                scope(Scope::TicketsWrite),
                "open a ticket: `POST /v1/tickets` (customers: for themselves)",
            ),
            A::ReadTickets => (
                Everyone,
                scope(Scope::TicketsRead),
                "read tickets, conversations, history, lists (customers: their own, public parts)",
            ),
            A::UpdateTicket => (
                Staff,
                scope(Scope::TicketsWrite),
                "change a ticket: `PATCH /v1/tickets/{id}`",
            ),
            A::DeleteTicket => (
                Admins,
                scope(Scope::TicketsWrite),
                "delete and restore: `DELETE /v1/tickets/{id}`, `POST /v1/tickets/{id}/restore`",
            ),
            A::BulkUpdateTickets => (Staff, scope(Scope::TicketsWrite), "`POST /v1/tickets/bulk`"),
            A::ReplyPublicly => (
                Everyone,
                scope(Scope::TicketsWrite),
                "public replies: `POST /v1/tickets/{id}/comments` (customers: on their own tickets)",
            ),
            A::WriteInternalNote => (Staff, scope(Scope::TicketsWrite), "internal notes"),
            A::ReadTicketFields => (
                Everyone,
                scope(Scope::TicketsRead),
                "read custom fields: `GET /v1/ticket-fields` (customers: visible ones)",
            ),
            A::ManageTicketFields => (
                Admins,
                scope(Scope::TenantWrite),
                "define custom fields: `PUT /v1/ticket-fields`",
            ),
            A::OwnNotifications => (
                Everyone,
                Never,
                "one's own in-app notifications and their preferences: `/v1/notifications…`",
            ),
            A::LiveUpdates => (
                Everyone,
                Never,
                "live updates: `POST /v1/realtime/tickets`, then the WebSocket API (customers: their own tickets)",
            ),
            A::ManageWebhooks => (
                Admins,
                scope(Scope::WebhooksWrite),
                "webhooks: `/v1/webhooks…` (endpoints, secrets, test, deliveries, redelivery)",
            ),
            A::ManageMailboxes => (
                Admins,
                scope(Scope::TenantWrite),
                "inbound email addresses: `/v1/mailboxes…`",
            ),
            A::ReadSla => (
                Staff,
                scope(Scope::TenantRead),
                "read business hours and SLA policies: `GET /v1/business-hours`, `GET /v1/sla-policies…`",
            ),
            A::ManageSla => (
                Admins,
                scope(Scope::TenantWrite),
                "change them: `PUT /v1/business-hours`, `POST /v1/sla-policies`, `PATCH`/`DELETE /v1/sla-policies/{id}`",
            ),
            A::UseViews => (
                Staff,
                scope(Scope::TicketsRead),
                "saved views: list, run and count those shared with them, keep their own: `/v1/views…` (keys: shared views only)",
            ),
            A::ManageSharedViews => (
                Admins,
                scope(Scope::TenantWrite),
                "views shared with a team or everyone: `POST /v1/views`, `PATCH`/`DELETE /v1/views/{id}`",
            ),
            A::ReadKnowledgeBase => (
                Staff,
                scope(Scope::KbRead),
                "the knowledge base as staff see it (drafts, internal articles, revisions, insights): `GET /v1/kb/…`, an agent's suggested articles",
            ),
            A::WriteKnowledgeBase => (
                Admins,
                scope(Scope::KbWrite),
                "write, publish, archive and arrange articles, categories and sections (agents the admins name as editors too)",
            ),
            A::ManageKnowledgeBase => (
                Admins,
                scope(Scope::KbWrite),
                "the knowledge base's locales and editors: `PUT /v1/kb/settings`",
            ),
            A::ReadAutomation => (
                Staff,
                scope(Scope::TenantRead),
                "read triggers and see what one would do to a ticket: `GET /v1/triggers…`, `POST /v1/triggers/{id}/test`",
            ),
            A::ManageAutomation => (
                Admins,
                scope(Scope::TenantWrite),
                "change triggers and their order, and shared macros: `POST`/`PATCH`/`DELETE /v1/triggers…`, `PUT /v1/triggers/order`, macros for a team or everyone",
            ),
            A::UseMacros => (
                Staff,
                scope(Scope::TicketsWrite),
                "list the macros shared with them, keep their own, and apply one to a ticket: `/v1/macros…`, `POST /v1/tickets/{id}/macros/{macroId}/apply`",
            ),
            A::ReadReports => (
                Staff,
                scope(Scope::TenantRead),
                "read reports: `GET /v1/analytics/…` (the helpdesk's, teams', channels' and priorities' figures, and their own as an agent)",
            ),
            A::ReadAllReports => (
                Admins,
                scope(Scope::TenantRead),
                "every agent's figures in reports",
            ),
            A::ReadAuditLog => (
                Admins,
                scope(Scope::TenantRead),
                "read the audit log: `GET /v1/audit-log`",
            ),
        }
    }

    pub fn describe(self) -> &'static str {
        self.rule().2
    }

    /// What an API key needs for this action.
    pub fn key_access(self) -> KeyAccess {
        self.rule().1
    }
}

/// What an API key needs to perform an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAccess {
    /// Keys may never do this.
    Never,
    /// Any key may (it concerns only the key itself).
    Any,
    /// Keys holding this scope may.
    Scope(Scope),
}

/// The rule for people.
pub fn allowed(role: Role, action: Action) -> bool {
    action.rule().0.admits(role)
}

const ROLES: [Role; 4] = [Role::Owner, Role::Admin, Role::Agent, Role::Customer];

/// The matrix as the README shows it.
pub fn markdown_matrix() -> String {
    let mut out = String::from(
        "| action | owner | admin | agent | customer | API key scope |\n|---|---|---|---|---|---|\n",
    );
    for &action in Action::ALL {
        let cells: Vec<&str> = ROLES
            .iter()
            .map(|&r| if allowed(r, action) { "✓" } else { "" })
            .collect();
        let scope = match action.key_access() {
            KeyAccess::Never => "never".to_owned(),
            KeyAccess::Any => "any key".to_owned(),
            KeyAccess::Scope(s) => format!("`{s}`"),
        };
        out.push_str(&format!(
            "| {} | {} | {scope} |\n",
            action.describe(),
            cells.join(" | ")
        ));
    }
    out
}

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A person, through a login session.
    User { user: User, session_id: SessionId },
    /// An integration, through an API key.
    ApiKey(ApiKey),
    /// Switchboard itself (SLA escalation), acting with an admin's rights.
    System,
}

/// An authenticated caller, with the tenant (and user) as they are now, not
/// as they were when the credential was issued.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: Tenant,
    pub caller: Caller,
    /// The caller's organisation and what it shares (people only).
    pub membership: Option<Membership>,
}

impl Principal {
    /// Switchboard acting on a tenant by itself (escalations).
    pub fn system(tenant: Tenant) -> Self {
        Self {
            tenant,
            caller: Caller::System,
            membership: None,
        }
    }

    pub fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }

    pub fn role(&self) -> Role {
        match &self.caller {
            Caller::User { user, .. } => user.role,
            Caller::ApiKey(key) => key.role,
            Caller::System => Role::Admin,
        }
    }

    pub fn user(&self) -> Option<&User> {
        match &self.caller {
            Caller::User { user, .. } => Some(user),
            Caller::ApiKey(_) | Caller::System => None,
        }
    }

    pub fn user_id(&self) -> Option<UserId> {
        self.user().map(|u| u.id)
    }

    /// The session a person signed in with.
    pub fn session_id(&self) -> Option<SessionId> {
        match &self.caller {
            Caller::User { session_id, .. } => Some(*session_id),
            Caller::ApiKey(_) | Caller::System => None,
        }
    }

    pub fn is_customer(&self) -> bool {
        self.role() == Role::Customer
    }

    /// Who an event or history entry names as having done it.
    pub fn actor(&self) -> Actor {
        match &self.caller {
            Caller::User { user, .. } => Actor::user(user.id),
            Caller::ApiKey(key) => Actor::api_key(key.id),
            Caller::System => Actor::system(),
        }
    }

    /// Log-friendly id of the caller.
    pub fn caller_id(&self) -> String {
        match &self.caller {
            Caller::User { user, .. } => user.id.to_string(),
            Caller::ApiKey(key) => key.id.to_string(),
            Caller::System => "system".to_owned(),
        }
    }

    pub fn require(&self, action: Action) -> Result<(), DomainError> {
        if !allowed(self.role(), action) {
            return Err(DomainError::Forbidden);
        }
        if let Caller::ApiKey(key) = &self.caller {
            let ok = match action.key_access() {
                KeyAccess::Never => false,
                KeyAccess::Any => true,
                KeyAccess::Scope(scope) => key.scopes.contains(&scope),
            };
            if !ok {
                return Err(DomainError::Forbidden);
            }
        }
        Ok(())
    }

    /// Managing a user of `role` needs the action for that role.
    pub fn require_manage(&self, role: Role) -> Result<(), DomainError> {
        self.require(match role {
            Role::Customer => Action::ManageCustomers,
            Role::Agent => Action::ManageAgents,
            Role::Admin | Role::Owner => Action::ManageAdmins,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use jiff::Timestamp;

    use super::*;
    use crate::accounts::tenant::Slug;
    use crate::accounts::user::Email;

    fn principal(caller: Caller) -> Principal {
        Principal {
            tenant: Tenant::new(
                Slug::parse("acme").unwrap(),
                "Acme".into(),
                Timestamp::UNIX_EPOCH,
            ),
            caller,
            membership: None,
        }
    }

    fn user(role: Role) -> Principal {
        let u = User::new(
            TenantId::new(),
            Email::parse("a@b.co").unwrap(),
            "A".into(),
            role,
            None,
            Timestamp::UNIX_EPOCH,
        );
        principal(Caller::User {
            user: u,
            session_id: SessionId::new(),
        })
    }

    fn key(role: Role, scopes: &[Scope]) -> Principal {
        let (_, k) = ApiKey::issue(
            TenantId::new(),
            "k".into(),
            role,
            scopes.iter().copied().collect::<BTreeSet<_>>(),
            UserId::new(),
            Timestamp::UNIX_EPOCH,
        );
        principal(Caller::ApiKey(k))
    }

    #[test]
    fn roles_follow_the_matrix() {
        assert!(user(Role::Owner).require(Action::ManageAdmins).is_ok());
        assert!(user(Role::Admin).require(Action::ManageAdmins).is_err());
        assert!(user(Role::Admin).require(Action::ManageAgents).is_ok());
        assert!(user(Role::Agent).require(Action::ManageAgents).is_err());
        assert!(user(Role::Agent).require(Action::WriteInternalNote).is_ok());
        assert!(
            user(Role::Customer)
                .require(Action::WriteInternalNote)
                .is_err()
        );
        assert!(user(Role::Customer).require(Action::CreateTicket).is_ok());
        assert!(user(Role::Customer).require(Action::ReadUsers).is_err());
    }

    #[test]
    fn keys_need_both_role_and_scope() {
        assert!(
            key(Role::Agent, &[Scope::TicketsRead])
                .require(Action::ReadTickets)
                .is_ok()
        );
        assert!(
            key(Role::Agent, &[Scope::TicketsRead])
                .require(Action::UpdateTicket)
                .is_err()
        );
        assert!(
            key(Role::Agent, &[Scope::TicketsWrite])
                .require(Action::DeleteTicket)
                .is_err(),
            "agent role"
        );
        assert!(
            key(Role::Admin, &[Scope::TicketsWrite])
                .require(Action::DeleteTicket)
                .is_ok()
        );
        let all: Vec<Scope> = Scope::ALL.to_vec();
        assert!(
            key(Role::Admin, &all)
                .require(Action::ManageApiKeys)
                .is_err(),
            "keys never make keys"
        );
        assert!(
            key(Role::Agent, &[])
                .require(Action::ReadOwnProfile)
                .is_ok(),
            "a key may describe itself"
        );
        assert!(
            key(Role::Admin, &all)
                .require(Action::ManageAdmins)
                .is_err()
        );
    }

    #[test]
    fn the_readme_shows_the_matrix_the_code_enforces() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
                .unwrap();
        let table = markdown_matrix();
        assert!(
            readme.contains(&table),
            "README.md's permission matrix is out of date; replace it with:\n\n{table}"
        );
    }
}
