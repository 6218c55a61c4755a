//! Reading tickets: `get`, `get_by_number` and `history`, and who may see
//! what (customers their own and those they are copied on, public
//! comments and visible fields only; another tenant's ticket is absent).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use jiff::SignedDuration;
use serde_json::json;
use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::tickets::fields::FieldKind;
use switchboard_domain::tickets::input::{
    NewTicket, RequesterRef, Someone, TicketListFilter, TicketPatch,
};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Priority, Status, Ticket};

fn ids(tickets: &[Ticket]) -> Vec<TicketId> {
    tickets.iter().map(|t| t.id).collect()
}

#[tokio::test]
async fn a_customer_never_sees_another_customers_ticket() {
    let (clock, store, acme) = world().await;
    let (_, other) = invite(&store, &acme, Role::Customer, "Other Customer", clock.now()).await;
    let tickets = Ticketing::new(store.clone());
    let theirs = open(&tickets, &acme.customer.principal, "Private", clock.now()).await;
    let mine = open(&tickets, &other, "Mine", clock.now()).await;
    store.take_events();

    assert!(matches!(
        tickets.get(&other, theirs.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        tickets.get_by_number(&other, theirs.number).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        tickets.history(&other, theirs.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        tickets.list_comments(&other, theirs.id, &page(10)).await,
        Err(DomainError::NotFound)
    ));
    let replied = tickets
        .add_comment(&other, theirs.id, reply("me too"), None, clock.now())
        .await;
    assert!(matches!(replied, Err(DomainError::NotFound)), "{replied:?}");
    let listed = tickets
        .list(&other, TicketListFilter::default(), &page(10))
        .await
        .unwrap();
    assert_eq!(ids(&listed.items), vec![mine.id]);
    let asked_for_theirs = tickets
        .list(
            &other,
            TicketListFilter {
                requester: Some(Someone::Id(acme.customer.user.id)),
                ..TicketListFilter::default()
            },
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(
        ids(&asked_for_theirs.items),
        vec![mine.id],
        "a customer's list is always their own"
    );
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn another_tenants_ticket_is_not_found_exactly_like_an_absent_one() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let tickets = Ticketing::new(store.clone());
    let ours = open(&tickets, &acme.customer.principal, "Ours", clock.now()).await;
    store.take_events();
    let intruder = &globex.owner.principal;

    for id in [ours.id, TicketId::new()] {
        assert!(matches!(
            tickets.get(intruder, id).await,
            Err(DomainError::NotFound)
        ));
        assert!(matches!(
            tickets.history(intruder, id).await,
            Err(DomainError::NotFound)
        ));
        assert!(matches!(
            tickets
                .update(
                    intruder,
                    id,
                    TicketPatch {
                        subject: Some(subject("Mine now")),
                        ..Default::default()
                    },
                    None,
                    clock.now()
                )
                .await,
            Err(DomainError::NotFound)
        ));
        assert!(matches!(
            tickets.delete(intruder, id, clock.now()).await,
            Err(DomainError::NotFound)
        ));
        assert!(matches!(
            tickets.restore(intruder, id, clock.now()).await,
            Err(DomainError::NotFound)
        ));
        assert!(matches!(
            tickets
                .add_comment(intruder, id, note("x"), None, clock.now())
                .await,
            Err(DomainError::NotFound)
        ));
    }
    assert!(matches!(
        tickets.get_by_number(intruder, ours.number).await,
        Err(DomainError::NotFound)
    ));
    assert!(
        tickets
            .list(intruder, TicketListFilter::default(), &page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(store.take_events().is_empty(), "nothing changed");
    let still = tickets.get(&acme.agent.principal, ours.id).await.unwrap();
    assert_eq!(still.ticket, ours);
}

#[tokio::test]
async fn a_customer_copied_on_a_ticket_reads_and_answers_it() {
    let (clock, store, acme) = world().await;
    let (_, requester) = invite(&store, &acme, Role::Customer, "Req Uester", clock.now()).await;
    let tickets = Ticketing::new(store.clone());
    let cc = BTreeSet::from([acme.customer.user.email.as_str().to_lowercase()]);
    let shared = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: Some(RequesterRef::Id(requester.user_id().unwrap())),
            cc,
            ..new_ticket("Team outage", "Nobody can log in")
        },
        clock.now(),
    )
    .await
    .ticket;
    let seen = tickets
        .get(&acme.customer.principal, shared.id)
        .await
        .unwrap();
    assert_eq!(seen.ticket.id, shared.id);
    let (answer, _) = tickets
        .add_comment(
            &acme.customer.principal,
            shared.id,
            reply("Same here"),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.author, Actor::user(acme.customer.user.id));
}

#[tokio::test]
async fn a_customer_sees_only_public_comments_with_no_hint_of_internal_ones() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open_detail(
        &tickets,
        &acme.customer.principal,
        new_ticket("S", "hello"),
        clock.now(),
    )
    .await
    .ticket;
    next_millisecond().await;
    for i in 0..101 {
        tickets
            .add_comment(
                &acme.agent.principal,
                t.id,
                note(&format!("note {i}")),
                None,
                clock.now(),
            )
            .await
            .unwrap();
    }
    next_millisecond().await;
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("public answer"),
            None,
            clock.now(),
        )
        .await
        .unwrap();

    let staff = tickets.get(&acme.agent.principal, t.id).await.unwrap();
    assert_eq!(staff.comments.len(), 100);
    assert!(staff.more_comments);
    let customer = tickets.get(&acme.customer.principal, t.id).await.unwrap();
    let bodies: Vec<&str> = customer.comments.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, vec!["hello", "public answer"]);
    assert!(!customer.more_comments);
    let listed = tickets
        .list_comments(&acme.customer.principal, t.id, &page(100))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    assert!(listed.next_cursor.is_none());
}

