//! Login throttling, reset requests, password links, API keys and teams.

use jiff::Timestamp;
use std::collections::BTreeSet;

use switchboard_domain::StoreError;
use switchboard_domain::accounts::api_key::{ApiKey, Scope};
use switchboard_domain::accounts::password_link::{LinkPurpose, PasswordLink};
use switchboard_domain::accounts::ports::{
    ApiKeyStore, LoginFailures, PasswordLinks, TeamStore, TenantStore,
};
use switchboard_domain::accounts::team::Team;
use switchboard_domain::accounts::throttle::FailureRecord;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::{TeamId, TenantId};

use super::support::*;

/// Failures count within the window the first one started (its end kept
/// to the second); an ended window reads as none and the next failure
/// starts a new one; clearing forgets them.
pub async fn login_failures_count_within_a_window<S: LoginFailures, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    let (who, bystander) = (email("tried"), email("other"));
    let t0 = now();
    let window = secs(15 * 60);
    assert_eq!(
        store.failed_logins(tenant, &who, t0).await.expect("read"),
        None
    );
    let first = store
        .record_failed_login(tenant, &who, t0, t0 + window)
        .await
        .expect("a failure");
    assert_eq!(
        first,
        FailureRecord {
            failures: 1,
            window_ends: t0 + window
        }
    );
    let second = store
        .record_failed_login(tenant, &who, t0 + secs(1), t0 + secs(1) + window)
        .await
        .expect("a failure");
    assert_eq!(
        second,
        FailureRecord {
            failures: 2,
            window_ends: t0 + window
        },
        "the running window is kept"
    );
    assert_eq!(
        store
            .failed_logins(tenant, &who, t0 + secs(60))
            .await
            .expect("read"),
        Some(second)
    );
    assert_eq!(
        store
            .failed_logins(tenant, &bystander, t0)
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        store
            .failed_logins(tenant, &who, t0 + window)
            .await
            .expect("read"),
        None,
        "an ended window is no record"
    );
    let later = t0 + window + secs(60);
    let fresh = store
        .record_failed_login(tenant, &who, later, later + window)
        .await
        .expect("a failure");
    assert_eq!(
        fresh,
        FailureRecord {
            failures: 1,
            window_ends: later + window
        }
    );
    // A failure at the very second the window ends starts a new one.
    let end = later + window;
    let restarted = store
        .record_failed_login(tenant, &who, end, end + window)
        .await
        .expect("a failure");
    assert_eq!(
        restarted,
        FailureRecord {
            failures: 1,
            window_ends: end + window
        }
    );
    store
        .clear_failed_logins(tenant, &who)
        .await
        .expect("clearing");
    assert_eq!(
        store
            .failed_logins(tenant, &who, later)
            .await
            .expect("read"),
        None
    );
    store
        .clear_failed_logins(tenant, &who)
        .await
        .expect("clearing nothing");
}

/// One reset mail per window: a request is noted until `until` together
/// with its event; another before then is refused and writes nothing; from
/// `until` on a new one is noted.
pub async fn reset_requests_are_noted_once_per_window<S: PasswordLinks, O: Outbox>(
    store: &S,
    outbox: &O,
) {
    let tenant = TenantId::new();
    let person = user(tenant, Role::Customer, "C").id;
    let t0 = now();
    let hour = secs(3600);
    let noted = |at: Timestamp, until: Timestamp| {
        let e = event(tenant);
        async move {
            let ok = store
                .note_reset_request(tenant, person, at, until, std::slice::from_ref(&e))
                .await
                .expect("note");
            (ok, outbox.holds(tenant, e.id).await)
        }
    };
    assert_eq!(noted(t0, t0 + hour).await, (true, true));
    assert_eq!(
        noted(t0 + secs(600), t0 + secs(600) + hour).await,
        (false, false),
        "refused within the window, and its event not written"
    );
    assert_eq!(
        noted(t0 + hour, t0 + hour + hour).await,
        (true, true),
        "the window ended"
    );
    assert_eq!(
        noted(t0 + hour + secs(1), t0 + hour * 3).await,
        (false, false)
    );
    let other = user(tenant, Role::Customer, "D").id;
    assert!(
        store
            .note_reset_request(tenant, other, t0, t0 + hour, &[])
            .await
            .expect("note")
    );
}

