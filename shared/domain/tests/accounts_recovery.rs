//! Password reset and invitation links (`Recovery::request`, `confirm`).
//! The email worker mints a link when it writes the mail; these tests mint
//! it as the worker would and store it through the port.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use jiff::{SignedDuration, Timestamp};
use switchboard_domain::accounts::events::UserUpdated;
use switchboard_domain::accounts::input::{NewUser, ResetConfirmation, ResetRequest};
use switchboard_domain::accounts::password_link::{LinkPurpose, PasswordLink, RESET_TTL};
use switchboard_domain::accounts::ports::{PasswordLinks, UserStore};
use switchboard_domain::accounts::recovery::RESET_WINDOW;
use switchboard_domain::accounts::service::SignedIn;
use switchboard_domain::accounts::tenant::{Slug, TenantStatus};
use switchboard_domain::accounts::user::{Email, Role, User};
use switchboard_domain::kernel::error::AuthFailure;
use switchboard_domain::kernel::events::{ActorType, EventType, NoData};
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::MemoryStore;
use switchboard_testkit::fixtures::{PASSWORD, unique_slug};

const NEW_PASSWORD: &str = "a brand new passphrase 42";

fn ask(slug: &Slug, address: &Email) -> ResetRequest {
    ResetRequest {
        tenant: slug.clone(),
        email: address.clone(),
    }
}

fn confirmation(token: &str, new_password: &str) -> ResetConfirmation {
    ResetConfirmation {
        token: token.into(),
        password: password(new_password),
    }
}

/// What the email worker does: mint a link for `user` and store its digest.
async fn mint(store: &MemoryStore, user: &User, purpose: LinkPurpose, now: Timestamp) -> String {
    let (token, link) = PasswordLink::issue(user, purpose, now);
    store.put_password_link(&link).await.unwrap();
    token
}

fn invalid_link(r: Result<(), DomainError>) -> bool {
    match r {
        Err(e @ DomainError::Invalid(_)) => {
            field_errors(&e) == [("token".to_owned(), "invalid_token")]
        }
        _ => false,
    }
}

async fn logs_in(store: &MemoryStore, signed: &SignedIn, pw: &str, now: Timestamp) -> bool {
    accounts(store)
        .login(
            credentials(&signed.tenant.slug, &signed.user.email, pw),
            now,
        )
        .await
        .is_ok()
}

#[tokio::test]
async fn a_reset_request_for_an_account_writes_one_internal_event_and_no_token() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    store.take_events();
    recovery(&store)
        .request(ask(&signed.tenant.slug, &signed.user.email), clock.now())
        .await
        .unwrap();
    let event = only(&store.take_events(), EventType::PasswordResetRequested);
    assert!(
        event.kind.is_internal(),
        "never offered to webhooks or sockets"
    );
    assert_eq!(event.tenant_id, signed.tenant.id);
    assert_eq!(event.subject.user_id, Some(signed.user.id));
    assert_eq!(event.actor.kind, ActorType::Operator);
    assert_eq!(event.payload::<NoData>(), Some(NoData {}));
}

