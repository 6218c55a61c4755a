//! What the use-case tests share: a helpdesk on the in-memory store, raw
//! mails as SES hands them over, and short ways to read results.

#![allow(dead_code)] // each test file uses a part

pub mod mail;
pub mod outbox;
pub mod sla;
pub mod webhooks;

use jiff::Timestamp;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::team::Team;
use switchboard_domain::email::ReplyAddresses;
use switchboard_domain::kernel::events::{DomainEvent, EventType};
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::tickets::input::{Body, NewTicket, SubjectLine};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::Ticket;
use switchboard_testkit::{MemoryStore, TestClock, TestTenant, fixtures};

/// The deployment's mail domain in these tests.
pub const MAIL_DOMAIN: &str = "mail.switchboard.test";

/// The key sealing satisfaction surveys' links in these tests.
pub const SURVEY_KEY: [u8; 32] = [5; 32];

/// The reply addresses of the deployment (a fixed test key).
pub fn replies() -> ReplyAddresses {
    ReplyAddresses::new(MAIL_DOMAIN, [7; 32])
}

/// A store and clock, and a fresh helpdesk (owner, agent, customer) on it.
pub async fn helpdesk() -> (MemoryStore, TestClock, TestTenant) {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    let acme = TestTenant::new(&store, clock.now()).await.unwrap();
    store.take_events();
    (store, clock, acme)
}

/// Another helpdesk on the same store (for isolation).
pub async fn other_helpdesk(store: &MemoryStore, clock: &TestClock) -> TestTenant {
    let t = TestTenant::new(store, clock.now()).await.unwrap();
    store.take_events();
    t
}

pub fn page(limit: u32) -> PageRequest {
    PageRequest {
        limit,
        cursor: None,
    }
}

/// The `(field, code)` pairs of a validation failure; panics on anything else.
pub fn fields<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Vec<(String, &'static str)> {
    match result {
        Err(DomainError::Invalid(errors)) => {
            errors.into_iter().map(|e| (e.field, e.code)).collect()
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}

/// The types of `events`, in order.
pub fn kinds(events: &[DomainEvent]) -> Vec<EventType> {
    events.iter().map(|e| e.kind).collect()
}

/// The one event of type `kind` among `events`; panics unless exactly one.
pub fn one_of(events: &[DomainEvent], kind: EventType) -> DomainEvent {
    let found: Vec<&DomainEvent> = events.iter().filter(|e| e.kind == kind).collect();
    assert_eq!(found.len(), 1, "one {kind:?} in {:?}", kinds(events));
    found[0].clone()
}

/// A ticket `who` opens through the ticket use case.
pub async fn open_ticket(
    store: &MemoryStore,
    who: &Principal,
    subject: &str,
    now: Timestamp,
) -> Ticket {
    open_with(store, who, subject, |t| t, now).await
}

/// A ticket `who` opens, with `adjust` applied to the input.
pub async fn open_with(
    store: &MemoryStore,
    who: &Principal,
    subject: &str,
    adjust: impl FnOnce(NewTicket) -> NewTicket,
    now: Timestamp,
) -> Ticket {
    let input = adjust(NewTicket::new(
        SubjectLine::parse(subject).unwrap(),
        Body::parse("Please help.").unwrap(),
    ));
    Ticketing::new(store.clone())
        .create(who, input, None, now)
        .await
        .unwrap()
        .into_inner()
        .0
        .ticket
}

/// A team the owner makes.
pub async fn team(store: &MemoryStore, acme: &TestTenant, name: &str, now: Timestamp) -> Team {
    fixtures::directory(store.clone())
        .unwrap()
        .create_team(
            &acme.owner.principal,
            NewTeam {
                name: name.into(),
                description: String::new(),
                members: Default::default(),
            },
            now,
        )
        .await
        .unwrap()
}

/// A raw message: headers in order, then a plain-text body.
pub fn raw_mail(headers: &[(&str, &str)], body: &str) -> String {
    let mut raw = String::new();
    for (name, value) in headers {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("\r\n");
    raw.push_str(&body.replace('\n', "\r\n"));
    raw.push_str("\r\n");
    raw
}

/// A Message-ID no other test uses (without brackets).
pub fn message_id() -> String {
    format!("{}@mail.example.com", ulid::Ulid::new())
}

/// An API key of `role` with `scopes`, as the owner makes it, and the
/// principal it authenticates as.
pub async fn api_key(
    store: &MemoryStore,
    acme: &TestTenant,
    role: switchboard_domain::accounts::user::Role,
    scopes: &[switchboard_domain::accounts::api_key::Scope],
    now: Timestamp,
) -> Principal {
    let (secret, _) = fixtures::directory(store.clone())
        .unwrap()
        .create_api_key(
            &acme.owner.principal,
            switchboard_domain::accounts::input::NewApiKey {
                name: "Integration".into(),
                role,
                scopes: scopes.iter().copied().collect(),
            },
            now,
        )
        .await
        .unwrap();
    let principal = fixtures::accounts(store.clone())
        .unwrap()
        .authenticate(&secret, now)
        .await
        .unwrap();
    store.take_events();
    principal
}
