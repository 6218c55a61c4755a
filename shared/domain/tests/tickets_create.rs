//! Opening tickets: who the requester is, what customers may set, channel
//! defaults, idempotency keys, the events a new ticket writes, and what a
//! failed write leaves behind (nothing).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use jiff::SignedDuration;
use support::*;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::events::UserCreated;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::user::{Email, Role};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::events::{Actor, EventType};
use switchboard_domain::kernel::ids::{TeamId, UserId};
use switchboard_domain::tickets::events::{CommentCreated, TicketCreated};
use switchboard_domain::tickets::input::{
    ChannelRouting, NewTicket, RequesterRef, TicketListFilter,
};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, Tag, TicketType};
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::fixtures::directory;

fn by_email(email: &str) -> Option<RequesterRef> {
    Some(RequesterRef::Email {
        email: Email::parse(email).unwrap(),
        name: Some("Pat Person".into()),
    })
}

#[tokio::test]
async fn a_customer_opens_a_new_web_ticket_for_themselves_with_its_first_message() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let detail = open_detail(
        &tickets,
        &acme.customer.principal,
        new_ticket("Refund", "Charged twice"),
        clock.now(),
    )
    .await;
    let t = &detail.ticket;
    assert_eq!(t.requester_id, acme.customer.user.id);
    assert_eq!(
        (t.number, t.status, t.priority, t.kind, t.channel, t.version),
        (
            1,
            Status::New,
            Priority::Normal,
            TicketType::Question,
            Channel::Web,
            1
        )
    );
    assert_eq!(t.created_by, Actor::user(acme.customer.user.id));
    assert_eq!((t.created_at, t.updated_at), (clock.now(), clock.now()));
    assert_eq!(detail.comments.len(), 1);
    let opening = &detail.comments[0];
    assert_eq!(opening.body, "Charged twice");
    assert!(opening.public);
    assert_eq!(opening.author_id, Some(acme.customer.user.id));
    assert!(!detail.more_comments);

    let events = store.take_events();
    assert_eq!(
        kinds(&events),
        vec![EventType::TicketCreated, EventType::CommentCreated]
    );
    assert_eq!(
        events[0].payload::<TicketCreated>(),
        Some(TicketCreated {
            number: 1,
            subject: "Refund".into(),
            status: Status::New,
            priority: Priority::Normal,
            channel: Channel::Web,
            requester_id: acme.customer.user.id,
            assignee_id: None,
            team_id: None,
        })
    );
    assert_eq!(events[0].subject.ticket_id, Some(t.id));
    assert_eq!(events[0].actor, Actor::user(acme.customer.user.id));
    let comment = events[1].payload::<CommentCreated>().unwrap();
    assert!(comment.opening && comment.public && comment.files == 0);
    assert_eq!(events[1].subject.comment_id, Some(opening.id));
}

#[tokio::test]
async fn ticket_numbers_count_up_per_tenant() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let tickets = Ticketing::new(store.clone());
    let a1 = open(&tickets, &acme.customer.principal, "One", clock.now()).await;
    let a2 = open(&tickets, &acme.agent.principal, "Two", clock.now()).await;
    let g1 = open(&tickets, &globex.customer.principal, "Other", clock.now()).await;
    assert_eq!((a1.number, a2.number, g1.number), (1, 2, 1));
}

