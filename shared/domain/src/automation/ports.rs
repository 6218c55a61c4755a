//! What the automation context needs from storage. The AWS adapters
//! implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::automation::macros::Macro;
use crate::automation::timed::AutomationSet;
use crate::automation::trigger::TriggerSet;
use crate::kernel::error::StoreResult;
use crate::kernel::ids::{MacroId, TenantId};

/// A tenant's triggers, read and written as one versioned set (they run in
/// order, and reordering changes them all).
#[trait_variant::make(Send)]
pub trait TriggerStore: Send + Sync {
    /// The set (empty at version 0 when none was written).
    async fn triggers(&self, tenant: TenantId) -> StoreResult<TriggerSet>;

    /// Replaces the set if still at `expected_version` (`VersionMismatch`
    /// otherwise; 0: none stored yet).
    async fn put_triggers(
        &self,
        tenant: TenantId,
        set: &TriggerSet,
        expected_version: u64,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;
}

/// A tenant's macros, one item each.
#[trait_variant::make(Send)]
pub trait MacroStore: Send + Sync {
    /// All of them (at most 500 a tenant).
    async fn macros(&self, tenant: TenantId) -> StoreResult<Vec<Macro>>;

    async fn macro_by_id(&self, tenant: TenantId, id: MacroId) -> StoreResult<Option<Macro>>;

    /// Creates (`expected_version` 0: it must not exist) or replaces a
    /// macro still at `expected_version` (`VersionMismatch` otherwise),
    /// keeping its usage count.
    async fn put_macro(
        &self,
        m: &Macro,
        expected_version: u64,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;

    async fn delete_macro(
        &self,
        tenant: TenantId,
        id: MacroId,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;

    /// Counts one use of a macro that still exists.
    async fn count_macro_use(&self, tenant: TenantId, id: MacroId) -> StoreResult<()>;
}

/// A tenant's automations, as one versioned set; and which tenants have
/// any active, for the hourly run to find without a scan.
#[trait_variant::make(Send)]
pub trait AutomationStore: Send + Sync {
    async fn automations(&self, tenant: TenantId) -> StoreResult<AutomationSet>;

    /// Replaces the set if still at `expected_version` (`VersionMismatch`
    /// otherwise), and records whether the tenant has an active one.
    async fn put_automations(
        &self,
        tenant: TenantId,
        set: &AutomationSet,
        expected_version: u64,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;

    /// The tenants with at least one active automation.
    async fn automated_tenants(&self) -> StoreResult<Vec<TenantId>>;
}
