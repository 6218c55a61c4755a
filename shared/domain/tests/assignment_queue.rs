//! Assignment through the event router on the in-memory store: a team's
//! tickets handed out within the cap, the rest queued and taken oldest
//! first as room frees; offline agents and missing skills left out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use support::*;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::assignment::agent::{Availability, Skill};
use switchboard_domain::assignment::ports::AgentStore;
use switchboard_domain::assignment::settings::{AssignmentSettings, Strategy, TeamAssignment};
use switchboard_domain::kernel::events::{DomainEvent, EventType};
use switchboard_domain::kernel::ids::{TeamId, TicketId, UserId};
use switchboard_domain::routing::router::EventRouter;
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::ports::TicketStore;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Cause, Status, Tag, Ticket};
use switchboard_testkit::fixtures::directory;
use switchboard_testkit::{MemoryPusher, MemoryQueues, MemoryStore, TestTenant};

type Router = EventRouter<MemoryStore, MemoryPusher, MemoryQueues, MemoryQueues, MemoryQueues>;

fn router(store: &MemoryStore) -> Router {
    let q = MemoryQueues::new();
    EventRouter::new(store.clone(), MemoryPusher::new(), q.clone(), q.clone(), q)
}

async fn route(router: &Router, events: Vec<DomainEvent>, now: Timestamp) {
    for e in events {
        router.route(&e, now).await.unwrap();
    }
}

struct Desk {
    team: TeamId,
    agents: Vec<UserId>,
}

/// A team of `n` agents, all online, handing out `least_busy` with `cap`.
async fn desk(store: &MemoryStore, t: &TestTenant, n: usize, cap: u32, now: Timestamp) -> Desk {
    let mut agents = Vec::new();
    for i in 0..n {
        let (user, _) = invite(store, t, Role::Agent, &format!("Agent {i}"), now).await;
        agents.push(user.id);
    }
    let team = directory(store.clone())
        .unwrap()
        .create_team(
            &t.owner.principal,
            NewTeam {
                name: "Billing".into(),
                description: String::new(),
                members: agents.iter().copied().collect(),
            },
            now,
        )
        .await
        .unwrap()
        .id;
    let settings = AssignmentSettings::new(store.clone());
    for a in &agents {
        settings
            .set_availability(&t.owner.principal, *a, Availability::Online, now)
            .await
            .unwrap();
    }
    settings
        .put_team_assignment(
            &t.owner.principal,
            team,
            TeamAssignment {
                strategy: Strategy::LeastBusy,
                max_open_per_agent: Some(cap),
                only_available: true,
                require_skills: true,
            },
            now,
        )
        .await
        .unwrap();
    store.take_events();
    Desk { team, agents }
}

async fn open_in(
    tickets: &Ticketing<MemoryStore>,
    t: &TestTenant,
    team: TeamId,
    subject: &str,
    tags: &[&str],
    now: Timestamp,
) -> Ticket {
    let mut input = new_ticket(subject, "Please help.");
    input.team = Some(team);
    input.tags = Some(tags.iter().map(|s| Tag::parse(s).unwrap()).collect());
    open_detail(tickets, &t.owner.principal, input, now)
        .await
        .ticket
}

async fn load(store: &MemoryStore, t: &TestTenant) -> BTreeMap<UserId, i64> {
    store
        .agents(t.id())
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.user_id, a.open))
        .collect()
}

async fn ticket(store: &MemoryStore, t: &TestTenant, id: TicketId) -> Ticket {
    store.ticket(t.id(), id).await.unwrap().unwrap()
}

