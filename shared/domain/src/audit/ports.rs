//! What reading the audit log needs of storage.

use jiff::Timestamp;

use crate::kernel::audit::AuditEntry;
use crate::kernel::error::StoreResult;
use crate::kernel::ids::TenantId;
use crate::kernel::pagination::{Page, PageRequest};

/// Which entries to read; every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The actor's id (a user's or an API key's).
    pub actor: Option<String>,
    /// An action (`user.updated`), or a family of them (`user.*`).
    pub action: Option<String>,
    /// The target's id.
    pub target: Option<String>,
    /// From this instant (included).
    pub from: Option<Timestamp>,
    /// Until this instant (excluded).
    pub to: Option<Timestamp>,
}

impl AuditFilter {
    /// The range cut to whole milliseconds, the precision of the log's
    /// keys, so that every store reads the same entries.
    pub fn to_milliseconds(mut self) -> Self {
        let cut = |t: Timestamp| Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t);
        self.from = self.from.map(cut);
        self.to = self.to.map(cut);
        self
    }

    /// Whether an entry passes (the time range is the store's key range).
    pub fn admits(&self, entry: &AuditEntry) -> bool {
        let actor = self
            .actor
            .as_deref()
            .is_none_or(|a| entry.actor.id.as_deref() == Some(a));
        let action = match self.action.as_deref() {
            None => true,
            Some(family) if family.ends_with(".*") => {
                entry.action.starts_with(&family[..family.len() - 1])
            }
            Some(exact) => entry.action == exact,
        };
        let target = self
            .target
            .as_deref()
            .is_none_or(|t| entry.target.as_ref().and_then(|x| x.id.as_deref()) == Some(t));
        actor && action && target
    }
}

#[trait_variant::make(Send)]
pub trait AuditLog: Send + Sync {
    /// The tenant's entries passing `filter`, newest first, in full pages.
    async fn audit_entries(
        &self,
        tenant: TenantId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<AuditEntry>>;
}
