//! Rate-limit buckets in memory: a lease is one atomic step.

use jiff::Timestamp;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::limits::bucket::{Bucket, Policy, Scope};
use switchboard_domain::limits::ports::{Buckets, Lease};

use super::MemoryStore;

fn name(scope: &Scope) -> String {
    match scope {
        Scope::Tenant(t) => format!("{t}"),
        Scope::ApiKey(t, k) => format!("{t}/{k}"),
        Scope::Address(ip) => format!("addr/{ip}"),
        Scope::Reader(ip) => format!("reader/{ip}"),
    }
}

impl Buckets for MemoryStore {
    async fn lease(
        &self,
        scope: &Scope,
        policy: &Policy,
        want: u32,
        now: Timestamp,
    ) -> StoreResult<Lease> {
        self.enter("lease")?;
        Ok(self.write(|s| {
            let bucket = s
                .buckets
                .get(&name(scope))
                .copied()
                .unwrap_or_else(|| Bucket::full(policy, now));
            let (after, granted) = bucket.take(policy, want, now);
            s.buckets.insert(name(scope), after);
            Lease {
                granted,
                left: after.tokens.floor() as u32,
            }
        }))
    }
}
