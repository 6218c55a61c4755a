//! The assigner against the emulator: many hand-outs racing for the same
//! agents, each a transaction whose load update is conditional on the
//! team's cap.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use switchboard_domain::accounts::input::NewTeam;
use switchboard_domain::assignment::agent::Availability;
use switchboard_domain::assignment::assigner::Assigner;
use switchboard_domain::assignment::ports::AgentStore;
use switchboard_domain::assignment::settings::{AssignmentSettings, Strategy, TeamAssignment};
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::tickets::input::{Body, NewTicket, SubjectLine};
use switchboard_domain::tickets::ports::{
    TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore,
};
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, TestTenant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racing_hand_outs_fill_five_agents_to_their_cap_and_no_further() {
    let store = kit::store().await;
    let acme = TestTenant::new().await;
    let owner = kit::principal(&acme.owner).await;
    let now = Timestamp::now();
    let mut agents = Vec::new();
    for i in 0..5 {
        agents.push(acme.person("agent", &format!("Agent {i}")).await.id);
    }
    let team = kit::directory()
        .await
        .create_team(
            &owner,
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
            .set_availability(&owner, *a, Availability::Online, now)
            .await
            .unwrap();
    }
    settings
        .put_team_assignment(
            &owner,
            team,
            TeamAssignment {
                strategy: Strategy::LeastBusy,
                max_open_per_agent: Some(5),
                only_available: true,
                require_skills: true,
            },
            now,
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    for i in 0..50 {
        let mut input = NewTicket::new(
            SubjectLine::parse(&format!("Ticket {i}")).unwrap(),
            Body::parse("Please help.").unwrap(),
        );
        input.team = Some(team);
        tickets.create(&owner, input, None, now).await.unwrap();
    }

    // One wake-up per new ticket, all at once, as the router's shards would.
    let assigner = Arc::new(Assigner::new(store.clone()));
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let assigner = assigner.clone();
        let tenant = acme.id;
        racing.spawn(async move { assigner.drain(tenant, team, Timestamp::now()).await });
    }
    let mut handed_out = 0;
    while let Some(done) = racing.join_next().await {
        handed_out += done.unwrap().unwrap().len();
    }
    assert_eq!(handed_out, 25);

    // What the tickets say, and what the counters say, agree.
    let query = TicketListQuery {
        dimension: TicketDimension::Team(Some(team)),
        copied: None,
        filters: TicketFilters::default(),
        sort: TicketSort::CreatedAt,
        descending: false,
    };
    let mut held: BTreeMap<_, i64> = BTreeMap::new();
    let mut waiting = 0;
    let mut cursor = None;
    loop {
        let page = store
            .list_tickets(acme.id, &query, &PageRequest { limit: 100, cursor })
            .await
            .unwrap();
        for t in page.items {
            match t.assignee_id {
                Some(a) => *held.entry(a).or_default() += 1,
                None => waiting += 1,
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(waiting, 25);
    assert_eq!(held.values().copied().collect::<Vec<_>>(), [5; 5]);
    let counted: BTreeMap<_, i64> = store
        .agents(acme.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.user_id, a.open))
        .collect();
    assert_eq!(counted, held);
}
