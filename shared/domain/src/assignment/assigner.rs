//! The assigner: hands out a team's waiting tickets, oldest first, to the
//! members with room for them. Each hand-out is one ticket write whose
//! transaction also counts the agent's load, on condition that it stays
//! within the team's cap: however many run at once, nobody goes over it.
//! What finds no room waits in the team's queue (the team's unassigned
//! tickets) until room frees: a ticket solved or moved, an agent coming
//! online, the cap raised. Each of those wakes the assigner for the team.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::accounts::permissions::Principal;
use crate::accounts::ports::{OrganizationStore, TeamStore, TenantStore, UserStore};
use crate::assignment::agent::{Agent, Availability, required_skills};
use crate::assignment::choose::candidates;
use crate::assignment::events::AvailabilityChanged;
use crate::assignment::ports::{AgentStore, TeamAssignmentStore};
use crate::assignment::team::Strategy;
use crate::kernel::error::{DomainError, StoreError};
use crate::kernel::events::{ActorType, DomainEvent, EventType};
use crate::kernel::ids::{TeamId, TenantId, TicketId, UserId};
use crate::kernel::pagination::PageRequest;
use crate::kernel::ports::IdempotencyStore;
use crate::tickets::changes::Extras;
use crate::tickets::events::{StatusChanged, TicketAssigned};
use crate::tickets::input::TicketPatch;
use crate::tickets::ports::{
    FieldSchemaStore, TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore,
};
use crate::tickets::service::Ticketing;
use crate::tickets::ticket::Cause;

/// Tickets looked at per wake-up at most (the next wake-up goes on).
pub const DRAIN_LIMIT: usize = 200;
const PAGE: u32 = 50;

pub struct Assigner<S> {
    store: S,
    tickets: Ticketing<S>,
}

