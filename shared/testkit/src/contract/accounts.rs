//! Tenants, users and sessions: uniqueness of slugs and login emails,
//! versions, list orders, refresh-token rotation.

use std::collections::BTreeSet;

use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{SessionStore, TenantStore, UserStore};
use switchboard_domain::accounts::user::{Role, User};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::ids::UserId;
use switchboard_domain::kernel::pagination::PageRequest;

use super::support::*;

/// A slug belongs to one tenant: a second sign-up with it is
/// `Conflict(SlugTaken)` and writes nothing (tenant, owner, session,
/// events). A sign-up whose event is already in the outbox fails whole too.
pub async fn slugs_are_unique<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + UserStore + SessionStore,
    O: Outbox,
{
    let first = tenant_at(now());
    let owner = user(first.id, Role::Owner, "Olivia Owner");
    let s = session(&owner);
    let e = event(first.id);
    store
        .create_tenant(&first, &owner, new_session(&s), std::slice::from_ref(&e))
        .await
        .expect("the first sign-up");
    assert_eq!(
        store.tenant(first.id).await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(
        store.tenant_by_slug(&first.slug).await.expect("read"),
        Some(first.clone())
    );
    assert_eq!(
        store
            .user_by_email(first.id, &owner.email)
            .await
            .expect("read"),
        Some(owner.clone())
    );
    let state = store
        .principal_state(first.id, owner.id, s.0.id)
        .await
        .expect("read");
    assert_eq!(
        (state.tenant, state.user, state.session),
        (Some(first.clone()), Some(owner.clone()), Some(s.0.clone()))
    );
    assert_eq!(
        store.refresh_record(&s.1.digest).await.expect("read"),
        Some(s.1.clone())
    );
    assert!(outbox.holds(first.id, e.id).await);

    let mut second = tenant_at(now());
    second.slug = first.slug.clone();
    let other = user(second.id, Role::Owner, "Oscar Owner");
    let s2 = session(&other);
    let e2 = event(second.id);
    assert_error(
        store
            .create_tenant(&second, &other, new_session(&s2), std::slice::from_ref(&e2))
            .await,
        &StoreError::Conflict(Conflict::SlugTaken),
    );
    assert_eq!(store.tenant(second.id).await.expect("read"), None);
    assert_eq!(
        store
            .user_by_email(second.id, &other.email)
            .await
            .expect("read"),
        None
    );
    let state = store
        .principal_state(second.id, other.id, s2.0.id)
        .await
        .expect("read");
    assert!(state.tenant.is_none() && state.user.is_none() && state.session.is_none());
    assert_eq!(
        store.refresh_record(&s2.1.digest).await.expect("read"),
        None
    );
    assert!(!outbox.holds(second.id, e2.id).await);
    assert_eq!(
        store.tenant_by_slug(&first.slug).await.expect("read"),
        Some(first.clone())
    );

    // The same event twice: the whole sign-up fails, its slug stays free.
    let third = tenant_at(now());
    let owner3 = user(third.id, Role::Owner, "Opal Owner");
    let s3 = session(&owner3);
    assert_error(
        store
            .create_tenant(&third, &owner3, new_session(&s3), std::slice::from_ref(&e))
            .await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(store.tenant_by_slug(&third.slug).await.expect("read"), None);
    assert_eq!(store.user(third.id, owner3.id).await.expect("read"), None);

    // An owner whose login email is taken in their tenant: `EmailTaken`.
    let fourth = tenant_at(now());
    let mut clash = user(first.id, Role::Owner, "Otto Owner");
    clash.email = owner.email.clone();
    let s4 = session(&clash);
    assert_error(
        store
            .create_tenant(&fourth, &clash, new_session(&s4), &[])
            .await,
        &StoreError::Conflict(Conflict::EmailTaken),
    );
    assert_eq!(store.tenant(fourth.id).await.expect("read"), None);
    assert_eq!(
        store.tenant_by_slug(&fourth.slug).await.expect("read"),
        None
    );
}

/// A login email has one account per tenant (`Conflict(EmailTaken)`, and
/// nothing written); another tenant may use it. Changing a user's email
/// moves the marker: the old one is free again, a taken one refused.
pub async fn login_emails_are_unique_per_tenant<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + UserStore,
    O: Outbox,
{
    let (tenant, _) = signed_up(store).await;
    let first = user(tenant.id, Role::Agent, "Ann Agent");
    store
        .create_user(&first, None, &[event(tenant.id)])
        .await
        .expect("a first user");
    let mut twin = user(tenant.id, Role::Customer, "Ann Again");
    twin.email = first.email.clone();
    let e = event(tenant.id);
    assert_error(
        store
            .create_user(&twin, None, std::slice::from_ref(&e))
            .await,
        &StoreError::Conflict(Conflict::EmailTaken),
    );
    assert_eq!(store.user(tenant.id, twin.id).await.expect("read"), None);
    assert!(!outbox.holds(tenant.id, e.id).await);
    assert_eq!(
        store
            .user_by_email(tenant.id, &first.email)
            .await
            .expect("read"),
        Some(first.clone())
    );

    let (elsewhere, _) = signed_up(store).await;
    let mut abroad = user(elsewhere.id, Role::Agent, "Ann Abroad");
    abroad.email = first.email.clone();
    store
        .create_user(&abroad, None, &[])
        .await
        .expect("the same email in another tenant");

    // Moving an email frees the old one.
    let old = first.email.clone();
    let mut moved = first.clone();
    moved.email = email("ann.new");
    moved.version += 1;
    store
        .update_user(&moved, first.version, Some(&old), &[])
        .await
        .expect("moving the email");
    assert_eq!(
        store.user_by_email(tenant.id, &old).await.expect("read"),
        None
    );
    assert_eq!(
        store
            .user_by_email(tenant.id, &moved.email)
            .await
            .expect("read"),
        Some(moved.clone())
    );
    let mut reuse = user(tenant.id, Role::Agent, "Ben Agent");
    reuse.email = old.clone();
    store
        .create_user(&reuse, None, &[])
        .await
        .expect("the freed email");

    // Moving to a taken email changes nothing.
    let mut clash = reuse.clone();
    clash.email = moved.email.clone();
    clash.version += 1;
    let e = event(tenant.id);
    assert_error(
        store
            .update_user(&clash, reuse.version, Some(&old), std::slice::from_ref(&e))
            .await,
        &StoreError::Conflict(Conflict::EmailTaken),
    );
    assert_eq!(
        store.user(tenant.id, reuse.id).await.expect("read"),
        Some(reuse.clone())
    );
    assert_eq!(
        store.user_by_email(tenant.id, &old).await.expect("read"),
        Some(reuse.clone())
    );
    assert!(!outbox.holds(tenant.id, e.id).await);

    // Moving from an email the user's marker is not under fails.
    let mut astray = reuse.clone();
    astray.email = email("ben.new");
    assert_error(
        store
            .update_user(&astray, reuse.version, Some(&email("never")), &[])
            .await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(
        store.user(tenant.id, reuse.id).await.expect("read"),
        Some(reuse)
    );
}

/// Tenants and users are replaced only at the version the writer read
/// (`VersionMismatch` otherwise, also for one that does not exist), and a
/// refused write leaves its events unwritten.
pub async fn tenant_and_user_writes_check_versions<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + UserStore,
    O: Outbox,
{
    let (tenant, owner) = signed_up(store).await;
    let mut renamed = tenant.clone();
    renamed.name = "Renamed Co".into();
    renamed.version += 1;
    store
        .update_tenant(&renamed, tenant.version, &[event(tenant.id)])
        .await
        .expect("an update at the read version");
    assert_eq!(
        store.tenant_by_slug(&tenant.slug).await.expect("read"),
        Some(renamed.clone())
    );
    let e = event(tenant.id);
    let mut stale = tenant.clone();
    stale.name = "Stale Co".into();
    assert_error(
        store
            .update_tenant(&stale, tenant.version, std::slice::from_ref(&e))
            .await,
        &StoreError::VersionMismatch,
    );
    assert!(!outbox.holds(tenant.id, e.id).await);
    assert_eq!(
        store.tenant(tenant.id).await.expect("read"),
        Some(renamed.clone())
    );
    let ghost = tenant_at(now());
    assert_error(
        store.update_tenant(&ghost, ghost.version, &[]).await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(store.tenant(ghost.id).await.expect("read"), None);

    let mut named = owner.clone();
    named.name = "Olivia Renamed".into();
    named.version += 1;
    store
        .update_user(&named, owner.version, None, &[])
        .await
        .expect("a user update at the read version");
    let e = event(tenant.id);
    assert_error(
        store
            .update_user(&owner, owner.version, None, std::slice::from_ref(&e))
            .await,
        &StoreError::VersionMismatch,
    );
    assert!(!outbox.holds(tenant.id, e.id).await);
    assert_eq!(
        store.user(tenant.id, owner.id).await.expect("read"),
        Some(named)
    );
    let nobody = user(tenant.id, Role::Agent, "Nobody");
    assert_error(
        store.update_user(&nobody, nobody.version, None, &[]).await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(store.user(tenant.id, nobody.id).await.expect("read"), None);
}

/// The operator's list holds every tenant, newest first, in full pages.
pub async fn tenants_are_listed_newest_first<S: TenantStore, O: Outbox>(store: &S, _: &O) {
    // Now, a millisecond apart: the newest of the table (other tests' are
    // older, or newer and skipped), yet nothing that stays at the top of
    // the operator's list after this test.
    let base = jiff::Timestamp::now();
    let mut mine = Vec::new();
    for i in [2, 0, 1] {
        let t = tenant_at(base + jiff::SignedDuration::from_millis(i));
        let owner = user(t.id, Role::Owner, "Olivia Owner");
        let s = session(&owner);
        store
            .create_tenant(&t, &owner, new_session(&s), &[])
            .await
            .expect("a sign-up");
        mine.push(t);
    }
    mine.sort_by_key(|t| std::cmp::Reverse(t.created_at));
    let ids: BTreeSet<_> = mine.iter().map(|t| t.id).collect();
    // Read on until all three are seen.
    let mut seen = Vec::new();
    let mut cursor = None;
    for _ in 0..10_000 {
        let page = store
            .list_tenants(&PageRequest { limit: 2, cursor })
            .await
            .expect("a page");
        if page.next_cursor.is_some() {
            assert_eq!(page.items.len(), 2, "a page with a next cursor is full");
        }
        seen.extend(page.items.into_iter().filter(|t| ids.contains(&t.id)));
        cursor = page.next_cursor;
        if seen.len() == 3 || cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, mine, "newest first");
}

/// Users list by role (its name's order), then name without case, then
/// id; a role's list holds only it. Cursors stay with their list.
pub async fn users_are_listed_by_role_then_name<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore,
    O: Outbox,
{
    let (tenant, owner) = signed_up(store).await;
    let mut people = vec![owner];
    for (role, name) in [
        (Role::Agent, "bob"),
        (Role::Customer, "erin"),
        (Role::Agent, "Alice"),
        (Role::Admin, "Zed"),
        (Role::Agent, "Sam"),
        (Role::Customer, "Dave"),
        (Role::Agent, "Sam"),
        (Role::Agent, "carol"),
    ] {
        let u = user(tenant.id, role, name);
        store.create_user(&u, None, &[]).await.expect("a user");
        people.push(u);
    }
    let key = |u: &User| (u.role.as_str(), u.name.to_lowercase(), u.id);
    people.sort_by_key(key);
    let listed = all_pages(
        3,
        |p| async move { store.list_users(tenant.id, None, &p).await },
    )
    .await;
    assert_eq!(listed, people, "by role, then name, then id");
    let agents: Vec<User> = people
        .iter()
        .filter(|u| u.role == Role::Agent)
        .cloned()
        .collect();
    let listed = all_pages(2, |p| async move {
        store.list_users(tenant.id, Some(Role::Agent), &p).await
    })
    .await;
    assert_eq!(listed, agents);

    let cursor =
        first_cursor(|p| async move { store.list_users(tenant.id, Some(Role::Agent), &p).await })
            .await;
    assert_invalid_cursor(store.list_users(tenant.id, None, &after(&cursor)).await);
    assert_invalid_cursor(
        store
            .list_users(tenant.id, Some(Role::Customer), &after(&cursor))
            .await,
    );
    let (other, _) = signed_up(store).await;
    assert_invalid_cursor(
        store
            .list_users(other.id, Some(Role::Agent), &after(&cursor))
            .await,
    );
    assert_invalid_cursor(
        store
            .list_users(tenant.id, Some(Role::Agent), &after(&tampered(&cursor)))
            .await,
    );

    // A batch read finds those of the tenant that exist.
    let stranger = user(other.id, Role::Agent, "Stranger");
    store
        .create_user(&stranger, None, &[])
        .await
        .expect("a user");
    let wanted = [people[0].id, people[3].id, stranger.id, UserId::new()];
    let found: BTreeSet<_> = store
        .users(tenant.id, &wanted)
        .await
        .expect("a batch read")
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(found, BTreeSet::from([people[0].id, people[3].id]));
    assert!(
        store
            .users(tenant.id, &[])
            .await
            .expect("nothing")
            .is_empty()
    );
}

/// A refresh token is spent once, only while its session is live; a
/// revoked session keeps its first revocation time; an absent one is no
/// error and stays absent.
pub async fn refresh_tokens_rotate_once<S, O>(store: &S, _: &O)
where
    S: TenantStore + SessionStore,
    O: Outbox,
{
    let (tenant, owner) = signed_up(store).await;
    let s = session(&owner);
    store
        .start_session(new_session(&s))
        .await
        .expect("a session");
    assert_error(
        store.start_session(new_session(&s)).await,
        &StoreError::ConditionFailed,
    );
    let t0 = now();
    let (_, r2) = switchboard_domain::accounts::session::RefreshRecord::issue(&s.0);
    store
        .rotate_refresh(&s.1, &r2, t0)
        .await
        .expect("the first rotation");
    let spent = store
        .refresh_record(&s.1.digest)
        .await
        .expect("read")
        .expect("the spent token is kept");
    assert_eq!(spent.used_at, Some(t0));
    assert_eq!(
        store.refresh_record(&r2.digest).await.expect("read"),
        Some(r2.clone())
    );
    let (_, r3) = switchboard_domain::accounts::session::RefreshRecord::issue(&s.0);
    assert_error(
        store.rotate_refresh(&s.1, &r3, t0).await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(store.refresh_record(&r3.digest).await.expect("read"), None);

    store
        .revoke_session(tenant.id, owner.id, s.0.id, t0)
        .await
        .expect("a revocation");
    store
        .revoke_session(tenant.id, owner.id, s.0.id, t0 + secs(60))
        .await
        .expect("a second revocation");
    let state = store
        .principal_state(tenant.id, owner.id, s.0.id)
        .await
        .expect("read");
    assert_eq!(state.session.and_then(|x| x.revoked_at), Some(t0));
    assert_error(
        store.rotate_refresh(&r2, &r3, t0).await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(
        store.refresh_record(&r2.digest).await.expect("read"),
        Some(r2),
        "a refused rotation spends nothing"
    );
    assert_eq!(store.refresh_record(&r3.digest).await.expect("read"), None);

    let ghost = session(&owner);
    store
        .revoke_session(tenant.id, owner.id, ghost.0.id, t0)
        .await
        .expect("revoking an absent session");
    let state = store
        .principal_state(tenant.id, owner.id, ghost.0.id)
        .await
        .expect("read");
    assert!(state.session.is_none(), "revoking creates nothing");
    assert!(state.tenant.is_some() && state.user.is_some());
}
