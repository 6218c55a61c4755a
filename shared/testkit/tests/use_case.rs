//! A use-case test as the kit is meant for: real domain services on the
//! in-memory store, people from the fixtures, time from the test clock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::SignedDuration;
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::tickets::input::{Body, NewTicket, SubjectLine, TicketListFilter};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_testkit::{MemoryStore, TestClock, TestTenant};

#[tokio::test]
async fn a_customer_opens_a_ticket_and_the_agent_finds_it() {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    let acme = TestTenant::new(&store, clock.now()).await.unwrap();
    assert_eq!(
        store
            .take_events()
            .iter()
            .filter(|e| e.kind == EventType::UserCreated)
            .count(),
        3,
        "owner, agent and customer"
    );

    let tickets = Ticketing::new(store.clone());
    clock.advance(SignedDuration::from_mins(5));
    let (detail, replayed) = tickets
        .create(
            &acme.customer.principal,
            NewTicket::new(
                SubjectLine::parse("Refund please").unwrap(),
                Body::parse("I was charged twice.").unwrap(),
            ),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(!replayed);
    assert_eq!(detail.ticket.requester_id, acme.customer.user.id);
    assert_eq!(detail.ticket.created_at, clock.now());
    let events = store.take_events();
    assert!(events.iter().any(|e| e.kind == EventType::TicketCreated));

    let page = tickets
        .list(
            &acme.agent.principal,
            TicketListFilter::default(),
            &PageRequest {
                limit: 25,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items, vec![detail.ticket.clone()]);

    // The table is down: the use case reports storage unavailable.
    store.set_unavailable(true);
    let down = tickets.get(&acme.agent.principal, detail.ticket.id).await;
    assert!(
        matches!(down, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{down:?}"
    );
}
