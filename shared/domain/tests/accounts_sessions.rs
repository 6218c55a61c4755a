//! Sessions: authenticating requests, rotating refresh tokens with reuse
//! detection, and logging out (`Accounts::authenticate`, `refresh`,
//! `logout`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use jiff::SignedDuration;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::input::UserPatch;
use switchboard_domain::accounts::permissions::{Caller, Principal};
use switchboard_domain::accounts::session::SESSION_LIFETIME;
use switchboard_domain::accounts::tokens::TokenIssuer;
use switchboard_domain::accounts::user::{Role, UserStatus};
use switchboard_domain::kernel::error::AuthFailure;
use switchboard_domain::kernel::ids::SessionId;
use switchboard_domain::kernel::secrets::SigningSecret;
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::MemoryStore;
use switchboard_testkit::fixtures::{AUDIENCE, ISSUER, token_issuer};

fn session_of(p: &Principal) -> SessionId {
    match &p.caller {
        Caller::User { session_id, .. } => *session_id,
        other => panic!("not a person's session: {other:?}"),
    }
}

fn refused<T: std::fmt::Debug>(r: Result<T, DomainError>) -> AuthFailure {
    match r {
        Err(DomainError::Unauthenticated(why)) => why,
        other => panic!("expected a refused credential, got {other:?}"),
    }
}

async fn bearer_refused(store: &MemoryStore, bearer: &str, now: jiff::Timestamp) -> AuthFailure {
    refused(accounts(store).authenticate(bearer, now).await)
}

#[tokio::test]
async fn an_access_token_speaks_for_its_person_as_they_are_stored_now() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (agent_login, agent) = member(&store, &owner, Role::Agent, "Alex Agent", clock.now()).await;
    assert_eq!(agent.role(), Role::Agent);
    assert_eq!(agent.tenant_id(), signed.tenant.id);

    let promote = UserPatch {
        role: Some(Role::Admin),
        ..UserPatch::default()
    };
    directory(&store)
        .update_user(&owner, agent_login.user.id, promote, None, clock.now())
        .await
        .unwrap();
    // The token still says `agent`; the stored role is what counts.
    let now = authenticate(&store, &agent_login.tokens.access.token, clock.now()).await;
    assert_eq!(now.role(), Role::Admin);
    assert_eq!(now.user().unwrap().version, 2);
    assert_eq!(session_of(&now), session_of(&agent));
}

#[tokio::test]
async fn garbage_and_tokens_signed_with_another_key_are_invalid() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let other = TokenIssuer::new(
        &SigningSecret::new(vec![7; 32]).unwrap(),
        ISSUER,
        AUDIENCE,
        SignedDuration::from_mins(15),
    )
    .unwrap();
    let forged = other
        .issue(
            signed.tenant.id,
            signed.user.id,
            Role::Owner,
            session_of(&owner),
            clock.now(),
        )
        .unwrap();
    for bearer in ["", "not.a.token", forged.token.as_str()] {
        let why = bearer_refused(&store, bearer, clock.now()).await;
        assert_eq!(why, AuthFailure::InvalidToken, "{bearer:?}");
    }
}

#[tokio::test]
async fn a_well_signed_token_for_a_session_never_started_is_revoked() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let token = token_issuer()
        .unwrap()
        .issue(
            signed.tenant.id,
            signed.user.id,
            Role::Owner,
            SessionId::new(),
            clock.now(),
        )
        .unwrap();
    let why = bearer_refused(&store, &token.token, clock.now()).await;
    assert_eq!(why, AuthFailure::Revoked);
}

#[tokio::test]
async fn a_token_naming_another_helpdesk_speaks_for_no_one() {
    let (clock, store) = world();
    let (a, a_owner) = helpdesk(&store, clock.now()).await;
    let (b, _) = helpdesk(&store, clock.now()).await;
    // Correctly signed: A's person and session, but B's tenant.
    let crossed = token_issuer()
        .unwrap()
        .issue(
            b.tenant.id,
            a.user.id,
            Role::Owner,
            session_of(&a_owner),
            clock.now(),
        )
        .unwrap();
    let why = bearer_refused(&store, &crossed.token, clock.now()).await;
    assert_eq!(why, AuthFailure::Revoked);
}

#[tokio::test]
async fn a_session_ends_thirty_days_after_login_however_fresh_its_token() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let token = &signed.tokens.access.token;
    let last = clock.now() + SESSION_LIFETIME - SignedDuration::from_secs(1);
    assert_eq!(
        authenticate(&store, token, last).await.user_id(),
        Some(signed.user.id)
    );
    let why = bearer_refused(&store, token, clock.now() + SESSION_LIFETIME).await;
    assert_eq!(why, AuthFailure::Revoked);
}

#[tokio::test]
async fn a_refresh_token_is_spent_for_a_new_pair_of_the_same_session() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_secs(2));
    let pair = accounts(&store)
        .refresh(&signed.tokens.refresh_token, clock.now())
        .await
        .unwrap();
    assert_ne!(pair.refresh_token, signed.tokens.refresh_token);
    assert_eq!(pair.access.expires_in, 900);
    let me = authenticate(&store, &pair.access.token, clock.now()).await;
    assert_eq!(me.user_id(), Some(signed.user.id));
    assert_eq!(session_of(&me), session_of(&owner));

    let next = accounts(&store)
        .refresh(&pair.refresh_token, clock.now())
        .await
        .unwrap();
    assert_ne!(next.refresh_token, pair.refresh_token);
    assert!(
        store.take_events().is_empty(),
        "refreshing announces nothing"
    );
}

