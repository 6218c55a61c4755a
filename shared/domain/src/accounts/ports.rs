//! What the accounts context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::accounts::api_key::ApiKey;
use crate::accounts::organization::{Membership, Organization};
use crate::accounts::session::{RefreshRecord, Session};
use crate::accounts::team::Team;
use crate::accounts::tenant::{Slug, Tenant};
use crate::accounts::throttle::FailureRecord;
use crate::accounts::user::{Email, Role, User};
use crate::kernel::error::StoreResult;
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::{ApiKeyId, OrganizationId, SessionId, TeamId, TenantId, UserId};
use crate::kernel::pagination::{Page, PageRequest};
use jiff::Timestamp;

/// A session to start in the same transaction as another write.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub session: &'a Session,
    pub refresh: &'a RefreshRecord,
}

/// The live state behind an access token, read in one round trip.
#[derive(Debug, Clone, Default)]
pub struct PrincipalState {
    pub tenant: Option<Tenant>,
    pub user: Option<User>,
    pub session: Option<Session>,
    /// The user's organisation, when they have one (read after the user).
    pub organization: Option<Organization>,
}

impl PrincipalState {
    /// The principal, if the tenant, the person and the session are all
    /// live now: what a token or a socket stands for is checked against
    /// the present, not the moment it was issued.
    pub fn live(self, now: Timestamp) -> Option<crate::accounts::permissions::Principal> {
        let (Some(tenant), Some(user), Some(session)) = (self.tenant, self.user, self.session)
        else {
            return None;
        };
        let consistent = user.tenant_id == tenant.id
            && session.user_id == user.id
            && session.tenant_id == tenant.id;
        let live = consistent
            && tenant.is_active()
            && user.is_active()
            && session.is_live(now)
            && user.accepts_session_from(session.created_at);
        // An address not yet proven joins nothing: anyone can register
        // someone else's (or a made-up one at the company's domain).
        let membership = self
            .organization
            .filter(|o| {
                Some(o.id) == user.organization_id
                    && o.tenant_id == tenant.id
                    && user.email_verified
            })
            .map(|o| Membership {
                organization: o.id,
                shared_tickets: o.shared_tickets,
            });
        live.then_some(crate::accounts::permissions::Principal {
            tenant,
            caller: crate::accounts::permissions::Caller::User {
                user,
                session_id: session.id,
            },
            membership,
        })
    }
}

/// Tenants: sign-up, settings, the operator's list.
#[trait_variant::make(Send)]
pub trait TenantStore: Send + Sync {
    /// Creates tenant, owner, session and events atomically. Fails with
    /// `Conflict(SlugTaken)` when the slug is in use.
    async fn create_tenant(
        &self,
        tenant: &Tenant,
        owner: &User,
        session: NewSession<'_>,
        events: &[DomainEvent],
    ) -> StoreResult<()>;

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>>;

    async fn tenant_by_slug(&self, slug: &Slug) -> StoreResult<Option<Tenant>>;

    /// Writes the tenant if its stored version is still `expected_version`,
    /// with the events, in one transaction.
    async fn update_tenant(
        &self,
        tenant: &Tenant,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()>;

    /// All tenants, newest first (operator use).
    async fn list_tenants(&self, page: &PageRequest) -> StoreResult<Page<Tenant>>;
}

/// The people of a tenant and their login emails.
#[trait_variant::make(Send)]
pub trait UserStore: Send + Sync {
    /// Creates a user (and optionally a first session) atomically. Fails with
    /// `Conflict(EmailTaken)` when the email has an account in the tenant.
    async fn create_user(
        &self,
        user: &User,
        session: Option<NewSession<'_>>,
        events: &[DomainEvent],
    ) -> StoreResult<()>;

    async fn user_by_email(&self, tenant: TenantId, email: &Email) -> StoreResult<Option<User>>;

    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<User>>;

    /// The users among `ids` that exist in the tenant (one round trip per
    /// hundred).
    async fn users(&self, tenant: TenantId, ids: &[UserId]) -> StoreResult<Vec<User>>;

    /// Users sorted by role then name; only `role` when given.
    async fn list_users(
        &self,
        tenant: TenantId,
        role: Option<Role>,
        page: &PageRequest,
    ) -> StoreResult<Page<User>>;

    /// Writes `user` if its stored version is `expected_version`; when its
    /// email changed from `previous_email`, moves the login email too
    /// (`Conflict(EmailTaken)` if the new one is in use).
    async fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        previous_email: Option<&Email>,
        events: &[DomainEvent],
    ) -> StoreResult<()>;
}

/// Sessions and their rotating refresh tokens.
#[trait_variant::make(Send)]
pub trait SessionStore: Send + Sync {
    async fn principal_state(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
    ) -> StoreResult<PrincipalState>;

