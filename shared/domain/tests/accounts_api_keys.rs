//! Integrators' API keys: creating, listing, revoking, and authenticating
//! with them (`Directory::create_api_key`, `list_api_keys`,
//! `revoke_api_key`; `Accounts::authenticate` for a key).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use std::collections::BTreeSet;

use accounts_support::*;
use jiff::SignedDuration;
use switchboard_domain::accounts::api_key::{ApiKey, Scope};
use switchboard_domain::accounts::events::{ApiKeyCreated, ApiKeyRevoked};
use switchboard_domain::accounts::input::NewApiKey;
use switchboard_domain::accounts::permissions::{Caller, Principal};
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::error::AuthFailure;
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_domain::kernel::ids::ApiKeyId;
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::{MemoryStore, TestTenant};

fn new_key(name: &str, role: Role, scopes: &[Scope]) -> NewApiKey {
    NewApiKey {
        name: name.into(),
        role,
        scopes: scopes.iter().copied().collect(),
    }
}

async fn keys_of(store: &MemoryStore, admin: &Principal) -> Vec<ApiKey> {
    directory(store).list_api_keys(admin).await.unwrap()
}

async fn last_use(store: &MemoryStore, admin: &Principal) -> Option<jiff::Timestamp> {
    keys_of(store, admin).await[0].last_used_at
}

fn invalid_token<T: std::fmt::Debug>(r: Result<T, DomainError>) -> bool {
    matches!(
        r,
        Err(DomainError::Unauthenticated(AuthFailure::InvalidToken))
    )
}

#[tokio::test]
async fn an_admin_creates_a_key_whose_secret_authenticates_as_the_key() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    store.take_events();
    let scopes = [Scope::UsersRead, Scope::TicketsRead];
    let (secret, key) = directory(&store)
        .create_api_key(
            &admin,
            new_key("CRM sync", Role::Agent, &scopes),
            clock.now(),
        )
        .await
        .unwrap();
    assert!(secret.starts_with("sbk_") && secret.starts_with(&key.prefix));
    assert_eq!(key.created_by, admin.user_id().unwrap());
    assert_eq!(key.tenant_id, admin.tenant_id());
    assert_eq!(key.scopes, BTreeSet::from(scopes));

    let as_key = authenticate(&store, &secret, clock.now()).await;
    assert_eq!(as_key.role(), Role::Agent);
    assert_eq!(as_key.tenant_id(), admin.tenant_id());
    match &as_key.caller {
        Caller::ApiKey(k) => assert_eq!((k.id, &k.name), (key.id, &key.name)),
        other => panic!("expected the key, got {other:?}"),
    }

    let event = only(&store.take_events(), EventType::ApiKeyCreated);
    assert_eq!(event.actor.kind, ActorType::User);
    assert_eq!(event.actor.id, Some(admin.user_id().unwrap().to_string()));
    assert_eq!(
        event.payload::<ApiKeyCreated>(),
        Some(ApiKeyCreated {
            api_key_id: key.id,
            role: Role::Agent
        })
    );
    assert!(
        !event.data.to_string().contains(&secret),
        "the secret is never published"
    );
}

#[tokio::test]
async fn a_keys_secret_is_shown_once_and_kept_only_as_a_digest() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (secret, key, _) = api_key(
        &store,
        &owner,
        Role::Agent,
        &[Scope::UsersRead],
        clock.now(),
    )
    .await;
    let listed = keys_of(&store, &owner).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, key.id);
    assert_ne!(listed[0].digest, secret);
    assert!(!format!("{listed:?}").contains(&secret));
}

#[tokio::test]
async fn keys_are_listed_oldest_first_and_only_the_helpdesks_own() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (_, b) = helpdesk(&store, clock.now()).await;
    let (_, first, _) = api_key(&store, &a, Role::Agent, &[Scope::UsersRead], clock.now()).await;
    clock.advance(SignedDuration::from_secs(1));
    let (_, second, _) = api_key(&store, &a, Role::Admin, &[Scope::TenantRead], clock.now()).await;
    let (_, theirs, _) = api_key(&store, &b, Role::Agent, &[Scope::UsersRead], clock.now()).await;

    let ids: Vec<ApiKeyId> = keys_of(&store, &a).await.iter().map(|k| k.id).collect();
    assert_eq!(ids, [first.id, second.id]);
    let ids: Vec<ApiKeyId> = keys_of(&store, &b).await.iter().map(|k| k.id).collect();
    assert_eq!(ids, [theirs.id]);
}

