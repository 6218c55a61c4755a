//! Account use cases: tenant sign-up, login, refresh, logout, customer
//! registration, authentication of requests, and tenant administration.

use crate::accounts::events::TenantCreated;
use crate::accounts::events::TenantUpdated;
use crate::accounts::events::UserCreated;
use crate::accounts::input::Credentials;
use crate::accounts::input::Registration;
use crate::accounts::input::SignUp;
use crate::accounts::organizations::organization_for;
use crate::accounts::ports::ApiKeyStore;
use crate::accounts::ports::LoginFailures;
use crate::accounts::ports::OrganizationStore;
use crate::accounts::ports::SessionStore;
use crate::accounts::ports::TenantStore;
use crate::accounts::ports::UserStore;
use crate::kernel::audit::{AuditEntry, DEFAULT_RETENTION_DAYS, Target};
use crate::kernel::events::NoData;
use crate::kernel::ports::{AuditTrail, EventLog, Health};
use jiff::Timestamp;

use crate::accounts::api_key::ApiKey;
use crate::accounts::passwords::Passwords;
use crate::accounts::permissions::{Action, Caller, Principal};
use crate::accounts::ports::NewSession;
use crate::accounts::session::{RefreshRecord, Session};
use crate::accounts::tenant::{Plan, Slug, Tenant, TenantPatch, TenantStatus};
use crate::accounts::throttle::LoginThrottle;
use crate::accounts::tokens::{IssuedToken, TokenIssuer};
use crate::accounts::user::{Role, User};
use crate::kernel::error::{AuthFailure, DomainError, StoreError};
use crate::kernel::events::{Actor, DomainEvent, EventType, Subject};
use crate::kernel::ids::TenantId;
use crate::kernel::pagination::{Page, PageRequest};

/// An access token and the refresh token that renews it.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access: IssuedToken,
    pub refresh_token: String,
}

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub tenant: Tenant,
    pub user: User,
    pub tokens: TokenPair,
}

pub struct Accounts<S> {
    store: S,
    tokens: TokenIssuer,
    passwords: Passwords,
    throttle: LoginThrottle,
}

