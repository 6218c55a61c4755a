//! Changing people (`Directory::update_user`): names, addresses, roles,
//! who may change whom, optimistic locking, and what each change
//! announces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use jiff::SignedDuration;
use switchboard_domain::accounts::events::UserUpdated;
use switchboard_domain::accounts::input::UserPatch;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::user::{Role, User, UserStatus};
use switchboard_domain::kernel::error::{AuthFailure, Conflict};
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::UserId;
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::fixtures::PASSWORD;
use switchboard_testkit::{MemoryStore, TestTenant};

fn rename(name: &str) -> UserPatch {
    UserPatch {
        name: Some(name.into()),
        ..UserPatch::default()
    }
}

fn make(role: Role) -> UserPatch {
    UserPatch {
        role: Some(role),
        ..UserPatch::default()
    }
}

async fn stored(store: &MemoryStore, user: &User) -> User {
    store.user(user.tenant_id, user.id).await.unwrap().unwrap()
}

#[tokio::test]
async fn an_admin_renames_and_readdresses_an_agent_who_then_logs_in_at_the_new_address() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (_, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Eve Agent", clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_secs(3));

    let patch = UserPatch {
        name: Some("Eve Lima".into()),
        email: Some(email("eve.lima@example.com")),
        ..UserPatch::default()
    };
    let changed = directory(&store)
        .update_user(&admin, agent.id, patch, Some(1), clock.now())
        .await
        .unwrap();
    assert_eq!(
        (changed.name.as_str(), changed.email.as_str()),
        ("Eve Lima", "eve.lima@example.com")
    );
    assert_eq!((changed.version, changed.updated_at), (2, clock.now()));
    assert_eq!(stored(&store, &agent).await, changed);

    let event = only(&store.take_events(), EventType::UserUpdated);
    assert_eq!(event.subject.user_id, Some(agent.id));
    assert_eq!(event.actor.id, Some(admin.user_id().unwrap().to_string()));
    assert_eq!(
        event.payload::<UserUpdated>().unwrap().changed,
        ["name", "email"]
    );

    let accounts = accounts(&store);
    let slug = &signed.tenant.slug;
    let old = accounts
        .login(credentials(slug, &agent.email, PASSWORD), clock.now())
        .await;
    assert!(
        matches!(
            old,
            Err(DomainError::Unauthenticated(
                AuthFailure::InvalidCredentials
            ))
        ),
        "the old address no longer logs in: {old:?}"
    );
    let new = accounts
        .login(credentials(slug, &changed.email, PASSWORD), clock.now())
        .await;
    assert_eq!(new.unwrap().user.id, agent.id);
}

#[tokio::test]
async fn an_address_taken_in_the_helpdesk_is_a_conflict_and_nothing_changes() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Eve Agent", clock.now()).await;
    store.take_events();
    let patch = UserPatch {
        name: Some("Renamed".into()),
        email: Some(signed.user.email.clone()),
        ..UserPatch::default()
    };
    let err = directory(&store)
        .update_user(&owner, agent.id, patch, None, clock.now())
        .await
        .expect_err("the owner's address");
    assert!(
        matches!(err, DomainError::Conflict(Conflict::EmailTaken)),
        "{err:?}"
    );
    assert_eq!(stored(&store, &agent).await, agent);
    assert!(store.take_events().is_empty());
    let owner_login = store
        .user_by_email(signed.tenant.id, &signed.user.email)
        .await
        .unwrap();
    assert_eq!(owner_login.map(|u| u.id), Some(signed.user.id));
}

#[tokio::test]
async fn a_stale_if_match_is_a_failed_precondition_and_changes_nothing() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Eve Agent", clock.now()).await;
    let directory = directory(&store);
    directory
        .update_user(&owner, agent.id, rename("Eve"), Some(1), clock.now())
        .await
        .unwrap();
    store.take_events();
    let err = directory
        .update_user(&owner, agent.id, rename("Evelyn"), Some(1), clock.now())
        .await
        .expect_err("version 1 is stale");
    assert!(matches!(err, DomainError::PreconditionFailed), "{err:?}");
    let now = stored(&store, &agent).await;
    assert_eq!((now.name.as_str(), now.version), ("Eve", 2));
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_write_that_finds_another_version_is_a_failed_precondition() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Eve Agent", clock.now()).await;
    store.take_events();
    store.fail_next_call_to("update_user", StoreError::VersionMismatch);
    let err = directory(&store)
        .update_user(&owner, agent.id, rename("Lost"), None, clock.now())
        .await
        .expect_err("someone else changed the person first");
    assert!(matches!(err, DomainError::PreconditionFailed), "{err:?}");
    assert_eq!(stored(&store, &agent).await.name, "Eve Agent");
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_patch_that_changes_nothing_writes_nothing() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Eve Agent", clock.now()).await;
    store.take_events();
    let same = UserPatch {
        name: Some("Eve Agent".into()),
        email: Some(agent.email.clone()),
        role: Some(Role::Agent),
        status: Some(UserStatus::Active),
        notes: Some(String::new()),
    };
    let unchanged = directory(&store)
        .update_user(&owner, agent.id, same, Some(1), clock.now())
        .await
        .unwrap();
    assert_eq!(unchanged.version, 1);
    assert_eq!(stored(&store, &agent).await, agent);
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn only_the_owner_makes_someone_an_admin() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Alan Agent", clock.now()).await;
    store.take_events();
    let directory = directory(&store);

    let err = directory
        .update_user(&admin, agent.id, make(Role::Admin), None, clock.now())
        .await
        .expect_err("admins do not make admins");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");
    assert_eq!(stored(&store, &agent).await.role, Role::Agent);
    assert!(store.take_events().is_empty());

    let promoted = directory
        .update_user(&owner, agent.id, make(Role::Admin), None, clock.now())
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Admin);
    let event = only(&store.take_events(), EventType::UserUpdated);
    assert_eq!(event.payload::<UserUpdated>().unwrap().changed, ["role"]);
}

