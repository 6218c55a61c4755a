//! Merging tickets (`Ticketing::merge`): a source is closed pointing at its
//! target with a note, its conversation is copied in time order, its people
//! and tags join the target, its number leads there; every source is
//! checked before any is merged; retries and replays change nothing more.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::{SignedDuration, Timestamp};
use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::tickets::events::TicketMerged;
use switchboard_domain::tickets::input::{TicketMerge, TicketPatch};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Status, Tag, Ticket};
use switchboard_testkit::{MemoryStore, TestClock, TestTenant};

fn merge(sources: &[TicketId]) -> TicketMerge {
    TicketMerge {
        sources: sources.to_vec(),
        note: None,
        public: false,
    }
}

/// `who` merges `sources` into `target` (no key, an internal note).
async fn merging(
    tickets: &Ticketing<MemoryStore>,
    who: &Principal,
    target: TicketId,
    sources: &[TicketId],
    now: Timestamp,
) -> Result<Ticket, DomainError> {
    tickets
        .merge(who, target, merge(sources), None, now)
        .await
        .map(|created| created.into_inner().0)
}

/// Two tickets the customer opened a minute apart, each with a reply, the
/// older with an internal note too.
async fn twice_asked(
    clock: &TestClock,
    tickets: &Ticketing<MemoryStore>,
    acme: &TestTenant,
) -> (Ticket, Ticket) {
    let older = open(
        tickets,
        &acme.customer.principal,
        "Printer on fire",
        clock.now(),
    )
    .await;
    clock.advance(SignedDuration::from_mins(1));
    next_millisecond().await;
    let newer = open(
        tickets,
        &acme.customer.principal,
        "Printer still on fire",
        clock.now(),
    )
    .await;
    for (t, text) in [(&older, "Pulled the plug"), (&newer, "Trying again")] {
        clock.advance(SignedDuration::from_mins(1));
        next_millisecond().await;
        tickets
            .add_comment(&acme.agent.principal, t.id, reply(text), None, clock.now())
            .await
            .unwrap();
    }
    next_millisecond().await;
    tickets
        .add_comment(
            &acme.agent.principal,
            older.id,
            note("Same as #2?"),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    (older, newer)
}

#[tokio::test]
async fn a_merge_copies_the_conversation_in_time_order_and_closes_the_source_pointing_at_the_target()
 {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let (older, newer) = twice_asked(&clock, &tickets, &acme).await;
    store.take_events();
    clock.advance(SignedDuration::from_mins(5));
    // Comments of one millisecond have no order: the note comes after.
    next_millisecond().await;

    let merged = merging(
        &tickets,
        &acme.agent.principal,
        newer.id,
        &[older.id],
        clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(
        merged.merged_from.iter().copied().collect::<Vec<_>>(),
        [older.id]
    );

    let source = tickets.get(&acme.agent.principal, older.id).await.unwrap();
    assert_eq!(source.ticket.status, Status::Closed);
    assert_eq!(source.ticket.merged_into, Some(newer.id));
    let last = source.comments.last().unwrap();
    assert!(!last.public, "the note is internal unless asked");
    assert_eq!(
        last.body,
        format!(
            "This request was merged into #{}: Printer still on fire",
            newer.number
        )
    );

    let target = tickets.get(&acme.agent.principal, newer.id).await.unwrap();
    let bodies: Vec<(&str, Option<u64>)> = target
        .comments
        .iter()
        .map(|c| (c.body.as_str(), c.copied_from.map(|o| o.number)))
        .collect();
    assert_eq!(
        bodies,
        [
            ("Please help.", Some(older.number)),
            ("Please help.", None),
            ("Pulled the plug", Some(older.number)),
            ("Trying again", None),
            ("Same as #2?", Some(older.number)),
        ]
    );
    let seen = tickets
        .get(&acme.customer.principal, newer.id)
        .await
        .unwrap();
    assert_eq!(seen.comments.len(), 4, "the customer never sees the note");

    let events = store.take_events();
    let event = only(&events, EventType::TicketMerged);
    assert_eq!(event.subject.ticket_id, Some(newer.id));
    let payload = event.payload::<TicketMerged>().unwrap();
    assert_eq!(
        (payload.source_id, payload.source_number),
        (older.id, older.number)
    );
    assert!(
        kinds(&events).contains(&EventType::TicketStatusChanged),
        "the source's closing is announced"
    );
    assert!(
        !events
            .iter()
            .any(|e| e.kind == EventType::CommentCreated && e.subject.ticket_id == Some(newer.id)),
        "copies are no new comments: nobody is mailed or notified again"
    );
    let history = tickets
        .history(&acme.agent.principal, newer.id)
        .await
        .unwrap();
    assert!(
        history
            .last()
            .unwrap()
            .changes
            .iter()
            .any(|c| c.field == "mergedFrom")
    );
    let history = tickets
        .history(&acme.agent.principal, older.id)
        .await
        .unwrap();
    assert!(
        history
            .last()
            .unwrap()
            .changes
            .iter()
            .any(|c| c.field == "mergedInto")
    );
}

#[tokio::test]
async fn another_requester_is_copied_on_the_target_and_people_and_tags_join_it() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let (colleague, colleague_principal) =
        invite(&store, &acme, Role::Customer, "Col League", clock.now()).await;
    let target = open(&tickets, &acme.customer.principal, "VPN down", clock.now()).await;
    let source = open(&tickets, &colleague_principal, "VPN is down", clock.now()).await;
    let source = tickets
        .update(
            &acme.agent.principal,
            source.id,
            TicketPatch {
                tags: Some([Tag::parse("vpn").unwrap()].into()),
                ..TicketPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let mut public = merge(&[source.id]);
    public.public = true;
    next_millisecond().await;
    let merged = tickets
        .merge(&acme.agent.principal, target.id, public, None, clock.now())
        .await
        .unwrap()
        .into_inner()
        .0;
    assert!(merged.cc.contains(&colleague.email.as_str().to_lowercase()));
    assert!(merged.tags.contains(&Tag::parse("vpn").unwrap()));
    // The colleague now reaches the merged ticket, and sees the public note
    // on their own.
    assert!(tickets.get(&colleague_principal, target.id).await.is_ok());
    let theirs = tickets.get(&colleague_principal, source.id).await.unwrap();
    assert!(theirs.comments.last().unwrap().public);
}

#[tokio::test]
async fn every_source_is_checked_before_any_is_merged() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let target = open(&tickets, &acme.agent.principal, "Target", clock.now()).await;
    let good = open(&tickets, &acme.agent.principal, "Fine", clock.now()).await;
    let closed = open(&tickets, &acme.agent.principal, "Closed", clock.now()).await;
    for status in [Status::Solved, Status::Closed] {
        tickets
            .update(
                &acme.agent.principal,
                closed.id,
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
    let other = other_tenant(&store, &clock).await;
    let theirs = open(&tickets, &other.agent.principal, "Theirs", clock.now()).await;
    let sources = [good.id, target.id, closed.id, theirs.id, TicketId::new()];
    let refused = tickets
        .merge(
            &acme.agent.principal,
            target.id,
            merge(&sources),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(refused),
        [
            ("sourceIds.1".to_owned(), "is_target"),
            ("sourceIds.2".to_owned(), "ticket_closed"),
            ("sourceIds.3".to_owned(), "not_found"),
            ("sourceIds.4".to_owned(), "not_found"),
        ]
    );
    let untouched = tickets.get(&acme.agent.principal, good.id).await.unwrap();
    assert_eq!(untouched.ticket.merged_into, None);
    assert_eq!(untouched.ticket.version, good.version);

    assert_eq!(
        invalid(merging(&tickets, &acme.agent.principal, target.id, &[], clock.now()).await),
        [("sourceIds".to_owned(), "invalid_length")]
    );
    assert_eq!(
        invalid(
            merging(
                &tickets,
                &acme.agent.principal,
                target.id,
                &[good.id, good.id],
                clock.now()
            )
            .await
        ),
        [("sourceIds".to_owned(), "duplicate")]
    );
    let err = merging(
        &tickets,
        &acme.agent.principal,
        closed.id,
        &[good.id],
        clock.now(),
    )
    .await;
    assert_eq!(invalid(err), [("ticket".to_owned(), "ticket_closed")]);
}

#[tokio::test]
async fn a_source_merged_here_is_done_and_one_merged_elsewhere_is_refused() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let a = open(&tickets, &acme.agent.principal, "A", clock.now()).await;
    let b = open(&tickets, &acme.agent.principal, "B", clock.now()).await;
    let c = open(&tickets, &acme.agent.principal, "C", clock.now()).await;
    merging(&tickets, &acme.agent.principal, a.id, &[b.id], clock.now())
        .await
        .unwrap();
    let before = tickets
        .get(&acme.agent.principal, a.id)
        .await
        .unwrap()
        .ticket;
    store.take_events();
    let again = merging(&tickets, &acme.agent.principal, a.id, &[b.id], clock.now())
        .await
        .unwrap();
    assert_eq!(again.version, before.version, "nothing more is written");
    assert!(store.take_events().is_empty());
    let elsewhere = merging(&tickets, &acme.agent.principal, c.id, &[b.id], clock.now()).await;
    assert_eq!(
        invalid(elsewhere),
        [("sourceIds.0".to_owned(), "already_merged")]
    );
    let into_merged = merging(&tickets, &acme.agent.principal, b.id, &[c.id], clock.now()).await;
    assert_eq!(
        invalid(into_merged),
        [("ticket".to_owned(), "ticket_closed")]
    );
}

#[tokio::test]
async fn only_staff_who_may_change_tickets_merge() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let a = open(&tickets, &acme.customer.principal, "A", clock.now()).await;
    let b = open(&tickets, &acme.customer.principal, "B", clock.now()).await;
    let err = merging(
        &tickets,
        &acme.customer.principal,
        a.id,
        &[b.id],
        clock.now(),
    )
    .await
    .expect_err("customers do not merge");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");
    let reader = api_key(
        &acme,
        Role::Agent,
        &[switchboard_domain::accounts::api_key::Scope::TicketsRead],
    );
    let err = merging(&tickets, &reader, a.id, &[b.id], clock.now())
        .await
        .expect_err("a read-only key does not merge");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");
}

#[tokio::test]
async fn a_merged_tickets_number_leads_to_its_target_and_says_so() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let (older, newer) = twice_asked(&clock, &tickets, &acme).await;
    merging(
        &tickets,
        &acme.agent.principal,
        newer.id,
        &[older.id],
        clock.now(),
    )
    .await
    .unwrap();
    for who in [&acme.agent.principal, &acme.customer.principal] {
        let found = tickets.get_by_number(who, older.number).await.unwrap();
        assert_eq!(found.ticket.id, newer.id);
        assert_eq!(found.reached_from, Some(older.number));
        let direct = tickets.get_by_number(who, newer.number).await.unwrap();
        assert_eq!(direct.reached_from, None);
    }
}

#[tokio::test]
async fn a_merge_with_an_idempotency_key_replays_its_first_answer() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let a = open(&tickets, &acme.agent.principal, "A", clock.now()).await;
    let b = open(&tickets, &acme.agent.principal, "B", clock.now()).await;
    let k = || key(&acme.agent.principal, "POST merge", "k1", "{}");
    let (first, replayed) = tickets
        .merge(
            &acme.agent.principal,
            a.id,
            merge(&[b.id]),
            Some(k()),
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(!replayed);
    store.take_events();
    let (second, replayed) = tickets
        .merge(
            &acme.agent.principal,
            a.id,
            merge(&[b.id]),
            Some(k()),
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(replayed);
    assert_eq!(second.version, first.version);
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_conversation_too_long_for_one_transaction_is_refused_whole() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let target = open(&tickets, &acme.agent.principal, "Target", clock.now()).await;
    let long = open(&tickets, &acme.agent.principal, "Long", clock.now()).await;
    for i in 0..90 {
        tickets
            .add_comment(
                &acme.agent.principal,
                long.id,
                note(&format!("n{i}")),
                None,
                clock.now(),
            )
            .await
            .unwrap();
    }
    let refused = merging(
        &tickets,
        &acme.agent.principal,
        target.id,
        &[long.id],
        clock.now(),
    )
    .await;
    assert_eq!(invalid(refused), [("sourceIds.0".to_owned(), "too_large")]);
    let still = tickets.get(&acme.agent.principal, long.id).await.unwrap();
    assert_eq!(still.ticket.merged_into, None);
}

#[tokio::test]
async fn a_split_merged_back_copies_nothing_twice() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let (older, _) = twice_asked(&clock, &tickets, &acme).await;
    let said = tickets
        .get(&acme.agent.principal, older.id)
        .await
        .unwrap()
        .comments;
    next_millisecond().await;
    let split_off = tickets
        .split(
            &acme.agent.principal,
            older.id,
            switchboard_domain::tickets::input::TicketSplit {
                comments: vec![said[1].id],
                subject: subject("Plug"),
            },
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner()
        .0
        .ticket;
    next_millisecond().await;
    merging(
        &tickets,
        &acme.agent.principal,
        older.id,
        &[split_off.id],
        clock.now(),
    )
    .await
    .unwrap();
    let back = tickets.get(&acme.agent.principal, older.id).await.unwrap();
    let ids: Vec<_> = back.comments.iter().map(|c| c.id).collect();
    let unique: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "each comment once");
    assert!(ids.contains(&said[1].id));
}

#[tokio::test]
async fn a_merge_that_would_drop_participants_is_refused() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let crowd = |prefix: &str| {
        (0..12)
            .map(|i| format!("{prefix}{i}@example.com"))
            .collect::<std::collections::BTreeSet<_>>()
    };
    let mut a = new_ticket("A", "a");
    a.cc = crowd("a");
    let target = open_detail(&tickets, &acme.agent.principal, a, clock.now())
        .await
        .ticket;
    let mut b = new_ticket("B", "b");
    b.cc = crowd("b");
    let source = open_detail(&tickets, &acme.agent.principal, b, clock.now())
        .await
        .ticket;
    let refused = merging(
        &tickets,
        &acme.agent.principal,
        target.id,
        &[source.id],
        clock.now(),
    )
    .await;
    assert_eq!(
        invalid(refused),
        [("sourceIds.0".to_owned(), "too_many_participants")]
    );
}
