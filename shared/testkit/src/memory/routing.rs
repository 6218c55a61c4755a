//! The event router's step marks in memory.

use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{EventId, TenantId};
use switchboard_domain::routing::ports::StepLog;

use super::MemoryStore;

impl StepLog for MemoryStore {
    async fn complete_step(
        &self,
        tenant: TenantId,
        event: EventId,
        step: &str,
    ) -> StoreResult<bool> {
        self.enter("complete_step")?;
        Ok(self.write(|s| s.steps.insert((tenant, event, step.to_owned()))))
    }

    async fn steps_completed(&self, tenant: TenantId, event: EventId) -> StoreResult<Vec<String>> {
        self.enter("steps_completed")?;
        // In name order, as their sort keys are.
        Ok(self.read(|s| {
            s.steps
                .iter()
                .filter(|(t, e, _)| *t == tenant && *e == event)
                .map(|(_, _, step)| step.clone())
                .collect()
        }))
    }
}