#[tokio::test]
async fn admins_may_turn_customers_into_agents_and_back() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (_, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    let customer = add_person(&store, &owner, Role::Customer, "Cleo Customer", clock.now()).await;
    let directory = directory(&store);
    let agent = directory
        .update_user(&admin, customer.id, make(Role::Agent), None, clock.now())
        .await
        .unwrap();
    assert_eq!(agent.role, Role::Agent);
    let back = directory
        .update_user(&admin, customer.id, make(Role::Customer), None, clock.now())
        .await
        .unwrap();
    assert_eq!((back.role, back.version), (Role::Customer, 3));
}

#[tokio::test]
async fn admins_may_not_change_admins_and_agents_change_nobody() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let owner = &t.owner.principal;
    let (_, admin) = member(&store, owner, Role::Admin, "Ada Admin", clock.now()).await;
    let other_admin = add_person(&store, owner, Role::Admin, "Abe Admin", clock.now()).await;
    store.take_events();
    let directory = directory(&store);
    let refusals = [
        (&admin, other_admin.id),
        (&admin, t.owner.user.id),
        (&t.agent.principal, t.customer.user.id),
        (&t.agent.principal, other_admin.id),
        (&t.agent.principal, t.agent.user.id),
        // Customers read themselves but do not change their record.
        (&t.customer.principal, t.customer.user.id),
    ];
    for (who, target) in refusals {
        let r = directory
            .update_user(who, target, rename("Changed"), None, clock.now())
            .await;
        assert!(
            matches!(r, Err(DomainError::Forbidden)),
            "{:?} on {target}: {r:?}",
            who.role()
        );
    }
    assert!(store.take_events().is_empty());
    assert_eq!(stored(&store, &other_admin).await.name, "Abe Admin");
}

#[tokio::test]
async fn a_customer_changing_someone_else_finds_nobody() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let r = directory(&store)
        .update_user(
            &t.customer.principal,
            t.agent.user.id,
            rename("Changed"),
            None,
            clock.now(),
        )
        .await;
    assert!(matches!(r, Err(DomainError::NotFound)), "{r:?}");
    assert_eq!(stored(&store, &t.agent.user).await.name, "Alex Agent");
}

#[tokio::test]
async fn the_owners_role_and_status_are_fixed_but_their_name_is_theirs() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let directory = directory(&store);
    let demote = directory
        .update_user(&owner, signed.user.id, make(Role::Agent), None, clock.now())
        .await
        .expect_err("the owner stays the owner");
    assert_eq!(
        field_errors(&demote),
        [("role".to_owned(), "owner_is_fixed")]
    );
    let deactivate = UserPatch {
        status: Some(UserStatus::Deactivated),
        ..UserPatch::default()
    };
    let err = directory
        .update_user(&owner, signed.user.id, deactivate, None, clock.now())
        .await
        .expect_err("the owner stays active");
    assert_eq!(field_errors(&err), [("role".to_owned(), "owner_is_fixed")]);

    let renamed = directory
        .update_user(
            &owner,
            signed.user.id,
            rename("Olivia O."),
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.role),
        ("Olivia O.", Role::Owner)
    );
}

#[tokio::test]
async fn nobody_promotes_someone_to_owner() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let admin = add_person(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    store.take_events();
    let r = directory(&store)
        .update_user(&owner, admin.id, make(Role::Owner), None, clock.now())
        .await;
    assert!(
        matches!(r, Err(DomainError::Forbidden | DomainError::Invalid(_))),
        "a tenant has one owner, set at sign-up: {r:?}"
    );
    assert_eq!(stored(&store, &admin).await.role, Role::Admin);
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn another_helpdesks_person_cannot_be_changed_and_looks_absent() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (_, b) = helpdesk(&store, clock.now()).await;
    let theirs = add_person(&store, &a, Role::Agent, "Alice Agent", clock.now()).await;
    store.take_events();
    let directory = directory(&store);
    for id in [theirs.id, UserId::new()] {
        let r = directory
            .update_user(&b, id, rename("Hacked"), None, clock.now())
            .await;
        assert!(matches!(r, Err(DomainError::NotFound)), "{r:?}");
    }
    assert_eq!(stored(&store, &theirs).await, theirs);
    assert!(store.take_events().is_empty());
}
