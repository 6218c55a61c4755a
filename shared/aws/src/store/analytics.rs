//! Daily aggregates on the table: each row is a set of counters (`ADD`),
//! written in one transaction with the event's step mark so an event
//! counts once however often it is delivered.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use jiff::Timestamp;
use jiff::civil::Date;
use switchboard_domain::StoreError;
use switchboard_domain::analytics::ports::{AnalyticsStore, DayRow};
use switchboard_domain::analytics::record::STEP;
use switchboard_domain::analytics::tally::{Dimension, Tally};
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{EventId, TenantId};

use super::{DynamoStore, to_item};
use crate::items::EventStepItem;
use crate::keys::{self, attr};

/// Counters are stored under this prefix, apart from the item's keys.
const COUNTER: &str = "v.";
/// How long a day's rows are kept (two years of reports, and some).
const ROW_DAYS: i64 = 800;
/// How long an event's count is remembered.
const MARK_DAYS: i64 = 30;
/// Tries after a transaction lost a race on the shared rows.
const CONFLICT_RETRIES: u32 = 4;

fn expiry(day: Date) -> i64 {
    day.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
        + ROW_DAYS * 86_400
}

impl AnalyticsStore for DynamoStore {
    async fn add_tally(
        &self,
        tenant: TenantId,
        event: EventId,
        tally: &Tally,
    ) -> StoreResult<bool> {
        // Kept longer than any replay of a failed event (14 days), so a
        // replay never counts twice.
        let mut mark = EventStepItem::new(keys::event_step(tenant, event, STEP), Timestamp::now());
        mark.ttl = Timestamp::now().as_second() + MARK_DAYS * 86_400;
        let names: Vec<(String, i64)> = tally
            .amounts
            .iter()
            .map(|(name, n)| (format!("{COUNTER}{name}"), *n))
            .collect();
        let amounts: Vec<(&str, i64)> = names.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        let mut writes = vec![self.put(to_item(&mark)?, Some("attribute_not_exists(PK)"))?];
        for g in &tally.groups {
            let key = keys::analytics_day(tenant, g.dimension, tally.day, &g.value);
            writes.push(
                TransactWriteItem::builder()
                    .update(self.add(&key, &amounts, Some(expiry(tally.day)))?)
                    .build(),
            );
        }
        // The day's rows are shared by the tenant's events: a transaction
        // racing another on them is cancelled, and tried again.
        let mut attempt = 0;
        loop {
            match self
                .transact(writes.clone(), |_| StoreError::ConditionFailed)
                .await
            {
                Ok(()) => return Ok(true),
                Err(StoreError::ConditionFailed) => return Ok(false),
                Err(StoreError::Unavailable(_)) if attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(
                        20 * u64::from(attempt) + u64::from(event.ulid().random() as u8 % 20),
                    ))
                    .await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn day_rows(
        &self,
        tenant: TenantId,
        dimension: Dimension,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<DayRow>> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(keys::analytics_pk(tenant, dimension)),
            )
            .expression_attribute_values(":from", AttributeValue::S(format!("{from}#")))
            .expression_attribute_values(":to", AttributeValue::S(format!("{to}#~")));
        let items = Self::query_all(query).await?;
        let mut rows = Vec::with_capacity(items.len());
        for item in items {
            let Some((day, group)) = item
                .get(attr::SK)
                .and_then(|v| v.as_s().ok())
                .and_then(|sk| sk.split_once('#'))
            else {
                continue;
            };
            let Ok(day) = day.parse::<Date>() else {
                continue;
            };
            let counters: BTreeMap<String, i64> = item
                .iter()
                .filter_map(|(k, v)| {
                    let name = k.strip_prefix(COUNTER)?;
                    let n = v.as_n().ok()?.parse::<i64>().ok()?;
                    Some((name.to_owned(), n))
                })
                .collect();
            rows.push(DayRow {
                day,
                dimension,
                group: group.to_owned(),
                counters,
            });
        }
        Ok(rows)
    }
}
