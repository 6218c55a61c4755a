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
use crate::kernel::events::{DomainEvent, EventType};
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
use crate::tickets::ticket::{Cause, Status, Ticket};

/// Waiting tickets handed out per wake-up at most (the next wake-up goes
/// on).
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
    /// into a team unassigned; room freed on an agent (their ticket solved,
    /// moved or deleted: every team they are in); an agent online; a
    /// team's settings changed.
    pub async fn teams_woken(&self, event: &DomainEvent) -> Result<BTreeSet<TeamId>, DomainError> {
        let tenant = event.tenant_id;
        let ticket = match event.subject.ticket_id {
            Some(id) => self.store.ticket(tenant, id).await?,
            None => None,
        };
        let mut teams = BTreeSet::new();
        let mut freed: Option<UserId> = None;
        match event.kind {
            EventType::TicketCreated => teams.extend(ticket.and_then(|t| t.team_id)),
            EventType::TicketDeleted => {
                if let Some(t) = ticket {
                    teams.extend(t.team_id);
                    freed = t.assignee_id;
                }
            }
            EventType::TicketStatusChanged => {
                let moved = event
                    .payload::<StatusChanged>()
                    .is_some_and(|s| s.from.is_unsolved() != s.to.is_unsolved());
                if let (true, Some(t)) = (moved, ticket) {
                    teams.extend(t.team_id);
                    freed = t.assignee_id;
                }
            }
            EventType::TicketAssigned => {
                let Some(a) = event.payload::<TicketAssigned>() else {
                    return Ok(teams);
                };
                if a.assignee_id.is_none() {
                    teams.extend(a.team_id);
                }
                if a.previous_assignee_id != a.assignee_id {
                    freed = a.previous_assignee_id;
                }
            }
            EventType::TeamAssignmentChanged => teams.extend(event.subject.team_id),
            EventType::AgentAvailabilityChanged => {
                let online = event
                    .payload::<AvailabilityChanged>()
                    .is_some_and(|a| a.availability == Availability::Online);
                if online {
                    freed = event.subject.user_id;
                }
            }
            _ => {}
        }
        if let Some(user) = freed {
            teams.extend(
                self.store
                    .list_teams(tenant)
                    .await?
                    .into_iter()
                    .filter(|t| t.members.contains(&user))
                    .map(|t| t.id),
            );
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
        let mut pool: Vec<Agent> = agents.into_values().collect();
        // Agents a write refused (deactivated, no longer staff).
        let mut gone: BTreeSet<UserId> = BTreeSet::new();
        for ticket in self.queue(tenant, team_id).await? {
            let anyone = candidates(&settings, &team.members, &pool, &BTreeSet::new());
            if anyone.iter().all(|a| gone.contains(a)) {
                // Nobody has room: the rest waits.
                break;
            }
            let skills = required_skills(&ticket.tags);
            let order: Vec<UserId> = candidates(&settings, &team.members, &pool, &skills)
                .into_iter()
                .filter(|a| !gone.contains(a))
                .collect();
            for agent in order {
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
                let outcome = self
                    .tickets
                    .apply_rules(&system, ticket.clone(), patch, &extras, now)
                    .await;
                let Some(a) = pool.iter_mut().find(|a| a.user_id == agent) else {
                    break;
                };
                match outcome {
                    Ok(_) => {
                        a.open += 1;
                        a.last_assigned_at = Some(now);
                        given.push((ticket.id, agent));
                        break;
                    }
                    // Someone else filled them meanwhile.
                    Err(DomainError::Store(StoreError::CapacityReached)) => {
                        a.open = settings.max_open_per_agent.map_or(a.open, i64::from);
                    }
                    // They can no longer take tickets (deactivated, no
                    // longer staff): the next one may.
                    Err(DomainError::Invalid(_)) => {
                        gone.insert(agent);
                    }
                    // The ticket changed; its own event wakes us again.
                    Err(DomainError::PreconditionFailed) => break,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(given)
    }

    /// The team's waiting tickets (unassigned, unsolved), oldest first, at
    /// most [`DRAIN_LIMIT`]: one list per unsolved status, merged.
    async fn queue(&self, tenant: TenantId, team: TeamId) -> Result<Vec<Ticket>, DomainError> {
        let mut waiting = Vec::new();
        for status in [Status::New, Status::Open, Status::Pending, Status::OnHold] {
            let query = TicketListQuery {
                dimension: TicketDimension::Team(Some(team)),
                copied: None,
                filters: TicketFilters {
                    status: Some(status),
                    assignee: Some(None),
                    ..TicketFilters::default()
                },
                sort: TicketSort::CreatedAt,
                descending: false,
            };
            let mut cursor = None;
            let mut taken = 0;
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
                // The filter read the index; a ticket read after it may
                // have been handed out meanwhile by another wake-up.
                for t in page.items {
                    if t.assignee_id.is_none() && t.status.is_unsolved() && !t.is_deleted() {
                        taken += 1;
                        waiting.push(t);
                    }
                }
                match page.next_cursor {
                    Some(next) if taken < DRAIN_LIMIT => cursor = Some(next),
                    _ => break,
                }
            }
        }
        waiting.sort_by_key(|t| (t.created_at, t.id));
        waiting.truncate(DRAIN_LIMIT);
        Ok(waiting)
    }
}
