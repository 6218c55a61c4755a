//! Logging in with a password, and the throttle on repeated failures
//! (`Accounts::login`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use jiff::SignedDuration;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::{Credentials, NewUser, UserPatch};
use switchboard_domain::accounts::service::SignedIn;
use switchboard_domain::accounts::tenant::{Slug, TenantStatus};
use switchboard_domain::accounts::user::{Email, Role, UserStatus};
use switchboard_domain::kernel::error::AuthFailure;
use switchboard_testkit::MemoryStore;
use switchboard_testkit::fixtures::{PASSWORD, unique_slug};

const WRONG: &str = "not the password at all";

async fn attempt(
    store: &MemoryStore,
    slug: &Slug,
    address: &Email,
    password: &str,
    now: jiff::Timestamp,
) -> Result<SignedIn, DomainError> {
    accounts(store)
        .login(credentials(slug, address, password), now)
        .await
}

fn is_invalid_credentials(r: &Result<SignedIn, DomainError>) -> bool {
    matches!(
        r,
        Err(DomainError::Unauthenticated(
            AuthFailure::InvalidCredentials
        ))
    )
}

fn retry_after(r: &Result<SignedIn, DomainError>) -> u64 {
    match r {
        Err(DomainError::Throttled { retry_after_secs }) => *retry_after_secs,
        other => panic!("expected the account to be locked, got {other:?}"),
    }
}

#[tokio::test]
async fn an_owner_logs_in_with_their_address_however_it_is_typed() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let typed = format!("  {} ", signed.user.email.as_str().to_uppercase());
    let login = accounts(&store)
        .login(
            Credentials::typed(signed.tenant.slug.as_str(), &typed, PASSWORD.into()),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(login.user.id, signed.user.id);
    assert_eq!(login.tenant.id, signed.tenant.id);
    assert_ne!(login.tokens.refresh_token, signed.tokens.refresh_token);

    let me = authenticate(&store, &login.tokens.access.token, clock.now()).await;
    assert_eq!(me.user_id(), Some(signed.user.id));
    assert!(
        store.take_events().is_empty(),
        "a login changes nothing it announces"
    );
}

#[tokio::test]
async fn a_wrong_password_address_or_helpdesk_are_one_indistinguishable_answer() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let (slug, owner) = (signed.tenant.slug.as_str(), signed.user.email.as_str());
    let accounts = accounts(&store);
    let elsewhere = unique_slug();
    for (tenant, address, pw) in [
        (slug, owner, WRONG),
        (slug, "nobody@example.com", PASSWORD),
        (elsewhere.as_str(), owner, PASSWORD),
        ("Not A Slug!", owner, PASSWORD),
        (slug, "not-an-address", PASSWORD),
    ] {
        let r = accounts
            .login(Credentials::typed(tenant, address, pw.into()), clock.now())
            .await;
        assert!(is_invalid_credentials(&r), "{tenant} {address}: {r:?}");
    }
}

#[tokio::test]
async fn a_person_who_never_chose_a_password_cannot_log_in() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let invited = directory(&store)
        .create_user(
            &owner,
            NewUser {
                name: "Ivy Invited".into(),
                email: email("ivy@example.com"),
                role: Role::Agent,
                password: None,
            },
            clock.now(),
        )
        .await
        .unwrap();
    let r = attempt(&store, &signed.tenant.slug, &invited.email, "", clock.now()).await;
    assert!(is_invalid_credentials(&r), "{r:?}");
    let r = attempt(
        &store,
        &signed.tenant.slug,
        &invited.email,
        PASSWORD,
        clock.now(),
    )
    .await;
    assert!(is_invalid_credentials(&r), "{r:?}");
}

#[tokio::test]
async fn five_failures_lock_the_account_until_the_window_ends() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let (slug, owner) = (&signed.tenant.slug, &signed.user.email);
    let start = clock.now();
    for _ in 0..5 {
        let r = attempt(&store, slug, owner, WRONG, clock.now()).await;
        assert!(is_invalid_credentials(&r), "{r:?}");
    }
    // Locked: even the right password is refused, for the rest of the window.
    let locked = attempt(&store, slug, owner, PASSWORD, clock.now()).await;
    assert_eq!(retry_after(&locked), 15 * 60);
    clock.advance(SignedDuration::from_mins(10));
    let later = attempt(&store, slug, owner, PASSWORD, clock.now()).await;
    assert_eq!(retry_after(&later), 5 * 60);
    clock.set(start + SignedDuration::from_secs(15 * 60 - 1));
    let last_second = attempt(&store, slug, owner, PASSWORD, clock.now()).await;
    assert_eq!(retry_after(&last_second), 1);

    clock.set(start + SignedDuration::from_mins(15));
    let open = attempt(&store, slug, owner, PASSWORD, clock.now()).await;
    assert_eq!(open.unwrap().user.id, signed.user.id);
}

