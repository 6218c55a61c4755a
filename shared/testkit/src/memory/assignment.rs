//! Agents' availability and skills, and teams' assignment settings, in
//! memory (agents' load is kept by the ticket writes).

use std::collections::BTreeSet;

use switchboard_domain::assignment::agent::{Agent, Availability, Skill};
use switchboard_domain::assignment::ports::{AgentStore, TeamAssignmentStore};
use switchboard_domain::assignment::settings::TeamAssignment;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{TeamId, TenantId, UserId};

use super::MemoryStore;

impl AgentStore for MemoryStore {
    async fn agents(&self, tenant: TenantId) -> StoreResult<Vec<Agent>> {
        self.enter("agents")?;
        Ok(self.read(|s| {
            s.agents
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, a)| a.clone())
                .collect()
        }))
    }

    async fn set_availability(
        &self,
        tenant: TenantId,
        user: UserId,
        availability: Availability,
        event: &DomainEvent,
    ) -> StoreResult<()> {
        self.enter("set_availability")?;
        self.write(|s| {
            s.agents
                .entry((tenant, user))
                .or_insert_with(|| Agent::new(user))
                .availability = availability;
            s.add_events(std::slice::from_ref(event));
            Ok(())
        })
    }

    async fn set_skills(
        &self,
        tenant: TenantId,
        user: UserId,
        skills: &BTreeSet<Skill>,
    ) -> StoreResult<()> {
        self.enter("set_skills")?;
        self.write(|s| {
            s.agents
                .entry((tenant, user))
                .or_insert_with(|| Agent::new(user))
                .skills = skills.clone();
            Ok(())
        })
    }
}

impl TeamAssignmentStore for MemoryStore {
    async fn team_assignment(
        &self,
        tenant: TenantId,
        team: TeamId,
    ) -> StoreResult<Option<TeamAssignment>> {
        self.enter("team_assignment")?;
        Ok(self.read(|s| s.team_assignments.get(&(tenant, team)).cloned()))
    }

    async fn put_team_assignment(
        &self,
        tenant: TenantId,
        team: TeamId,
        settings: &TeamAssignment,
        event: &DomainEvent,
    ) -> StoreResult<()> {
        self.enter("put_team_assignment")?;
        self.write(|s| {
            s.team_assignments.insert((tenant, team), settings.clone());
            s.add_events(std::slice::from_ref(event));
            Ok(())
        })
    }
}
