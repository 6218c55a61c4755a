//! The conversation: replies and notes, what a comment does to its ticket
//! (first response, reopening), mentions, idempotency, lost races and
//! failed writes, and paging.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use jiff::SignedDuration;
use support::*;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::{Actor, EventType};
use switchboard_domain::kernel::ids::UserId;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::tickets::events::{CommentCreated, StatusChanged};
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::Status;
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::fixtures::directory;

fn to(status: Status) -> TicketPatch {
    TicketPatch {
        status: Some(status),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_agents_first_public_reply_opens_the_ticket_and_marks_the_first_response() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_mins(7));
    let (comment, replayed) = tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("On it"),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(!replayed);
    assert_eq!(comment.author, Actor::user(acme.agent.user.id));
    assert!(comment.public);
    let ticket = tickets
        .get(&acme.agent.principal, t.id)
        .await
        .unwrap()
        .ticket;
    assert_eq!(ticket.status, Status::Open);
    assert_eq!(ticket.first_response_at, Some(clock.now()));
    assert_eq!((ticket.version, ticket.updated_at), (2, clock.now()));
    let events = store.take_events();
    assert_eq!(
        kinds(&events),
        vec![
            EventType::CommentCreated,
            EventType::TicketUpdated,
            EventType::TicketStatusChanged
        ]
    );
    let created = events[0].payload::<CommentCreated>().unwrap();
    assert!(created.public && !created.opening);
    assert_eq!(events[0].subject.comment_id, Some(comment.id));
    assert_eq!(
        events[2].payload::<StatusChanged>(),
        Some(StatusChanged {
            from: Status::New,
            to: Status::Open
        })
    );
    let history = tickets.history(&acme.agent.principal, t.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].changes[0].field, "status");

    clock.advance(SignedDuration::from_mins(7));
    let first = ticket.first_response_at;
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("Done"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let later = tickets
        .get(&acme.agent.principal, t.id)
        .await
        .unwrap()
        .ticket;
    assert_eq!(later.first_response_at, first, "the first response stays");
    assert_eq!((later.version, later.updated_at), (3, clock.now()));
    assert_eq!(kinds(&store.take_events()), vec![EventType::CommentCreated]);
}

#[tokio::test]
async fn an_internal_note_changes_nothing_customers_see_and_customers_cannot_write_one() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    let (n, _) = tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            note("Looks like fraud"),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(!n.public);
    let ticket = tickets
        .get(&acme.agent.principal, t.id)
        .await
        .unwrap()
        .ticket;
    assert_eq!(
        (ticket.status, ticket.first_response_at),
        (Status::New, None)
    );
    let events = store.take_events();
    assert_eq!(kinds(&events), vec![EventType::CommentCreated]);
    assert!(!events[0].payload::<CommentCreated>().unwrap().public);

    let by_customer = tickets
        .add_comment(
            &acme.customer.principal,
            t.id,
            note("sneaky"),
            None,
            clock.now(),
        )
        .await;
    assert!(
        matches!(by_customer, Err(DomainError::Forbidden)),
        "{by_customer:?}"
    );
    let reader = api_key(&acme, Role::Agent, &[Scope::TicketsRead]);
    let by_reader = tickets
        .add_comment(&reader, t.id, reply("x"), None, clock.now())
        .await;
    assert!(
        matches!(by_reader, Err(DomainError::Forbidden)),
        "{by_reader:?}"
    );
    assert!(store.take_events().is_empty());

    let writer = api_key(
        &acme,
        Role::Agent,
        &[Scope::TicketsRead, Scope::TicketsWrite],
    );
    let (by_key, _) = tickets
        .add_comment(&writer, t.id, reply("Automated answer"), None, clock.now())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (by_key.author.clone(), by_key.author_id),
        (writer.actor(), None)
    );
}

#[tokio::test]
async fn a_customers_reply_reopens_a_pending_or_solved_ticket_but_not_one_on_hold() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let customer = &acme.customer.principal;
    let t = open(&tickets, customer, "S", clock.now()).await;
    for (waiting, after) in [
        (Status::Pending, Status::Open),
        (Status::Solved, Status::Open),
        (Status::OnHold, Status::OnHold),
    ] {
        tickets
            .update(agent, t.id, to(waiting), None, clock.now())
            .await
            .unwrap();
        store.take_events();
        tickets
            .add_comment(customer, t.id, reply("Any news?"), None, clock.now())
            .await
            .unwrap();
        let now = tickets.get(agent, t.id).await.unwrap().ticket;
        assert_eq!(now.status, after, "after {waiting}");
        let events = store.take_events();
        if after == waiting {
            assert_eq!(kinds(&events), vec![EventType::CommentCreated]);
        } else {
            let changed = only(&events, EventType::TicketStatusChanged);
            assert_eq!(changed.actor, Actor::user(acme.customer.user.id));
            assert_eq!(now.solved_at, None);
        }
    }
}

#[tokio::test]
async fn a_closed_ticket_takes_no_more_comments() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    tickets
        .update(agent, t.id, to(Status::Solved), None, clock.now())
        .await
        .unwrap();
    let closed = tickets
        .update(agent, t.id, to(Status::Closed), None, clock.now())
        .await
        .unwrap();
    store.take_events();
    for (who, comment) in [
        (&acme.customer.principal, reply("reopen please")),
        (agent, note("still thinking")),
    ] {
        let refused = tickets
            .add_comment(who, t.id, comment, None, clock.now())
            .await;
        assert_eq!(invalid(refused), vec![("ticket".into(), "ticket_closed")]);
    }
    assert!(store.take_events().is_empty());
    assert_eq!(tickets.get(agent, t.id).await.unwrap().ticket, closed);
}