#[tokio::test]
async fn attempts_while_locked_do_not_extend_the_lock() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let (slug, owner) = (&signed.tenant.slug, &signed.user.email);
    let start = clock.now();
    for _ in 0..5 {
        attempt(&store, slug, owner, WRONG, clock.now()).await.ok();
    }
    clock.advance(SignedDuration::from_mins(14));
    for _ in 0..3 {
        let r = attempt(&store, slug, owner, WRONG, clock.now()).await;
        assert_eq!(retry_after(&r), 60);
    }
    clock.set(start + SignedDuration::from_mins(15));
    assert!(
        attempt(&store, slug, owner, PASSWORD, clock.now())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_address_without_an_account_locks_the_same_way() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let ghost = email("ghost@example.com");
    for _ in 0..5 {
        let r = attempt(&store, &signed.tenant.slug, &ghost, WRONG, clock.now()).await;
        assert!(is_invalid_credentials(&r), "{r:?}");
    }
    let r = attempt(&store, &signed.tenant.slug, &ghost, WRONG, clock.now()).await;
    assert_eq!(retry_after(&r), 15 * 60);
}

#[tokio::test]
async fn the_lock_is_for_one_address_in_one_helpdesk() {
    let (clock, store) = world();
    let (a, a_owner) = helpdesk(&store, clock.now()).await;
    let (b, _) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &a_owner, Role::Agent, "Alex Agent", clock.now()).await;
    let ghost = email("ghost@example.com");
    for _ in 0..5 {
        attempt(&store, &a.tenant.slug, &ghost, WRONG, clock.now())
            .await
            .ok();
    }
    let locked = attempt(&store, &a.tenant.slug, &ghost, WRONG, clock.now()).await;
    retry_after(&locked);

    let elsewhere = attempt(&store, &b.tenant.slug, &ghost, WRONG, clock.now()).await;
    assert!(is_invalid_credentials(&elsewhere), "{elsewhere:?}");
    let colleague = attempt(&store, &a.tenant.slug, &agent.email, PASSWORD, clock.now()).await;
    assert_eq!(colleague.unwrap().user.id, agent.id);
}

#[tokio::test]
async fn a_successful_login_forgets_earlier_failures() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let (slug, owner) = (&signed.tenant.slug, &signed.user.email);
    for _ in 0..4 {
        attempt(&store, slug, owner, WRONG, clock.now()).await.ok();
    }
    assert!(
        attempt(&store, slug, owner, PASSWORD, clock.now())
            .await
            .is_ok()
    );
    for _ in 0..4 {
        let r = attempt(&store, slug, owner, WRONG, clock.now()).await;
        assert!(
            is_invalid_credentials(&r),
            "four new failures, not nine: {r:?}"
        );
    }
    assert!(
        attempt(&store, slug, owner, PASSWORD, clock.now())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn failures_further_apart_than_the_window_do_not_add_up() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let (slug, owner) = (&signed.tenant.slug, &signed.user.email);
    for _ in 0..4 {
        attempt(&store, slug, owner, WRONG, clock.now()).await.ok();
    }
    clock.advance(SignedDuration::from_mins(15));
    let r = attempt(&store, slug, owner, WRONG, clock.now()).await;
    assert!(is_invalid_credentials(&r), "{r:?}");
    assert!(
        attempt(&store, slug, owner, PASSWORD, clock.now())
            .await
            .is_ok(),
        "one failure in the new window"
    );
}

#[tokio::test]
async fn a_deactivated_person_with_the_right_password_is_told_the_account_is_suspended() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let agent = add_person(&store, &owner, Role::Agent, "Dora Agent", clock.now()).await;
    let patch = UserPatch {
        status: Some(UserStatus::Deactivated),
        ..UserPatch::default()
    };
    directory(&store)
        .update_user(&owner, agent.id, patch, None, clock.now())
        .await
        .unwrap();
    let slug = &signed.tenant.slug;
    let right = attempt(&store, slug, &agent.email, PASSWORD, clock.now()).await;
    assert!(matches!(right, Err(DomainError::Suspended)), "{right:?}");
    let wrong = attempt(&store, slug, &agent.email, WRONG, clock.now()).await;
    assert!(
        is_invalid_credentials(&wrong),
        "a wrong password learns nothing: {wrong:?}"
    );
}

#[tokio::test]
async fn logging_into_a_suspended_helpdesk_is_refused_as_suspended() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    accounts(&store)
        .set_tenant_status(signed.tenant.id, TenantStatus::Suspended, clock.now())
        .await
        .unwrap();
    let slug = &signed.tenant.slug;
    let right = attempt(&store, slug, &signed.user.email, PASSWORD, clock.now()).await;
    assert!(matches!(right, Err(DomainError::Suspended)), "{right:?}");
    let wrong = attempt(&store, slug, &signed.user.email, WRONG, clock.now()).await;
    assert!(is_invalid_credentials(&wrong), "{wrong:?}");
}

#[tokio::test]
async fn a_login_whose_session_cannot_be_stored_hands_out_no_tokens() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    store.fail_next_call_to(
        "start_session",
        switchboard_domain::StoreError::Unavailable("down".into()),
    );
    let r = attempt(
        &store,
        &signed.tenant.slug,
        &signed.user.email,
        PASSWORD,
        clock.now(),
    )
    .await;
    assert!(matches!(r, Err(DomainError::Store(_))), "{r:?}");
    let again = attempt(
        &store,
        &signed.tenant.slug,
        &signed.user.email,
        PASSWORD,
        clock.now(),
    )
    .await;
    assert!(
        again.is_ok(),
        "a storage failure is not a failed login: {again:?}"
    );
}
