//! Adding people to a helpdesk (`Directory::create_user`): who may add
//! whom, invitations, uniqueness, and what the change announces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::events::UserCreated;
use switchboard_domain::accounts::input::NewUser;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::user::{Role, UserStatus};
use switchboard_domain::kernel::error::{AuthFailure, Conflict};
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::TestTenant;
use switchboard_testkit::fixtures::PASSWORD;

fn new_user(name: &str, address: &str, role: Role, with_password: bool) -> NewUser {
    NewUser {
        name: name.into(),
        email: email(address),
        role,
        password: with_password.then(|| password(PASSWORD)),
    }
}

#[tokio::test]
async fn an_admin_adds_an_agent_with_a_password_who_can_then_log_in() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (_, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    store.take_events();

    let agent = directory(&store)
        .create_user(
            &admin,
            new_user("Alex Agent", "Alex@Example.com", Role::Agent, true),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (agent.role, agent.status),
        (Role::Agent, UserStatus::Active)
    );
    assert_eq!(agent.email.as_str(), "alex@example.com");
    assert_eq!((agent.tenant_id, agent.version), (signed.tenant.id, 1));
    assert!(
        agent
            .password_hash
            .as_deref()
            .is_some_and(|h| !h.contains(PASSWORD))
    );

    let event = only(&store.take_events(), EventType::UserCreated);
    assert_eq!(event.subject.user_id, Some(agent.id));
    assert_eq!(event.actor.kind, ActorType::User);
    assert_eq!(event.actor.id, Some(admin.user_id().unwrap().to_string()));
    assert_eq!(
        event.payload::<UserCreated>(),
        Some(UserCreated {
            role: Role::Agent,
            name: "Alex Agent".into(),
            invited: false,
            verify: false
        })
    );
    let login = sign_in(&store, &signed.tenant.slug, &agent, clock.now()).await;
    assert_eq!(login.user.id, agent.id);
}

#[tokio::test]
async fn a_person_added_without_a_password_is_invited_to_choose_one() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let invited = directory(&store)
        .create_user(
            &owner,
            new_user("Ivy Agent", "ivy@example.com", Role::Agent, false),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(invited.password_hash, None);
    let event = only(&store.take_events(), EventType::UserCreated);
    assert!(event.payload::<UserCreated>().unwrap().invited);
    let login = accounts(&store)
        .login(
            credentials(&signed.tenant.slug, &invited.email, PASSWORD),
            clock.now(),
        )
        .await;
    assert!(
        matches!(
            login,
            Err(DomainError::Unauthenticated(
                AuthFailure::InvalidCredentials
            ))
        ),
        "{login:?}"
    );
}

