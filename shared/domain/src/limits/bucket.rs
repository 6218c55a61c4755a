//! Token buckets: what a plan allows, and the pure arithmetic of refilling
//! and taking.

use jiff::Timestamp;

use std::net::IpAddr;

use crate::kernel::ids::{ApiKeyId, TenantId};

/// A bucket's size and refill: `limit` requests per `window_secs`, up to
/// `limit` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub limit: u32,
    pub window_secs: u32,
}

impl Policy {
    pub fn per_minute(limit: u32) -> Self {
        Self {
            limit: limit.max(1),
            window_secs: 60,
        }
    }

    /// Tokens refilled per second.
    fn rate(&self) -> f64 {
        f64::from(self.limit) / f64::from(self.window_secs.max(1))
    }

    /// Seconds until one token is back (at least one).
    pub fn seconds_per_token(&self) -> u64 {
        (1.0 / self.rate()).ceil().max(1.0) as u64
    }

    /// The `RateLimit-Policy` value (IETF draft): `"name";q=limit;w=window`.
    pub fn header(&self, name: &str) -> String {
        format!("\"{name}\";q={};w={}", self.limit, self.window_secs)
    }
}

/// Whose requests a bucket counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Tenant(TenantId),
    ApiKey(TenantId, ApiKeyId),
    /// A client address, on the routes that need no credential (login,
    /// registration, password links).
    Address(IpAddr),
    /// A client address reading help centers (more generous: a reader
    /// browses and searches as they type).
    Reader(IpAddr),
}

impl Scope {
    /// The name in `RateLimit-Policy` and `RateLimit`.
    pub fn name(&self) -> &'static str {
        match self {
            Scope::Tenant(_) => "tenant",
            Scope::ApiKey(..) => "api-key",
            Scope::Address(_) => "address",
            Scope::Reader(_) => "reader",
        }
    }
}

/// Requests a minute one client address may make to the public routes.
pub const PUBLIC_PER_MINUTE: u32 = 60;

/// Requests a minute one client address may make to help centers.
pub const READER_PER_MINUTE: u32 = 600;

/// A bucket as stored: its tokens when last written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    pub at: Timestamp,
}

impl Bucket {
    pub fn full(policy: &Policy, now: Timestamp) -> Self {
        Self {
            tokens: f64::from(policy.limit),
            at: now,
        }
    }

    /// The bucket refilled up to `now` (never beyond its size).
    pub fn refilled(&self, policy: &Policy, now: Timestamp) -> Self {
        let elapsed = now.duration_since(self.at).as_secs_f64().max(0.0);
        Self {
            tokens: (self.tokens + elapsed * policy.rate()).min(f64::from(policy.limit)),
            at: now.max(self.at),
        }
    }

    /// Takes up to `want` whole tokens: the bucket after, and how many.
    pub fn take(&self, policy: &Policy, want: u32, now: Timestamp) -> (Self, u32) {
        let full = self.refilled(policy, now);
        let granted = (full.tokens.floor() as u32).min(want);
        (
            Self {
                tokens: full.tokens - f64::from(granted),
                at: full.at,
            },
            granted,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn a_bucket_refills_at_its_rate_up_to_its_size() {
        let policy = Policy::per_minute(60);
        let t0 = Timestamp::UNIX_EPOCH;
        let (empty, granted) = Bucket::full(&policy, t0).take(&policy, 100, t0);
        assert_eq!(granted, 60, "a full bucket gives at most its size");
        let (_, none) = empty.take(&policy, 1, t0);
        assert_eq!(none, 0);
        let later = t0 + SignedDuration::from_secs(10);
        let (_, ten) = empty.take(&policy, 100, later);
        assert_eq!(ten, 10, "one a second");
        let much_later = t0 + SignedDuration::from_hours(1);
        assert_eq!(empty.refilled(&policy, much_later).tokens, 60.0);
        assert_eq!(policy.seconds_per_token(), 1);
        assert_eq!(policy.header("tenant"), "\"tenant\";q=60;w=60");
    }
}
