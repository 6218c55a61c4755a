//! What the use-case tests share: a tenant on a fresh in-memory store,
//! cheap extra people, tickets opened in one line, and readers of errors
//! and events.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use jiff::Timestamp;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::api_key::{ApiKey, Scope};
use switchboard_domain::accounts::input::NewUser;
use switchboard_domain::accounts::permissions::{Caller, Principal};
use switchboard_domain::accounts::user::{Email, Role, User};
use switchboard_domain::kernel::events::{DomainEvent, EventType};
use switchboard_domain::kernel::idempotency::IdempotencyKey;
use switchboard_domain::kernel::ids::{SessionId, TenantId};
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::tickets::fields::{FieldDef, FieldKind};
use switchboard_domain::tickets::input::{Body, NewComment, NewTicket, SubjectLine};
use switchboard_domain::tickets::service::{TicketDetail, Ticketing};
use switchboard_domain::tickets::ticket::Ticket;
use switchboard_testkit::fixtures::directory;
use switchboard_testkit::{MemoryStore, TestClock, TestTenant};

/// A fresh store on a test clock with one tenant (owner, agent, customer);
/// the sign-up's events are already taken.
pub async fn world() -> (TestClock, MemoryStore, TestTenant) {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    let acme = TestTenant::new(&store, clock.now()).await.unwrap();
    store.take_events();
    (clock, store, acme)
}

/// A second tenant on the same store.
pub async fn other_tenant(store: &MemoryStore, clock: &TestClock) -> TestTenant {
    let t = TestTenant::new(store, clock.now()).await.unwrap();
    store.take_events();
    t
}

/// A person the owner adds without a password (no Argon2 cost), and the
/// principal they would authenticate as. The use cases take a principal as
/// already authenticated, so no session is needed behind it.
pub async fn invite(
    store: &MemoryStore,
    t: &TestTenant,
    role: Role,
    name: &str,
    now: Timestamp,
) -> (User, Principal) {
    let email = format!(
        "{}.{}@{}.example",
        name.to_lowercase().replace(' ', "."),
        TenantId::new().ulid().to_string().to_lowercase(),
        t.tenant.slug.as_str()
    );
    let user = directory(store.clone())
        .unwrap()
        .create_user(
            &t.owner.principal,
            NewUser {
                name: name.into(),
                email: Email::parse(&email).unwrap(),
                role,
                password: None,
            },
            now,
        )
        .await
        .unwrap();
    store.take_events();
    let principal = as_user(t, &user);
    (user, principal)
}

/// `user` as a signed-in principal of `t`.
pub fn as_user(t: &TestTenant, user: &User) -> Principal {
    Principal {
        tenant: t.tenant.clone(),
        caller: Caller::User {
            user: user.clone(),
            session_id: SessionId::new(),
        },
        membership: None,
    }
}

/// An API key of `t` with `role` and `scopes`, as `authenticate` returns it.
pub fn api_key(t: &TestTenant, role: Role, scopes: &[Scope]) -> Principal {
    let (_, key) = ApiKey::issue(
        t.id(),
        "integration".into(),
        role,
        scopes.iter().copied().collect::<BTreeSet<_>>(),
        t.owner.user.id,
        Timestamp::now(),
    );
    Principal {
        tenant: t.tenant.clone(),
        caller: Caller::ApiKey(key),
        membership: None,
    }
}

pub fn subject(s: &str) -> SubjectLine {
    SubjectLine::parse(s).unwrap()
}

pub fn body(s: &str) -> Body {
    Body::parse(s).unwrap()
}

pub fn new_ticket(s: &str, description: &str) -> NewTicket {
    NewTicket::new(subject(s), body(description))
}

pub fn reply(s: &str) -> NewComment {
    NewComment::reply(body(s))
}

pub fn note(s: &str) -> NewComment {
    NewComment::note(body(s))
}

pub fn page(limit: u32) -> PageRequest {
    PageRequest {
        limit,
        cursor: None,
    }
}

/// Opens a ticket as `principal` and returns it as they were shown it.
pub async fn open_detail(
    tickets: &Ticketing<MemoryStore>,
    principal: &Principal,
    input: NewTicket,
    now: Timestamp,
) -> TicketDetail {
    let (detail, replayed) = tickets
        .create(principal, input, None, now)
        .await
        .unwrap()
        .into_inner();
    assert!(!replayed);
    detail
}

/// Opens a ticket with only a subject as `principal`.
pub async fn open(
    tickets: &Ticketing<MemoryStore>,
    principal: &Principal,
    s: &str,
    now: Timestamp,
) -> Ticket {
    open_detail(tickets, principal, new_ticket(s, "Please help."), now)
        .await
        .ticket
}

/// An idempotency key for `operation` by `principal`.
pub fn key(
    principal: &Principal,
    operation: &str,
    client_key: &str,
    request: &str,
) -> IdempotencyKey {
    IdempotencyKey::new(
        &principal.caller_id(),
        operation,
        client_key,
        request.as_bytes(),
    )
}

/// The (field, code) pairs of an `Invalid` error; panics on anything else.
pub fn invalid(result: Result<impl std::fmt::Debug, DomainError>) -> Vec<(String, &'static str)> {
    match result {
        Err(DomainError::Invalid(errors)) => {
            errors.into_iter().map(|e| (e.field, e.code)).collect()
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

pub fn field(key: &str, kind: FieldKind, required: bool, customer_visible: bool) -> FieldDef {
    FieldDef {
        key: key.into(),
        label: key.into(),
        kind,
        options: Vec::new(),
        required,
        customer_visible,
    }
}

pub fn kinds(events: &[DomainEvent]) -> Vec<EventType> {
    events.iter().map(|e| e.kind).collect()
}

/// The one event of `kind` among `events`.
pub fn only(events: &[DomainEvent], kind: EventType) -> DomainEvent {
    let found: Vec<&DomainEvent> = events.iter().filter(|e| e.kind == kind).collect();
    assert_eq!(found.len(), 1, "one {kind:?} in {:?}", kinds(events));
    found[0].clone()
}

/// Waits for the wall clock's next millisecond. Ids are ULIDs of the wall
/// clock (not the test clock), random within one millisecond, so records
/// that a list orders by id are written a millisecond apart.
pub async fn next_millisecond() {
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
}