#[tokio::test]
async fn a_reset_request_answers_the_same_for_unknown_addresses_and_helpdesks() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let recovery = recovery(&store);
    let elsewhere = slug(&unique_slug());
    for request in [
        ask(&signed.tenant.slug, &email("nobody@example.com")),
        ask(&elsewhere, &signed.user.email),
    ] {
        recovery.request(request, clock.now()).await.unwrap();
    }
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn nothing_is_sent_to_a_deactivated_person_or_into_a_suspended_helpdesk() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    directory(&store)
        .deactivate_user(&owner, agent.id, clock.now())
        .await
        .unwrap();
    store.take_events();
    let recovery = recovery(&store);
    recovery
        .request(ask(&signed.tenant.slug, &agent.email), clock.now())
        .await
        .unwrap();
    assert!(store.take_events().is_empty());

    accounts(&store)
        .set_tenant_status(signed.tenant.id, TenantStatus::Suspended, clock.now())
        .await
        .unwrap();
    store.take_events();
    recovery
        .request(ask(&signed.tenant.slug, &signed.user.email), clock.now())
        .await
        .unwrap();
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn requests_within_five_minutes_of_the_last_mail_send_nothing_more() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let recovery = recovery(&store);
    let asked = || ask(&signed.tenant.slug, &signed.user.email);
    let start = clock.now();
    recovery.request(asked(), clock.now()).await.unwrap();
    clock.advance(SignedDuration::from_mins(1));
    recovery.request(asked(), clock.now()).await.unwrap();
    clock.set(start + RESET_WINDOW - SignedDuration::from_secs(1));
    recovery.request(asked(), clock.now()).await.unwrap();
    assert_eq!(store.take_events().len(), 1, "one mail per window");

    clock.set(start + RESET_WINDOW);
    recovery.request(asked(), clock.now()).await.unwrap();
    let again = only(&store.take_events(), EventType::PasswordResetRequested);
    assert_eq!(again.occurred_at, start + RESET_WINDOW);
}

#[tokio::test]
async fn a_request_that_fails_to_record_its_event_can_be_asked_again_at_once() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let recovery = recovery(&store);
    store.fail_next_call_to("note_reset_request", StoreError::Unavailable("down".into()));
    let failed = recovery
        .request(ask(&signed.tenant.slug, &signed.user.email), clock.now())
        .await;
    assert!(matches!(failed, Err(DomainError::Store(_))), "{failed:?}");
    assert!(store.take_events().is_empty());

    // The person (or their browser) asks again: a mail must go out.
    recovery
        .request(ask(&signed.tenant.slug, &signed.user.email), clock.now())
        .await
        .unwrap();
    assert_eq!(
        kinds(&store.take_events()),
        [EventType::PasswordResetRequested],
        "nothing was sent the first time, so nothing holds the second back"
    );
}

#[tokio::test]
async fn a_reset_link_sets_the_password_and_ends_every_earlier_session() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let token = mint(&store, &signed.user, LinkPurpose::Reset, clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_secs(5));

    recovery(&store)
        .confirm(confirmation(&token, NEW_PASSWORD), clock.now())
        .await
        .unwrap();

    let event = only(&store.take_events(), EventType::UserUpdated);
    assert_eq!(event.subject.user_id, Some(signed.user.id));
    assert_eq!(event.actor.id, Some(signed.user.id.to_string()));
    assert_eq!(
        event.payload::<UserUpdated>().unwrap().changed,
        ["password"]
    );
    let user = store
        .user(signed.tenant.id, signed.user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (user.password_changed_at, user.version),
        (Some(clock.now()), 2)
    );

    let accounts = accounts(&store);
    let old = accounts
        .authenticate(&signed.tokens.access.token, clock.now())
        .await;
    assert!(
        matches!(old, Err(DomainError::Unauthenticated(AuthFailure::Revoked))),
        "{old:?}"
    );
    let old = accounts
        .refresh(&signed.tokens.refresh_token, clock.now())
        .await;
    assert!(
        matches!(old, Err(DomainError::Unauthenticated(AuthFailure::Revoked))),
        "{old:?}"
    );
    assert!(!logs_in(&store, &signed, PASSWORD, clock.now()).await);

    let fresh = accounts
        .login(
            credentials(&signed.tenant.slug, &signed.user.email, NEW_PASSWORD),
            clock.now(),
        )
        .await
        .unwrap();
    authenticate(&store, &fresh.tokens.access.token, clock.now()).await;
}

