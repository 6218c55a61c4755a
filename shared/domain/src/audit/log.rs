//! Reading the audit log: owners and admins only; nothing changes or
//! deletes an entry (they expire with the tenant's retention).

use jiff::{SignedDuration, Timestamp};

use crate::accounts::permissions::{Action, Principal};
use crate::audit::ports::{AuditFilter, AuditLog};
use crate::kernel::audit::AuditEntry;
use crate::kernel::error::DomainError;
use crate::kernel::pagination::{Page, PageRequest};

pub struct Audit<S> {
    store: S,
}

impl<S: AuditLog> Audit<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// The tenant's entries newest first, within its retention as it is
    /// now (storage removes expired entries only eventually, and entries
    /// written before the retention was shortened outlive it).
    pub async fn entries(
        &self,
        principal: &Principal,
        filter: &AuditFilter,
        page: &PageRequest,
        now: Timestamp,
    ) -> Result<Page<AuditEntry>, DomainError> {
        principal.require(Action::ReadAuditLog)?;
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to <= from
        {
            return Err(DomainError::field(
                "to",
                "invalid_range",
                "`to` must be after `from`",
            ));
        }
        let days = principal.tenant.settings.audit_retention_days;
        let kept_since = now
            .checked_sub(SignedDuration::from_hours(24 * i64::from(days)))
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let filter = AuditFilter {
            from: Some(filter.from.map_or(kept_since, |f| f.max(kept_since))),
            ..filter.clone()
        }
        .to_milliseconds();
        Ok(self
            .store
            .audit_entries(principal.tenant_id(), &filter, page)
            .await?)
    }
}
