//! Customers registering themselves in a helpdesk's portal
//! (`Accounts::register_customer`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::events::UserCreated;
use switchboard_domain::accounts::input::Registration;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::tenant::{TenantPatch, TenantStatus};
use switchboard_domain::accounts::user::{Email, Role};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_testkit::MemoryStore;
use switchboard_testkit::fixtures::{PASSWORD, unique_slug};

fn registration(tenant: &str, address: &str) -> Registration {
    Registration {
        tenant: tenant.into(),
        name: "Carla Customer".into(),
        email: email(address),
        password: password(PASSWORD),
    }
}

async fn open_registration(store: &MemoryStore, owner: &Principal, now: jiff::Timestamp) {
    let patch = TenantPatch {
        name: None,
        allow_customer_signup: Some(true),
        unverified_mail: None,
        plan: None,
        audit_retention_days: None,
        satisfaction: None,
    };
    accounts(store)
        .update_tenant(owner, patch, None, now)
        .await
        .unwrap();
    store.take_events();
}

async fn account(store: &MemoryStore, owner: &Principal, address: &Email) -> bool {
    store
        .user_by_email(owner.tenant_id(), address)
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn registration_is_refused_while_the_helpdesk_keeps_it_closed() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let err = accounts(&store)
        .register_customer(
            registration(signed.tenant.slug.as_str(), "carla@example.com"),
            clock.now(),
        )
        .await
        .expect_err("registration is closed");
    assert!(
        matches!(err, DomainError::NotAllowed("registration_closed")),
        "{err:?}"
    );
    assert!(!account(&store, &owner, &email("carla@example.com")).await);
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_customer_registers_once_registration_is_open_and_is_signed_in() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    open_registration(&store, &owner, clock.now()).await;

    let registered = accounts(&store)
        .register_customer(
            registration(signed.tenant.slug.as_str(), " Carla@Example.com "),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(registered.user.role, Role::Customer);
    assert_eq!(registered.user.email.as_str(), "carla@example.com");
    assert_eq!(registered.tenant.id, signed.tenant.id);

    let me = authenticate(&store, &registered.tokens.access.token, clock.now()).await;
    assert_eq!(me.user_id(), Some(registered.user.id));
    assert!(me.is_customer());

    let event = only(&store.take_events(), EventType::UserCreated);
    assert_eq!(event.subject.user_id, Some(registered.user.id));
    assert_eq!(event.actor.kind, ActorType::User);
    assert_eq!(event.actor.id, Some(registered.user.id.to_string()));
    assert_eq!(
        event.payload::<UserCreated>(),
        Some(UserCreated {
            role: Role::Customer,
            name: "Carla Customer".into(),
            invited: false,
            verify: true
        })
    );
}

#[tokio::test]
async fn an_address_that_already_has_an_account_in_the_helpdesk_is_a_conflict() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    open_registration(&store, &owner, clock.now()).await;
    let slug = signed.tenant.slug.as_str();
    let accounts = accounts(&store);
    accounts
        .register_customer(registration(slug, "carla@example.com"), clock.now())
        .await
        .unwrap();
    store.take_events();

    for taken in ["carla@example.com", signed.user.email.as_str()] {
        let err = accounts
            .register_customer(registration(slug, taken), clock.now())
            .await
            .expect_err("the address has an account");
        assert!(
            matches!(err, DomainError::Conflict(Conflict::EmailTaken)),
            "{taken}: {err:?}"
        );
    }
    assert!(store.take_events().is_empty());
    let owner_now = store
        .user(signed.tenant.id, signed.user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        owner_now.role,
        Role::Owner,
        "the owner's account is untouched"
    );
}

#[tokio::test]
async fn an_unknown_or_malformed_helpdesk_is_not_found() {
    let (clock, store) = world();
    for tenant in [unique_slug(), "Not A Slug!".to_owned(), String::new()] {
        let err = accounts(&store)
            .register_customer(registration(&tenant, "carla@example.com"), clock.now())
            .await
            .expect_err("no such helpdesk");
        assert!(matches!(err, DomainError::NotFound), "{tenant:?}: {err:?}");
    }
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_suspended_helpdesk_is_not_found_for_registration() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    open_registration(&store, &owner, clock.now()).await;
    accounts(&store)
        .set_tenant_status(signed.tenant.id, TenantStatus::Suspended, clock.now())
        .await
        .unwrap();
    store.take_events();
    let err = accounts(&store)
        .register_customer(
            registration(signed.tenant.slug.as_str(), "carla@example.com"),
            clock.now(),
        )
        .await
        .expect_err("suspended");
    assert!(matches!(err, DomainError::NotFound), "{err:?}");
    assert!(!account(&store, &owner, &email("carla@example.com")).await);
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn one_address_may_register_in_two_helpdesks() {
    let (clock, store) = world();
    let (a, a_owner) = helpdesk(&store, clock.now()).await;
    let (b, b_owner) = helpdesk(&store, clock.now()).await;
    open_registration(&store, &a_owner, clock.now()).await;
    open_registration(&store, &b_owner, clock.now()).await;
    let accounts = accounts(&store);
    let in_a = accounts
        .register_customer(
            registration(a.tenant.slug.as_str(), "carla@example.com"),
            clock.now(),
        )
        .await
        .unwrap();
    let in_b = accounts
        .register_customer(
            registration(b.tenant.slug.as_str(), "carla@example.com"),
            clock.now(),
        )
        .await
        .unwrap();
    assert_ne!(in_a.user.id, in_b.user.id);
    assert_eq!(
        (in_a.user.tenant_id, in_b.user.tenant_id),
        (a.tenant.id, b.tenant.id)
    );
}

#[tokio::test]
async fn a_registration_that_fails_in_storage_creates_no_account() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    open_registration(&store, &owner, clock.now()).await;
    let slug = signed.tenant.slug.as_str();
    store.fail_next_call_to("create_user", StoreError::Unavailable("down".into()));
    let err = accounts(&store)
        .register_customer(registration(slug, "carla@example.com"), clock.now())
        .await
        .expect_err("storage failed");
    assert!(matches!(err, DomainError::Store(_)), "{err:?}");
    assert!(!account(&store, &owner, &email("carla@example.com")).await);
    assert!(store.take_events().is_empty());

    accounts(&store)
        .register_customer(registration(slug, "carla@example.com"), clock.now())
        .await
        .unwrap();
    assert!(account(&store, &owner, &email("carla@example.com")).await);
}
