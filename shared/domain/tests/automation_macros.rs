//! Macros on the in-memory store: a preview writes nothing, applying
//! writes once (changes and rendered reply in one change), placeholders
//! are checked when saved, and who sees which macro.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::applying::{MacroInput, Macros};
use switchboard_domain::automation::macros::{MacroComment, Visibility};
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Cause, Status, Tag};
use switchboard_testkit::MemoryStore;

fn refund_macro(visibility: Visibility) -> MacroInput {
    MacroInput {
        title: Some("Refund sent".into()),
        visibility: Some(visibility),
        actions: Some(vec![
            Action::SetStatus {
                status: Status::Solved,
            },
            Action::AddTags {
                tags: [Tag::parse("refunded").unwrap()].into(),
            },
        ]),
        comment: Some(Some(MacroComment {
            body: "Hello {{ requester.name }}, ticket #{{ ticket.number }} ({{ ticket.subject }}) \
                   is now {{ ticket.status }}. {{ agent.name }}"
                .into(),
            public: true,
        })),
        ..MacroInput::default()
    }
}

#[tokio::test]
async fn a_preview_writes_nothing_and_applying_writes_once() {
    let (clock, store, acme) = world().await;
    let macros = Macros::new(store.clone());
    let m = macros
        .create(
            &acme.agent.principal,
            refund_macro(Visibility::Personal),
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let ticket = open(&tickets, &acme.customer.principal, "Order 12", clock.now()).await;
    store.take_events();

    let preview = macros
        .apply(
            &acme.agent.principal,
            (ticket.id, m.id),
            Some(ticket.version),
            true,
            clock.now(),
        )
        .await
        .unwrap();
    let body = preview.comment.as_ref().unwrap().body.clone();
    assert!(body.starts_with(&format!(
        "Hello {}, ticket #{} (Order 12) is now solved.",
        acme.customer.user.name, ticket.number
    )));
    assert!(body.ends_with(&acme.agent.user.name));
    assert_eq!(preview.ticket.status, Status::Solved);
    let fields: Vec<&str> = preview.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["status", "tags"]);
    assert!(store.take_events().is_empty(), "a preview writes nothing");

    let applied = macros
        .apply(
            &acme.agent.principal,
            (ticket.id, m.id),
            Some(ticket.version),
            false,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(applied.ticket.version, ticket.version + 1, "one write");
    assert_eq!(applied.ticket.status, Status::Solved);
    assert!(applied.ticket.first_response_at.is_some(), "a public reply");
    let events = store.take_events();
    let kinds = kinds(&events);
    assert_eq!(kinds[0], EventType::CommentCreated);
    assert!(kinds.contains(&EventType::TicketStatusChanged));
    let history = tickets
        .history(&acme.agent.principal, ticket.id)
        .await
        .unwrap();
    assert!(history.iter().any(|h| matches!(
        &h.caused_by,
        Some(Cause::Macro { applied }) if applied.id == m.id.to_string()
    )));
    let comments = tickets
        .list_comments(&acme.agent.principal, ticket.id, &page(10))
        .await
        .unwrap()
        .items;
    let written: Vec<_> = comments.iter().filter(|c| c.body == body).collect();
    assert_eq!(written.len(), 1);
    assert!(written[0].public);

    // The same request again is stale: nothing is written twice.
    assert!(matches!(
        macros
            .apply(
                &acme.agent.principal,
                (ticket.id, m.id),
                Some(ticket.version),
                false,
                clock.now()
            )
            .await,
        Err(DomainError::PreconditionFailed)
    ));
    assert_eq!(
        macros.get(&acme.agent.principal, m.id).await.unwrap().usage,
        1
    );
}

#[tokio::test]
async fn placeholders_and_actions_are_checked_when_saved() {
    let (clock, store, acme) = world().await;
    let macros = Macros::new(store.clone());
    let with_body = |body: &str| MacroInput {
        title: Some("x".into()),
        comment: Some(Some(MacroComment {
            body: body.into(),
            public: false,
        })),
        ..MacroInput::default()
    };
    for (body, code) in [
        ("Hi {{ requester.nickname }}", "unknown_placeholder"),
        ("Hi {{ password }}", "unknown_placeholder"),
        ("Plan: {{ ticket.fields.plan }}", "unknown_placeholder"),
        ("Hi {{ requester.name", "invalid_template"),
        ("{{ \"x\" * 100000000 }}", "invalid_template"),
        (
            "{{ requester.name|indent(10000000000) }}",
            "invalid_template",
        ),
        (
            "{% for i in range(100000) %}x{% endfor %}",
            "invalid_template",
        ),
    ] {
        assert_eq!(
            invalid(
                macros
                    .create(&acme.agent.principal, with_body(body), clock.now())
                    .await
            ),
            [("comment.body".to_owned(), code)],
            "{body}"
        );
    }
    let note = MacroInput {
        title: Some("x".into()),
        actions: Some(vec![Action::AddNote { body: "n".into() }]),
        ..MacroInput::default()
    };
    assert_eq!(
        invalid(
            macros
                .create(&acme.agent.principal, note, clock.now())
                .await
        ),
        [("actions.0".to_owned(), "invalid_value")]
    );
    let empty = MacroInput {
        title: Some("Nothing".into()),
        ..MacroInput::default()
    };
    assert_eq!(
        invalid(
            macros
                .create(&acme.agent.principal, empty, clock.now())
                .await
        ),
        [("actions".to_owned(), "required")]
    );
}

#[tokio::test]
async fn who_sees_which_macro() {
    let (clock, store, acme) = world().await;
    let (colleague, _) = invite(&store, &acme, Role::Agent, "Colleague", clock.now()).await;
    let colleague = as_user(&acme, &colleague);
    let macros = Macros::new(store.clone());
    let mine = macros
        .create(
            &acme.agent.principal,
            refund_macro(Visibility::Personal),
            clock.now(),
        )
        .await
        .unwrap();
    assert!(matches!(
        macros.get(&colleague, mine.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        macros
            .create(
                &acme.agent.principal,
                refund_macro(Visibility::Everyone),
                clock.now()
            )
            .await,
        Err(DomainError::Forbidden)
    ));
    let shared = macros
        .create(
            &acme.owner.principal,
            refund_macro(Visibility::Everyone),
            clock.now(),
        )
        .await
        .unwrap();
    let seen: Vec<_> = macros
        .list(&colleague)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(seen, [shared.id]);
    assert!(matches!(
        macros
            .delete(&acme.agent.principal, shared.id, clock.now())
            .await,
        Err(DomainError::Forbidden)
    ));
    assert!(matches!(
        macros.list(&acme.customer.principal).await,
        Err(DomainError::Forbidden)
    ));
    let other = other_tenant(&store, &clock).await;
    assert!(matches!(
        macros.get(&other.owner.principal, shared.id).await,
        Err(DomainError::NotFound)
    ));
    let _: &MemoryStore = &store;
}
