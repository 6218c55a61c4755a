//! Tenants, users and sessions in memory.

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{
    NewSession, PrincipalState, SessionStore, TenantStore, UserStore,
};
use switchboard_domain::accounts::session::RefreshRecord;
use switchboard_domain::accounts::tenant::{Slug, Tenant};
use switchboard_domain::accounts::user::{Email, Role, User};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{SessionId, TenantId, UserId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};

use super::state::State;
use super::{MemoryStore, distinct, keys};

impl State {
    /// Whether a new session's items are all free.
    fn session_fits(&self, s: &NewSession<'_>) -> bool {
        let key = (s.session.tenant_id, s.session.user_id, s.session.id);
        !self.sessions.contains_key(&key) && !self.refresh.contains_key(&s.refresh.digest)
    }

    fn add_session(&mut self, s: &NewSession<'_>) {
        let key = (s.session.tenant_id, s.session.user_id, s.session.id);
        self.sessions.insert(key, s.session.clone());
        self.refresh
            .insert(s.refresh.digest.clone(), s.refresh.clone());
    }

    pub(super) fn login_email_taken(&self, user: &User) -> bool {
        self.login_emails
            .contains_key(&(user.tenant_id, user.email.as_str().to_owned()))
    }

    pub(super) fn add_user(&mut self, user: &User) {
        self.login_emails
            .insert((user.tenant_id, user.email.as_str().to_owned()), user.id);
        self.users.insert((user.tenant_id, user.id), user.clone());
    }
}

impl TenantStore for MemoryStore {
    async fn create_tenant(
        &self,
        tenant: &Tenant,
        owner: &User,
        session: NewSession<'_>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("create_tenant")?;
        self.write(|s| {
            if s.slugs.contains_key(tenant.slug.as_str()) {
                return Err(StoreError::Conflict(Conflict::SlugTaken));
            }
            if s.tenants.contains_key(&tenant.id)
                || s.users.contains_key(&(owner.tenant_id, owner.id))
            {
                return Err(StoreError::ConditionFailed);
            }
            if s.login_email_taken(owner) {
                return Err(StoreError::Conflict(Conflict::EmailTaken));
            }
            if !s.session_fits(&session) || !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.slugs.insert(tenant.slug.as_str().to_owned(), tenant.id);
            s.tenants.insert(tenant.id, tenant.clone());
            s.add_user(owner);
            s.add_session(&session);
            s.add_events(events);
            Ok(())
        })
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        self.enter("tenant")?;
        Ok(self.read(|s| s.tenants.get(&id).cloned()))
    }

    async fn tenant_by_slug(&self, slug: &Slug) -> StoreResult<Option<Tenant>> {
        self.enter("tenant_by_slug")?;
        Ok(self.read(|s| {
            s.slugs
                .get(slug.as_str())
                .and_then(|id| s.tenants.get(id))
                .cloned()
        }))
    }

