//! The DynamoDB single-table store: shared plumbing (reads, transactions,
//! error translation). Each context's ports are implemented in the file named
//! after it.

mod accounts;
mod analytics;
mod assignment;
mod attachments;
mod audit;
mod email;
mod jobs;
mod kb;
mod kb_feedback;
mod kernel;
mod limits;
mod macros;
mod notifications;
mod organizations;
mod realtime;
mod routing;
mod sla;
mod ticket_copies;
mod ticket_touch;
mod tickets;
mod triggers;
mod views;
mod webhooks;

use crate::cursor::CursorSealer;
use crate::items::EventItem;
use crate::keys::{Key, attr};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::audit::AuditEntry;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::pagination::PageRequest;

pub type Item = HashMap<String, AttributeValue>;
pub use aws_sdk_dynamodb::Client as DynamoClient;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: Arc<str>,
    cursors: CursorSealer,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<Arc<str>>, cursors: CursorSealer) -> Self {
        Self {
            client,
            table: table.into(),
            cursors,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    fn key_attrs(key: &Key) -> Item {
        HashMap::from([
            (attr::PK.to_owned(), AttributeValue::S(key.pk.clone())),
            (attr::SK.to_owned(), AttributeValue::S(key.sk.clone())),
        ])
    }

    /// A strongly consistent read of one item.
    async fn get<T: DeserializeOwned>(&self, key: &Key) -> StoreResult<Option<T>> {
        let out = self
            .client
            .get_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key_attrs(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        out.item.map(from_item).transpose()
    }

    /// Reads several items in one round trip (retrying what DynamoDB leaves
    /// unprocessed), keyed by (PK, SK).
    async fn batch_get(&self, keys: &[Key]) -> StoreResult<HashMap<(String, String), Item>> {
        let mut found = HashMap::new();
        let mut pending = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(keys.iter().map(Self::key_attrs).collect()))
                .consistent_read(true)
                .build()
                .map_err(build_error)?,
        );
        for _ in 0..5 {
            let Some(request) = pending.take() else { break };
            let out = self
                .client
                .batch_get_item()
                .request_items(self.table.as_ref(), request)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in out
                .responses
                .and_then(|mut r| r.remove(self.table.as_ref()))
                .unwrap_or_default()
            {
                let pk = item.get(attr::PK).and_then(|v| v.as_s().ok()).cloned();
                let sk = item.get(attr::SK).and_then(|v| v.as_s().ok()).cloned();
                if let (Some(pk), Some(sk)) = (pk, sk) {
                    found.insert((pk, sk), item);
                }
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut u| u.remove(self.table.as_ref()))
                .filter(|k| !k.keys.is_empty());
        }
        if pending.is_some() {
            return Err(StoreError::Unavailable(
                "batch read left keys unprocessed".into(),
            ));
        }
        Ok(found)
    }

    /// Writes all items or none. On cancellation, `on_condition` turns the
    /// index of the first failed condition into the error to report.
    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        on_condition: impl Fn(usize) -> StoreError,
    ) -> StoreResult<()> {
        // DynamoDB refuses an empty transaction; there is nothing to do.
        if items.is_empty() {
            return Ok(());
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    let failed = c
                        .cancellation_reasons()
                        .iter()
                        .position(|r| r.code() == Some("ConditionalCheckFailed"));
                    match failed {
                        Some(i) => Err(on_condition(i)),
                        None => Err(StoreError::Unavailable(format!(
                            "transaction cancelled: {}",
                            DisplayErrorContext(e.err())
                        ))),
                    }
                }
                other => Err(service_error(other)),
            },
            Err(e) => Err(sdk_error(e)),
        }
    }

    /// One page of an index partition (optionally only sort keys starting
    /// with `sk_prefix`), with a sealed cursor bound to `scope`.
    pub(crate) async fn query_index_page(
        &self,
        index: &str,
        partition: (&str, &str),
        sk_prefix: Option<(&str, &str)>,
        forward: bool,
        page: &PageRequest,
        scope: &str,
    ) -> StoreResult<(Vec<Item>, Option<String>)> {
        self.query_page(Some(index), partition, sk_prefix, forward, page, scope)
            .await
    }

    /// Like [`Self::query_index_page`], on the table itself when `index`
    /// is `None`.
    pub(crate) async fn query_page(
        &self,
        index: Option<&str>,
        partition: (&str, &str),
        sk_prefix: Option<(&str, &str)>,
        forward: bool,
        page: &PageRequest,
        scope: &str,
    ) -> StoreResult<(Vec<Item>, Option<String>)> {
        let start = page
            .cursor
            .as_deref()
            .map(|c| {
                self.cursors
                    .open(scope, c)
                    .map_err(|_| StoreError::InvalidCursor)
            })
            .transpose()?;
        let mut query = self
            .client
            .query()
            .table_name(self.table.as_ref())
            .set_index_name(index.map(str::to_owned))
            .expression_attribute_names("#pk", partition.0)
            .expression_attribute_values(":pk", AttributeValue::S(partition.1.to_owned()))
            .scan_index_forward(forward)
            .limit(i32::try_from(page.limit).unwrap_or(25))
            .set_exclusive_start_key(start);
        query = match sk_prefix {
            Some((attr, prefix)) => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", attr)
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned())),
            None => query.key_condition_expression("#pk = :pk"),
        };
        let out = query.send().await.map_err(sdk_error)?;
        let next = out
            .last_evaluated_key
            .and_then(|k| self.cursors.seal(scope, &k));
        Ok((out.items.unwrap_or_default(), next))
    }

    /// Reads a query until `limit` items have passed its filter (or it ends).
    /// While filtering, each read asks for more than remains and a page that
    /// overshoots is cut at `limit`, continuing from the last item kept
    /// (whose `key_attrs` form the exact start key), so pages are full; a
    /// short page comes only with a cursor, after `MAX_FILTERED_READS`.
    pub(crate) async fn query_filled(
        &self,
        query: impl Fn(
            Option<Item>,
            i32,
        ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        key_attrs: &[&str],
        filtering: bool,
        limit: usize,
        mut start: Option<Item>,
    ) -> StoreResult<(Vec<Item>, Option<Item>)> {
        const MAX_FILTERED_READS: usize = 10;
        let mut found: Vec<Item> = Vec::new();
        for _ in 0..MAX_FILTERED_READS {
            let remaining = limit - found.len();
            let ask = if filtering {
                // Never fewer than remain, at most 400 at a time.
                remaining.saturating_mul(4).min(400).max(remaining)
            } else {
                remaining
            };
            let out = query(start.take(), i32::try_from(ask).unwrap_or(100))
                .send()
                .await
                .map_err(sdk_error)?;
            let mut items = out.items.unwrap_or_default();
            if items.len() > remaining {
                items.truncate(remaining);
                let last = items.last().map(|item| {
                    key_attrs
                        .iter()
                        .filter_map(|a| item.get(*a).map(|v| ((*a).to_owned(), v.clone())))
                        .collect::<Item>()
                });
                found.extend(items);
                return Ok((found, last));
            }
            found.extend(items);
            start = out.last_evaluated_key;
            if found.len() >= limit || start.is_none() {
                break;
            }
        }
        Ok((found, start))
    }

    /// Every item of a base-table partition whose sort key starts with
    /// `sk_prefix` (small collections: teams, a ticket's conversation).
    pub(crate) async fn query_partition(
        &self,
        pk: &str,
        sk_prefix: &str,
    ) -> StoreResult<Vec<Item>> {
        self.query_prefix(pk, sk_prefix, false).await
    }

    /// Like [`Self::query_partition`], strongly consistent: for marks that a
    /// retry moments later must see.
    pub(crate) async fn query_partition_consistent(
        &self,
        pk: &str,
        sk_prefix: &str,
    ) -> StoreResult<Vec<Item>> {
        self.query_prefix(pk, sk_prefix, true).await
    }

    /// Every item of an index partition, in sort-key order (small
    /// collections: one person's saved views).
    pub(crate) async fn query_index_partition(
        &self,
        index: &str,
        partition: (&str, &str),
    ) -> StoreResult<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(self.table.as_ref())
            .index_name(index)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", partition.0)
            .expression_attribute_values(":pk", AttributeValue::S(partition.1.to_owned()));
        Self::query_all(query).await
    }

    async fn query_prefix(
        &self,
        pk: &str,
        sk_prefix: &str,
        consistent: bool,
    ) -> StoreResult<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(self.table.as_ref())
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
            .expression_attribute_values(":prefix", AttributeValue::S(sk_prefix.to_owned()))
            .set_consistent_read(consistent.then_some(true));
        Self::query_all(query).await
    }

    /// Every page of `query`.
    async fn query_all(
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(items),
            }
        }
    }

    fn delete_existing(&self, key: &Key) -> StoreResult<TransactWriteItem> {
        self.delete(key, Some("attribute_exists(PK)"))
    }

    /// A delete for a transaction of an item still at `version`
    /// (`VersionMismatch` is the caller's reading of its failure).
    fn delete_at_version(&self, key: &Key, version: u64) -> StoreResult<TransactWriteItem> {
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key_attrs(key)))
            .condition_expression("#v = :v")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// A delete for a transaction, conditional when `condition` is given.
    fn delete(&self, key: &Key, condition: Option<&str>) -> StoreResult<TransactWriteItem> {
        let delete = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key_attrs(key)))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// One `PutItem` on its own, conditional when `condition` is given
    /// (`ConditionFailed` if the condition does not hold).
    async fn put_one(&self, item: Item, condition: Option<&str>) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(self.table.as_ref())
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Deletes one item, if it is there.
    async fn delete_if_present(&self, key: &Key) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key_attrs(key)))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Deletes one item that must exist: `NotFound` otherwise.
    async fn delete_one(&self, key: &Key) -> StoreResult<()> {
        let out = self
            .client
            .delete_item()
            .table_name(self.table.as_ref())
            .set_key(Some(Self::key_attrs(key)))
            .condition_expression("attribute_exists(PK)")
            .send()
            .await
            .map_err(sdk_error);
        match out {
            Ok(_) => Ok(()),
            Err(StoreError::ConditionFailed) => Err(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    fn put(&self, item: Item, condition: Option<&str>) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A put that replaces the item only if it is still at `expected`
    /// (optimistic locking).
    fn put_if_version(&self, item: Item, expected: u64) -> StoreResult<TransactWriteItem> {
        let put = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(item))
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A put that fails if the item exists (uniqueness markers, new entities).
    fn put_new<T: Serialize>(&self, value: &T) -> StoreResult<TransactWriteItem> {
        self.put(to_item(value)?, Some("attribute_not_exists(PK)"))
    }

    /// The outbox items of `events`, followed by the audit entries of those
    /// that are audited (unconditional puts, last, so that callers' indexes
    /// of conditional writes keep their meaning).
    fn put_events(&self, events: &[DomainEvent]) -> StoreResult<Vec<TransactWriteItem>> {
        let mut writes = events
            .iter()
            .map(|e| {
                let item = EventItem::new(e).map_err(|e| StoreError::Internal(e.to_string()))?;
                self.put_new(&item)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        for entry in events.iter().filter_map(AuditEntry::for_event) {
            writes.push(self.put_audit(&entry)?);
        }
        Ok(writes)
    }
}

pub(crate) fn to_item<T: Serialize>(value: &T) -> StoreResult<Item> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Internal(format!("encoding an item: {e}")))
}

pub(crate) fn from_item<T: DeserializeOwned>(item: Item) -> StoreResult<T> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Internal(format!("building a request: {e}"))
}

/// Translates an SDK failure: unreachable or throttled storage is
/// `Unavailable` (the API answers 503 with Retry-After); a failed condition
/// is the caller's business; anything else is a bug or misconfiguration.
pub(crate) fn sdk_error<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &e {
        SdkError::ServiceError(s) => service_error(s.err()),
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(DisplayErrorContext(&e).to_string())
        }
        _ => StoreError::Internal(DisplayErrorContext(&e).to_string()),
    }
}

fn service_error<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &E) -> StoreError {
    match e.code() {
        Some("ConditionalCheckFailedException") => StoreError::ConditionFailed,
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "TransactionInProgressException",
        ) => StoreError::Unavailable(DisplayErrorContext(e).to_string()),
        _ => StoreError::Internal(DisplayErrorContext(e).to_string()),
    }
}
