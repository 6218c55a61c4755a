//! The audit log in memory: entries come with events (`State::add_events`)
//! or alone; reading them honours their expiry, as the table's TTL does
//! eventually.

use switchboard_domain::audit::ports::{AuditFilter, AuditLog};
use switchboard_domain::kernel::audit::AuditEntry;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::kernel::ports::AuditTrail;

use super::MemoryStore;

impl AuditTrail for MemoryStore {
    async fn record_audit(&self, entries: &[AuditEntry]) -> StoreResult<()> {
        self.enter("record_audit")?;
        self.write(|s| {
            for e in entries {
                s.add_audit(e.clone());
            }
        });
        Ok(())
    }
}

impl AuditLog for MemoryStore {
    async fn audit_entries(
        &self,
        tenant: TenantId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>> {
        self.enter("audit_entries")?;
        let rows = self.read(|s| {
            s.audit
                .range((tenant, String::new())..)
                .take_while(|((t, _), _)| *t == tenant)
                .filter(|(_, e)| filter.from.is_none_or(|from| e.at >= from))
                .filter(|(_, e)| filter.to.is_none_or(|to| e.at < to))
                .filter(|(_, e)| filter.admits(e))
                .map(|((_, id), e)| (id.clone(), e.clone()))
                .collect::<Vec<_>>()
        });
        self.cursors()
            .page(&format!("audit|{tenant}|{filter:?}"), rows, true, page)
    }
}
