//! [`Buckets`]: a lease reads the bucket (strongly consistent), refills
//! and takes in memory, and writes it back only if no other instance wrote
//! since (the `writes` counter); a lost race is retried.

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::limits::bucket::{Bucket, Policy, Scope};
use switchboard_domain::limits::ports::{Buckets, Lease};

use super::{DynamoStore, to_item};
use crate::items::BucketItem;
use crate::keys;

/// Lost races before a lease gives up (and the request is admitted: the
/// limiter fails open).
const ATTEMPTS: usize = 4;

impl Buckets for DynamoStore {
    async fn lease(
        &self,
        scope: &Scope,
        policy: &Policy,
        want: u32,
        now: Timestamp,
    ) -> StoreResult<Lease> {
        let key = keys::rate_bucket(scope);
        for _ in 0..ATTEMPTS {
            let stored: Option<BucketItem> = self.get(&key).await?;
            let (bucket, writes) = match &stored {
                Some(i) => (
                    Bucket {
                        tokens: i.tokens,
                        at: Timestamp::from_millisecond(i.at_ms).unwrap_or(now),
                    },
                    i.writes,
                ),
                None => (Bucket::full(policy, now), 0),
            };
            let (after, granted) = bucket.take(policy, want, now);
            let item = BucketItem::new(
                scope,
                policy,
                after.tokens,
                after.at.as_millisecond(),
                writes + 1,
            );
            let condition = match stored {
                Some(_) => "writes = :w",
                None => "attribute_not_exists(PK)",
            };
            let written = self
                .client
                .put_item()
                .table_name(self.table.as_ref())
                .set_item(Some(to_item(&item)?))
                .condition_expression(condition)
                .set_expression_attribute_values(stored.is_some().then(|| {
                    std::collections::HashMap::from([(
                        ":w".to_owned(),
                        aws_sdk_dynamodb::types::AttributeValue::N(writes.to_string()),
                    )])
                }))
                .send()
                .await
                .map_err(super::sdk_error);
            match written {
                Ok(_) => {
                    return Ok(Lease {
                        granted,
                        left: after.tokens.floor() as u32,
                    });
                }
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(
            "the rate bucket is contended".into(),
        ))
    }
}
