//! What assignment needs from storage. The AWS adapters implement these;
//! `switchboard-testkit` holds an in-memory implementation with the same
//! semantics for use-case tests.

use std::collections::BTreeSet;

use crate::assignment::agent::{Agent, Availability, Skill};
use crate::assignment::team::TeamAssignment;
use crate::kernel::error::StoreResult;
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::{TeamId, TenantId, UserId};

/// Agents' availability, skills and load. The load (`open`) is kept by
/// the ticket store, in the same transaction as each ticket write.
#[trait_variant::make(Send)]
pub trait AgentStore: Send + Sync {
    /// Every agent something was recorded for (others are offline, with
    /// no skills and no load).
    async fn agents(&self, tenant: TenantId) -> StoreResult<Vec<Agent>>;

    /// Sets an agent's availability and writes its event, in one
    /// transaction.
    async fn set_availability(
        &self,
        tenant: TenantId,
        user: UserId,
        availability: Availability,
        event: &DomainEvent,
    ) -> StoreResult<()>;

    async fn set_skills(
        &self,
        tenant: TenantId,
        user: UserId,
        skills: &BTreeSet<Skill>,
    ) -> StoreResult<()>;
}

/// How each team hands out its tickets.
#[trait_variant::make(Send)]
pub trait TeamAssignmentStore: Send + Sync {
    /// `None`: never set (manual).
    async fn team_assignment(
        &self,
        tenant: TenantId,
        team: TeamId,
    ) -> StoreResult<Option<TeamAssignment>>;

    /// Replaces a team's settings and writes its event, in one transaction.
    async fn put_team_assignment(
        &self,
        tenant: TenantId,
        team: TeamId,
        settings: &TeamAssignment,
        event: &DomainEvent,
    ) -> StoreResult<()>;
}