#[tokio::test]
async fn only_the_owner_adds_admins() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    store.take_events();
    let directory = directory(&store);
    let err = directory
        .create_user(
            &admin,
            new_user("Other Admin", "other@example.com", Role::Admin, false),
            clock.now(),
        )
        .await
        .expect_err("admins do not make admins");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");
    assert!(
        store
            .user_by_email(owner.tenant_id(), &email("other@example.com"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.take_events().is_empty());

    let made = directory
        .create_user(
            &owner,
            new_user("Other Admin", "other@example.com", Role::Admin, false),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(made.role, Role::Admin);
}

#[tokio::test]
async fn agents_and_customers_add_nobody() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    store.take_events();
    let directory = directory(&store);
    for who in [&t.agent.principal, &t.customer.principal] {
        for role in [Role::Customer, Role::Agent, Role::Admin] {
            let r = directory
                .create_user(
                    who,
                    new_user("New", "new@example.com", role, false),
                    clock.now(),
                )
                .await;
            assert!(matches!(r, Err(DomainError::Forbidden)), "{role:?}: {r:?}");
        }
    }
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn nobody_adds_a_second_owner() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let r = directory(&store)
        .create_user(
            &owner,
            new_user("Second Owner", "second@example.com", Role::Owner, false),
            clock.now(),
        )
        .await;
    assert!(
        matches!(r, Err(DomainError::Forbidden | DomainError::Invalid(_))),
        "a tenant has one owner, set at sign-up: {r:?}"
    );
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn an_address_with_an_account_in_the_helpdesk_is_a_conflict() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let directory = directory(&store);
    directory
        .create_user(
            &owner,
            new_user("Ana", "ana@example.com", Role::Agent, false),
            clock.now(),
        )
        .await
        .unwrap();
    store.take_events();
    for taken in ["ANA@example.com", signed.user.email.as_str()] {
        let err = directory
            .create_user(
                &owner,
                new_user("Twin", taken, Role::Customer, false),
                clock.now(),
            )
            .await
            .expect_err("taken");
        assert!(
            matches!(err, DomainError::Conflict(Conflict::EmailTaken)),
            "{taken}: {err:?}"
        );
    }
    assert!(store.take_events().is_empty());
    let ana = store
        .user_by_email(signed.tenant.id, &email("ana@example.com"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ana.name.as_str(), ana.role), ("Ana", Role::Agent));
}

#[tokio::test]
async fn the_same_address_may_be_a_person_in_two_helpdesks() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (_, b) = helpdesk(&store, clock.now()).await;
    let directory = directory(&store);
    let in_a = directory
        .create_user(
            &a,
            new_user("Ana", "ana@example.com", Role::Agent, false),
            clock.now(),
        )
        .await
        .unwrap();
    let in_b = directory
        .create_user(
            &b,
            new_user("Ana", "ana@example.com", Role::Customer, false),
            clock.now(),
        )
        .await
        .unwrap();
    assert_ne!(in_a.id, in_b.id);
    assert_eq!(
        (in_a.tenant_id, in_b.tenant_id),
        (a.tenant_id(), b.tenant_id())
    );
}

#[tokio::test]
async fn an_addition_that_fails_in_storage_leaves_no_account_and_can_be_retried() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    store.fail_next_call_to("create_user", StoreError::Unavailable("down".into()));
    let input = new_user("Ana", "ana@example.com", Role::Agent, false);
    let r = directory(&store)
        .create_user(&owner, input.clone(), clock.now())
        .await;
    assert!(matches!(r, Err(DomainError::Store(_))), "{r:?}");
    assert!(store.take_events().is_empty());
    assert!(
        store
            .user_by_email(signed.tenant.id, &input.email)
            .await
            .unwrap()
            .is_none()
    );

    let made = directory(&store)
        .create_user(&owner, input, clock.now())
        .await
        .unwrap();
    assert_eq!(
        only(&store.take_events(), EventType::UserCreated)
            .subject
            .user_id,
        Some(made.id)
    );
}

#[tokio::test]
async fn a_key_with_users_write_adds_customers_and_agents_and_is_named_as_the_actor() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, key, as_key) = api_key(
        &store,
        &owner,
        Role::Admin,
        &[Scope::UsersWrite],
        clock.now(),
    )
    .await;
    store.take_events();
    let directory = directory(&store);
    for (address, role) in [
        ("carla@example.com", Role::Customer),
        ("alex@example.com", Role::Agent),
    ] {
        directory
            .create_user(
                &as_key,
                new_user("By key", address, role, false),
                clock.now(),
            )
            .await
            .unwrap();
    }
    let events = store.take_events();
    assert_eq!(
        kinds(&events),
        [EventType::UserCreated, EventType::UserCreated]
    );
    for e in &events {
        assert_eq!(e.actor.kind, ActorType::ApiKey);
        assert_eq!(e.actor.id, Some(key.id.to_string()));
    }
    let admin = directory
        .create_user(
            &as_key,
            new_user("Admin", "admin@example.com", Role::Admin, false),
            clock.now(),
        )
        .await;
    assert!(
        matches!(admin, Err(DomainError::Forbidden)),
        "keys never manage admins: {admin:?}"
    );
}
