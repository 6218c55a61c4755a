//! Splitting a ticket (`Ticketing::split`): the chosen comments are copied
//! onto a new ticket for the same people, both tickets get a note naming
//! the other, and nothing is written when any comment is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use jiff::SignedDuration;
use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::CommentId;
use switchboard_domain::tickets::input::{SubjectLine, TicketPatch, TicketSplit};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Priority, Status};

fn split(comments: &[CommentId], subject: &str) -> TicketSplit {
    TicketSplit {
        comments: comments.to_vec(),
        subject: SubjectLine::parse(subject).unwrap(),
    }
}

#[tokio::test]
async fn the_chosen_comments_become_a_ticket_of_their_own_for_the_same_people() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let mut input = new_ticket("Printer and VPN", "The printer smokes.");
    input.cc = BTreeSet::from(["bo@example.com".to_owned()]);
    let t = open_detail(&tickets, &acme.customer.principal, input, clock.now())
        .await
        .ticket;
    let t = tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                priority: Some(Priority::High),
                ..TicketPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let mut said = Vec::new();
    for text in ["Also the VPN is down.", "Since Monday."] {
        clock.advance(SignedDuration::from_mins(1));
        next_millisecond().await;
        let c = tickets
            .add_comment(
                &acme.customer.principal,
                t.id,
                reply(text),
                None,
                clock.now(),
            )
            .await
            .unwrap()
            .into_inner()
            .0;
        said.push(c.id);
    }
    store.take_events();
    let seen_before = tickets.get(&acme.customer.principal, t.id).await.unwrap();
    next_millisecond().await;
    // Named out of order: they keep the conversation's.
    let (new, replayed) = tickets
        .split(
            &acme.agent.principal,
            t.id,
            split(&[said[1], said[0]], "VPN down"),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(!replayed);
    let n = &new.ticket;
    assert_ne!(n.id, t.id);
    assert_eq!(n.subject, "VPN down");
    assert_eq!(
        (n.requester_id, &n.cc, n.priority),
        (t.requester_id, &t.cc, Priority::High)
    );
    let bodies: Vec<(&str, Option<u64>)> = new
        .comments
        .iter()
        .map(|c| (c.body.as_str(), c.copied_from.map(|o| o.number)))
        .collect();
    assert_eq!(
        bodies,
        [
            ("Also the VPN is down.", Some(t.number)),
            ("Since Monday.", Some(t.number)),
            (
                format!("Split from #{}: Printer and VPN", t.number).as_str(),
                None
            ),
        ]
    );
    let events = store.take_events();
    assert_eq!(
        only(&events, EventType::TicketCreated).subject.ticket_id,
        Some(n.id)
    );

    let source = tickets.get(&acme.agent.principal, t.id).await.unwrap();
    assert_eq!(
        source.comments.len(),
        4,
        "the originals stay where they were"
    );
    let note = source.comments.last().unwrap();
    assert!(!note.public);
    assert_eq!(
        note.body,
        format!("2 comment(s) split into #{}: VPN down", n.number)
    );
    let seen = tickets.get(&acme.customer.principal, t.id).await.unwrap();
    assert_eq!(
        (seen.ticket.version, seen.ticket.updated_at),
        (seen_before.ticket.version, seen_before.ticket.updated_at),
        "the note is staff business"
    );
    let theirs = tickets.get(&acme.customer.principal, n.id).await.unwrap();
    assert_eq!(
        theirs.comments.len(),
        2,
        "the customer sees their copied words"
    );
}

#[tokio::test]
async fn a_refused_comment_or_a_closed_ticket_splits_nothing() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open_detail(
        &tickets,
        &acme.customer.principal,
        new_ticket("S", "first"),
        clock.now(),
    )
    .await;
    let other = open_detail(
        &tickets,
        &acme.customer.principal,
        new_ticket("O", "elsewhere"),
        clock.now(),
    )
    .await;
    let mine = t.comments[0].id;
    let theirs = other.comments[0].id;
    let before = store.events().len();
    let refused = tickets
        .split(
            &acme.agent.principal,
            t.ticket.id,
            split(&[mine, theirs, CommentId::new()], "New"),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(refused),
        [
            ("commentIds.1".to_owned(), "not_found"),
            ("commentIds.2".to_owned(), "not_found"),
        ]
    );
    for bad in [vec![], vec![mine, mine]] {
        assert!(matches!(
            tickets
                .split(
                    &acme.agent.principal,
                    t.ticket.id,
                    split(&bad, "New"),
                    None,
                    clock.now()
                )
                .await,
            Err(DomainError::Invalid(_))
        ));
    }
    let err = tickets
        .split(
            &acme.customer.principal,
            t.ticket.id,
            split(&[mine], "New"),
            None,
            clock.now(),
        )
        .await
        .expect_err("customers do not split");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");
    for status in [Status::Solved, Status::Closed] {
        tickets
            .update(
                &acme.agent.principal,
                t.ticket.id,
                TicketPatch {
                    status: Some(status),
                    ..TicketPatch::default()
                },
                None,
                clock.now(),
            )
            .await
            .unwrap();
    }
    let closed = tickets
        .split(
            &acme.agent.principal,
            t.ticket.id,
            split(&[mine], "New"),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(invalid(closed), [("ticket".to_owned(), "ticket_closed")]);
    let opened: Vec<_> = store.events()[before..]
        .iter()
        .filter(|e| e.kind == EventType::TicketCreated)
        .cloned()
        .collect();
    assert!(opened.is_empty(), "no ticket was opened");
}

#[tokio::test]
async fn a_split_with_an_idempotency_key_opens_one_ticket() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open_detail(
        &tickets,
        &acme.customer.principal,
        new_ticket("S", "first"),
        clock.now(),
    )
    .await;
    let k = || key(&acme.agent.principal, "POST split", "s1", "{}");
    let input = split(&[t.comments[0].id], "New");
    let (first, _) = tickets
        .split(
            &acme.agent.principal,
            t.ticket.id,
            input.clone(),
            Some(k()),
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    let (again, replayed) = tickets
        .split(
            &acme.agent.principal,
            t.ticket.id,
            input,
            Some(k()),
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(replayed);
    assert_eq!(again.ticket.id, first.ticket.id);
}
