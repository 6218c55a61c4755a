//! A tenant with its owner, an agent and a customer, made through the real
//! account services (sign-up, user creation, login, authentication), on
//! any store: the in-memory one or `DynamoStore`.
//!
//! Passwords are hashed with the production Argon2id parameters (the only
//! ones `Passwords` has): a tenant costs five hashes or checks, about a
//! tenth of a second, so make one or two per test.

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::DomainError;
use switchboard_domain::accounts::directory::Directory;
use switchboard_domain::accounts::input::{Credentials, NewUser, SignUp, parse_role};
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::ports::{
    ApiKeyStore, LoginFailures, OrganizationStore, SessionStore, TeamStore, TenantStore, UserStore,
};
use switchboard_domain::accounts::service::Accounts;
use switchboard_domain::accounts::tenant::Slug;
use switchboard_domain::accounts::tenant::Tenant;
use switchboard_domain::accounts::throttle::LoginThrottle;
use switchboard_domain::accounts::tokens::TokenIssuer;
use switchboard_domain::accounts::user::User;
use switchboard_domain::accounts::user::{Email, Password};
use switchboard_domain::kernel::error::Invalid;
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::ports::Health;
use switchboard_domain::kernel::ports::{AuditTrail, EventLog};
use switchboard_domain::kernel::secrets::SigningSecret;

/// Every fixture person's password.
pub const PASSWORD: &str = "a long enough password";
pub const SIGNING_SECRET: &[u8] = b"switchboard-testkit-signing-secret-0123456789";
pub const ISSUER: &str = "switchboard";
pub const AUDIENCE: &str = "switchboard-api";

/// What the account services need of a store.
pub trait AccountsStore:
    TenantStore
    + UserStore
    + SessionStore
    + LoginFailures
    + ApiKeyStore
    + TeamStore
    + OrganizationStore
    + Health
    + EventLog
    + AuditTrail
    + Clone
{
}

impl<S> AccountsStore for S where
    S: TenantStore
        + UserStore
        + SessionStore
        + LoginFailures
        + ApiKeyStore
        + TeamStore
        + OrganizationStore
        + Health
        + EventLog
        + AuditTrail
        + Clone
{
}

pub fn signing_secret() -> Result<SigningSecret, DomainError> {
    SigningSecret::new(SIGNING_SECRET.to_vec())
}

/// The issuer of the fixtures' access tokens (15 minutes).
pub fn token_issuer() -> Result<TokenIssuer, DomainError> {
    TokenIssuer::new(
        &signing_secret()?,
        ISSUER,
        AUDIENCE,
        SignedDuration::from_mins(15),
    )
}

/// The account services on `store`, as the functions build them.
pub fn accounts<S: AccountsStore>(store: S) -> Result<Accounts<S>, DomainError> {
    Ok(Accounts::new(
        store,
        token_issuer()?,
        Passwords::owasp()?,
        LoginThrottle::default(),
    ))
}

pub fn directory<S: AccountsStore>(store: S) -> Result<Directory<S>, DomainError> {
    Ok(Directory::new(store, Passwords::owasp()?))
}

/// A slug no other test uses.
pub fn unique_slug() -> String {
    format!("t-{}", TenantId::new().ulid().to_string().to_lowercase())
}

/// A signed-in person of a test tenant.
#[derive(Debug, Clone)]
pub struct Person {
    pub user: User,
    /// Who they are to the use cases (as `authenticate` returned it).
    pub principal: Principal,
    pub access_token: String,
    pub refresh_token: String,
}

impl Person {
    /// `Bearer …`, for a request.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.access_token)
    }
}

/// A fresh tenant: its owner, an agent and a customer, signed in.
#[derive(Debug, Clone)]
pub struct TestTenant {
    pub tenant: Tenant,
    pub owner: Person,
    pub agent: Person,
    pub customer: Person,
}

impl TestTenant {
    /// Signs a tenant up at `now` and adds its agent and customer. Access
    /// tokens are checked against the wall clock, so `now` must be within
    /// a few minutes of it (as [`crate::TestClock::new`] starts).
    pub async fn new<S: AccountsStore>(store: &S, now: Timestamp) -> Result<Self, DomainError> {
        let slug = unique_slug();
        let accounts = accounts(store.clone())?;
        let signed = accounts
            .sign_up(
                SignUp {
                    name: "Acme Support".into(),
                    slug: parsed("slug", Slug::parse(&slug))?,
                    owner_name: "Olivia Owner".into(),
                    owner_email: parsed("email", Email::parse(&format!("olivia@{slug}.example")))?,
                    owner_password: parsed("password", Password::parse(PASSWORD.into()))?,
                },
                now,
            )
            .await?;
        let principal = accounts
            .authenticate(&signed.tokens.access.token, now)
            .await?;
        let owner = Person {
            user: signed.user,
            principal,
            access_token: signed.tokens.access.token,
            refresh_token: signed.tokens.refresh_token,
        };
        let mut t = Self {
            tenant: signed.tenant,
            agent: owner.clone(),
            customer: owner.clone(),
            owner,
        };
        t.agent = t.person(store, "agent", "Alex Agent", now).await?;
        t.customer = t.person(store, "customer", "Casey Customer", now).await?;
        Ok(t)
    }

    /// Adds a person with `role` (`admin`, `agent`, `customer`) as the owner
    /// would, then logs them in.
    pub async fn person<S: AccountsStore>(
        &self,
        store: &S,
        role: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<Person, DomainError> {
        let email = format!(
            "{}.{}@{}.example",
            name.to_lowercase().replace(' ', "."),
            TenantId::new().ulid().to_string().to_lowercase(),
            self.tenant.slug.as_str()
        );
        let user = directory(store.clone())?
            .create_user(
                &self.owner.principal,
                NewUser {
                    name: name.into(),
                    email: parsed("email", Email::parse(&email))?,
                    role: parsed("role", parse_role(role))?,
                    password: Some(parsed("password", Password::parse(PASSWORD.into()))?),
                },
                now,
            )
            .await?;
        let accounts = accounts(store.clone())?;
        let signed = accounts
            .login(
                Credentials::typed(self.tenant.slug.as_str(), &email, PASSWORD.into()),
                now,
            )
            .await?;
        let principal = accounts
            .authenticate(&signed.tokens.access.token, now)
            .await?;
        Ok(Person {
            user,
            principal,
            access_token: signed.tokens.access.token,
            refresh_token: signed.tokens.refresh_token,
        })
    }

    pub fn id(&self) -> TenantId {
        self.tenant.id
    }
}

/// A fixture's value as the domain parses it.
fn parsed<T>(field: &str, value: Result<T, Invalid>) -> Result<T, DomainError> {
    value.map_err(|e| DomainError::field(field, e.code, e.message))
}
