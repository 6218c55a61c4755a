//! Jobs and the erasure's own writes in memory.

use switchboard_domain::StoreError;
use switchboard_domain::jobs::job::Job;
use switchboard_domain::jobs::ports::JobStore;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{JobId, TenantId};
use switchboard_domain::privacy::ports::ErasureStore;
use switchboard_domain::tickets::ticket::HistoryEntry;

use super::{MemoryStore, keys};

impl JobStore for MemoryStore {
    async fn create_job(&self, job: &Job, events: &[DomainEvent]) -> StoreResult<()> {
        self.enter("create_job")?;
        self.write(|s| {
            let key = (job.tenant_id, job.id);
            if s.jobs.contains_key(&key) || !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.jobs.insert(key, job.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn job(&self, tenant: TenantId, id: JobId) -> StoreResult<Option<Job>> {
        self.enter("job")?;
        Ok(self.read(|s| s.jobs.get(&(tenant, id)).cloned()))
    }

    async fn save_job(&self, job: &Job, expected_version: u64) -> StoreResult<()> {
        self.enter("save_job")?;
        self.write(|s| {
            let key = (job.tenant_id, job.id);
            match s.jobs.get(&key) {
                Some(stored) if stored.version == expected_version => {
                    s.jobs.insert(key, job.clone());
                    Ok(())
                }
                _ => Err(StoreError::VersionMismatch),
            }
        })
    }
}

impl ErasureStore for MemoryStore {
    async fn forget_message(&self, tenant: TenantId, message_id: &str) -> StoreResult<()> {
        self.enter("forget_message")?;
        let key = (tenant, keys::message_digest(message_id));
        self.write(|s| s.messages.remove(&key));
        Ok(())
    }

    async fn forget_bounce(&self, tenant: TenantId, address: &str) -> StoreResult<()> {
        self.enter("forget_bounce")?;
        self.write(|s| s.bounces.remove(&(tenant, address.to_lowercase())));
        Ok(())
    }

    async fn replace_history(&self, tenant: TenantId, entry: &HistoryEntry) -> StoreResult<()> {
        self.enter("replace_history")?;
        self.write(|s| {
            s.history
                .insert((tenant, entry.ticket_id, entry.id), entry.clone())
        });
        Ok(())
    }
}
