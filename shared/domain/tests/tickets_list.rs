//! Ticket lists: filters, sorting, full pages through cursors, deleted
//! tickets left out, and whose lists customers and API keys get.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use jiff::SignedDuration;
use support::*;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::kernel::pagination::PageRequest;
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

#[tokio::test]
async fn staff_see_a_requesters_tickets_in_numbers_and_customers_do_not() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let first = open(&tickets, &acme.customer.principal, "One", clock.now()).await;
    clock.advance(SignedDuration::from_mins(1));
    open(&tickets, &acme.customer.principal, "Two", clock.now()).await;
    clock.advance(SignedDuration::from_mins(1));
    tickets
        .update(
            &acme.agent.principal,
            first.id,
            TicketPatch {
                status: Some(Status::Solved),
                ..Default::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let summary = tickets
        .requester_summary(&acme.agent.principal, acme.customer.user.id)
        .await
        .unwrap();
    assert_eq!((summary.open, summary.counted, summary.more), (1, 2, false));
    assert_eq!(
        summary.last_activity_at,
        Some(clock.now()),
        "the solving of the first is the latest they saw"
    );
    let refused = tickets
        .requester_summary(&acme.customer.principal, acme.customer.user.id)
        .await;
    assert!(
        matches!(refused, Err(DomainError::Forbidden)),
        "{refused:?}"
    );
}