#[tokio::test]
async fn a_link_works_once() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let token = mint(&store, &signed.user, LinkPurpose::Reset, clock.now()).await;
    let recovery = recovery(&store);
    recovery
        .confirm(confirmation(&token, NEW_PASSWORD), clock.now())
        .await
        .unwrap();
    store.take_events();
    let again = recovery
        .confirm(confirmation(&token, "yet another passphrase"), clock.now())
        .await;
    assert!(invalid_link(again));
    assert!(store.take_events().is_empty());
    assert!(logs_in(&store, &signed, NEW_PASSWORD, clock.now()).await);
}

#[tokio::test]
async fn an_expired_link_is_refused_and_the_password_stays() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let issued = clock.now();
    let late = mint(&store, &signed.user, LinkPurpose::Reset, issued).await;
    let in_time = mint(&store, &signed.user, LinkPurpose::Reset, issued).await;
    store.take_events();
    let recovery = recovery(&store);

    clock.set(issued + RESET_TTL);
    assert!(invalid_link(
        recovery
            .confirm(confirmation(&late, NEW_PASSWORD), clock.now())
            .await
    ));
    assert!(store.take_events().is_empty());
    assert!(logs_in(&store, &signed, PASSWORD, clock.now()).await);

    clock.set(issued + RESET_TTL - SignedDuration::from_secs(1));
    recovery
        .confirm(confirmation(&in_time, NEW_PASSWORD), clock.now())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_unknown_token_is_refused() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    store.take_events();
    assert!(invalid_link(
        recovery(&store)
            .confirm(
                confirmation("pwl_not-a-real-token", NEW_PASSWORD),
                clock.now()
            )
            .await
    ));
    assert!(store.take_events().is_empty());
    assert!(logs_in(&store, &signed, PASSWORD, clock.now()).await);
}

#[tokio::test]
async fn a_link_for_a_person_deactivated_since_is_refused() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    let token = mint(&store, &agent, LinkPurpose::Reset, clock.now()).await;
    directory(&store)
        .deactivate_user(&owner, agent.id, clock.now())
        .await
        .unwrap();
    store.take_events();
    assert!(invalid_link(
        recovery(&store)
            .confirm(confirmation(&token, NEW_PASSWORD), clock.now())
            .await
    ));
    assert!(store.take_events().is_empty());
    let kept = store
        .user(signed.tenant.id, agent.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.password_hash, agent.password_hash);
}

#[tokio::test]
async fn an_invitation_lets_an_invited_person_choose_a_password_and_log_in() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let invited = directory(&store)
        .create_user(
            &owner,
            NewUser {
                name: "Ivy Agent".into(),
                email: email("ivy@example.com"),
                role: Role::Agent,
                password: None,
            },
            clock.now(),
        )
        .await
        .unwrap();
    let token = mint(&store, &invited, LinkPurpose::Invitation, clock.now()).await;
    // A week to accept: six days later still works.
    clock.advance(SignedDuration::from_hours(24 * 6));
    recovery(&store)
        .confirm(confirmation(&token, NEW_PASSWORD), clock.now())
        .await
        .unwrap();
    let login = accounts(&store)
        .login(
            credentials(&signed.tenant.slug, &invited.email, NEW_PASSWORD),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(login.user.id, invited.id);
}

#[tokio::test]
async fn a_confirmation_that_fails_to_save_keeps_the_link_usable() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let token = mint(&store, &signed.user, LinkPurpose::Reset, clock.now()).await;
    let recovery = recovery(&store);
    store.fail_next_call_to("update_user", StoreError::Unavailable("down".into()));
    let failed = recovery
        .confirm(confirmation(&token, NEW_PASSWORD), clock.now())
        .await;
    assert!(matches!(failed, Err(DomainError::Store(_))), "{failed:?}");
    assert!(
        logs_in(&store, &signed, PASSWORD, clock.now()).await,
        "nothing changed"
    );

    // Nothing was saved: the same link, tried again, must still work.
    let retried = recovery
        .confirm(confirmation(&token, NEW_PASSWORD), clock.now())
        .await;
    assert!(
        retried.is_ok(),
        "the link was spent by a failed attempt: {retried:?}"
    );
}
