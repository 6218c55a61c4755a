//! What the in-memory store offers tests beyond the ports: the outbox,
//! injected failures, the call log, and its own clock for expiry.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::SignedDuration;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::{Actor, DomainEvent, EventType, NoData, Subject};
use switchboard_domain::kernel::idempotency::{IdempotencyKey, IdempotencyRecord};
use switchboard_domain::kernel::ids::{TenantId, TicketId, UserId};
use switchboard_domain::kernel::ports::{EventLog, Health, IdempotencyStore};
use switchboard_domain::tickets::ports::{TicketStore, TicketWrite, TicketWriteMode};
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, Ticket, TicketType};
use switchboard_testkit::{MemoryStore, TestClock};

fn event(tenant: TenantId) -> DomainEvent {
    DomainEvent::new(
        EventType::TenantSuspended,
        tenant,
        jiff::Timestamp::now(),
        Actor::operator(),
        Subject::default(),
        &NoData {},
    )
}

fn ticket(tenant: TenantId, at: jiff::Timestamp) -> Ticket {
    let requester = UserId::new();
    Ticket {
        id: TicketId::new(),
        tenant_id: tenant,
        number: 1,
        subject: "Refund".into(),
        status: Status::Open,
        priority: Priority::Normal,
        kind: TicketType::Question,
        channel: Channel::Web,
        requester_id: requester,
        organization_id: None,
        assignee_id: None,
        team_id: None,
        tags: Default::default(),
        custom_fields: Default::default(),
        cc: Default::default(),
        created_by: Actor::user(requester),
        created_at: at,
        updated_at: at,
        first_response_at: None,
        solved_at: None,
        closed_at: None,
        deleted_at: None,
        version: 1,
        public_version: 1,
        public_updated_at: at,
        merged_into: None,
        merged_from: Default::default(),
        followers: Default::default(),
        satisfaction: None,
        clocks: Default::default(),
    }
}

#[tokio::test]
async fn events_are_kept_in_write_order_and_taken_once() {
    let store = MemoryStore::new();
    let tenant = TenantId::new();
    let (a, b, c) = (event(tenant), event(tenant), event(tenant));
    store.append_events(&[a.clone(), b.clone()]).await.unwrap();
    let t = ticket(tenant, jiff::Timestamp::now());
    assert_eq!(store.take_events(), vec![a.clone(), b.clone()]);
    store
        .write_ticket(TicketWrite {
            ticket: &t,
            mode: TicketWriteMode::Create,
            before: None,
            comment: None,
            new_requester: None,
            history: None,
            events: std::slice::from_ref(&c),
            idempotency: None,
            capacity: None,
        })
        .await
        .unwrap();
    assert_eq!(store.take_events(), vec![c.clone()], "only the newer ones");
    assert!(store.take_events().is_empty());
    assert_eq!(store.events(), vec![a.clone(), b, c], "all of them");
    // An event written again fails, as on the table, and is not recorded.
    assert!(matches!(
        store.append_events(std::slice::from_ref(&a)).await,
        Err(StoreError::ConditionFailed)
    ));
    assert!(store.holds_event(tenant, a.id));
    assert_eq!(store.events().len(), 3);
}

#[tokio::test]
async fn failures_are_injected_for_the_next_call_or_one_method() {
    let store = MemoryStore::new();
    store.fail_next(StoreError::Unavailable("throttled".into()));
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable(_))
    ));
    store.ping().await.unwrap();

    store.fail_next_call_to("append_events", StoreError::Internal("boom".into()));
    store.ping().await.unwrap();
    let e = event(TenantId::new());
    assert!(matches!(
        store.append_events(std::slice::from_ref(&e)).await,
        Err(StoreError::Internal(_))
    ));
    assert!(store.events().is_empty(), "a failed call writes nothing");
    store.append_events(&[e]).await.unwrap();

    store.set_unavailable(true);
    assert!(matches!(
        store.ping().await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.append_events(&[]).await,
        Err(StoreError::Unavailable(_))
    ));
    store.set_unavailable(false);
    store.ping().await.unwrap();

    assert_eq!(
        store.calls(),
        [
            "ping",
            "ping",
            "ping",
            "append_events",
            "append_events",
            "ping",
            "append_events",
            "ping"
        ]
    );
    store.clear_calls();
    assert!(store.calls().is_empty());
}

#[tokio::test]
async fn idempotency_records_expire_by_the_stores_clock() {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    let tenant = TenantId::new();
    let record = IdempotencyRecord {
        key: IdempotencyKey::new("usr_a", "POST /v1/tickets", "k1", b"{}"),
        resource_id: "tkt_1".into(),
        created_at: clock.now(),
    };
    let t = ticket(tenant, clock.now());
    store
        .write_ticket(TicketWrite {
            ticket: &t,
            mode: TicketWriteMode::Create,
            before: None,
            comment: None,
            new_requester: None,
            history: None,
            events: &[],
            idempotency: Some(&record),
            capacity: None,
        })
        .await
        .unwrap();
    let read = async || {
        store
            .idempotency_record(tenant, &record.key.scope)
            .await
            .unwrap()
    };
    clock.advance(SignedDuration::from_hours(23));
    assert_eq!(read().await, Some(record.clone()));
    clock.advance(SignedDuration::from_hours(1));
    assert_eq!(read().await, None, "24 hours on, the record is gone");
}
