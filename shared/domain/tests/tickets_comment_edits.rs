//! Editing and deleting comments: only their author, with their edit
//! history kept and redacted on deletion, ten edits at most, mentions
//! re-read, and a lost race refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use jiff::SignedDuration;
use support::*;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::{CommentId, UserId};
use switchboard_domain::tickets::events::CommentChanged;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::{DomainError, StoreError};

#[tokio::test]
async fn an_author_edits_their_comment_keeping_what_it_said_before() {
    let (clock, store, acme) = world().await;
    let (colleague, colleague_principal) =
        invite(&store, &acme, Role::Agent, "Colleague", clock.now()).await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let (r, _) = tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("Refund sent"),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    let (n, _) = tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            note("fraud?"),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    store.take_events();
    clock.advance(SignedDuration::from_mins(2));
    let edited = tickets
        .edit_comment(
            &acme.agent.principal,
            t.id,
            r.id,
            body(&format!("Refund sent today, cc @{}", colleague.id)),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        edited.body,
        format!("Refund sent today, cc @{}", colleague.id)
    );
    assert_eq!(edited.revisions.len(), 1);
    assert_eq!(edited.revisions[0].body, "Refund sent");
    assert_eq!(edited.revisions[0].replaced_at, clock.now());
    assert_eq!((edited.edited_at, edited.version), (Some(clock.now()), 2));
    let event = only(&store.take_events(), EventType::CommentUpdated);
    assert_eq!(event.subject.comment_id, Some(r.id));
    assert_eq!(
        event.payload::<CommentChanged>(),
        Some(CommentChanged {
            public: true,
            body: edited.body.clone(),
            mentions: BTreeSet::from([colleague.id])
        })
    );

    let other_agent = tickets
        .edit_comment(
            &colleague_principal,
            t.id,
            r.id,
            body("mine now"),
            clock.now(),
        )
        .await;
    assert!(
        matches!(other_agent, Err(DomainError::Forbidden)),
        "{other_agent:?}"
    );
    let customer_on_reply = tickets
        .edit_comment(&acme.customer.principal, t.id, r.id, body("x"), clock.now())
        .await;
    assert!(
        matches!(customer_on_reply, Err(DomainError::Forbidden)),
        "{customer_on_reply:?}"
    );
    let customer_on_note = tickets
        .edit_comment(&acme.customer.principal, t.id, n.id, body("x"), clock.now())
        .await;
    assert!(
        matches!(customer_on_note, Err(DomainError::NotFound)),
        "a note does not exist for customers: {customer_on_note:?}"
    );
    let absent = tickets
        .edit_comment(
            &acme.agent.principal,
            t.id,
            CommentId::new(),
            body("x"),
            clock.now(),
        )
        .await;
    assert!(matches!(absent, Err(DomainError::NotFound)), "{absent:?}");
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_comment_is_edited_at_most_ten_times() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let (c, _) = tickets
        .add_comment(&acme.agent.principal, t.id, note("v0"), None, clock.now())
        .await
        .unwrap()
        .into_inner();
    for i in 1..=10 {
        tickets
            .edit_comment(
                &acme.agent.principal,
                t.id,
                c.id,
                body(&format!("v{i}")),
                clock.now(),
            )
            .await
            .unwrap();
    }
    let eleventh = tickets
        .edit_comment(&acme.agent.principal, t.id, c.id, body("v11"), clock.now())
        .await;
    assert_eq!(invalid(eleventh), vec![("body".into(), "too_many_edits")]);
}

#[tokio::test]
async fn a_deleted_comment_is_redacted_once_and_cannot_be_edited() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let (c, _) = tickets
        .add_comment(
            &acme.customer.principal,
            t.id,
            reply("my card is 4111…"),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    tickets
        .edit_comment(
            &acme.customer.principal,
            t.id,
            c.id,
            body("my card is 4242…"),
            clock.now(),
        )
        .await
        .unwrap();
    store.take_events();
    let by_agent = tickets
        .delete_comment(&acme.agent.principal, t.id, c.id, clock.now())
        .await;
    assert!(
        matches!(by_agent, Err(DomainError::Forbidden)),
        "{by_agent:?}"
    );
    clock.advance(SignedDuration::from_mins(1));
    tickets
        .delete_comment(&acme.customer.principal, t.id, c.id, clock.now())
        .await
        .unwrap();
    let event = only(&store.take_events(), EventType::CommentDeleted);
    assert!(event.payload::<CommentChanged>().unwrap().public);
    let listed = tickets
        .list_comments(&acme.agent.principal, t.id, &page(10))
        .await
        .unwrap();
    let redacted = listed.items.iter().find(|x| x.id == c.id).unwrap();
    assert_eq!(redacted.body, "");
    assert!(redacted.revisions.is_empty());
    assert_eq!(redacted.deleted_at, Some(clock.now()));

    tickets
        .delete_comment(&acme.customer.principal, t.id, c.id, clock.now())
        .await
        .unwrap();
    assert!(
        store.take_events().is_empty(),
        "deleting again changes nothing"
    );
    let edit = tickets
        .edit_comment(
            &acme.customer.principal,
            t.id,
            c.id,
            body("back"),
            clock.now(),
        )
        .await;
    assert_eq!(invalid(edit), vec![("body".into(), "deleted")]);
}

#[tokio::test]
async fn an_edit_that_loses_a_race_is_precondition_failed_and_changes_nothing() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let (c, _) = tickets
        .add_comment(&acme.agent.principal, t.id, note("v1"), None, clock.now())
        .await
        .unwrap()
        .into_inner();
    store.take_events();
    store.fail_next_call_to("save_comment", StoreError::VersionMismatch);
    let lost = tickets
        .edit_comment(&acme.agent.principal, t.id, c.id, body("v2"), clock.now())
        .await;
    assert!(
        matches!(lost, Err(DomainError::PreconditionFailed)),
        "{lost:?}"
    );
    store.fail_next_call_to("save_comment", StoreError::VersionMismatch);
    let lost = tickets
        .delete_comment(&acme.agent.principal, t.id, c.id, clock.now())
        .await;
    assert!(
        matches!(lost, Err(DomainError::PreconditionFailed)),
        "{lost:?}"
    );
    assert!(store.take_events().is_empty());
    let listed = tickets
        .list_comments(&acme.agent.principal, t.id, &page(10))
        .await
        .unwrap();
    let same = listed.items.iter().find(|x| x.id == c.id).unwrap();
    assert_eq!(same, &c);
}

#[tokio::test]
async fn an_edit_keeps_only_this_tenants_active_staff_as_mentions() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let (mine, _) = tickets
        .add_comment(
            &acme.customer.principal,
            t.id,
            reply("hello"),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    store.take_events();
    let edited = tickets
        .edit_comment(
            &acme.customer.principal,
            t.id,
            mine.id,
            body(&format!(
                "hello @{} and @{}",
                acme.agent.user.id,
                UserId::new()
            )),
            clock.now(),
        )
        .await
        .unwrap();
    assert!(edited.mentions.is_empty(), "{:?}", edited.mentions);
    let event = only(&store.take_events(), EventType::CommentUpdated);
    assert!(
        event
            .payload::<CommentChanged>()
            .unwrap()
            .mentions
            .is_empty()
    );
}