    async fn start_session(&self, session: NewSession<'_>) -> StoreResult<()>;

    async fn refresh_record(&self, digest: &str) -> StoreResult<Option<RefreshRecord>>;

    /// Spends `old` and stores `next`, provided `old` is unspent and its
    /// session live; otherwise `ConditionFailed` and nothing is written.
    async fn rotate_refresh(
        &self,
        old: &RefreshRecord,
        next: &RefreshRecord,
        now: Timestamp,
    ) -> StoreResult<()>;

    async fn revoke_session(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
        now: Timestamp,
    ) -> StoreResult<()>;
}

/// Failed logins per email, for the login throttle.
#[trait_variant::make(Send)]
pub trait LoginFailures: Send + Sync {
    async fn failed_logins(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
    ) -> StoreResult<Option<FailureRecord>>;

    /// Counts one failure, starting a window ending at `window_ends` if none
    /// is running; returns the updated record.
    async fn record_failed_login(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
        window_ends: Timestamp,
    ) -> StoreResult<FailureRecord>;

    async fn clear_failed_logins(&self, tenant: TenantId, email: &Email) -> StoreResult<()>;
}

/// API keys, stored by the digest of their secret.
#[trait_variant::make(Send)]
pub trait ApiKeyStore: Send + Sync {
    /// An API key by the digest of its secret (revoked keys are gone).
    async fn api_key_by_digest(&self, digest: &str) -> StoreResult<Option<ApiKey>>;

    /// Notes that `key` was used now.
    async fn record_api_key_use(&self, key: &ApiKey, now: Timestamp) -> StoreResult<()>;

    async fn create_api_key(&self, key: &ApiKey, events: &[DomainEvent]) -> StoreResult<()>;

    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKey>>;

    /// Deletes the key; `NotFound` if the tenant has no such key.
    async fn revoke_api_key(
        &self,
        tenant: TenantId,
        id: ApiKeyId,
        events: &[DomainEvent],
    ) -> StoreResult<()>;
}

/// Single-use password reset and invitation links.
#[trait_variant::make(Send)]
pub trait PasswordLinks: Send + Sync {
    async fn put_password_link(
        &self,
        link: &crate::accounts::password_link::PasswordLink,
    ) -> StoreResult<()>;

    /// Notes a reset request of `user` until `until` with its events, in
    /// one transaction; `false` (and nothing written) when one is already
    /// noted for a time after `now` (no second mail meanwhile).
    async fn note_reset_request(
        &self,
        tenant: TenantId,
        user: UserId,
        now: Timestamp,
        until: Timestamp,
        events: &[DomainEvent],
    ) -> StoreResult<bool>;

    /// Removes and returns the link with this digest (once: a second
    /// taker gets `None`).
    async fn take_password_link(
        &self,
        digest: &str,
    ) -> StoreResult<Option<crate::accounts::password_link::PasswordLink>>;
}

/// Teams of agents.
#[trait_variant::make(Send)]
pub trait TeamStore: Send + Sync {
    async fn team(&self, tenant: TenantId, id: TeamId) -> StoreResult<Option<Team>>;

    async fn list_teams(&self, tenant: TenantId) -> StoreResult<Vec<Team>>;

    /// Creates (`expected_version: None`) or replaces a team.
    async fn put_team(
        &self,
        team: &Team,
        expected_version: Option<u64>,
        events: &[DomainEvent],
    ) -> StoreResult<()>;

    async fn delete_team(
        &self,
        tenant: TenantId,
        id: TeamId,
        events: &[DomainEvent],
    ) -> StoreResult<()>;
}

/// Customer organisations and the mail domains they claim.
#[trait_variant::make(Send)]
pub trait OrganizationStore: Send + Sync {
    async fn organization(
        &self,
        tenant: TenantId,
        id: OrganizationId,
    ) -> StoreResult<Option<Organization>>;

    /// The tenant's organisations by name, a page at a time.
    async fn organizations(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> StoreResult<Page<Organization>>;

    /// The organisation claiming a (lower-cased) mail domain.
    async fn organization_for_domain(
        &self,
        tenant: TenantId,
        domain: &str,
    ) -> StoreResult<Option<OrganizationId>>;

    /// Creates `org` (`before: None`) or replaces `before` (still at its
    /// version), claiming the domains it adds and releasing those it drops.
    /// Errors: `VersionMismatch`; `Conflict(DomainTaken)` when another
    /// organisation claims one of its domains.
    async fn put_organization(
        &self,
        org: &Organization,
        before: Option<&Organization>,
        events: &[DomainEvent],
    ) -> StoreResult<()>;

    /// Deletes `org` (still at its version) and its domain claims.
    async fn delete_organization(
        &self,
        org: &Organization,
        events: &[DomainEvent],
    ) -> StoreResult<()>;
}