#[tokio::test]
async fn a_customer_sees_only_the_custom_fields_meant_for_customers() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    tickets
        .put_fields(
            &acme.owner.principal,
            vec![
                field("order", FieldKind::Text, false, true),
                field("churn_risk", FieldKind::Boolean, false, false),
            ],
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let t = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: Some(RequesterRef::Id(acme.customer.user.id)),
            custom_fields: BTreeMap::from([
                ("order".into(), json!("A-1")),
                ("churn_risk".into(), json!(true)),
            ]),
            ..new_ticket("S", "d")
        },
        clock.now(),
    )
    .await
    .ticket;
    let only_order = BTreeMap::from([("order".to_owned(), json!("A-1"))]);
    let seen = tickets.get(&acme.customer.principal, t.id).await.unwrap();
    assert_eq!(seen.ticket.custom_fields, only_order);
    let by_number = tickets
        .get_by_number(&acme.customer.principal, t.number)
        .await
        .unwrap();
    assert_eq!(by_number.ticket.custom_fields, only_order);
    let listed = tickets
        .list(
            &acme.customer.principal,
            TicketListFilter::default(),
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(listed.items[0].custom_fields, only_order);
    let staff = tickets.get(&acme.agent.principal, t.id).await.unwrap();
    assert_eq!(staff.ticket.custom_fields.len(), 2);
}

#[tokio::test]
async fn get_by_number_finds_a_live_ticket_and_not_a_deleted_one() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let first = open(&tickets, &acme.customer.principal, "First", clock.now()).await;
    let second = open(&tickets, &acme.customer.principal, "Second", clock.now()).await;
    let found = tickets
        .get_by_number(&acme.agent.principal, 2)
        .await
        .unwrap();
    assert_eq!(found.ticket.id, second.id);
    assert!(matches!(
        tickets.get_by_number(&acme.agent.principal, 3).await,
        Err(DomainError::NotFound)
    ));
    tickets
        .delete(&acme.owner.principal, first.id, clock.now())
        .await
        .unwrap();
    assert!(matches!(
        tickets.get_by_number(&acme.agent.principal, 1).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        tickets.get(&acme.agent.principal, first.id).await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn history_lists_who_changed_what_and_is_for_staff_only() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    assert!(
        tickets
            .history(&acme.agent.principal, t.id)
            .await
            .unwrap()
            .is_empty()
    );
    clock.advance(SignedDuration::from_mins(1));
    tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                status: Some(Status::Open),
                priority: Some(Priority::High),
                ..Default::default()
            },
            Some(1),
            clock.now(),
        )
        .await
        .unwrap();
    let history = tickets.history(&acme.agent.principal, t.id).await.unwrap();
    assert_eq!(history.len(), 1);
    let entry = &history[0];
    assert_eq!(entry.actor, Actor::user(acme.agent.user.id));
    assert_eq!(entry.at, clock.now());
    let changes: Vec<(&str, serde_json::Value, serde_json::Value)> = entry
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.before.clone(), c.after.clone()))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("status", json!("new"), json!("open")),
            ("priority", json!("normal"), json!("high")),
        ]
    );
    let customer = tickets.history(&acme.customer.principal, t.id).await;
    assert!(
        matches!(customer, Err(DomainError::Forbidden)),
        "{customer:?}"
    );
}

#[tokio::test]
async fn an_api_key_with_the_read_scope_reads_a_tickets_history() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                status: Some(Status::Open),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let reader = api_key(&acme, Role::Agent, &[Scope::TicketsRead]);
    let history = tickets.history(&reader, t.id).await;
    assert_eq!(history.map(|h| h.len()).ok(), Some(1));
}

#[tokio::test]
async fn an_internal_note_leaves_no_trace_on_the_ticket_a_customer_sees() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let before = tickets.get(&acme.customer.principal, t.id).await.unwrap();
    clock.advance(SignedDuration::from_mins(5));
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            note("internal only"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let after = tickets.get(&acme.customer.principal, t.id).await.unwrap();
    assert_eq!(
        (after.ticket.version, after.ticket.updated_at),
        (before.ticket.version, before.ticket.updated_at)
    );
}
