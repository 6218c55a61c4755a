//! Stored shape of a rate-limit token bucket.

use serde::{Deserialize, Serialize};
use switchboard_domain::limits::bucket::{Policy, Scope};

use super::KeyAttrs;
use crate::keys;

pub const BUCKET_ENTITY: &str = "rate_bucket";

/// A bucket: its tokens at `atMs`, and a write counter that makes each
/// lease a compare-and-set. Expires (TTL) once it would be full again.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub tokens: f64,
    pub at_ms: i64,
    pub writes: u64,
    pub ttl: i64,
}

impl BucketItem {
    pub fn new(scope: &Scope, policy: &Policy, tokens: f64, at_ms: i64, writes: u64) -> Self {
        Self {
            key: keys::rate_bucket(scope).into(),
            entity: BUCKET_ENTITY.to_owned(),
            tokens,
            at_ms,
            writes,
            ttl: at_ms / 1000 + i64::from(policy.window_secs) + 60,
        }
    }
}