    async fn update_tenant(
        &self,
        tenant: &Tenant,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("update_tenant")?;
        self.write(|s| {
            if s.tenants.get(&tenant.id).map(|t| t.version) != Some(expected_version) {
                return Err(StoreError::VersionMismatch);
            }
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.tenants.insert(tenant.id, tenant.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn list_tenants(&self, page: &PageRequest) -> StoreResult<Page<Tenant>> {
        self.enter("list_tenants")?;
        let mut rows: Vec<(String, Tenant)> = self.read(|s| {
            s.tenants
                .values()
                .map(|t| (keys::tenants_index(t.created_at, t.id), t.clone()))
                .collect()
        });
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        self.cursors().page("tenants", rows, true, page)
    }
}

impl UserStore for MemoryStore {
    async fn create_user(
        &self,
        user: &User,
        session: Option<NewSession<'_>>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("create_user")?;
        self.write(|s| {
            if s.login_email_taken(user) {
                return Err(StoreError::Conflict(Conflict::EmailTaken));
            }
            if s.users.contains_key(&(user.tenant_id, user.id))
                || session.as_ref().is_some_and(|n| !s.session_fits(n))
                || !s.events_fit(events)?
            {
                return Err(StoreError::ConditionFailed);
            }
            s.add_user(user);
            if let Some(n) = &session {
                s.add_session(n);
            }
            s.add_events(events);
            Ok(())
        })
    }

    async fn user_by_email(&self, tenant: TenantId, email: &Email) -> StoreResult<Option<User>> {
        self.enter("user_by_email")?;
        Ok(self.read(|s| {
            s.login_emails
                .get(&(tenant, email.as_str().to_owned()))
                .and_then(|id| s.users.get(&(tenant, *id)))
                .cloned()
        }))
    }

    async fn user(&self, tenant: TenantId, id: UserId) -> StoreResult<Option<User>> {
        self.enter("user")?;
        Ok(self.read(|s| s.users.get(&(tenant, id)).cloned()))
    }

    async fn users(&self, tenant: TenantId, ids: &[UserId]) -> StoreResult<Vec<User>> {
        self.enter("users")?;
        // A batch read refuses a key named twice (per hundred, as read).
        for chunk in ids.chunks(100) {
            distinct(chunk)?;
        }
        Ok(self.read(|s| {
            ids.iter()
                .filter_map(|id| s.users.get(&(tenant, *id)).cloned())
                .collect()
        }))
    }

    async fn list_users(
        &self,
        tenant: TenantId,
        role: Option<Role>,
        page: &PageRequest,
    ) -> StoreResult<Page<User>> {
        self.enter("list_users")?;
        let mut rows: Vec<(String, User)> = self.read(|s| {
            s.users
                .iter()
                .filter(|((t, _), u)| *t == tenant && role.is_none_or(|r| u.role == r))
                .map(|(_, u)| (keys::users_index(u.role, &u.name, u.id), u.clone()))
                .collect()
        });
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let scope = format!("users|{tenant}|{}", role.map_or("*", Role::as_str));
        self.cursors().page(&scope, rows, false, page)
    }

    async fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        previous_email: Option<&Email>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("update_user")?;
        self.write(|s| {
            let key = (user.tenant_id, user.id);
            if previous_email.is_some_and(|old| old == &user.email) {
                // Deleting and creating one marker in one transaction.
                return Err(super::twice());
            }
            if s.users.get(&key).map(|u| u.version) != Some(expected_version) {
                return Err(StoreError::VersionMismatch);
            }
            if let Some(old) = previous_email {
                if !s
                    .login_emails
                    .contains_key(&(user.tenant_id, old.as_str().to_owned()))
                {
                    return Err(StoreError::ConditionFailed);
                }
                if s.login_email_taken(user) {
                    return Err(StoreError::Conflict(Conflict::EmailTaken));
                }
            }
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            if let Some(old) = previous_email {
                s.login_emails
                    .remove(&(user.tenant_id, old.as_str().to_owned()));
                s.login_emails
                    .insert((user.tenant_id, user.email.as_str().to_owned()), user.id);
            }
            s.users.insert(key, user.clone());
            s.add_events(events);
            Ok(())
        })
    }
}

impl SessionStore for MemoryStore {
    async fn principal_state(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
    ) -> StoreResult<PrincipalState> {
        self.enter("principal_state")?;
        Ok(self.read(|s| {
            let person = s.users.get(&(tenant, user)).cloned();
            let organization = person
                .as_ref()
                .and_then(|u| u.organization_id)
                .and_then(|o| s.organizations.get(&(tenant, o)).cloned());
            PrincipalState {
                tenant: s.tenants.get(&tenant).cloned(),
                user: person,
                session: s.sessions.get(&(tenant, user, session)).cloned(),
                organization,
            }
        }))
    }

    async fn start_session(&self, session: NewSession<'_>) -> StoreResult<()> {
        self.enter("start_session")?;
        self.write(|s| {
            if !s.session_fits(&session) {
                return Err(StoreError::ConditionFailed);
            }
            s.add_session(&session);
            Ok(())
        })
    }

    async fn refresh_record(&self, digest: &str) -> StoreResult<Option<RefreshRecord>> {
        self.enter("refresh_record")?;
        Ok(self.read(|s| s.refresh.get(digest).cloned()))
    }

    async fn rotate_refresh(
        &self,
        old: &RefreshRecord,
        next: &RefreshRecord,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.enter("rotate_refresh")?;
        self.write(|s| {
            if old.digest == next.digest {
                return Err(super::twice());
            }
            let unspent = s
                .refresh
                .get(&old.digest)
                .is_some_and(|r| r.used_at.is_none());
            let live = s
                .sessions
                .get(&(old.tenant_id, old.user_id, old.session_id))
                .is_some_and(|x| x.revoked_at.is_none());
            if !unspent || !live || s.refresh.contains_key(&next.digest) {
                return Err(StoreError::ConditionFailed);
            }
            if let Some(r) = s.refresh.get_mut(&old.digest) {
                r.used_at = Some(now);
            }
            s.refresh.insert(next.digest.clone(), next.clone());
            Ok(())
        })
    }

    async fn revoke_session(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.enter("revoke_session")?;
        self.write(|s| {
            // The first revocation's time stays; an absent session is fine.
            if let Some(x) = s.sessions.get_mut(&(tenant, user, session)) {
                x.revoked_at = x.revoked_at.or(Some(now));
            }
        });
        Ok(())
    }
}