impl<S> Assigner<S>
where
    S: AgentStore
        + TeamAssignmentStore
        + TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore
        + TenantStore
        + Clone,
{
    pub fn new(store: S) -> Self {
        Self {
            tickets: Ticketing::new(store.clone()),
            store,
        }
    }

    /// The teams whose queues an event may let move: a ticket that came
    /// into a team unassigned, an agent's ticket solved, moved or deleted,
    /// an agent online, a team's settings changed.
    pub async fn teams_woken(&self, event: &DomainEvent) -> Result<BTreeSet<TeamId>, DomainError> {
        let tenant = event.tenant_id;
        let ticket_team = || async {
            Ok::<_, DomainError>(match event.subject.ticket_id {
                Some(id) => self.store.ticket(tenant, id).await?.and_then(|t| t.team_id),
                None => None,
            })
        };
        let mut teams = BTreeSet::new();
        match event.kind {
            EventType::TicketCreated | EventType::TicketDeleted => {
                teams.extend(ticket_team().await?);
            }
            EventType::TicketStatusChanged => {
                let moved = event
                    .payload::<StatusChanged>()
                    .is_some_and(|s| s.from.is_unsolved() != s.to.is_unsolved());
                if moved {
                    teams.extend(ticket_team().await?);
                }
            }
            EventType::TicketAssigned => {
                let Some(a) = event.payload::<TicketAssigned>() else {
                    return Ok(teams);
                };
                // The assigner's own hand-outs wake nothing.
                if event.actor.kind == ActorType::System && a.assignee_id.is_some() {
                    return Ok(teams);
                }
                teams.extend(a.team_id);
                if a.previous_assignee_id.is_some() {
                    teams.extend(a.previous_team_id);
                }
            }
            EventType::TeamAssignmentChanged => teams.extend(event.subject.team_id),
            EventType::AgentAvailabilityChanged => {
                let online = event
                    .payload::<AvailabilityChanged>()
                    .is_some_and(|a| a.availability == Availability::Online);
                if let (true, Some(user)) = (online, event.subject.user_id) {
                    teams.extend(
                        self.store
                            .list_teams(tenant)
                            .await?
                            .into_iter()
                            .filter(|t| t.members.contains(&user))
                            .map(|t| t.id),
                    );
                }
            }
            _ => {}
        }
        Ok(teams)
    }

    /// Hands out what waits in `team`'s queue, oldest first, while its
    /// members have room; returns who got which ticket.
    pub async fn drain(
        &self,
        tenant: TenantId,
        team_id: TeamId,
        now: Timestamp,
    ) -> Result<Vec<(TicketId, UserId)>, DomainError> {
        let mut given = Vec::new();
        let Some(settings) = self.store.team_assignment(tenant, team_id).await? else {
            return Ok(given);
        };
        if settings.strategy == Strategy::Manual {
            return Ok(given);
        }
        let (Some(team), Some(tenant_record)) = (
            self.store.team(tenant, team_id).await?,
            self.store.tenant(tenant).await?,
        ) else {
            return Ok(given);
        };
        let system = Principal::system(tenant_record);
        let mut agents: BTreeMap<UserId, Agent> = self
            .store
            .agents(tenant)
            .await?
            .into_iter()
            .map(|a| (a.user_id, a))
            .collect();
        for m in &team.members {
            agents.entry(*m).or_insert_with(|| Agent::new(*m));
        }
        let query = TicketListQuery {
            dimension: TicketDimension::Team(Some(team_id)),
            copied: None,
            filters: TicketFilters {
                assignee: Some(None),
                ..TicketFilters::default()
            },
            sort: TicketSort::CreatedAt,
            descending: false,
        };
        let mut cursor = None;
        let mut seen = 0;
        loop {
            let page = self
                .store
                .list_tickets(
                    tenant,
                    &query,
                    &PageRequest {
                        limit: PAGE,
                        cursor: cursor.take(),
                    },
                )
                .await?;
            for ticket in page.items {
                seen += 1;
                // The list's filter read the index; the ticket read after it
                // may have been handed out meanwhile by another wake-up.
                if ticket.assignee_id.is_some()
                    || !ticket.status.is_unsolved()
                    || ticket.is_deleted()
                {
                    continue;
                }
                let pool: Vec<Agent> = agents.values().cloned().collect();
                let anyone = candidates(&settings, &team.members, &pool, &BTreeSet::new());
                if anyone.is_empty() {
                    // Nobody has room: the rest waits.
                    return Ok(given);
                }
                let skills = required_skills(&ticket.tags);
                for agent in candidates(&settings, &team.members, &pool, &skills) {
                    let patch = TicketPatch {
                        assignee: Some(Some(agent)),
                        ..TicketPatch::default()
                    };
                    let extras = Extras {
                        cause: Some(Cause::Assignment {
                            team_id,
                            strategy: settings.strategy.as_str().to_owned(),
                        }),
                        capacity: settings.max_open_per_agent,
                        ..Extras::default()
                    };
                    match self
                        .tickets
                        .apply_rules(&system, ticket.clone(), patch, &extras, now)
                        .await
                    {
                        Ok(_) => {
                            if let Some(a) = agents.get_mut(&agent) {
                                a.open += 1;
                                a.last_assigned_at = Some(now);
                            }
                            given.push((ticket.id, agent));
                            break;
                        }
                        Err(DomainError::Store(StoreError::CapacityReached)) => {
                            // Someone else filled them meanwhile.
                            if let (Some(a), Some(cap)) =
                                (agents.get_mut(&agent), settings.max_open_per_agent)
                            {
                                a.open = i64::from(cap);
                            }
                        }
                        // The ticket changed (its own event wakes us again),
                        // or the agent can no longer take tickets.
                        Err(DomainError::PreconditionFailed) | Err(DomainError::Invalid(_)) => {
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            match page.next_cursor {
                Some(next) if seen < DRAIN_LIMIT => cursor = Some(next),
                _ => return Ok(given),
            }
        }
    }
}