#[tokio::test]
async fn an_agent_opens_tickets_for_a_new_email_creating_the_customer_once() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let first = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: by_email("pat@customer.example"),
            ..new_ticket("Phone call", "Called about billing")
        },
        clock.now(),
    )
    .await;
    let events = store.take_events();
    let created = only(&events, EventType::UserCreated);
    let payload = created.payload::<UserCreated>().unwrap();
    assert_eq!(payload.role, Role::Customer);
    let pat = store
        .user_by_email(acme.id(), &Email::parse("pat@customer.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pat.role, Role::Customer);
    assert_eq!(pat.name, "Pat Person");
    assert_eq!(first.ticket.requester_id, pat.id);
    assert_eq!(first.ticket.created_by, Actor::user(acme.agent.user.id));
    assert_eq!(
        first.comments[0].author_id,
        Some(pat.id),
        "the description is the requester's message"
    );

    let second = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: by_email("PAT@customer.example"),
            ..new_ticket("Again", "Another call")
        },
        clock.now(),
    )
    .await;
    assert_eq!(second.ticket.requester_id, pat.id);
    assert!(
        !kinds(&store.take_events()).contains(&EventType::UserCreated),
        "the customer exists now"
    );
}

#[tokio::test]
async fn a_requester_named_by_id_must_be_an_active_user_of_the_tenant() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let for_customer = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: Some(RequesterRef::Id(acme.customer.user.id)),
            ..new_ticket("On behalf", "Typed by the agent")
        },
        clock.now(),
    )
    .await;
    assert_eq!(for_customer.ticket.requester_id, acme.customer.user.id);

    let unknown = tickets
        .create(
            &acme.agent.principal,
            NewTicket {
                requester: Some(RequesterRef::Id(UserId::new())),
                ..new_ticket("Nobody", "x")
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(unknown),
        vec![("requester.id".into(), "unknown_user")]
    );
}

#[tokio::test]
async fn a_deactivated_person_cannot_be_made_a_requester() {
    let (clock, store, acme) = world().await;
    let (gone, _) = invite(&store, &acme, Role::Customer, "Gone Customer", clock.now()).await;
    directory(store.clone())
        .unwrap()
        .deactivate_user(&acme.owner.principal, gone.id, clock.now())
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let by_id = tickets
        .create(
            &acme.agent.principal,
            NewTicket {
                requester: Some(RequesterRef::Id(gone.id)),
                ..new_ticket("S", "d")
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(by_id),
        vec![("requester.id".into(), "unknown_user")]
    );
    let by_mail = tickets
        .create(
            &acme.agent.principal,
            NewTicket {
                requester: by_email(gone.email.as_str()),
                ..new_ticket("S", "d")
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(by_mail),
        vec![("requester.email".into(), "deactivated")]
    );
}

#[tokio::test]
async fn customers_cannot_assign_route_tag_or_open_for_someone_else() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let attempt = tickets
        .create(
            &acme.customer.principal,
            NewTicket {
                assignee: Some(acme.agent.user.id),
                team: Some(TeamId::new()),
                tags: Some(BTreeSet::from([Tag::parse("vip").unwrap()])),
                requester: Some(RequesterRef::Id(acme.owner.user.id)),
                ..new_ticket("Mine", "x")
            },
            None,
            clock.now(),
        )
        .await;
    let errors = invalid(attempt);
    for f in ["assigneeId", "teamId", "tags", "requester"] {
        assert!(
            errors.contains(&(f.to_owned(), "not_allowed")),
            "{f}: {errors:?}"
        );
    }
    assert!(store.take_events().is_empty(), "nothing written");
}

#[tokio::test]
async fn an_assignee_must_be_active_staff_and_a_team_must_exist() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let refused = tickets
        .create(
            &acme.agent.principal,
            NewTicket {
                assignee: Some(acme.customer.user.id),
                team: Some(TeamId::new()),
                ..new_ticket("S", "d")
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(refused),
        vec![
            ("assigneeId".into(), "invalid_assignee"),
            ("teamId".into(), "unknown_team")
        ]
    );

    let team = directory(store.clone())
        .unwrap()
        .create_team(
            &acme.owner.principal,
            NewTeam {
                name: "Billing".into(),
                description: String::new(),
                members: BTreeSet::from([acme.agent.user.id]),
            },
            clock.now(),
        )
        .await
        .unwrap();
    store.take_events();
    let routed = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            assignee: Some(acme.agent.user.id),
            team: Some(team.id),
            ..new_ticket("S", "d")
        },
        clock.now(),
    )
    .await;
    assert_eq!(routed.ticket.assignee_id, Some(acme.agent.user.id));
    assert_eq!(routed.ticket.team_id, Some(team.id));
    let created = only(&store.take_events(), EventType::TicketCreated)
        .payload::<TicketCreated>()
        .unwrap();
    assert_eq!(
        (created.assignee_id, created.team_id),
        (Some(acme.agent.user.id), Some(team.id))
    );
}