#[tokio::test]
async fn mentions_keep_only_this_tenants_active_staff() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let (colleague, _) = invite(&store, &acme, Role::Agent, "Colleague", clock.now()).await;
    let (former, _) = invite(&store, &acme, Role::Agent, "Former", clock.now()).await;
    directory(store.clone())
        .unwrap()
        .deactivate_user(&acme.owner.principal, former.id, clock.now())
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    let text = format!(
        "@{} please look; not @{} (customer), @{} (gone), @{} (elsewhere), @{}",
        colleague.id,
        acme.customer.user.id,
        former.id,
        globex.agent.user.id,
        UserId::new()
    );
    let (n, _) = tickets
        .add_comment(&acme.agent.principal, t.id, note(&text), None, clock.now())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(n.mentions, BTreeSet::from([colleague.id]));
    let event = only(&store.take_events(), EventType::CommentCreated);
    assert_eq!(
        event.payload::<CommentCreated>().unwrap().mentions,
        BTreeSet::from([colleague.id])
    );
    let (by_customer, _) = tickets
        .add_comment(
            &acme.customer.principal,
            t.id,
            reply(&format!("@{} hello?", colleague.id)),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(by_customer.mentions.is_empty(), "customers mention nobody");
}

#[tokio::test]
async fn a_replayed_comment_returns_the_first_and_a_reused_key_is_refused() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let t = open(&tickets, me, "S", clock.now()).await;
    let op = format!("POST /v1/tickets/{}/comments", t.id);
    let k = key(me, &op, "c-1", r#"{"body":"thanks"}"#);
    let (first, _) = tickets
        .add_comment(me, t.id, reply("thanks"), Some(k.clone()), clock.now())
        .await
        .unwrap()
        .into_inner();
    store.take_events();
    let (again, replayed) = tickets
        .add_comment(me, t.id, reply("thanks"), Some(k), clock.now())
        .await
        .unwrap()
        .into_inner();
    assert!(replayed);
    assert_eq!(again, first);
    assert!(store.take_events().is_empty());
    let reused = tickets
        .add_comment(
            me,
            t.id,
            reply("something else"),
            Some(key(me, &op, "c-1", r#"{"body":"something else"}"#)),
            clock.now(),
        )
        .await;
    assert!(
        matches!(reused, Err(DomainError::IdempotencyKeyReused)),
        "{reused:?}"
    );
    let all = tickets.list_comments(me, t.id, &page(10)).await.unwrap();
    assert_eq!(all.items.len(), 2, "the opening message and one reply");
}

#[tokio::test]
async fn a_comment_that_loses_a_race_is_retried_and_lands_once() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    store.fail_next_call_to("write_ticket", StoreError::VersionMismatch);
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("answer"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let events = store.take_events();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventType::CommentCreated)
            .count(),
        1
    );
    let all = tickets
        .list_comments(&acme.agent.principal, t.id, &page(10))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2);
    let ticket = tickets
        .get(&acme.agent.principal, t.id)
        .await
        .unwrap()
        .ticket;
    assert_eq!((ticket.status, ticket.version), (Status::Open, 2));
}

#[tokio::test]
async fn a_failed_comment_write_leaves_the_conversation_and_ticket_as_they_were() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    store.fail_next_call_to("write_ticket", StoreError::Unavailable("down".into()));
    let failed = tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("answer"),
            None,
            clock.now(),
        )
        .await;
    assert!(
        matches!(failed, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{failed:?}"
    );
    assert!(store.take_events().is_empty());
    let detail = tickets.get(&acme.agent.principal, t.id).await.unwrap();
    assert_eq!(detail.comments.len(), 1);
    assert_eq!(detail.ticket, t);
    assert!(
        tickets
            .history(&acme.agent.principal, t.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn comments_page_oldest_first_each_once() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open_detail(
        &tickets,
        &acme.customer.principal,
        new_ticket("S", "c0"),
        clock.now(),
    )
    .await
    .ticket;
    for i in 1..5 {
        next_millisecond().await;
        tickets
            .add_comment(
                &acme.agent.principal,
                t.id,
                note(&format!("c{i}")),
                None,
                clock.now(),
            )
            .await
            .unwrap();
    }
    let mut bodies = Vec::new();
    let mut request = page(2);
    loop {
        let p = tickets
            .list_comments(&acme.agent.principal, t.id, &request)
            .await
            .unwrap();
        bodies.extend(p.items.iter().map(|c| c.body.clone()));
        match p.next_cursor {
            Some(cursor) => {
                request = PageRequest {
                    limit: 2,
                    cursor: Some(cursor),
                }
            }
            None => break,
        }
    }
    assert_eq!(bodies, vec!["c0", "c1", "c2", "c3", "c4"]);
    let customer = tickets
        .list_comments(&acme.customer.principal, t.id, &page(10))
        .await
        .unwrap();
    assert_eq!(customer.items.len(), 1, "notes are staff-only");
}
