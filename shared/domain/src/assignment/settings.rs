//! The use cases that set how a team hands out its tickets, and agents'
//! availability and skills.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::accounts::permissions::{Action as Permission, Principal};
use crate::accounts::ports::{TeamStore, UserStore};
use crate::assignment::agent::{Agent, Availability, MAX_SKILLS, Skill};
use crate::assignment::events::{AssignmentChanged, AvailabilityChanged};
use crate::assignment::ports::{AgentStore, TeamAssignmentStore};
pub use crate::assignment::team::{Strategy, TeamAssignment};
use crate::kernel::error::DomainError;
use crate::kernel::events::{DomainEvent, EventType, Subject};
use crate::kernel::ids::{TeamId, UserId};

pub const MAX_OPEN_CAP: u32 = 1_000;

pub struct AssignmentSettings<S> {
    store: S,
}

impl<S> AssignmentSettings<S>
where
    S: AgentStore + TeamAssignmentStore + TeamStore + UserStore,
{
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub async fn team_assignment(
        &self,
        principal: &Principal,
        team: TeamId,
    ) -> Result<TeamAssignment, DomainError> {
        principal.require(Permission::ReadTeams)?;
        let tenant = principal.tenant_id();
        self.store
            .team(tenant, team)
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(self
            .store
            .team_assignment(tenant, team)
            .await?
            .unwrap_or_default())
    }

    /// Sets how a team hands out its tickets; the router then hands out
    /// what waits in its queue, if anyone has room.
    pub async fn put_team_assignment(
        &self,
        principal: &Principal,
        team: TeamId,
        settings: TeamAssignment,
        now: Timestamp,
    ) -> Result<TeamAssignment, DomainError> {
        principal.require(Permission::ManageTeams)?;
        let tenant = principal.tenant_id();
        self.store
            .team(tenant, team)
            .await?
            .ok_or(DomainError::NotFound)?;
        if settings
            .max_open_per_agent
            .is_some_and(|c| c == 0 || c > MAX_OPEN_CAP)
        {
            return Err(DomainError::field(
                "maxOpenPerAgent",
                "out_of_range",
                format!("1 to {MAX_OPEN_CAP}"),
            ));
        }
        let event = DomainEvent::new(
            EventType::TeamAssignmentChanged,
            tenant,
            now,
            principal.actor(),
            Subject {
                team_id: Some(team),
                ..Subject::default()
            },
            &AssignmentChanged {
                assignment: settings.clone(),
            },
        );
        self.store
            .put_team_assignment(tenant, team, &settings, &event)
            .await?;
        Ok(settings)
    }

    /// The availability, skills and load of every agent in a team or
    /// with something recorded (staff).
    pub async fn agents(&self, principal: &Principal) -> Result<Vec<Agent>, DomainError> {
        principal.require(Permission::ReadTeams)?;
        let tenant = principal.tenant_id();
        let mut agents: std::collections::BTreeMap<UserId, Agent> = self
            .store
            .agents(tenant)
            .await?
            .into_iter()
            .map(|a| (a.user_id, a))
            .collect();
        for team in self.store.list_teams(tenant).await? {
            for member in team.members {
                agents.entry(member).or_insert_with(|| Agent::new(member));
            }
        }
        Ok(agents.into_values().collect())
    }

    /// Sets an agent's availability: their own, or anyone's for an admin.
    pub async fn set_availability(
        &self,
        principal: &Principal,
        user: UserId,
        availability: Availability,
        now: Timestamp,
    ) -> Result<Availability, DomainError> {
        self.check_agent(principal, user).await?;
        let event = DomainEvent::new(
            EventType::AgentAvailabilityChanged,
            principal.tenant_id(),
            now,
            principal.actor(),
            Subject {
                user_id: Some(user),
                ..Subject::default()
            },
            &AvailabilityChanged { availability },
        );
        self.store
            .set_availability(principal.tenant_id(), user, availability, &event)
            .await?;
        Ok(availability)
    }

    /// Sets an agent's skills (admins).
    pub async fn set_skills(
        &self,
        principal: &Principal,
        user: UserId,
        skills: BTreeSet<Skill>,
    ) -> Result<BTreeSet<Skill>, DomainError> {
        principal.require(Permission::ManageTeams)?;
        self.check_agent(principal, user).await?;
        if skills.len() > MAX_SKILLS {
            return Err(DomainError::field(
                "skills",
                "too_many",
                format!("at most {MAX_SKILLS} skills"),
            ));
        }
        self.store
            .set_skills(principal.tenant_id(), user, &skills)
            .await?;
        Ok(skills)
    }

    /// `user` is an active agent of the tenant, and the caller themselves
    /// or an admin.
    async fn check_agent(&self, principal: &Principal, user: UserId) -> Result<(), DomainError> {
        let own = principal.user_id() == Some(user);
        if !own {
            principal.require(Permission::ManageTeams)?;
        }
        let agent = self
            .store
            .user(principal.tenant_id(), user)
            .await?
            .filter(|u| u.role.is_staff())
            .ok_or(DomainError::NotFound)?;
        if !agent.is_active() {
            return Err(DomainError::field(
                "user",
                "inactive",
                "a deactivated agent takes no tickets",
            ));
        }
        Ok(())
    }
}