/// A password link is stored once under its digest and taken once.
pub async fn password_links_are_taken_once<S: PasswordLinks, O: Outbox>(store: &S, _: &O) {
    let person = user(TenantId::new(), Role::Agent, "Link Holder");
    let (_, link) = PasswordLink::issue(&person, LinkPurpose::Reset, now());
    store.put_password_link(&link).await.expect("a link");
    assert_error(
        store.put_password_link(&link).await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(
        store.take_password_link(&link.digest).await.expect("take"),
        Some(link.clone())
    );
    assert_eq!(
        store.take_password_link(&link.digest).await.expect("take"),
        None
    );
    // Expired or not, a link is the caller's to judge: it is returned.
    let (_, old) = PasswordLink::issue(&person, LinkPurpose::Invitation, now() - secs(30 * 86_400));
    store.put_password_link(&old).await.expect("a link");
    assert_eq!(
        store.take_password_link(&old.digest).await.expect("take"),
        Some(old)
    );
}

/// API keys are found by digest, listed oldest first per tenant, and
/// revoked once (`NotFound` after, and for another tenant's key).
pub async fn api_keys_are_revoked_once<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + ApiKeyStore,
    O: Outbox,
{
    let (tenant, owner) = signed_up(store).await;
    let t0 = now();
    let issue = |name: &str, at| {
        ApiKey::issue(
            tenant.id,
            name.into(),
            Role::Agent,
            BTreeSet::from([Scope::TicketsRead]),
            owner.id,
            at,
        )
        .1
    };
    let (older, newer) = (issue("older", t0), issue("newer", t0 + secs(1)));
    store.create_api_key(&newer, &[]).await.expect("a key");
    store.create_api_key(&older, &[]).await.expect("a key");
    assert_error(
        store.create_api_key(&older, &[]).await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(
        store.api_key_by_digest(&older.digest).await.expect("read"),
        Some(older.clone())
    );
    assert_eq!(
        store.list_api_keys(tenant.id).await.expect("list"),
        vec![older.clone(), newer.clone()]
    );
    assert!(
        store
            .list_api_keys(TenantId::new())
            .await
            .expect("list")
            .is_empty()
    );

    store
        .record_api_key_use(&older, t0 + secs(5))
        .await
        .expect("a use");
    let used = store
        .api_key_by_digest(&older.digest)
        .await
        .expect("read")
        .expect("the key");
    assert_eq!(used.last_used_at, Some(t0 + secs(5)));

    let e = event(tenant.id);
    store
        .revoke_api_key(tenant.id, older.id, std::slice::from_ref(&e))
        .await
        .expect("a revocation");
    assert!(outbox.holds(tenant.id, e.id).await);
    assert_eq!(
        store.api_key_by_digest(&older.digest).await.expect("read"),
        None
    );
    assert_eq!(
        store.list_api_keys(tenant.id).await.expect("list"),
        vec![newer.clone()]
    );
    assert_error(
        store.revoke_api_key(tenant.id, older.id, &[]).await,
        &StoreError::NotFound,
    );
    assert_error(
        store.revoke_api_key(TenantId::new(), newer.id, &[]).await,
        &StoreError::NotFound,
    );
    store
        .record_api_key_use(&older, t0 + secs(600))
        .await
        .expect("a use of a revoked key is no error");
    assert_eq!(
        store.api_key_by_digest(&older.digest).await.expect("read"),
        None
    );
}

/// Teams are created once and replaced at their version
/// (`VersionMismatch`), listed by name without case, deleted once.
pub async fn teams_are_versioned_and_sorted_by_name<S, O>(store: &S, outbox: &O)
where
    S: TeamStore,
    O: Outbox,
{
    let tenant = TenantId::new();
    let team = |name: &str| Team {
        id: TeamId::new(),
        tenant_id: tenant,
        name: name.into(),
        description: String::new(),
        members: BTreeSet::new(),
        created_at: now(),
        updated_at: now(),
        version: 1,
    };
    let (beta, alpha, gamma) = (team("beta"), team("Alpha"), team("gamma"));
    for t in [&beta, &alpha, &gamma] {
        store.put_team(t, None, &[]).await.expect("a team");
    }
    assert_error(
        store.put_team(&beta, None, &[]).await,
        &StoreError::VersionMismatch,
    );
    let mut renamed = beta.clone();
    renamed.description = "second".into();
    renamed.version = 2;
    store
        .put_team(&renamed, Some(1), &[])
        .await
        .expect("a replacement");
    let e = event(tenant);
    assert_error(
        store
            .put_team(&beta, Some(1), std::slice::from_ref(&e))
            .await,
        &StoreError::VersionMismatch,
    );
    assert!(!outbox.holds(tenant, e.id).await);
    assert_eq!(
        store.team(tenant, beta.id).await.expect("read"),
        Some(renamed.clone())
    );
    assert_error(
        store.put_team(&team("ghost"), Some(1), &[]).await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(
        store.list_teams(tenant).await.expect("list"),
        vec![alpha.clone(), renamed.clone(), gamma.clone()]
    );
    store
        .delete_team(tenant, beta.id, &[])
        .await
        .expect("a deletion");
    assert_eq!(store.team(tenant, beta.id).await.expect("read"), None);
    let e = event(tenant);
    assert_error(
        store
            .delete_team(tenant, beta.id, std::slice::from_ref(&e))
            .await,
        &StoreError::NotFound,
    );
    assert!(!outbox.holds(tenant, e.id).await);
    assert_error(
        store.delete_team(TenantId::new(), alpha.id, &[]).await,
        &StoreError::NotFound,
    );
    assert_eq!(
        store.list_teams(tenant).await.expect("list"),
        vec![alpha, gamma]
    );
}
