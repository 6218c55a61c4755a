//! Bulk changes (each ticket reported on its own, lost races retried) and
//! soft deletion with its thirty-day restore window.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::SignedDuration;
use serde_json::json;
use support::*;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::tickets::events::TicketDeleted;
use switchboard_domain::tickets::input::{TicketListFilter, TicketPatch};
use switchboard_domain::tickets::service::{MAX_BULK, Ticketing};
use switchboard_domain::tickets::ticket::{Priority, Status};
use switchboard_domain::{DomainError, StoreError};

fn urgent() -> TicketPatch {
    TicketPatch {
        priority: Some(Priority::Urgent),
        ..Default::default()
    }
}

#[tokio::test]
async fn bulk_changes_report_each_ticket_on_its_own() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let a = open(&tickets, &acme.customer.principal, "A", clock.now()).await;
    let b = open(&tickets, &acme.customer.principal, "B", clock.now()).await;
    let foreign = open(&tickets, &globex.customer.principal, "Theirs", clock.now()).await;
    store.take_events();
    let ids = vec![
        a.id.to_string(),
        foreign.id.to_string(),
        "not-an-id".to_owned(),
        b.id.to_string(),
    ];
    let outcomes = tickets
        .bulk(
            agent,
            ids.clone(),
            TicketPatch {
                status: Some(Status::Pending),
                ..Default::default()
            },
            clock.now(),
        )
        .await
        .unwrap();
    let reported: Vec<&str> = outcomes.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(reported, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(outcomes[0].result.as_ref().unwrap().status, Status::Pending);
    assert!(matches!(outcomes[1].result, Err(DomainError::NotFound)));
    assert!(matches!(outcomes[2].result, Err(DomainError::NotFound)));
    assert_eq!(outcomes[3].result.as_ref().unwrap().status, Status::Pending);
    let changed: Vec<Option<TicketId>> = store
        .take_events()
        .iter()
        .filter(|e| e.kind == EventType::TicketStatusChanged)
        .map(|e| e.subject.ticket_id)
        .collect();
    assert_eq!(changed, vec![Some(a.id), Some(b.id)]);
    let theirs = tickets
        .get(&globex.agent.principal, foreign.id)
        .await
        .unwrap();
    assert_eq!(
        theirs.ticket.status,
        Status::New,
        "the other tenant's is untouched"
    );

    // A change one ticket's lifecycle refuses fails for that ticket only.
    tickets
        .update(
            agent,
            a.id,
            TicketPatch {
                status: Some(Status::Solved),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let closing = tickets
        .bulk(
            agent,
            vec![a.id.to_string(), b.id.to_string()],
            TicketPatch {
                status: Some(Status::Closed),
                ..Default::default()
            },
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(closing[0].result.as_ref().unwrap().status, Status::Closed);
    assert!(
        matches!(&closing[1].result, Err(DomainError::Invalid(e)) if e[0].field == "status"),
        "{:?}",
        closing[1].result
    );
}

#[tokio::test]
async fn bulk_refuses_no_ids_too_many_or_the_same_one_twice() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let none = tickets.bulk(agent, vec![], urgent(), clock.now()).await;
    assert_eq!(invalid(none), vec![("ids".into(), "invalid_length")]);
    let many: Vec<String> = (0..=MAX_BULK)
        .map(|_| TicketId::new().to_string())
        .collect();
    let many = tickets.bulk(agent, many, urgent(), clock.now()).await;
    assert_eq!(invalid(many), vec![("ids".into(), "invalid_length")]);
    let twice = tickets
        .bulk(
            agent,
            vec![t.id.to_string(), t.id.to_string()],
            urgent(),
            clock.now(),
        )
        .await;
    assert_eq!(invalid(twice), vec![("ids".into(), "duplicate")]);
    let customer = tickets
        .bulk(
            &acme.customer.principal,
            vec![t.id.to_string()],
            urgent(),
            clock.now(),
        )
        .await;
    assert!(
        matches!(customer, Err(DomainError::Forbidden)),
        "{customer:?}"
    );
    let reader = api_key(&acme, Role::Admin, &[Scope::TicketsRead]);
    let key = tickets
        .bulk(&reader, vec![t.id.to_string()], urgent(), clock.now())
        .await;
    assert!(matches!(key, Err(DomainError::Forbidden)), "{key:?}");
}

#[tokio::test]
async fn bulk_retries_a_ticket_that_changed_meanwhile_and_changes_it_once() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    store.fail_next_call_to("write_ticket", StoreError::VersionMismatch);
    store.fail_next_call_to("write_ticket", StoreError::VersionMismatch);
    let outcomes = tickets
        .bulk(
            &acme.agent.principal,
            vec![t.id.to_string()],
            urgent(),
            clock.now(),
        )
        .await
        .unwrap();
    let changed = outcomes[0].result.as_ref().unwrap();
    assert_eq!((changed.priority, changed.version), (Priority::Urgent, 2));
    let events = store.take_events();
    assert_eq!(
        kinds(&events),
        vec![EventType::TicketUpdated, EventType::TicketPriorityChanged]
    );
    assert_eq!(
        tickets
            .history(&acme.agent.principal, t.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn bulk_gives_up_on_a_ticket_that_keeps_changing() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    for _ in 0..6 {
        store.fail_next_call_to("write_ticket", StoreError::VersionMismatch);
    }
    let outcomes = tickets
        .bulk(
            &acme.agent.principal,
            vec![t.id.to_string()],
            urgent(),
            clock.now(),
        )
        .await
        .unwrap();
    assert!(
        matches!(
            outcomes[0].result,
            Err(DomainError::Conflict(Conflict::Concurrent))
        ),
        "{:?}",
        outcomes[0].result
    );
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn an_admin_deletes_a_ticket_and_it_leaves_every_view() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Spam", clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_mins(1));
    tickets
        .delete(&acme.owner.principal, t.id, clock.now())
        .await
        .unwrap();
    let events = store.take_events();
    assert_eq!(kinds(&events), vec![EventType::TicketDeleted]);
    assert_eq!(
        events[0].payload::<TicketDeleted>(),
        Some(TicketDeleted { number: t.number })
    );
    for who in [
        &acme.owner.principal,
        &acme.agent.principal,
        &acme.customer.principal,
    ] {
        assert!(matches!(
            tickets.get(who, t.id).await,
            Err(DomainError::NotFound)
        ));
        assert!(
            tickets
                .list(who, TicketListFilter::default(), &page(10))
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
    let again = tickets
        .delete(&acme.owner.principal, t.id, clock.now())
        .await;
    assert!(matches!(again, Err(DomainError::NotFound)), "{again:?}");
    let comment = tickets
        .add_comment(&acme.agent.principal, t.id, note("x"), None, clock.now())
        .await;
    assert!(matches!(comment, Err(DomainError::NotFound)), "{comment:?}");
}

#[tokio::test]
async fn agents_and_customers_cannot_delete_or_restore() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    for who in [&acme.agent.principal, &acme.customer.principal] {
        let refused = tickets.delete(who, t.id, clock.now()).await;
        assert!(
            matches!(refused, Err(DomainError::Forbidden)),
            "{refused:?}"
        );
    }
    store.take_events();
    tickets
        .delete(&acme.owner.principal, t.id, clock.now())
        .await
        .unwrap();
    for who in [&acme.agent.principal, &acme.customer.principal] {
        let refused = tickets.restore(who, t.id, clock.now()).await;
        assert!(matches!(refused, Err(DomainError::NotFound)), "{refused:?}");
    }
    assert_eq!(kinds(&store.take_events()), vec![EventType::TicketDeleted]);
}

#[tokio::test]
async fn a_deleted_ticket_is_restored_within_thirty_days_as_it_was() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Oops", clock.now()).await;
    tickets
        .delete(&acme.owner.principal, t.id, clock.now())
        .await
        .unwrap();
    store.take_events();
    clock.advance(SignedDuration::from_hours(24 * 29));
    let restored = tickets
        .restore(&acme.owner.principal, t.id, clock.now())
        .await
        .unwrap();
    assert_eq!(restored.deleted_at, None);
    assert_eq!((restored.version, restored.updated_at), (3, clock.now()));
    let events = store.take_events();
    assert_eq!(kinds(&events), vec![EventType::TicketRestored]);
    assert_eq!(
        events[0].payload::<TicketDeleted>(),
        Some(TicketDeleted { number: t.number })
    );
    let seen = tickets.get(&acme.customer.principal, t.id).await.unwrap();
    assert_eq!(seen.ticket.subject, "Oops");
    let history = tickets.history(&acme.owner.principal, t.id).await.unwrap();
    let deleted: Vec<(serde_json::Value, serde_json::Value)> = history
        .iter()
        .flat_map(|h| h.changes.iter())
        .map(|c| (c.before.clone(), c.after.clone()))
        .collect();
    assert_eq!(history.len(), 2);
    assert!(deleted.contains(&(json!(false), json!(true))));
    assert!(deleted.contains(&(json!(true), json!(false))));
}

#[tokio::test]
async fn after_thirty_days_a_deleted_ticket_cannot_be_restored() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Old", clock.now()).await;
    tickets
        .delete(&acme.owner.principal, t.id, clock.now())
        .await
        .unwrap();
    store.take_events();
    clock.advance(SignedDuration::from_hours(24 * 30) + SignedDuration::from_secs(1));
    let late = tickets
        .restore(&acme.owner.principal, t.id, clock.now())
        .await;
    assert!(matches!(late, Err(DomainError::NotFound)), "{late:?}");
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn restoring_a_live_ticket_changes_nothing() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Fine", clock.now()).await;
    store.take_events();
    let same = tickets
        .restore(&acme.owner.principal, t.id, clock.now())
        .await
        .unwrap();
    assert_eq!(same, t);
    assert!(store.take_events().is_empty());
    let absent = tickets
        .restore(&acme.owner.principal, TicketId::new(), clock.now())
        .await;
    assert!(matches!(absent, Err(DomainError::NotFound)), "{absent:?}");
}

#[tokio::test]
async fn a_failed_delete_leaves_the_ticket_in_place() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Keep", clock.now()).await;
    store.take_events();
    store.fail_next_call_to("write_ticket", StoreError::Unavailable("down".into()));
    let failed = tickets
        .delete(&acme.owner.principal, t.id, clock.now())
        .await;
    assert!(
        matches!(failed, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{failed:?}"
    );
    assert!(store.take_events().is_empty());
    assert_eq!(
        tickets
            .get(&acme.agent.principal, t.id)
            .await
            .unwrap()
            .ticket,
        t
    );
    assert!(
        tickets
            .history(&acme.agent.principal, t.id)
            .await
            .unwrap()
            .is_empty()
    );
}
