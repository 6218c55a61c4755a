//! Admitting a request: one token from the caller's tenant bucket, and
//! from their API key's. Each function instance leases a small batch of
//! tokens at a time (one conditional write per batch, not per request);
//! what it does not use within a second lapses, so instances never hoard.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

use crate::accounts::permissions::{Caller, Principal};
use crate::kernel::error::StoreResult;
use std::net::IpAddr;

use crate::limits::bucket::{PUBLIC_PER_MINUTE, Policy, READER_PER_MINUTE, Scope};
use crate::limits::ports::Buckets;

/// How long leased tokens stay usable by the instance that leased them.
const LEASE_FOR: SignedDuration = SignedDuration::from_secs(1);

/// Tokens leased at once: a fiftieth of the bucket, at least one.
fn batch(policy: &Policy) -> u32 {
    (policy.limit / 50).max(1)
}

/// The outcome for one bucket, for the `RateLimit` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    pub scope: Scope,
    pub policy: Policy,
    pub allowed: bool,
    /// Requests left now (approximately: other instances hold leases).
    pub remaining: u32,
    /// When refused: seconds until a request would be admitted.
    pub retry_after_secs: u64,
}

struct Local {
    tokens: u32,
    left: u32,
    /// The store had nothing to lease: refuse until `until`.
    empty: bool,
    until: Timestamp,
}

pub struct Limiter<S> {
    store: S,
    local: Mutex<HashMap<Scope, Local>>,
}

impl<S: Buckets> Limiter<S> {
    pub fn new(store: S) -> Self {
        Self {
            store,
            local: Mutex::new(HashMap::new()),
        }
    }

    /// The buckets a request of `principal` counts against, with their
    /// policies: the tenant's plan, and half of it for an API key. The
    /// system is not limited.
    pub fn policies(principal: &Principal) -> Vec<(Scope, Policy)> {
        let per_minute = principal.tenant.settings.plan.per_minute();
        let tenant = principal.tenant_id();
        match &principal.caller {
            Caller::User { .. } => vec![(Scope::Tenant(tenant), Policy::per_minute(per_minute))],
            Caller::ApiKey(key) => vec![
                (Scope::Tenant(tenant), Policy::per_minute(per_minute)),
                (
                    Scope::ApiKey(tenant, key.id),
                    Policy::per_minute(per_minute / 2),
                ),
            ],
            Caller::System => Vec::new(),
        }
    }

    /// Takes one token from each of the principal's buckets; the request
    /// is admitted when every one had a token.
    pub async fn admit(
        &self,
        principal: &Principal,
        now: Timestamp,
    ) -> StoreResult<Vec<Admission>> {
        let mut out = Vec::new();
        for (scope, policy) in Self::policies(principal) {
            out.push(self.take(scope, policy, now).await?);
        }
        Ok(out)
    }

    /// One token from a client address's bucket (public routes).
    pub async fn admit_address(&self, address: IpAddr, now: Timestamp) -> StoreResult<Admission> {
        self.take(
            Scope::Address(address),
            Policy::per_minute(PUBLIC_PER_MINUTE),
            now,
        )
        .await
    }

    /// One more help center request from `address`.
    pub async fn admit_reader(&self, address: IpAddr, now: Timestamp) -> StoreResult<Admission> {
        self.take(
            Scope::Reader(address),
            Policy::per_minute(READER_PER_MINUTE),
            now,
        )
        .await
    }

    /// A refusal known without asking anyone: the scope's bucket was found
    /// empty moments ago. Checked before authentication, so a flood of
    /// refused requests costs no storage at all.
    pub fn known_empty(&self, scope: Scope, now: Timestamp) -> Option<u64> {
        self.with_local(|local| {
            let l = local.get(&scope).filter(|l| l.empty && l.until > now)?;
            let wait = l.until.duration_since(now).as_secs_f64().ceil() as u64;
            Some(wait.max(1))
        })
    }

    async fn take(&self, scope: Scope, policy: Policy, now: Timestamp) -> StoreResult<Admission> {
        let admitted = |remaining| Admission {
            scope,
            policy,
            allowed: true,
            remaining,
            retry_after_secs: 0,
        };
        let refused = |retry_after_secs| Admission {
            scope,
            policy,
            allowed: false,
            remaining: 0,
            retry_after_secs,
        };
        // Leased tokens left, or a bucket known empty until it refills:
        // neither asks the store, so a flood costs its own tenant alone.
        if let Some(wait) = self.known_empty(scope, now) {
            return Ok(refused(wait));
        }
        let leased = self.with_local(|local| {
            let l = local
                .get_mut(&scope)
                .filter(|l| l.until > now && l.tokens > 0)?;
            l.tokens -= 1;
            Some(l.tokens + l.left)
        });
        if let Some(remaining) = leased {
            return Ok(admitted(remaining));
        }
        let lease = self
            .store
            .lease(&scope, &policy, batch(&policy), now)
            .await?;
        if lease.granted == 0 {
            let wait = policy.seconds_per_token();
            self.with_local(|local| {
                local.insert(
                    scope,
                    Local {
                        tokens: 0,
                        left: 0,
                        empty: true,
                        until: now + SignedDuration::from_secs(i64::try_from(wait).unwrap_or(1)),
                    },
                )
            });
            return Ok(refused(wait));
        }
        let tokens = lease.granted - 1;
        // Requests leasing at the same time each add their batch.
        let held = self.with_local(|local| {
            let fresh = Local {
                tokens: 0,
                left: 0,
                empty: false,
                until: now,
            };
            let l = local.entry(scope).or_insert(fresh);
            if l.empty || l.until <= now {
                l.tokens = 0;
            }
            l.tokens += tokens;
            l.left = lease.left;
            l.empty = false;
            l.until = now + LEASE_FOR;
            l.tokens
        });
        Ok(admitted(held + lease.left))
    }

    fn with_local<R>(&self, f: impl FnOnce(&mut HashMap<Scope, Local>) -> R) -> R {
        f(&mut self.local.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
