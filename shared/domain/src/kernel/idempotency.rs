//! `Idempotency-Key`: a retried create returns what the first one made; the
//! same key with a different request is refused.

use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// How long a key is remembered.
pub const RETENTION: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// A client's key for one request, scoped to the caller and the operation
/// so two callers (or two routes) never collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// Digest of (caller, operation, client key).
    pub scope: String,
    /// Digest of the request (canonical JSON).
    pub request: String,
}

impl IdempotencyKey {
    pub const MAX_LEN: usize = 255;

    pub fn new(caller: &str, operation: &str, key: &str, canonical_request: &[u8]) -> Self {
        let scope = hex(&Sha256::new()
            .chain_update(caller.as_bytes())
            .chain_update([0])
            .chain_update(operation.as_bytes())
            .chain_update([0])
            .chain_update(key.as_bytes())
            .finalize());
        Self {
            scope,
            request: hex(&Sha256::digest(canonical_request)),
        }
    }
}

/// What a key produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub key: IdempotencyKey,
    /// The id of what the first request created.
    pub resource_id: String,
    pub created_at: Timestamp,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_separate_callers_and_operations() {
        let a = IdempotencyKey::new("usr_a", "POST /v1/tickets", "k1", b"{}");
        assert_eq!(
            a,
            IdempotencyKey::new("usr_a", "POST /v1/tickets", "k1", b"{}")
        );
        assert_ne!(
            a.scope,
            IdempotencyKey::new("usr_b", "POST /v1/tickets", "k1", b"{}").scope
        );
        assert_ne!(
            a.scope,
            IdempotencyKey::new("usr_a", "POST /v1/x", "k1", b"{}").scope
        );
        assert_ne!(
            a.request,
            IdempotencyKey::new("usr_a", "POST /v1/tickets", "k1", b"{\"a\":1}").request
        );
    }
}

/// The result of a create that may be a replay of an earlier one.
#[derive(Debug, Clone)]
pub enum Created<T> {
    New(T),
    /// The same `Idempotency-Key` and request were seen before: this is
    /// what the first request created, as it is now.
    Replayed(T),
}

impl<T> Created<T> {
    pub fn into_inner(self) -> (T, bool) {
        match self {
            Created::New(t) => (t, false),
            Created::Replayed(t) => (t, true),
        }
    }
}
