//! Deactivating and reactivating people (`Directory::deactivate_user`,
//! and `update_user` with a status).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use switchboard_domain::accounts::events::UserUpdated;
use switchboard_domain::accounts::input::UserPatch;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::user::{Role, UserStatus};
use switchboard_domain::kernel::error::AuthFailure;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::TestTenant;
use switchboard_testkit::fixtures::PASSWORD;

#[tokio::test]
async fn deactivating_a_person_ends_their_access_and_keeps_their_record() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (agent, _) = member(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    store.take_events();

    let gone = directory(&store)
        .deactivate_user(&owner, agent.user.id, clock.now())
        .await
        .unwrap();
    assert_eq!((gone.status, gone.version), (UserStatus::Deactivated, 2));
    let event = only(&store.take_events(), EventType::UserDeactivated);
    assert_eq!(event.subject.user_id, Some(agent.user.id));
    assert_eq!(event.actor.id, Some(signed.user.id.to_string()));
    assert_eq!(event.payload::<UserUpdated>().unwrap().changed, ["status"]);

    let accounts = accounts(&store);
    let token = accounts
        .authenticate(&agent.tokens.access.token, clock.now())
        .await;
    assert!(
        matches!(
            token,
            Err(DomainError::Unauthenticated(AuthFailure::Revoked))
        ),
        "{token:?}"
    );
    let login = accounts
        .login(
            credentials(&signed.tenant.slug, &agent.user.email, PASSWORD),
            clock.now(),
        )
        .await;
    assert!(matches!(login, Err(DomainError::Suspended)), "{login:?}");
    let kept = directory(&store)
        .get_user(&owner, agent.user.id)
        .await
        .unwrap();
    assert_eq!(
        (kept.name.as_str(), kept.status),
        ("Dora Agent", UserStatus::Deactivated)
    );
}

#[tokio::test]
async fn nobody_deactivates_the_owner_or_themselves() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (admin_login, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    store.take_events();
    let directory = directory(&store);

    let err = directory
        .deactivate_user(&owner, signed.user.id, clock.now())
        .await
        .expect_err("the owner stays");
    assert_eq!(field_errors(&err), [("role".to_owned(), "owner_is_fixed")]);
    // An admin is not someone an admin manages, themselves included.
    let err = directory
        .deactivate_user(&admin, admin_login.user.id, clock.now())
        .await
        .expect_err("not oneself");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");
    let err = directory
        .deactivate_user(&admin, signed.user.id, clock.now())
        .await
        .expect_err("admins do not manage the owner");
    assert!(matches!(err, DomainError::Forbidden), "{err:?}");

    assert!(store.take_events().is_empty());
    authenticate(&store, &admin_login.tokens.access.token, clock.now()).await;
}

#[tokio::test]
async fn agents_and_customers_deactivate_nobody() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    let admin = add_person(
        &store,
        &t.owner.principal,
        Role::Admin,
        "Ada Admin",
        clock.now(),
    )
    .await;
    store.take_events();
    let directory = directory(&store);
    for target in [admin.id, t.customer.user.id] {
        let r = directory
            .deactivate_user(&t.agent.principal, target, clock.now())
            .await;
        assert!(matches!(r, Err(DomainError::Forbidden)), "{r:?}");
    }
    let r = directory
        .deactivate_user(&t.customer.principal, t.agent.user.id, clock.now())
        .await;
    assert!(matches!(r, Err(DomainError::NotFound)), "{r:?}");
    assert!(store.take_events().is_empty());
    let still = store.user(t.id(), admin.id).await.unwrap().unwrap();
    assert_eq!(still.status, UserStatus::Active);
}

