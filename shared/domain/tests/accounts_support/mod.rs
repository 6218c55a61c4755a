//! What the accounts and notifications use-case tests share: the services
//! on an in-memory store, parsed inputs, and people made through the real
//! use cases (each costs one or two Argon2id operations, so a test makes
//! only the people it needs).

// Each test file uses a part of this module.
#![allow(dead_code)]

use jiff::Timestamp;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::api_key::{ApiKey, Scope};
use switchboard_domain::accounts::directory::Directory;
use switchboard_domain::accounts::input::{Credentials, NewApiKey, NewUser, SignUp};
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::recovery::Recovery;
use switchboard_domain::accounts::service::{Accounts, SignedIn};
use switchboard_domain::accounts::tenant::Slug;
use switchboard_domain::accounts::user::{Email, Password, Role, User};
use switchboard_domain::kernel::events::{DomainEvent, EventType};
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::notifications::inbox::Inbox;
use switchboard_testkit::fixtures::{self, PASSWORD, unique_slug};
use switchboard_testkit::{MemoryStore, TestClock};

/// A store whose clock is the test's.
pub fn world() -> (TestClock, MemoryStore) {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    (clock, store)
}

pub fn accounts(store: &MemoryStore) -> Accounts<MemoryStore> {
    fixtures::accounts(store.clone()).unwrap()
}

pub fn directory(store: &MemoryStore) -> Directory<MemoryStore> {
    fixtures::directory(store.clone()).unwrap()
}

pub fn recovery(store: &MemoryStore) -> Recovery<MemoryStore> {
    Recovery::new(store.clone(), Passwords::owasp().unwrap())
}

pub fn inbox(store: &MemoryStore) -> Inbox<MemoryStore> {
    Inbox::new(store.clone())
}

pub fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

pub fn password(raw: &str) -> Password {
    Password::parse(raw.into()).unwrap()
}

pub fn slug(raw: &str) -> Slug {
    Slug::parse(raw).unwrap()
}

pub fn page(limit: u32) -> PageRequest {
    PageRequest {
        limit,
        cursor: None,
    }
}

/// A unique address in the helpdesk `slug`.
pub fn address(name: &str, slug: &Slug) -> Email {
    email(&format!(
        "{name}.{}@{}.example",
        TenantId::new().ulid().to_string().to_lowercase(),
        slug.as_str()
    ))
}

/// A sign-up of a fresh helpdesk whose owner uses [`PASSWORD`].
pub fn sign_up_input(slug_text: &str) -> SignUp {
    let s = slug(slug_text);
    SignUp {
        name: "Acme Support".into(),
        owner_name: "Olivia Owner".into(),
        owner_email: email(&format!("olivia@{slug_text}.example")),
        owner_password: password(PASSWORD),
        slug: s,
    }
}

/// A fresh helpdesk and its owner, signed in (one password hash).
pub async fn helpdesk(store: &MemoryStore, now: Timestamp) -> (SignedIn, Principal) {
    let signed = accounts(store)
        .sign_up(sign_up_input(&unique_slug()), now)
        .await
        .unwrap();
    let principal = authenticate(store, &signed.tokens.access.token, now).await;
    (signed, principal)
}

pub async fn authenticate(store: &MemoryStore, bearer: &str, now: Timestamp) -> Principal {
    accounts(store).authenticate(bearer, now).await.unwrap()
}

/// A person `by` adds with [`PASSWORD`] (one hash, no login).
pub async fn add_person(
    store: &MemoryStore,
    by: &Principal,
    role: Role,
    name: &str,
    now: Timestamp,
) -> User {
    directory(store)
        .create_user(
            by,
            NewUser {
                name: name.into(),
                email: address(&name.to_lowercase().replace(' ', "."), &by.tenant.slug),
                role,
                password: Some(password(PASSWORD)),
            },
            now,
        )
        .await
        .unwrap()
}

pub fn credentials(slug: &Slug, email: &Email, password: &str) -> Credentials {
    Credentials::typed(slug.as_str(), email.as_str(), password.into())
}

/// Logs `user` in with [`PASSWORD`] (one check).
pub async fn sign_in(store: &MemoryStore, slug: &Slug, user: &User, now: Timestamp) -> SignedIn {
    accounts(store)
        .login(credentials(slug, &user.email, PASSWORD), now)
        .await
        .unwrap()
}

/// A person added by `by`, logged in: who they are to the use cases, and
/// their tokens (two password operations).
pub async fn member(
    store: &MemoryStore,
    by: &Principal,
    role: Role,
    name: &str,
    now: Timestamp,
) -> (SignedIn, Principal) {
    let user = add_person(store, by, role, name, now).await;
    let signed = sign_in(store, &by.tenant.slug, &user, now).await;
    let principal = authenticate(store, &signed.tokens.access.token, now).await;
    (signed, principal)
}

pub fn kinds(events: &[DomainEvent]) -> Vec<EventType> {
    events.iter().map(|e| e.kind).collect()
}

/// The one event of `kind` among `events`.
pub fn only(events: &[DomainEvent], kind: EventType) -> DomainEvent {
    let found: Vec<&DomainEvent> = events.iter().filter(|e| e.kind == kind).collect();
    assert_eq!(found.len(), 1, "one {kind:?} among {:?}", kinds(events));
    found[0].clone()
}

/// The (field, code) pairs of a validation failure.
pub fn field_errors(e: &DomainError) -> Vec<(String, &'static str)> {
    match e {
        DomainError::Invalid(errors) => errors.iter().map(|f| (f.field.clone(), f.code)).collect(),
        other => panic!("expected a validation failure, got {other:?}"),
    }
}

/// An API key `by` creates, and who it is to the use cases.
pub async fn api_key(
    store: &MemoryStore,
    by: &Principal,
    role: Role,
    scopes: &[Scope],
    now: Timestamp,
) -> (String, ApiKey, Principal) {
    let (secret, key) = directory(store)
        .create_api_key(
            by,
            NewApiKey {
                name: "Integration".into(),
                role,
                scopes: scopes.iter().copied().collect(),
            },
            now,
        )
        .await
        .unwrap();
    let principal = authenticate(store, &secret, now).await;
    (secret, key, principal)
}
