//! Rate limits (`Limiter::admit`): a tenant's plan sizes its bucket, each
//! API key gets half of it, instances share the buckets through the store,
//! and one tenant's flood never spends another's tokens.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::SignedDuration;
use support::*;
use switchboard_domain::accounts::api_key::Scope as KeyScope;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::limits::limiter::Limiter;
use switchboard_testkit::MemoryStore;

/// How many requests in a row `limiter` admits for `who` (up to `most`).
async fn admitted(
    limiter: &Limiter<MemoryStore>,
    who: &Principal,
    most: usize,
    now: jiff::Timestamp,
) -> usize {
    for n in 0..most {
        let admissions = limiter.admit(who, now).await.unwrap();
        if admissions.iter().any(|a| !a.allowed) {
            return n;
        }
    }
    most
}

#[tokio::test]
async fn a_tenant_gets_its_plans_requests_a_minute_and_then_a_retry_after() {
    let (clock, store, acme) = world().await;
    let limiter = Limiter::new(store.clone());
    let now = clock.now();
    assert_eq!(
        admitted(&limiter, &acme.agent.principal, 2_000, now).await,
        1_200
    );
    let refused = limiter.admit(&acme.owner.principal, now).await.unwrap();
    assert!(!refused[0].allowed, "the whole tenant shares the bucket");
    assert_eq!(refused[0].retry_after_secs, 1);
    assert_eq!(refused[0].policy.limit, 1_200);

    // Another helpdesk is untouched by the flood.
    let other = other_tenant(&store, &clock).await;
    assert_eq!(
        admitted(&limiter, &other.agent.principal, 100, now).await,
        100
    );

    // Twenty a second come back.
    let later = now + SignedDuration::from_secs(1);
    assert_eq!(
        admitted(&limiter, &acme.agent.principal, 100, later).await,
        20
    );
}

#[tokio::test]
async fn instances_share_the_buckets_and_a_key_gets_half_its_tenants() {
    let (clock, store, acme) = world().await;
    let now = clock.now();
    let key = api_key(&acme, Role::Agent, &[KeyScope::TicketsRead]);
    let one = Limiter::new(store.clone());
    let two = Limiter::new(store.clone());
    let mut total = 0;
    for _ in 0..400 {
        for limiter in [&one, &two] {
            if limiter
                .admit(&key, now)
                .await
                .unwrap()
                .iter()
                .all(|a| a.allowed)
            {
                total += 1;
            }
        }
    }
    assert_eq!(total, 600, "two instances together admit the key's 600");
    let admissions = one.admit(&key, now).await.unwrap();
    assert_eq!(admissions.len(), 2, "the tenant's bucket and the key's");
    assert!(admissions[0].allowed, "people of the tenant still get in");
    assert!(!admissions[1].allowed);
}

#[tokio::test]
async fn a_help_center_reader_has_a_larger_bucket_of_their_own() {
    let (clock, store, _) = world().await;
    let limiter = Limiter::new(store.clone());
    let now = clock.now();
    let address: std::net::IpAddr = "203.0.113.9".parse().unwrap();
    let mut read = 0;
    while read < 1_000 && limiter.admit_reader(address, now).await.unwrap().allowed {
        read += 1;
    }
    assert_eq!(read, 600);
    // Logging in from the same address is another bucket.
    let login = limiter.admit_address(address, now).await.unwrap();
    assert!(login.allowed);
    assert_eq!(login.policy.limit, 60);
}