#[tokio::test]
async fn deactivating_someone_already_deactivated_writes_nothing() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    let directory = directory(&store);
    directory
        .deactivate_user(&owner, agent.id, clock.now())
        .await
        .unwrap();
    store.take_events();
    let again = directory
        .deactivate_user(&owner, agent.id, clock.now())
        .await
        .unwrap();
    assert_eq!(again.version, 2);
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn another_helpdesks_person_cannot_be_deactivated() {
    let (clock, store) = world();
    let (_, a) = helpdesk(&store, clock.now()).await;
    let (_, b) = helpdesk(&store, clock.now()).await;
    let theirs = add_person(&store, &a, Role::Agent, "Alice Agent", clock.now()).await;
    store.take_events();
    let r = directory(&store)
        .deactivate_user(&b, theirs.id, clock.now())
        .await;
    assert!(matches!(r, Err(DomainError::NotFound)), "{r:?}");
    let still = store.user(a.tenant_id(), theirs.id).await.unwrap().unwrap();
    assert_eq!(still.status, UserStatus::Active);
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn a_deactivation_that_fails_in_storage_leaves_the_person_working() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (agent, _) = member(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    store.take_events();
    store.fail_next_call_to("update_user", StoreError::Unavailable("down".into()));
    let r = directory(&store)
        .deactivate_user(&owner, agent.user.id, clock.now())
        .await;
    assert!(matches!(r, Err(DomainError::Store(_))), "{r:?}");
    assert!(store.take_events().is_empty());
    authenticate(&store, &agent.tokens.access.token, clock.now()).await;
}

#[tokio::test]
async fn reactivating_a_person_is_announced_as_an_update_and_lets_them_log_in() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    let directory = directory(&store);
    directory
        .deactivate_user(&owner, agent.id, clock.now())
        .await
        .unwrap();
    store.take_events();
    let patch = UserPatch {
        status: Some(UserStatus::Active),
        ..UserPatch::default()
    };
    let back = directory
        .update_user(&owner, agent.id, patch, Some(2), clock.now())
        .await
        .unwrap();
    assert_eq!((back.status, back.version), (UserStatus::Active, 3));
    let event = only(&store.take_events(), EventType::UserUpdated);
    assert_eq!(event.payload::<UserUpdated>().unwrap().changed, ["status"]);
    assert_eq!(
        sign_in(&store, &signed.tenant.slug, &agent, clock.now())
            .await
            .user
            .id,
        agent.id
    );
}

#[tokio::test]
async fn a_deactivation_together_with_a_rename_is_still_announced_as_a_deactivation() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    store.take_events();
    let patch = UserPatch {
        name: Some("Dora (left)".into()),
        status: Some(UserStatus::Deactivated),
        ..UserPatch::default()
    };
    directory(&store)
        .update_user(&owner, agent.id, patch, None, clock.now())
        .await
        .unwrap();
    let events = store.take_events();
    assert!(
        events.iter().any(|e| e.kind == EventType::UserDeactivated),
        "subscribers to user.deactivated learn of every deactivation: {:?}",
        kinds(&events)
    );
}

#[tokio::test]
async fn reactivating_a_person_does_not_revive_the_tokens_they_had_before() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    let before = sign_in(&store, &signed.tenant.slug, &agent, clock.now()).await;
    clock.advance(jiff::SignedDuration::from_secs(1));
    let directory = directory(&store);
    directory
        .deactivate_user(&owner, agent.id, clock.now())
        .await
        .unwrap();
    clock.advance(jiff::SignedDuration::from_secs(1));
    let patch = UserPatch {
        status: Some(UserStatus::Active),
        ..UserPatch::default()
    };
    directory
        .update_user(&owner, agent.id, patch, None, clock.now())
        .await
        .unwrap();
    let accounts = accounts(&store);
    assert!(matches!(
        accounts
            .authenticate(&before.tokens.access.token, clock.now())
            .await,
        Err(DomainError::Unauthenticated(AuthFailure::Revoked))
    ));
    assert!(matches!(
        accounts
            .refresh(&before.tokens.refresh_token, clock.now())
            .await,
        Err(DomainError::Unauthenticated(_))
    ));
    // A new login works.
    let after = sign_in(&store, &signed.tenant.slug, &agent, clock.now()).await;
    assert!(
        accounts
            .authenticate(&after.tokens.access.token, clock.now())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_demoted_person_must_sign_in_again() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let admin = add_person(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    let before = sign_in(&store, &signed.tenant.slug, &admin, clock.now()).await;
    clock.advance(jiff::SignedDuration::from_secs(1));
    let patch = UserPatch {
        role: Some(Role::Agent),
        ..UserPatch::default()
    };
    directory(&store)
        .update_user(&owner, admin.id, patch, None, clock.now())
        .await
        .unwrap();
    assert!(matches!(
        accounts(&store)
            .authenticate(&before.tokens.access.token, clock.now())
            .await,
        Err(DomainError::Unauthenticated(AuthFailure::Revoked))
    ));
}