impl<S> Accounts<S>
where
    S: TenantStore
        + UserStore
        + SessionStore
        + LoginFailures
        + ApiKeyStore
        + OrganizationStore
        + Health
        + EventLog
        + AuditTrail,
{
    pub fn new(
        store: S,
        tokens: TokenIssuer,
        passwords: Passwords,
        throttle: LoginThrottle,
    ) -> Self {
        Self {
            store,
            tokens,
            passwords,
            throttle,
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub async fn sign_up(&self, input: SignUp, now: Timestamp) -> Result<SignedIn, DomainError> {
        let SignUp {
            name,
            slug,
            owner_name,
            owner_email: email,
            owner_password: password,
        } = input;
        let hash = self.passwords.hash(&password).await?;
        let tenant = Tenant::new(slug, name, now);
        let owner = User::new(tenant.id, email, owner_name, Role::Owner, Some(hash), now);
        let opening = Opening::new(&owner, now);
        let actor = Actor::user(owner.id);
        let events = [
            DomainEvent::new(
                EventType::TenantCreated,
                tenant.id,
                now,
                actor.clone(),
                Subject::default(),
                &TenantCreated {
                    slug: tenant.slug.as_str().to_owned(),
                    name: tenant.name.clone(),
                },
            ),
            user_created(&owner, actor, false, now),
        ];
        self.store
            .create_tenant(&tenant, &owner, opening.stored(), &events)
            .await?;
        let tokens = self.token_pair(&owner, opening, now)?;
        Ok(SignedIn {
            tenant,
            user: owner,
            tokens,
        })
    }

    /// Wrong tenant, wrong email and wrong password are one answer, in
    /// about the same time; repeated failures on one account are throttled.
    pub async fn login(&self, input: Credentials, now: Timestamp) -> Result<SignedIn, DomainError> {
        let Credentials {
            tenant,
            email,
            password,
        } = input;
        let invalid = DomainError::Unauthenticated(AuthFailure::InvalidCredentials);
        let (Some(slug), Some(email)) = (tenant, email) else {
            self.passwords.verify(&password, None).await;
            return Err(invalid);
        };
        let Some(tenant) = self.store.tenant_by_slug(&slug).await? else {
            self.passwords.verify(&password, None).await;
            return Err(invalid);
        };
        let failures = self.store.failed_logins(tenant.id, &email, now).await?;
        let user = self.store.user_by_email(tenant.id, &email).await?;
        if let Err(throttled) = self.throttle.check(failures.as_ref(), now) {
            self.audit_sign_in(&tenant, user.as_ref(), &email, "user.login_throttled", now)
                .await?;
            return Err(throttled);
        }
        let hash = user.as_ref().and_then(|u| u.password_hash.as_deref());
        if !self.passwords.verify(&password, hash).await {
            let window_ends = self.throttle.window_from(now);
            self.store
                .record_failed_login(tenant.id, &email, now, window_ends)
                .await?;
            self.audit_sign_in(&tenant, user.as_ref(), &email, "user.login_failed", now)
                .await?;
            return Err(invalid);
        }
        let Some(user) = user else {
            return Err(invalid);
        };
        if !tenant.is_active() || !user.is_active() {
            self.audit_sign_in(&tenant, Some(&user), &email, "user.login_refused", now)
                .await?;
            return Err(DomainError::Suspended);
        }
        if failures.is_some() {
            self.store.clear_failed_logins(tenant.id, &email).await?;
        }
        let tokens = self.start_session(&user, now).await?;
        self.audit_sign_in(&tenant, Some(&user), &email, "user.logged_in", now)
            .await?;
        Ok(SignedIn {
            tenant,
            user,
            tokens,
        })
    }

    pub async fn register_customer(
        &self,
        input: Registration,
        now: Timestamp,
    ) -> Result<SignedIn, DomainError> {
        let Registration {
            tenant,
            name,
            email,
            password,
        } = input;
        let tenant = match Slug::parse(&tenant) {
            Ok(slug) => self.store.tenant_by_slug(&slug).await?,
            Err(_) => None,
        };
        let Some(tenant) = tenant.filter(Tenant::is_active) else {
            return Err(DomainError::NotFound);
        };
        if !tenant.settings.allow_customer_signup {
            return Err(DomainError::NotAllowed("registration_closed"));
        }
        let hash = self.passwords.hash(&password).await?;
        let mut user = User::new(tenant.id, email, name, Role::Customer, Some(hash), now);
        user.organization_id = organization_for(&self.store, tenant.id, &user.email).await?;
        // Anyone can type any address: it is theirs once they follow the
        // link mailed to it.
        user.email_verified = false;
        let opening = Opening::new(&user, now);
        let events = [user_created(&user, Actor::user(user.id), false, now)];
        self.store
            .create_user(&user, Some(opening.stored()), &events)
            .await?;
        let tokens = self.token_pair(&user, opening, now)?;
        Ok(SignedIn {
            tenant,
            user,
            tokens,
        })
    }

    /// Spends a refresh token for a new pair. A spent token presented again
    /// revokes its whole session: one of the two holders is not the user.
    pub async fn refresh(&self, token: &str, now: Timestamp) -> Result<TokenPair, DomainError> {
        let digest = crate::kernel::secrets::token_digest(token);
        let Some(record) = self.store.refresh_record(&digest).await? else {
            return Err(DomainError::Unauthenticated(AuthFailure::InvalidToken));
        };
        if record.used_at.is_some() {
            self.revoke_reused(&record, now).await?;
            return Err(DomainError::Unauthenticated(AuthFailure::RefreshReused));
        }
        if now >= record.expires_at {
            return Err(DomainError::Unauthenticated(AuthFailure::InvalidToken));
        }
        let state = self
            .store
            .principal_state(record.tenant_id, record.user_id, record.session_id)
            .await?;
        let (Some(tenant), Some(user), Some(session)) = (state.tenant, state.user, state.session)
        else {
            return Err(DomainError::Unauthenticated(AuthFailure::Revoked));
        };
        if !tenant.is_active()
            || !user.is_active()
            || !session.is_live(now)
            || !user.accepts_session_from(session.created_at)
        {
            return Err(DomainError::Unauthenticated(AuthFailure::Revoked));
        }
        let (refresh_token, next) = RefreshRecord::issue(&session);
        match self.store.rotate_refresh(&record, &next, now).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed) => {
                // Spent concurrently by someone else: the same reuse.
                self.revoke_reused(&record, now).await?;
                return Err(DomainError::Unauthenticated(AuthFailure::RefreshReused));
            }
            Err(e) => return Err(e.into()),
        }
        let access = self
            .tokens
            .issue(tenant.id, user.id, user.role, session.id, now)?;
        Ok(TokenPair {
            access,
            refresh_token,
        })
    }

    /// Ends the caller's session: its refresh tokens and access tokens stop
    /// working at once.
    pub async fn logout(&self, principal: &Principal, now: Timestamp) -> Result<(), DomainError> {
        principal.require(Action::ReadOwnProfile)?;
        let Caller::User { user, session_id } = &principal.caller else {
            return Err(DomainError::Forbidden);
        };
        self.store
            .revoke_session(principal.tenant_id(), user.id, *session_id, now)
            .await?;
        // So that the session's live sockets close now, not at their next
        // message. A retried logout writes it again (harmless).
        let ended = DomainEvent::new(
            EventType::SessionEnded,
            principal.tenant_id(),
            now,
            Actor::user(user.id),
            Subject {
                user_id: Some(user.id),
                ..Subject::default()
            },
            &NoData {},
        );
        self.store.append_events(&[ended]).await?;
        Ok(())
    }

    /// The tenant an access token is signed for, checked without any I/O
    /// (signature and expiry only; `authenticate` checks the rest).
    pub fn claimed_tenant(&self, bearer: &str) -> Option<crate::kernel::ids::TenantId> {
        if ApiKey::looks_like(bearer) {
            return None;
        }
        self.tokens.verify(bearer).ok().map(|c| c.tid)
    }

    /// Turns a bearer credential (an access token or an API key) into a
    /// principal, checking that what it stands for is live now, not only
    /// when it was issued.
    pub async fn authenticate(
        &self,
        bearer: &str,
        now: Timestamp,
    ) -> Result<Principal, DomainError> {
        if ApiKey::looks_like(bearer) {
            return self.authenticate_api_key(bearer, now).await;
        }
        let claims = self.tokens.verify(bearer)?;
        let state = self
            .store
            .principal_state(claims.tid, claims.sub, claims.sid)
            .await?;
        state
            .live(now)
            .ok_or(DomainError::Unauthenticated(AuthFailure::Revoked))
    }

    async fn authenticate_api_key(
        &self,
        secret: &str,
        now: Timestamp,
    ) -> Result<Principal, DomainError> {
        let revoked = DomainError::Unauthenticated(AuthFailure::InvalidToken);
        let digest = crate::kernel::secrets::token_digest(secret);
        let Some(key) = self.store.api_key_by_digest(&digest).await? else {
            return Err(revoked);
        };
        let Some(tenant) = self
            .store
            .tenant(key.tenant_id)
            .await?
            .filter(Tenant::is_active)
        else {
            return Err(revoked);
        };
        if key.use_worth_recording(now) {
            // Best effort: a failed bookkeeping write must not fail the call.
            if let Err(e) = self.store.record_api_key_use(&key, now).await {
                tracing::warn!(api_key_id = %key.id, error = %e, "recording an API key's last use failed");
            }
        }
        Ok(Principal {
            tenant,
            caller: Caller::ApiKey(key),
            membership: None,
        })
    }

    pub async fn update_tenant(
        &self,
        principal: &Principal,
        patch: TenantPatch,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<Tenant, DomainError> {
        principal.require(Action::ManageTenant)?;
        // Re-read: the principal's copy may predate a concurrent change.
        let tenant = self
            .store
            .tenant(principal.tenant_id())
            .await?
            .ok_or(DomainError::NotFound)?;
        if if_match.is_some_and(|v| v != tenant.version) {
            return Err(DomainError::PreconditionFailed);
        }
        self.save_patch(tenant, &patch, principal.actor(), now)
            .await
    }

    /// The operator's choice of a tenant's plan, which sizes its rate
    /// limits (the limiter reads it with the tenant).
    pub async fn set_tenant_plan(
        &self,
        id: TenantId,
        plan: Plan,
        now: Timestamp,
    ) -> Result<Tenant, DomainError> {
        let tenant = self.store.tenant(id).await?.ok_or(DomainError::NotFound)?;
        let patch = TenantPatch {
            plan: Some(plan),
            audit_retention_days: None,
            satisfaction: None,
            ..TenantPatch::default()
        };
        self.save_patch(tenant, &patch, Actor::operator(), now)
            .await
    }

    /// Applies `patch` to `tenant` as read, with a `tenant.updated` event
    /// naming what changed (nothing is written when nothing changes).
    async fn save_patch(
        &self,
        mut tenant: Tenant,
        patch: &TenantPatch,
        actor: Actor,
        now: Timestamp,
    ) -> Result<Tenant, DomainError> {
        let expected = tenant.version;
        let changed = patch.apply(&mut tenant, now);
        if changed.is_empty() {
            return Ok(tenant);
        }
        let event = DomainEvent::new(
            EventType::TenantUpdated,
            tenant.id,
            now,
            actor,
            Subject::default(),
            &TenantUpdated {
                changed: changed.iter().map(|c| (*c).to_owned()).collect(),
            },
        );
        self.store
            .update_tenant(&tenant, expected, &[event])
            .await?;
        Ok(tenant)
    }

    pub async fn list_tenants(&self, page: &PageRequest) -> Result<Page<Tenant>, DomainError> {
        self.store.list_tenants(page).await.map_err(Into::into)
    }

    /// Suspends or reactivates a tenant (operator only).
    pub async fn set_tenant_status(
        &self,
        id: TenantId,
        status: TenantStatus,
        now: Timestamp,
    ) -> Result<Tenant, DomainError> {
        let mut tenant = self.store.tenant(id).await?.ok_or(DomainError::NotFound)?;
        if tenant.status == status {
            return Ok(tenant);
        }
        let expected = tenant.version;
        tenant.status = status;
        tenant.version += 1;
        tenant.updated_at = now;
        let kind = match status {
            TenantStatus::Suspended => EventType::TenantSuspended,
            TenantStatus::Active => EventType::TenantReactivated,
        };
        let event = DomainEvent::new(
            kind,
            id,
            now,
            Actor::operator(),
            Subject::default(),
            &NoData {},
        );
        self.store
            .update_tenant(&tenant, expected, &[event])
            .await?;
        Ok(tenant)
    }

    async fn start_session(&self, user: &User, now: Timestamp) -> Result<TokenPair, DomainError> {
        let opening = Opening::new(user, now);
        self.store.start_session(opening.stored()).await?;
        self.token_pair(user, opening, now)
    }

    /// The tokens of a session just stored.
    fn token_pair(
        &self,
        user: &User,
        opening: Opening,
        now: Timestamp,
    ) -> Result<TokenPair, DomainError> {
        let access =
            self.tokens
                .issue(user.tenant_id, user.id, user.role, opening.session.id, now)?;
        Ok(TokenPair {
            access,
            refresh_token: opening.refresh_token,
        })
    }

    /// A spent refresh token presented again: its session ends, and the
    /// audit log says so.
    async fn revoke_reused(
        &self,
        record: &RefreshRecord,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        self.store
            .revoke_session(record.tenant_id, record.user_id, record.session_id, now)
            .await?;
        let days = self
            .store
            .tenant(record.tenant_id)
            .await?
            .map_or(DEFAULT_RETENTION_DAYS, |t| t.settings.audit_retention_days);
        let entry = AuditEntry::new(
            record.tenant_id,
            now,
            Actor::user(record.user_id),
            "user.refresh_token_reused",
            Some(Target::new("user", record.user_id)),
            Some(serde_json::json!({ "sessionId": record.session_id })),
        )
        .kept_for(days);
        Ok(self.store.record_audit(&[entry]).await?)
    }

    /// A sign-in's outcome in the audit log (an unknown address has no actor
    /// id).
    async fn audit_sign_in(
        &self,
        tenant: &Tenant,
        user: Option<&User>,
        email: &crate::accounts::user::Email,
        action: &str,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let actor = match user {
            Some(u) => Actor::user(u.id),
            None => Actor {
                kind: crate::kernel::events::ActorType::User,
                id: None,
            },
        };
        let entry = AuditEntry::new(
            tenant.id,
            now,
            actor,
            action,
            user.map(|u| Target::new("user", u.id)),
            // A known person is named by id; of an unknown address only its
            // domain is kept (the log keeps no one's address).
            user.is_none().then(|| {
                let domain = email.as_str().rsplit('@').next().unwrap_or_default();
                serde_json::json!({ "unknownAddressAt": domain })
            }),
        )
        .kept_for(tenant.settings.audit_retention_days);
        Ok(self.store.record_audit(&[entry]).await?)
    }
}

/// A new login session: what to store, and the refresh token to hand out
/// once.
struct Opening {
    session: Session,
    refresh: RefreshRecord,
    refresh_token: String,
}

impl Opening {
    fn new(user: &User, now: Timestamp) -> Self {
        let session = Session::start(user.tenant_id, user.id, now);
        let (refresh_token, refresh) = RefreshRecord::issue(&session);
        Self {
            session,
            refresh,
            refresh_token,
        }
    }

    fn stored(&self) -> NewSession<'_> {
        NewSession {
            session: &self.session,
            refresh: &self.refresh,
        }
    }
}

/// `invited`: created by someone else without a password, so the person
/// gets a mail to choose one.
pub(crate) fn user_created(
    user: &User,
    actor: Actor,
    invited: bool,
    now: Timestamp,
) -> DomainEvent {
    DomainEvent::new(
        EventType::UserCreated,
        user.tenant_id,
        now,
        actor,
        Subject {
            user_id: Some(user.id),
            ..Subject::default()
        },
        &UserCreated {
            role: user.role,
            name: user.name.clone(),
            invited,
            verify: !user.email_verified,
        },
    )
}
