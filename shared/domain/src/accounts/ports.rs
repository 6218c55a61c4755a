//! What the accounts context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::accounts::api_key::ApiKey;
use crate::accounts::session::RefreshRecord;
use crate::accounts::session::Session;
use crate::accounts::team::Team;
use crate::accounts::tenant::Slug;
use crate::accounts::tenant::Tenant;
use crate::accounts::throttle::FailureRecord;
use crate::accounts::user::Email;
use crate::accounts::user::Role;
use crate::accounts::user::User;
use crate::kernel::error::StoreError;
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::ApiKeyId;
use crate::kernel::ids::SessionId;
use crate::kernel::ids::TeamId;
use crate::kernel::ids::TenantId;
use crate::kernel::ids::UserId;
use crate::kernel::pagination::Page;
use crate::kernel::pagination::PageRequest;
use jiff::Timestamp;
use std::future::Future;

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
}

/// Tenants: sign-up, settings, the operator's list.
pub trait TenantStore: Send + Sync {
    /// Creates tenant, owner, session and events atomically. Fails with
    /// `Conflict(SlugTaken)` when the slug is in use.
    fn create_tenant(
        &self,
        tenant: &Tenant,
        owner: &User,
        session: NewSession<'_>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn tenant(
        &self,
        id: TenantId,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send;

    fn tenant_by_slug(
        &self,
        slug: &Slug,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send;

    /// Writes the tenant if its stored version is still `expected_version`,
    /// with the events, in one transaction.
    fn update_tenant(
        &self,
        tenant: &Tenant,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// All tenants, newest first (operator use).
    fn list_tenants(
        &self,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Tenant>, StoreError>> + Send;
}

/// The people of a tenant and their login emails.
pub trait UserStore: Send + Sync {
    /// Creates a user (and optionally a first session) atomically. Fails with
    /// `Conflict(EmailTaken)` when the email has an account in the tenant.
    fn create_user(
        &self,
        user: &User,
        session: Option<NewSession<'_>>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn user_by_email(
        &self,
        tenant: TenantId,
        email: &Email,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    fn user(
        &self,
        tenant: TenantId,
        id: UserId,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// The users among `ids` that exist in the tenant (one round trip per
    /// hundred).
    fn users(
        &self,
        tenant: TenantId,
        ids: &[UserId],
    ) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// Users sorted by role then name; only `role` when given.
    fn list_users(
        &self,
        tenant: TenantId,
        role: Option<Role>,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<User>, StoreError>> + Send;

    /// Writes `user` if its stored version is `expected_version`; when its
    /// email changed from `previous_email`, moves the login email too
    /// (`Conflict(EmailTaken)` if the new one is in use).
    fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        previous_email: Option<&Email>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Sessions and their rotating refresh tokens.
pub trait SessionStore: Send + Sync {
    fn principal_state(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
    ) -> impl Future<Output = Result<PrincipalState, StoreError>> + Send;

    fn start_session(
        &self,
        session: NewSession<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn refresh_record(
        &self,
        digest: &str,
    ) -> impl Future<Output = Result<Option<RefreshRecord>, StoreError>> + Send;

    /// Spends `old` and stores `next`, provided `old` is unspent and its
    /// session live; otherwise `ConditionFailed` and nothing is written.
    fn rotate_refresh(
        &self,
        old: &RefreshRecord,
        next: &RefreshRecord,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn revoke_session(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Failed logins per email, for the login throttle.
pub trait LoginFailures: Send + Sync {
    fn failed_logins(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<FailureRecord>, StoreError>> + Send;

    /// Counts one failure, starting a window ending at `window_ends` if none
    /// is running; returns the updated record.
    fn record_failed_login(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
        window_ends: Timestamp,
    ) -> impl Future<Output = Result<FailureRecord, StoreError>> + Send;

    fn clear_failed_logins(
        &self,
        tenant: TenantId,
        email: &Email,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// API keys, stored by the digest of their secret.
pub trait ApiKeyStore: Send + Sync {
    /// An API key by the digest of its secret (revoked keys are gone).
    fn api_key_by_digest(
        &self,
        digest: &str,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send;

    /// Notes that `key` was used now.
    fn record_api_key_use(
        &self,
        key: &ApiKey,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn create_api_key(
        &self,
        key: &ApiKey,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn list_api_keys(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send;

    /// Deletes the key; `NotFound` if the tenant has no such key.
    fn revoke_api_key(
        &self,
        tenant: TenantId,
        id: ApiKeyId,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Single-use password reset and invitation links.
pub trait PasswordLinks: Send + Sync {
    fn put_password_link(
        &self,
        link: &crate::accounts::password_link::PasswordLink,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Notes a reset request of `user` until `until`; `false` when one is
    /// already noted for a time after `now` (no second mail meanwhile).
    fn note_reset_request(
        &self,
        tenant: TenantId,
        user: UserId,
        now: Timestamp,
        until: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Removes and returns the link with this digest (once: a second
    /// taker gets `None`).
    fn take_password_link(
        &self,
        digest: &str,
    ) -> impl Future<
        Output = Result<Option<crate::accounts::password_link::PasswordLink>, StoreError>,
    > + Send;
}

/// Teams of agents.
pub trait TeamStore: Send + Sync {
    fn team(
        &self,
        tenant: TenantId,
        id: TeamId,
    ) -> impl Future<Output = Result<Option<Team>, StoreError>> + Send;

    fn list_teams(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<Vec<Team>, StoreError>> + Send;

    /// Creates (`expected_version: None`) or replaces a team.
    fn put_team(
        &self,
        team: &Team,
        expected_version: Option<u64>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn delete_team(
        &self,
        tenant: TenantId,
        id: TeamId,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
