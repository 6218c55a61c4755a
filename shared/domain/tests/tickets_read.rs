//! Reading tickets: `get`, `get_by_number`, `history` and `list`, and who
//! may see what (customers their own and those they are copied on, public
//! comments and visible fields only; another tenant's ticket is absent).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use jiff::SignedDuration;
use serde_json::json;
use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::tickets::fields::FieldKind;
use switchboard_domain::tickets::input::{
    NewTicket, RequesterRef, Someone, TicketListFilter, TicketPatch,
};
use switchboard_domain::tickets::ports::TicketSort;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Priority, Status, Tag, Ticket};
use switchboard_testkit::fixtures::directory;

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
#[ignore = "bug: a customer copied on a ticket can open it but it never appears in their ticket list"]
async fn a_customer_finds_the_tickets_they_are_copied_on_in_their_list() {
    let (clock, store, acme) = world().await;
    let (_, requester) = invite(&store, &acme, Role::Customer, "Req Uester", clock.now()).await;
    let tickets = Ticketing::new(store.clone());
    let shared = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            requester: Some(RequesterRef::Id(requester.user_id().unwrap())),
            cc: BTreeSet::from([acme.customer.user.email.as_str().to_lowercase()]),
            ..new_ticket("Team outage", "Nobody can log in")
        },
        clock.now(),
    )
    .await
    .ticket;
    assert!(
        tickets
            .get(&acme.customer.principal, shared.id)
            .await
            .is_ok()
    );
    let listed = tickets
        .list(
            &acme.customer.principal,
            TicketListFilter::default(),
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(ids(&listed.items), vec![shared.id]);
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
async fn lists_filter_by_status_assignee_team_requester_priority_and_tag() {
    let (clock, store, acme) = world().await;
    let team = directory(store.clone())
        .unwrap()
        .create_team(
            &acme.owner.principal,
            NewTeam {
                name: "Billing".into(),
                description: String::new(),
                members: BTreeSet::new(),
            },
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let plain = open(&tickets, &acme.customer.principal, "Plain", clock.now()).await;
    clock.advance(SignedDuration::from_secs(1));
    let mine = open_detail(
        &tickets,
        agent,
        NewTicket {
            requester: Some(RequesterRef::Id(acme.customer.user.id)),
            assignee: Some(acme.agent.user.id),
            priority: Some(Priority::Urgent),
            tags: Some(BTreeSet::from([Tag::parse("vip").unwrap()])),
            ..new_ticket("Mine", "d")
        },
        clock.now(),
    )
    .await
    .ticket;
    clock.advance(SignedDuration::from_secs(1));
    let billing = open_detail(
        &tickets,
        agent,
        NewTicket {
            team: Some(team.id),
            ..new_ticket("Billing", "d")
        },
        clock.now(),
    )
    .await
    .ticket;
    clock.advance(SignedDuration::from_secs(1));
    tickets
        .update(
            agent,
            billing.id,
            TicketPatch {
                status: Some(Status::Pending),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();

    let list = |filter: TicketListFilter| {
        let tickets = &tickets;
        async move { ids(&tickets.list(agent, filter, &page(25)).await.unwrap().items) }
    };
    assert_eq!(
        list(TicketListFilter::default()).await,
        vec![billing.id, mine.id, plain.id],
        "the most recently updated first"
    );
    let f = TicketListFilter::default;
    assert_eq!(
        list(TicketListFilter {
            status: Some(Status::Pending),
            ..f()
        })
        .await,
        vec![billing.id]
    );
    assert_eq!(
        list(TicketListFilter {
            assignee: Some(Some(Someone::Me)),
            ..f()
        })
        .await,
        vec![mine.id]
    );
    assert_eq!(
        list(TicketListFilter {
            assignee: Some(None),
            ..f()
        })
        .await,
        vec![billing.id, plain.id]
    );
    assert_eq!(
        list(TicketListFilter {
            team: Some(Some(team.id)),
            ..f()
        })
        .await,
        vec![billing.id]
    );
    assert_eq!(
        list(TicketListFilter {
            requester: Some(Someone::Id(acme.customer.user.id)),
            status: Some(Status::New),
            ..f()
        })
        .await,
        vec![mine.id, plain.id]
    );
    assert_eq!(
        list(TicketListFilter {
            priority: Some(Priority::Urgent),
            ..f()
        })
        .await,
        vec![mine.id]
    );
    assert_eq!(
        list(TicketListFilter {
            tag: Some(Tag::parse("vip").unwrap()),
            ..f()
        })
        .await,
        vec![mine.id]
    );
    assert_eq!(
        list(TicketListFilter {
            sort: Some(TicketSort::CreatedAt),
            descending: Some(false),
            ..f()
        })
        .await,
        vec![plain.id, mine.id, billing.id]
    );
}

#[tokio::test]
async fn lists_page_through_every_ticket_once_and_leave_deleted_ones_out() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let mut opened = Vec::new();
    for i in 0..5 {
        opened.push(
            open(
                &tickets,
                &acme.customer.principal,
                &format!("T{i}"),
                clock.now(),
            )
            .await,
        );
        clock.advance(SignedDuration::from_secs(1));
    }
    tickets
        .delete(&acme.owner.principal, opened[2].id, clock.now())
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut request = page(2);
    loop {
        let p = tickets
            .list(
                &acme.agent.principal,
                TicketListFilter {
                    sort: Some(TicketSort::CreatedAt),
                    ..TicketListFilter::default()
                },
                &request,
            )
            .await
            .unwrap();
        assert!(p.items.len() <= 2);
        seen.extend(ids(&p.items));
        match p.next_cursor {
            Some(c) => {
                request = PageRequest {
                    limit: 2,
                    cursor: Some(c),
                }
            }
            None => break,
        }
    }
    let want: Vec<TicketId> = [4, 3, 1, 0].iter().map(|&i| opened[i].id).collect();
    assert_eq!(seen, want);
    let bad = tickets
        .list(
            &acme.agent.principal,
            TicketListFilter::default(),
            &PageRequest {
                limit: 2,
                cursor: Some("not-a-cursor".into()),
            },
        )
        .await;
    assert!(matches!(bad, Err(DomainError::InvalidCursor)), "{bad:?}");
}

#[tokio::test]
async fn an_api_key_is_nobodys_me_and_needs_the_read_scope() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let reader = api_key(&acme, Role::Agent, &[Scope::TicketsRead]);
    let me = tickets
        .list(
            &reader,
            TicketListFilter {
                assignee: Some(Some(Someone::Me)),
                ..TicketListFilter::default()
            },
            &page(10),
        )
        .await;
    assert_eq!(invalid(me), vec![("assignee".into(), "invalid_value")]);
    let me = tickets
        .list(
            &reader,
            TicketListFilter {
                requester: Some(Someone::Me),
                ..TicketListFilter::default()
            },
            &page(10),
        )
        .await;
    assert_eq!(invalid(me), vec![("requester".into(), "invalid_value")]);
    assert_eq!(
        tickets.get(&reader, t.id).await.unwrap().ticket.id,
        t.id,
        "the read scope reads"
    );

    let writer_only = api_key(&acme, Role::Agent, &[Scope::TicketsWrite]);
    assert!(matches!(
        tickets.get(&writer_only, t.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        tickets
            .list(&writer_only, TicketListFilter::default(), &page(10))
            .await,
        Err(DomainError::Forbidden)
    ));
}