#[tokio::test]
async fn agents_customers_and_keys_may_not_manage_keys() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let all = Scope::ALL;
    let (_, key, key_principal) =
        api_key(&store, &t.owner.principal, Role::Admin, &all, clock.now()).await;
    store.take_events();
    let directory = directory(&store);
    for who in [&t.agent.principal, &t.customer.principal, &key_principal] {
        let created = directory
            .create_api_key(
                who,
                new_key("Mine", Role::Agent, &[Scope::UsersRead]),
                clock.now(),
            )
            .await;
        assert!(
            matches!(created, Err(DomainError::Forbidden)),
            "{created:?}"
        );
        let listed = directory.list_api_keys(who).await;
        assert!(matches!(listed, Err(DomainError::Forbidden)), "{listed:?}");
        let revoked = directory.revoke_api_key(who, key.id, clock.now()).await;
        assert!(
            matches!(revoked, Err(DomainError::Forbidden)),
            "{revoked:?}"
        );
    }
    assert!(store.take_events().is_empty());
    assert_eq!(keys_of(&store, &t.owner.principal).await.len(), 1);
}

#[tokio::test]
async fn a_revoked_key_stops_authenticating_at_once() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (secret, key, _) = api_key(
        &store,
        &owner,
        Role::Agent,
        &[Scope::UsersRead],
        clock.now(),
    )
    .await;
    store.take_events();
    directory(&store)
        .revoke_api_key(&owner, key.id, clock.now())
        .await
        .unwrap();

    assert!(invalid_token(
        accounts(&store).authenticate(&secret, clock.now()).await
    ));
    assert!(keys_of(&store, &owner).await.is_empty());
    let event = only(&store.take_events(), EventType::ApiKeyRevoked);
    assert_eq!(event.actor.id, Some(owner.user_id().unwrap().to_string()));
    assert_eq!(
        event.payload::<ApiKeyRevoked>(),
        Some(ApiKeyRevoked { api_key_id: key.id })
    );

    let again = directory(&store)
        .revoke_api_key(&owner, key.id, clock.now())
        .await;
    assert!(matches!(again, Err(DomainError::NotFound)), "{again:?}");
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn another_helpdesks_key_cannot_be_revoked_and_keeps_working() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (_, b) = helpdesk(&store, clock.now()).await;
    let (secret, key, _) = api_key(&store, &a, Role::Agent, &[Scope::UsersRead], clock.now()).await;
    store.take_events();

    let theirs = directory(&store)
        .revoke_api_key(&b, key.id, clock.now())
        .await;
    let absent = directory(&store)
        .revoke_api_key(&b, ApiKeyId::new(), clock.now())
        .await;
    assert!(matches!(theirs, Err(DomainError::NotFound)), "{theirs:?}");
    assert!(matches!(absent, Err(DomainError::NotFound)), "{absent:?}");
    assert!(store.take_events().is_empty());
    assert_eq!(
        authenticate(&store, &secret, clock.now()).await.tenant_id(),
        a.tenant_id()
    );
}

#[tokio::test]
async fn a_revocation_that_fails_in_storage_keeps_the_key() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (secret, key, _) = api_key(
        &store,
        &owner,
        Role::Agent,
        &[Scope::UsersRead],
        clock.now(),
    )
    .await;
    store.take_events();
    store.fail_next_call_to("revoke_api_key", StoreError::Unavailable("down".into()));
    let r = directory(&store)
        .revoke_api_key(&owner, key.id, clock.now())
        .await;
    assert!(matches!(r, Err(DomainError::Store(_))), "{r:?}");
    assert!(store.take_events().is_empty());
    authenticate(&store, &secret, clock.now()).await;
}