#[tokio::test]
async fn an_api_key_opens_tickets_on_the_api_channel_for_a_named_requester() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let key = api_key(
        &acme,
        Role::Agent,
        &[Scope::TicketsWrite, Scope::TicketsRead],
    );
    let nobody = tickets
        .create(&key, new_ticket("From CRM", "x"), None, clock.now())
        .await;
    assert_eq!(invalid(nobody), vec![("requester".into(), "required")]);

    let detail = open_detail(
        &tickets,
        &key,
        NewTicket {
            requester: Some(RequesterRef::Id(acme.customer.user.id)),
            ..new_ticket("From CRM", "x")
        },
        clock.now(),
    )
    .await;
    assert_eq!(detail.ticket.channel, Channel::Api);
    assert_eq!(detail.ticket.created_by, key.actor());

    let read_only = api_key(&acme, Role::Agent, &[Scope::TicketsRead]);
    let refused = tickets
        .create(
            &read_only,
            NewTicket {
                requester: Some(RequesterRef::Id(acme.customer.user.id)),
                ..new_ticket("S", "d")
            },
            None,
            clock.now(),
        )
        .await;
    assert!(
        matches!(refused, Err(DomainError::Forbidden)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_channel_default_applies_only_where_nothing_was_chosen_and_its_team_exists() {
    let (clock, store, acme) = world().await;
    let team = directory(store.clone())
        .unwrap()
        .create_team(
            &acme.owner.principal,
            NewTeam {
                name: "Inbox".into(),
                description: String::new(),
                members: BTreeSet::new(),
            },
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let routed = open_detail(
        &tickets,
        &acme.customer.principal,
        NewTicket {
            routing: ChannelRouting {
                team_id: Some(team.id),
                priority: Some(Priority::High),
                unverified_sender: false,
            },
            ..new_ticket("By mail", "x")
        },
        clock.now(),
    )
    .await;
    assert_eq!(
        (routed.ticket.team_id, routed.ticket.priority),
        (Some(team.id), Priority::High),
        "a channel's defaults apply whoever the requester is"
    );
    let chosen = open_detail(
        &tickets,
        &acme.customer.principal,
        NewTicket {
            priority: Some(Priority::Low),
            routing: ChannelRouting {
                team_id: Some(TeamId::new()),
                priority: Some(Priority::High),
                unverified_sender: false,
            },
            ..new_ticket("By mail", "x")
        },
        clock.now(),
    )
    .await;
    assert_eq!(
        (chosen.ticket.team_id, chosen.ticket.priority),
        (None, Priority::Low),
        "a deleted team is dropped; a chosen priority wins"
    );
}

#[tokio::test]
async fn a_replayed_create_returns_the_first_ticket_and_writes_nothing_more() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let k = key(me, "POST /v1/tickets", "k-1", r#"{"subject":"Refund"}"#);
    let (first, replayed) = tickets
        .create(me, new_ticket("Refund", "x"), Some(k.clone()), clock.now())
        .await
        .unwrap()
        .into_inner();
    assert!(!replayed);
    store.take_events();

    clock.advance(SignedDuration::from_mins(10));
    let (again, replayed) = tickets
        .create(me, new_ticket("Refund", "x"), Some(k), clock.now())
        .await
        .unwrap()
        .into_inner();
    assert!(replayed);
    assert_eq!(again.ticket, first.ticket);
    assert!(store.take_events().is_empty());
    let next = open(&tickets, me, "Another", clock.now()).await;
    assert_eq!(next.number, 2, "the replay took no number");
}

#[tokio::test]
async fn a_key_reused_for_a_different_request_is_refused_and_creates_nothing() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    tickets
        .create(
            me,
            new_ticket("Refund", "x"),
            Some(key(me, "POST /v1/tickets", "k-1", "first")),
            clock.now(),
        )
        .await
        .unwrap();
    store.take_events();
    let reused = tickets
        .create(
            me,
            new_ticket("Something else", "y"),
            Some(key(me, "POST /v1/tickets", "k-1", "second")),
            clock.now(),
        )
        .await;
    assert!(
        matches!(reused, Err(DomainError::IdempotencyKeyReused)),
        "{reused:?}"
    );
    assert!(store.take_events().is_empty());
    let listed = tickets
        .list(
            &acme.agent.principal,
            TicketListFilter::default(),
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn an_idempotency_key_is_forgotten_after_a_day() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let (first, _) = tickets
        .create(
            me,
            new_ticket("Refund", "x"),
            Some(key(me, "POST /v1/tickets", "k-1", "first")),
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    clock.advance(SignedDuration::from_hours(25));
    let (second, replayed) = tickets
        .create(
            me,
            new_ticket("Later", "y"),
            Some(key(me, "POST /v1/tickets", "k-1", "second")),
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(!replayed);
    assert_ne!(second.ticket.id, first.ticket.id);
}

#[tokio::test]
async fn a_failed_write_leaves_no_ticket_no_requester_and_no_event() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    store.fail_next_call_to("write_ticket", StoreError::Unavailable("injected".into()));
    let failed = tickets
        .create(
            &acme.agent.principal,
            NewTicket {
                requester: by_email("new@customer.example"),
                ..new_ticket("S", "d")
            },
            None,
            clock.now(),
        )
        .await;
    assert!(
        matches!(failed, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{failed:?}"
    );
    assert!(store.take_events().is_empty());
    assert!(
        store
            .user_by_email(acme.id(), &Email::parse("new@customer.example").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let listed = tickets
        .list(
            &acme.agent.principal,
            TicketListFilter::default(),
            &page(10),
        )
        .await
        .unwrap();
    assert!(listed.items.is_empty());
    assert!(
        tickets
            .get_by_number(&acme.agent.principal, 1)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_requester_created_by_a_concurrent_request_is_retried_once() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    store.fail_next_call_to("write_ticket", StoreError::Conflict(Conflict::EmailTaken));
    let detail = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: by_email("race@customer.example"),
            ..new_ticket("S", "d")
        },
        clock.now(),
    )
    .await;
    let writes = store
        .calls()
        .iter()
        .filter(|c| *c == "write_ticket")
        .count();
    assert_eq!(writes, 2);
    let events = store.take_events();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.kind == EventType::TicketCreated)
            .count(),
        1
    );
    let user = store
        .user_by_email(acme.id(), &Email::parse("race@customer.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.ticket.requester_id, user.id);
}

#[tokio::test]
async fn a_retried_create_by_a_write_only_key_replays_the_first_answer() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let writer = api_key(&acme, Role::Agent, &[Scope::TicketsWrite]);
    let input = || NewTicket {
        requester: Some(RequesterRef::Id(acme.customer.user.id)),
        ..new_ticket("From CRM", "x")
    };
    let k = key(&writer, "POST /v1/tickets", "crm-1", "same body");
    let (first, _) = tickets
        .create(&writer, input(), Some(k.clone()), clock.now())
        .await
        .unwrap()
        .into_inner();
    let retried = tickets.create(&writer, input(), Some(k), clock.now()).await;
    let (again, replayed) = retried.unwrap().into_inner();
    assert!(replayed);
    assert_eq!(again.ticket.id, first.ticket.id);
}
