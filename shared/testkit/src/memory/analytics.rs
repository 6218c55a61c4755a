//! Daily aggregates in memory: rows of counters; an event counted is
//! marked by its router step.

use std::collections::BTreeMap;

use jiff::civil::Date;
use switchboard_domain::analytics::ports::{AnalyticsStore, DayRow};
use switchboard_domain::analytics::record::STEP;
use switchboard_domain::analytics::tally::{Dimension, Tally};
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{EventId, TenantId};

use super::MemoryStore;

type RowKey = (TenantId, Dimension, Date, String);

#[derive(Default)]
pub struct AnalyticsState {
    rows: BTreeMap<RowKey, BTreeMap<String, i64>>,
}

impl AnalyticsStore for MemoryStore {
    async fn add_tally(
        &self,
        tenant: TenantId,
        event: EventId,
        tally: &Tally,
    ) -> StoreResult<bool> {
        self.enter("add_tally")?;
        Ok(self.write(|s| {
            if !s.steps.insert((tenant, event, STEP.to_owned())) {
                return false;
            }
            for g in &tally.groups {
                let row = s
                    .analytics
                    .rows
                    .entry((tenant, g.dimension, tally.day, g.value.clone()))
                    .or_default();
                for (name, n) in &tally.amounts {
                    *row.entry(name.clone()).or_default() += n;
                }
            }
            true
        }))
    }

    async fn day_rows(
        &self,
        tenant: TenantId,
        dimension: Dimension,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<DayRow>> {
        self.enter("day_rows")?;
        Ok(self.read(|s| {
            s.analytics
                .rows
                .iter()
                .filter(|((t, d, day, _), _)| {
                    *t == tenant && *d == dimension && *day >= from && *day <= to
                })
                .map(|((_, d, day, group), counters)| DayRow {
                    day: *day,
                    dimension: *d,
                    group: group.clone(),
                    counters: counters.clone(),
                })
                .collect()
        }))
    }
}