#[tokio::test]
async fn presenting_a_spent_refresh_token_again_revokes_its_whole_session() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let other = sign_in(&store, &signed.tenant.slug, &signed.user, clock.now()).await;
    let accounts = accounts(&store);
    let first = signed.tokens.refresh_token.clone();
    let pair = accounts.refresh(&first, clock.now()).await.unwrap();

    let why = refused(accounts.refresh(&first, clock.now()).await);
    assert_eq!(why, AuthFailure::RefreshReused);
    // Everything the session handed out stops working.
    let why = refused(accounts.refresh(&pair.refresh_token, clock.now()).await);
    assert_eq!(why, AuthFailure::Revoked);
    for token in [&pair.access.token, &signed.tokens.access.token] {
        assert_eq!(
            bearer_refused(&store, token, clock.now()).await,
            AuthFailure::Revoked
        );
    }
    // The person's other session is not the one that leaked.
    let still = authenticate(&store, &other.tokens.access.token, clock.now()).await;
    assert_ne!(session_of(&still), session_of(&owner));
    assert!(
        accounts
            .refresh(&other.tokens.refresh_token, clock.now())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_token_spent_concurrently_by_someone_else_counts_as_reuse() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    // The conditional write finds the token spent between read and write.
    store.fail_next_call_to("rotate_refresh", StoreError::ConditionFailed);
    let why = refused(
        accounts(&store)
            .refresh(&signed.tokens.refresh_token, clock.now())
            .await,
    );
    assert_eq!(why, AuthFailure::RefreshReused);
    assert_eq!(
        bearer_refused(&store, &signed.tokens.access.token, clock.now()).await,
        AuthFailure::Revoked
    );
}

#[tokio::test]
async fn a_refresh_that_fails_in_storage_leaves_the_token_spendable() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let accounts = accounts(&store);
    store.fail_next_call_to("rotate_refresh", StoreError::Unavailable("down".into()));
    let r = accounts
        .refresh(&signed.tokens.refresh_token, clock.now())
        .await;
    assert!(matches!(r, Err(DomainError::Store(_))), "{r:?}");
    let pair = accounts
        .refresh(&signed.tokens.refresh_token, clock.now())
        .await
        .unwrap();
    authenticate(&store, &pair.access.token, clock.now()).await;
}

#[tokio::test]
async fn an_unknown_refresh_token_is_an_invalid_token() {
    let (clock, store) = world();
    helpdesk(&store, clock.now()).await;
    let why = refused(
        accounts(&store)
            .refresh("rt_not-a-real-token", clock.now())
            .await,
    );
    assert_eq!(why, AuthFailure::InvalidToken);
}

#[tokio::test]
async fn a_refresh_token_expires_with_its_session() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let accounts = accounts(&store);
    let token = &signed.tokens.refresh_token;
    let end = clock.now() + SESSION_LIFETIME;
    let why = refused(accounts.refresh(token, end).await);
    assert_eq!(why, AuthFailure::InvalidToken);
    // The refused attempt did not spend it: a second earlier it still works.
    let just_before = end - SignedDuration::from_secs(1);
    assert!(accounts.refresh(token, just_before).await.is_ok());
}

#[tokio::test]
async fn a_deactivated_person_can_neither_refresh_nor_use_their_token() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let (agent, _) = member(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    let patch = UserPatch {
        status: Some(UserStatus::Deactivated),
        ..UserPatch::default()
    };
    directory(&store)
        .update_user(&owner, agent.user.id, patch, None, clock.now())
        .await
        .unwrap();
    let why = refused(
        accounts(&store)
            .refresh(&agent.tokens.refresh_token, clock.now())
            .await,
    );
    assert_eq!(why, AuthFailure::Revoked);
    assert_eq!(
        bearer_refused(&store, &agent.tokens.access.token, clock.now()).await,
        AuthFailure::Revoked
    );
}

#[tokio::test]
async fn logging_out_ends_the_sessions_access_and_refresh_tokens_at_once() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let accounts = accounts(&store);
    accounts.logout(&owner, clock.now()).await.unwrap();
    assert_eq!(
        bearer_refused(&store, &signed.tokens.access.token, clock.now()).await,
        AuthFailure::Revoked
    );
    let why = refused(
        accounts
            .refresh(&signed.tokens.refresh_token, clock.now())
            .await,
    );
    assert_eq!(why, AuthFailure::Revoked);
    // Logging out twice is harmless.
    accounts.logout(&owner, clock.now()).await.unwrap();
}

#[tokio::test]
async fn logging_out_leaves_the_persons_other_sessions_alone() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let phone = sign_in(&store, &signed.tenant.slug, &signed.user, clock.now()).await;
    accounts(&store).logout(&owner, clock.now()).await.unwrap();
    let me = authenticate(&store, &phone.tokens.access.token, clock.now()).await;
    assert_eq!(me.user_id(), Some(signed.user.id));
    assert!(
        accounts(&store)
            .refresh(&phone.tokens.refresh_token, clock.now())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_api_key_or_switchboard_itself_has_no_session_to_log_out() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (secret, _, key) = api_key(
        &store,
        &owner,
        Role::Admin,
        &[Scope::TenantRead],
        clock.now(),
    )
    .await;
    for who in [key, Principal::system(signed.tenant.clone())] {
        let err = accounts(&store)
            .logout(&who, clock.now())
            .await
            .expect_err("no session");
        assert!(matches!(err, DomainError::Forbidden), "{err:?}");
    }
    // The key and the owner's session are untouched.
    authenticate(&store, &secret, clock.now()).await;
    authenticate(&store, &signed.tokens.access.token, clock.now()).await;
}
