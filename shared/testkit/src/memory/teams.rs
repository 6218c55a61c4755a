//! Teams in memory.

use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::TeamStore;
use switchboard_domain::accounts::team::Team;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{TeamId, TenantId};

use super::MemoryStore;

impl TeamStore for MemoryStore {
    async fn team(&self, tenant: TenantId, id: TeamId) -> StoreResult<Option<Team>> {
        self.enter("team")?;
        Ok(self.read(|s| s.teams.get(&(tenant, id)).cloned()))
    }

    async fn list_teams(&self, tenant: TenantId) -> StoreResult<Vec<Team>> {
        self.enter("list_teams")?;
        // By name, case aside; equal names in id order (the partition's).
        let mut teams: Vec<Team> = self.read(|s| {
            s.teams
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, team)| team.clone())
                .collect()
        });
        teams.sort_by_key(|t| t.name.to_lowercase());
        Ok(teams)
    }

    async fn put_team(
        &self,
        team: &Team,
        expected_version: Option<u64>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_team")?;
        self.write(|s| {
            let key = (team.tenant_id, team.id);
            let stored = s.teams.get(&key).map(|t| t.version);
            let fits = match expected_version {
                None => stored.is_none(),
                Some(v) => stored == Some(v),
            };
            if !fits {
                return Err(StoreError::VersionMismatch);
            }
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.teams.insert(key, team.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn delete_team(
        &self,
        tenant: TenantId,
        id: TeamId,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("delete_team")?;
        self.write(|s| {
            if !s.teams.contains_key(&(tenant, id)) || !s.events_fit(events)? {
                return Err(StoreError::NotFound);
            }
            s.teams.remove(&(tenant, id));
            s.add_events(events);
            Ok(())
        })
    }
}
