//! What the domain needs from storage. `switchboard-aws` implements these on
//! DynamoDB; every method is one round trip or one transaction, so the cost
//! of a use case can be read off the calls it makes.

use std::future::Future;

use jiff::Timestamp;

use crate::auth::FailureRecord;
use crate::error::StoreError;
use crate::events::DomainEvent;
use crate::ids::{SessionId, TenantId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::session::{RefreshRecord, Session};
use crate::tenant::{Slug, Tenant};
use crate::user::{Email, User};

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

pub trait AccountStore: Send + Sync {
    /// Creates tenant, owner, session and events atomically. Fails with
    /// `Conflict(SlugTaken)` when the slug is in use.
    fn create_tenant(
        &self,
        tenant: &Tenant,
        owner: &User,
        session: NewSession<'_>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Creates a user (and optionally a first session) atomically. Fails with
    /// `Conflict(EmailTaken)` when the email has an account in the tenant.
    fn create_user(
        &self,
        user: &User,
        session: Option<NewSession<'_>>,
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

    fn user_by_email(
        &self,
        tenant: TenantId,
        email: &Email,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    fn principal_state(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
    ) -> impl Future<Output = Result<PrincipalState, StoreError>> + Send;

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

    /// Whether storage answers at all (health checks).
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
}
