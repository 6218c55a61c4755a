//! Rate-limit buckets.

use jiff::SignedDuration;
use switchboard_domain::kernel::ids::{ApiKeyId, TenantId};
use switchboard_domain::limits::bucket::{Policy, Scope};
use switchboard_domain::limits::ports::{Buckets, Lease};

use super::support::*;

/// A new bucket starts full; leases take what is there and no more; it
/// refills at its rate; each scope has its own; concurrent leases never
/// grant more than the bucket held.
pub async fn buckets_lease_what_they_hold_and_refill<S: Buckets, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    let scope = Scope::Tenant(tenant);
    let policy = Policy::per_minute(60);
    let t0 = now();
    let lease = |want, at| store.lease(&scope, &policy, want, at);
    assert_eq!(
        lease(50, t0).await.expect("lease"),
        Lease {
            granted: 50,
            left: 10
        }
    );
    assert_eq!(lease(50, t0).await.expect("lease").granted, 10);
    assert_eq!(lease(1, t0).await.expect("lease").granted, 0);
    let later = t0 + SignedDuration::from_secs(5);
    assert_eq!(lease(50, later).await.expect("lease").granted, 5);

    let key = Scope::ApiKey(tenant, ApiKeyId::new());
    assert_eq!(
        store
            .lease(&key, &policy, 7, t0)
            .await
            .expect("lease")
            .granted,
        7,
        "a key has a bucket of its own"
    );

    let contested = Scope::Tenant(TenantId::new());
    let small = Policy::per_minute(10);
    let (a, b, c) = tokio::join!(
        store.lease(&contested, &small, 4, t0),
        store.lease(&contested, &small, 4, t0),
        store.lease(&contested, &small, 4, t0),
    );
    let granted: u32 = [a, b, c]
        .into_iter()
        .map(|r| r.map_or(0, |l| l.granted))
        .sum();
    assert!(granted <= 10, "{granted} granted from a bucket of 10");
}
