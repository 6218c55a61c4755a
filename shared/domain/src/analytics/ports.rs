//! What reporting needs of storage.

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::analytics::tally::{Dimension, Tally};
use crate::kernel::error::StoreResult;
use crate::kernel::ids::{EventId, TenantId};

/// One day's counters of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRow {
    pub day: Date,
    pub dimension: Dimension,
    /// The group's value (`none` when the tickets had none).
    pub group: String,
    pub counters: BTreeMap<String, i64>,
}

#[trait_variant::make(Send)]
pub trait AnalyticsStore: Send + Sync {
    /// Adds the tally to each of its rows, once per event, in one
    /// transaction with the event's step mark [`crate::analytics::record::STEP`]
    /// (`false`: counted before).
    async fn add_tally(&self, tenant: TenantId, event: EventId, tally: &Tally)
    -> StoreResult<bool>;

    /// The rows of `dimension` from `from` to `to` (both included).
    async fn day_rows(
        &self,
        tenant: TenantId,
        dimension: Dimension,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<DayRow>>;
}