#[tokio::test]
async fn fifty_tickets_for_five_agents_with_a_cap_of_five_fill_them_and_queue_the_rest() {
    let (clock, store, acme) = world().await;
    let desk = desk(&store, &acme, 5, 5, clock.now()).await;
    let tickets = Ticketing::new(store.clone());
    let mut opened = Vec::new();
    for i in 0..50 {
        opened.push(
            open_in(
                &tickets,
                &acme,
                desk.team,
                &format!("T{i}"),
                &[],
                clock.advance(jiff::SignedDuration::from_secs(1)),
            )
            .await,
        );
    }
    let events = store.take_events();
    let router = router(&store);
    // Every event at once: the drains race for the same agents.
    let routes = events.iter().map(|e| router.route(e, clock.now()));
    for r in futures::future::join_all(routes).await {
        r.unwrap();
    }
    let loads = load(&store, &acme).await;
    assert_eq!(
        desk.agents.iter().map(|a| loads[a]).collect::<Vec<_>>(),
        [5; 5]
    );
    let mut assigned = 0;
    for t in &opened {
        let now = ticket(&store, &acme, t.id).await;
        if now.assignee_id.is_some() {
            assigned += 1;
        }
    }
    assert_eq!(assigned, 25, "25 wait in the team's queue");
    // The oldest were handed out first.
    for t in &opened[..25] {
        assert!(ticket(&store, &acme, t.id).await.assignee_id.is_some());
    }

    // Solving one frees a place: the oldest waiting ticket takes it.
    let first = ticket(&store, &acme, opened[0].id).await;
    let agent = first.assignee_id.unwrap();
    tickets
        .update(
            &acme.owner.principal,
            first.id,
            TicketPatch {
                status: Some(Status::Solved),
                ..TicketPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    route(&router, store.take_events(), clock.now()).await;
    let next = ticket(&store, &acme, opened[25].id).await;
    assert_eq!(next.assignee_id, Some(agent));
    assert_eq!(load(&store, &acme).await[&agent], 5);
    let history = tickets
        .history(&acme.owner.principal, next.id)
        .await
        .unwrap();
    assert!(history.iter().any(|h| matches!(
        &h.caused_by,
        Some(Cause::Assignment { strategy, .. }) if strategy == "least_busy"
    )));
    assert!(
        ticket(&store, &acme, opened[26].id)
            .await
            .assignee_id
            .is_none()
    );
}

#[tokio::test]
async fn offline_agents_get_nothing_until_they_come_online() {
    let (clock, store, acme) = world().await;
    let desk = desk(&store, &acme, 2, 10, clock.now()).await;
    let settings = AssignmentSettings::new(store.clone());
    for a in &desk.agents {
        settings
            .set_availability(
                &acme.owner.principal,
                *a,
                Availability::Offline,
                clock.now(),
            )
            .await
            .unwrap();
    }
    let router = router(&store);
    route(&router, store.take_events(), clock.now()).await;
    let tickets = Ticketing::new(store.clone());
    let waiting = open_in(&tickets, &acme, desk.team, "Waiting", &[], clock.now()).await;
    route(&router, store.take_events(), clock.now()).await;
    assert_eq!(ticket(&store, &acme, waiting.id).await.assignee_id, None);

    settings
        .set_availability(
            &acme.owner.principal,
            desk.agents[1],
            Availability::Online,
            clock.now(),
        )
        .await
        .unwrap();
    let events = store.take_events();
    assert_eq!(kinds(&events), [EventType::AgentAvailabilityChanged]);
    route(&router, events, clock.now()).await;
    assert_eq!(
        ticket(&store, &acme, waiting.id).await.assignee_id,
        Some(desk.agents[1])
    );
}

#[tokio::test]
async fn a_ticket_requiring_a_skill_waits_for_an_agent_who_has_it() {
    let (clock, store, acme) = world().await;
    let desk = desk(&store, &acme, 2, 10, clock.now()).await;
    let settings = AssignmentSettings::new(store.clone());
    let spanish: BTreeSet<Skill> = [Skill::parse("es").unwrap()].into();
    settings
        .set_skills(&acme.owner.principal, desk.agents[1], spanish)
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let router = router(&store);
    let es = open_in(
        &tickets,
        &acme,
        desk.team,
        "Hola",
        &["skill:es"],
        clock.now(),
    )
    .await;
    let fr = open_in(
        &tickets,
        &acme,
        desk.team,
        "Salut",
        &["skill:fr"],
        clock.advance(jiff::SignedDuration::from_secs(1)),
    )
    .await;
    let any = open_in(
        &tickets,
        &acme,
        desk.team,
        "Hello",
        &[],
        clock.advance(jiff::SignedDuration::from_secs(1)),
    )
    .await;
    route(&router, store.take_events(), clock.now()).await;
    assert_eq!(
        ticket(&store, &acme, es.id).await.assignee_id,
        Some(desk.agents[1])
    );
    assert_eq!(
        ticket(&store, &acme, fr.id).await.assignee_id,
        None,
        "nobody speaks it"
    );
    assert_eq!(
        ticket(&store, &acme, any.id).await.assignee_id,
        Some(desk.agents[0]),
        "the least busy"
    );
}

#[tokio::test]
async fn old_solved_tickets_in_the_team_never_block_new_ones() {
    let (clock, store, acme) = world().await;
    let desk = desk(&store, &acme, 1, 300, clock.now()).await;
    let settings = AssignmentSettings::new(store.clone());
    settings
        .set_availability(
            &acme.owner.principal,
            desk.agents[0],
            Availability::Offline,
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    for i in 0..210 {
        let t = open_in(
            &tickets,
            &acme,
            desk.team,
            &format!("Old {i}"),
            &[],
            clock.now(),
        )
        .await;
        tickets
            .update(
                &acme.owner.principal,
                t.id,
                TicketPatch {
                    status: Some(Status::Solved),
                    ..TicketPatch::default()
                },
                None,
                clock.now(),
            )
            .await
            .unwrap();
    }
    let fresh = open_in(
        &tickets,
        &acme,
        desk.team,
        "Fresh",
        &[],
        clock.advance(jiff::SignedDuration::from_secs(1)),
    )
    .await;
    store.take_events();
    settings
        .set_availability(
            &acme.owner.principal,
            desk.agents[0],
            Availability::Online,
            clock.now(),
        )
        .await
        .unwrap();
    let router = router(&store);
    route(&router, store.take_events(), clock.now()).await;
    assert_eq!(
        ticket(&store, &acme, fresh.id).await.assignee_id,
        Some(desk.agents[0])
    );
}

#[tokio::test]
async fn room_freed_in_one_team_serves_the_agents_other_team_and_the_deactivated_are_skipped() {
    let (clock, store, acme) = world().await;
    let desk = desk(&store, &acme, 2, 1, clock.now()).await;
    let (gone, shared) = (desk.agents[0], desk.agents[1]);
    // A second team with only `shared` in it, same cap.
    let second = directory(store.clone())
        .unwrap()
        .create_team(
            &acme.owner.principal,
            NewTeam {
                name: "Refunds".into(),
                description: String::new(),
                members: [shared].into(),
            },
            clock.now(),
        )
        .await
        .unwrap()
        .id;
    AssignmentSettings::new(store.clone())
        .put_team_assignment(
            &acme.owner.principal,
            second,
            TeamAssignment {
                strategy: Strategy::RoundRobin,
                max_open_per_agent: Some(1),
                only_available: true,
                require_skills: true,
            },
            clock.now(),
        )
        .await
        .unwrap();
    directory(store.clone())
        .unwrap()
        .deactivate_user(&acme.owner.principal, gone, clock.now())
        .await
        .unwrap();
    let router = router(&store);
    route(&router, store.take_events(), clock.now()).await;
    let tickets = Ticketing::new(store.clone());
    let first = open_in(&tickets, &acme, desk.team, "First", &[], clock.now()).await;
    route(&router, store.take_events(), clock.now()).await;
    assert_eq!(
        ticket(&store, &acme, first.id).await.assignee_id,
        Some(shared),
        "the deactivated agent is skipped, not the ticket"
    );
    let waiting = open_in(
        &tickets,
        &acme,
        second,
        "Waiting",
        &[],
        clock.advance(jiff::SignedDuration::from_secs(1)),
    )
    .await;
    route(&router, store.take_events(), clock.now()).await;
    assert_eq!(
        ticket(&store, &acme, waiting.id).await.assignee_id,
        None,
        "at the cap"
    );
    tickets
        .update(
            &acme.owner.principal,
            first.id,
            TicketPatch {
                status: Some(Status::Solved),
                ..TicketPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    route(&router, store.take_events(), clock.now()).await;
    assert_eq!(
        ticket(&store, &acme, waiting.id).await.assignee_id,
        Some(shared),
        "room freed in Billing serves Refunds"
    );
}