#[tokio::test]
async fn a_key_creation_that_fails_in_storage_leaves_no_key() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    store.fail_next_call_to("create_api_key", StoreError::Unavailable("down".into()));
    let r = directory(&store)
        .create_api_key(
            &owner,
            new_key("k", Role::Agent, &[Scope::UsersRead]),
            clock.now(),
        )
        .await;
    assert!(matches!(r, Err(DomainError::Store(_))), "{r:?}");
    assert!(keys_of(&store, &owner).await.is_empty());
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_key_records_its_last_use_at_most_every_five_minutes() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (secret, key, _) = api_key(
        &store,
        &owner,
        Role::Agent,
        &[Scope::UsersRead],
        clock.now(),
    )
    .await;
    let start = clock.now();
    assert_eq!(key.last_used_at, None);
    assert_eq!(last_use(&store, &owner).await, Some(start));

    clock.advance(SignedDuration::from_mins(4));
    authenticate(&store, &secret, clock.now()).await;
    assert_eq!(last_use(&store, &owner).await, Some(start));

    clock.advance(SignedDuration::from_mins(1));
    authenticate(&store, &secret, clock.now()).await;
    assert_eq!(last_use(&store, &owner).await, Some(clock.now()));
}

#[tokio::test]
async fn a_failed_last_use_write_does_not_fail_the_keys_request() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (secret, _, _) = api_key(
        &store,
        &owner,
        Role::Agent,
        &[Scope::UsersRead],
        clock.now(),
    )
    .await;
    clock.advance(SignedDuration::from_mins(10));
    store.fail_next_call_to("record_api_key_use", StoreError::Unavailable("down".into()));
    let p = authenticate(&store, &secret, clock.now()).await;
    assert_eq!(p.role(), Role::Agent);
    assert!(store.calls().iter().any(|c| c == "record_api_key_use"));
}

#[tokio::test]
async fn an_unknown_key_is_an_invalid_token() {
    let (clock, store) = world();
    helpdesk(&store, clock.now()).await;
    assert!(invalid_token(
        accounts(&store)
            .authenticate("sbk_not_a_real_key", clock.now())
            .await
    ));
}

#[tokio::test]
async fn a_key_needs_both_its_role_and_the_scope() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let now = clock.now();
    let (_, _, reader) = api_key(&store, &owner, Role::Admin, &[Scope::UsersRead], now).await;
    let (_, _, agent_writer) =
        api_key(&store, &owner, Role::Agent, &[Scope::UsersWrite], now).await;
    let (_, _, admin_writer) =
        api_key(&store, &owner, Role::Admin, &[Scope::UsersWrite], now).await;
    let directory = directory(&store);

    assert!(directory.list_users(&reader, None, &page(10)).await.is_ok());
    let no_read = directory.list_users(&admin_writer, None, &page(10)).await;
    assert!(
        matches!(no_read, Err(DomainError::Forbidden)),
        "{no_read:?}"
    );

    let customer = |n: &str| switchboard_domain::accounts::input::NewUser {
        name: n.into(),
        email: email(&format!("{n}@example.com")),
        role: Role::Customer,
        password: None,
    };
    for refused in [&reader, &agent_writer] {
        let r = directory.create_user(refused, customer("nope"), now).await;
        assert!(matches!(r, Err(DomainError::Forbidden)), "{r:?}");
    }
    let made = directory
        .create_user(&admin_writer, customer("carla"), now)
        .await
        .unwrap();
    assert_eq!(made.role, Role::Customer);
}

/// Keys belong to the helpdesk, not to the person who made them: an
/// integration does not stop because its maker left. The list names the
/// maker and the last use, so admins find and revoke orphaned keys.
#[tokio::test]
async fn a_key_outlives_its_makers_deactivation_and_the_list_shows_maker_and_last_use() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (signed, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    let (secret, key) = directory(&store)
        .create_api_key(
            &admin,
            new_key("CRM sync", Role::Agent, &[Scope::TicketsRead]),
            clock.now(),
        )
        .await
        .unwrap();
    directory(&store)
        .deactivate_user(&owner, signed.user.id, clock.now())
        .await
        .unwrap();
    clock.advance(SignedDuration::from_mins(10));
    let as_key = authenticate(&store, &secret, clock.now()).await;
    assert_eq!(as_key.role(), Role::Agent);
    let [listed] = keys_of(&store, &owner).await.try_into().unwrap();
    assert_eq!(
        (listed.id, listed.created_by, listed.last_used_at),
        (key.id, signed.user.id, Some(clock.now()))
    );
}
