//! Helpdesks: sign-up, their settings, and the operator's list and
//! suspension and plan (`Accounts::sign_up`, `update_tenant`,
//! `list_tenants`, `set_tenant_status`, `set_tenant_plan`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accounts_support;

use accounts_support::*;
use jiff::SignedDuration;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::events::{TenantCreated, TenantUpdated, UserCreated};
use switchboard_domain::accounts::ports::TenantStore;
use switchboard_domain::accounts::tenant::{Plan, TenantPatch, TenantStatus};
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::error::{AuthFailure, Conflict};
use switchboard_domain::kernel::events::{ActorType, EventType, NoData};
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::fixtures::{PASSWORD, unique_slug};
use switchboard_testkit::{MemoryStore, TestTenant};

fn rename(name: &str) -> TenantPatch {
    TenantPatch {
        name: Some(name.into()),
        allow_customer_signup: None,
        unverified_mail: None,
        plan: None,
        audit_retention_days: None,
        satisfaction: None,
    }
}

fn open_registration() -> TenantPatch {
    TenantPatch {
        name: None,
        allow_customer_signup: Some(true),
        unverified_mail: None,
        plan: None,
        audit_retention_days: None,
        satisfaction: None,
    }
}

async fn stored_tenant(
    store: &MemoryStore,
    id: TenantId,
) -> switchboard_domain::accounts::tenant::Tenant {
    store.tenant(id).await.unwrap().unwrap()
}

#[tokio::test]
async fn signing_up_creates_the_helpdesk_and_its_owner_and_signs_the_owner_in() {
    let (clock, store) = world();
    let slug_text = unique_slug();
    let signed = accounts(&store)
        .sign_up(sign_up_input(&slug_text), clock.now())
        .await
        .unwrap();

    assert_eq!(signed.tenant.slug.as_str(), slug_text);
    assert_eq!(signed.tenant.status, TenantStatus::Active);
    assert_eq!(signed.tenant.version, 1);
    assert!(
        !signed.tenant.settings.allow_customer_signup,
        "registration starts closed"
    );
    assert_eq!(signed.user.role, Role::Owner);
    assert_eq!(signed.user.tenant_id, signed.tenant.id);
    assert_eq!(signed.tokens.access.expires_in, 900);

    let me = authenticate(&store, &signed.tokens.access.token, clock.now()).await;
    assert_eq!(me.user_id(), Some(signed.user.id));
    assert_eq!(me.tenant_id(), signed.tenant.id);

    let events = store.take_events();
    assert_eq!(
        kinds(&events),
        [EventType::TenantCreated, EventType::UserCreated]
    );
    let created = &events[0];
    assert_eq!(created.tenant_id, signed.tenant.id);
    assert_eq!(created.actor.kind, ActorType::User);
    assert_eq!(created.actor.id, Some(signed.user.id.to_string()));
    assert_eq!(
        created.payload::<TenantCreated>(),
        Some(TenantCreated {
            slug: slug_text,
            name: "Acme Support".into()
        })
    );
    assert_eq!(events[1].subject.user_id, Some(signed.user.id));
    assert_eq!(
        events[1].payload::<UserCreated>(),
        Some(UserCreated {
            role: Role::Owner,
            name: "Olivia Owner".into(),
            invited: false,
            verify: false
        })
    );
}

#[tokio::test]
async fn a_taken_slug_is_a_conflict_and_the_first_helpdesk_is_untouched() {
    let (clock, store) = world();
    let slug_text = unique_slug();
    let first = accounts(&store)
        .sign_up(sign_up_input(&slug_text), clock.now())
        .await
        .unwrap();
    store.take_events();

    let mut again = sign_up_input(&slug_text);
    again.owner_email = email("someone.else@example.com");
    again.name = "Impostor".into();
    let err = accounts(&store)
        .sign_up(again, clock.now())
        .await
        .expect_err("the slug is taken");
    assert!(
        matches!(err, DomainError::Conflict(Conflict::SlugTaken)),
        "{err:?}"
    );

    assert!(store.take_events().is_empty(), "nothing was written");
    let kept = store
        .tenant_by_slug(&slug(&slug_text))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.id, kept.name.as_str()),
        (first.tenant.id, "Acme Support")
    );
}

#[tokio::test]
async fn a_sign_up_that_fails_in_storage_leaves_nothing_behind_and_can_be_retried() {
    let (clock, store) = world();
    let slug_text = unique_slug();
    store.fail_next_call_to("create_tenant", StoreError::Unavailable("down".into()));
    let err = accounts(&store)
        .sign_up(sign_up_input(&slug_text), clock.now())
        .await
        .expect_err("storage failed");
    assert!(
        matches!(err, DomainError::Store(StoreError::Unavailable(_))),
        "{err:?}"
    );
    assert!(store.take_events().is_empty());
    assert!(
        store
            .tenant_by_slug(&slug(&slug_text))
            .await
            .unwrap()
            .is_none()
    );

    let retried = accounts(&store)
        .sign_up(sign_up_input(&slug_text), clock.now())
        .await
        .unwrap();
    assert_eq!(retried.tenant.slug.as_str(), slug_text);
    assert_eq!(store.take_events().len(), 2);
}

#[tokio::test]
async fn one_address_may_own_two_helpdesks() {
    let (clock, store) = world();
    let mut a = sign_up_input(&unique_slug());
    a.owner_email = email("founder@example.com");
    let mut b = sign_up_input(&unique_slug());
    b.owner_email = email("founder@example.com");
    let first = accounts(&store).sign_up(a, clock.now()).await.unwrap();
    let second = accounts(&store).sign_up(b, clock.now()).await.unwrap();
    assert_ne!(first.tenant.id, second.tenant.id);
    assert_ne!(first.user.id, second.user.id);
    assert_eq!(first.user.email, second.user.email);
}

#[tokio::test]
async fn an_owner_renames_the_helpdesk_and_opens_registration_in_one_change() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    clock.advance(SignedDuration::from_mins(1));

    let patch = TenantPatch {
        name: Some("Acme Help".into()),
        allow_customer_signup: Some(true),
        unverified_mail: None,
        plan: None,
        audit_retention_days: None,
        satisfaction: None,
    };
    let updated = accounts(&store)
        .update_tenant(&owner, patch, Some(1), clock.now())
        .await
        .unwrap();
    assert_eq!(updated.name, "Acme Help");
    assert!(updated.settings.allow_customer_signup);
    assert_eq!(updated.version, 2);
    assert_eq!(updated.updated_at, clock.now());
    assert_eq!(stored_tenant(&store, signed.tenant.id).await, updated);

    let events = store.take_events();
    let event = only(&events, EventType::TenantUpdated);
    assert_eq!(events.len(), 1);
    assert_eq!(event.actor.id, Some(signed.user.id.to_string()));
    assert_eq!(
        event.payload::<TenantUpdated>().unwrap().changed,
        ["name", "settings.allowCustomerSignup"]
    );
}

#[tokio::test]
async fn a_patch_that_changes_nothing_writes_nothing() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let patch = TenantPatch {
        name: Some("Acme Support".into()),
        allow_customer_signup: Some(false),
        unverified_mail: None,
        plan: None,
        audit_retention_days: None,
        satisfaction: None,
    };
    let same = accounts(&store)
        .update_tenant(&owner, patch, None, clock.now())
        .await
        .unwrap();
    assert_eq!(same.version, 1);
    assert!(store.take_events().is_empty());
    assert_eq!(stored_tenant(&store, signed.tenant.id).await.version, 1);
}

#[tokio::test]
async fn a_stale_if_match_is_a_failed_precondition_and_changes_nothing() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let accounts = accounts(&store);
    accounts
        .update_tenant(&owner, rename("First"), Some(1), clock.now())
        .await
        .unwrap();
    store.take_events();

    let err = accounts
        .update_tenant(&owner, rename("Second"), Some(1), clock.now())
        .await
        .expect_err("version 1 is stale");
    assert!(matches!(err, DomainError::PreconditionFailed), "{err:?}");
    let stored = stored_tenant(&store, signed.tenant.id).await;
    assert_eq!((stored.name.as_str(), stored.version), ("First", 2));
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn an_update_applies_to_the_helpdesk_as_stored_not_to_the_callers_older_copy() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (_, admin) = member(&store, &owner, Role::Admin, "Ada Admin", clock.now()).await;
    let accounts = accounts(&store);
    // The owner's principal was read before the admin's change.
    accounts
        .update_tenant(&admin, rename("Renamed by Ada"), None, clock.now())
        .await
        .unwrap();
    assert_eq!(owner.tenant.version, 1);

    let updated = accounts
        .update_tenant(&owner, open_registration(), None, clock.now())
        .await
        .unwrap();
    assert_eq!(updated.name, "Renamed by Ada", "the admin's change is kept");
    assert!(updated.settings.allow_customer_signup);
    assert_eq!(updated.version, 3);
    assert_eq!(stored_tenant(&store, signed.tenant.id).await, updated);
}

#[tokio::test]
async fn a_write_that_finds_another_version_is_a_failed_precondition() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    store.take_events();
    // Someone else's write lands between this update's read and its write.
    store.fail_next_call_to("update_tenant", StoreError::VersionMismatch);
    let err = accounts(&store)
        .update_tenant(&owner, rename("Lost"), None, clock.now())
        .await
        .expect_err("the write found another version");
    assert!(matches!(err, DomainError::PreconditionFailed), "{err:?}");
    assert_eq!(
        stored_tenant(&store, signed.tenant.id).await.name,
        "Acme Support"
    );
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn agents_and_customers_may_not_change_the_helpdesk() {
    let (clock, store) = world();
    let t = TestTenant::new(&store, clock.now()).await.unwrap();
    store.take_events();
    for who in [&t.agent.principal, &t.customer.principal] {
        let err = accounts(&store)
            .update_tenant(who, open_registration(), None, clock.now())
            .await
            .expect_err("not an admin");
        assert!(matches!(err, DomainError::Forbidden), "{err:?}");
    }
    assert!(
        !stored_tenant(&store, t.id())
            .await
            .settings
            .allow_customer_signup
    );
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn an_admin_key_changes_the_helpdesk_only_with_the_tenant_write_scope() {
    let (clock, store) = world();
    let (_, owner) = helpdesk(&store, clock.now()).await;
    let now = clock.now();
    let (_, _, reader) = api_key(&store, &owner, Role::Admin, &[Scope::TenantRead], now).await;
    let (_, writer_key, writer) =
        api_key(&store, &owner, Role::Admin, &[Scope::TenantWrite], now).await;
    let (_, _, agent_key) = api_key(&store, &owner, Role::Agent, &[Scope::TenantWrite], now).await;
    store.take_events();
    let accounts = accounts(&store);

    for refused in [&reader, &agent_key] {
        let err = accounts
            .update_tenant(refused, rename("Nope"), None, now)
            .await
            .expect_err("scope or role missing");
        assert!(matches!(err, DomainError::Forbidden), "{err:?}");
    }
    let updated = accounts
        .update_tenant(&writer, rename("By the integration"), None, now)
        .await
        .unwrap();
    assert_eq!(updated.name, "By the integration");
    let event = only(&store.take_events(), EventType::TenantUpdated);
    assert_eq!(event.actor.kind, ActorType::ApiKey);
    assert_eq!(event.actor.id, Some(writer_key.id.to_string()));
}

#[tokio::test]
async fn the_operator_lists_helpdesks_newest_first_one_page_at_a_time() {
    let (clock, store) = world();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let signed = accounts(&store)
            .sign_up(sign_up_input(&unique_slug()), clock.now())
            .await
            .unwrap();
        ids.push(signed.tenant.id);
        clock.advance(SignedDuration::from_secs(1));
    }
    let accounts = accounts(&store);
    let first = accounts.list_tenants(&page(2)).await.unwrap();
    let listed: Vec<TenantId> = first.items.iter().map(|t| t.id).collect();
    assert_eq!(listed, [ids[2], ids[1]]);
    let next = PageRequest {
        limit: 2,
        cursor: first.next_cursor.clone(),
    };
    assert!(next.cursor.is_some());
    let rest = accounts.list_tenants(&next).await.unwrap();
    let listed: Vec<TenantId> = rest.items.iter().map(|t| t.id).collect();
    assert_eq!(listed, [ids[0]]);
    assert_eq!(rest.next_cursor, None);
}

#[tokio::test]
async fn a_forged_cursor_is_refused() {
    let (clock, store) = world();
    helpdesk(&store, clock.now()).await;
    let forged = PageRequest {
        limit: 2,
        cursor: Some("forged.cursor".into()),
    };
    let err = accounts(&store)
        .list_tenants(&forged)
        .await
        .expect_err("a cursor the store never issued");
    assert!(matches!(err, DomainError::InvalidCursor), "{err:?}");
}

#[tokio::test]
async fn suspending_a_helpdesk_ends_every_credential_it_has() {
    let (clock, store) = world();
    let (signed, owner) = helpdesk(&store, clock.now()).await;
    let (secret, _, _) = api_key(
        &store,
        &owner,
        Role::Admin,
        &[Scope::TenantRead],
        clock.now(),
    )
    .await;
    store.take_events();
    clock.advance(SignedDuration::from_secs(5));
    let accounts = accounts(&store);

    let suspended = accounts
        .set_tenant_status(signed.tenant.id, TenantStatus::Suspended, clock.now())
        .await
        .unwrap();
    assert_eq!(suspended.status, TenantStatus::Suspended);
    assert_eq!(suspended.version, 2);
    assert_eq!(suspended.updated_at, clock.now());

    let event = only(&store.take_events(), EventType::TenantSuspended);
    assert_eq!(event.actor.kind, ActorType::Operator);
    assert_eq!(event.tenant_id, signed.tenant.id);
    assert_eq!(event.payload::<NoData>(), Some(NoData {}));

    let now = clock.now();
    let token = accounts
        .authenticate(&signed.tokens.access.token, now)
        .await
        .expect_err("the session's tenant is suspended");
    assert!(
        matches!(token, DomainError::Unauthenticated(AuthFailure::Revoked)),
        "{token:?}"
    );
    let key = accounts
        .authenticate(&secret, now)
        .await
        .expect_err("key of a suspended tenant");
    assert!(
        matches!(key, DomainError::Unauthenticated(AuthFailure::InvalidToken)),
        "{key:?}"
    );
    let refresh = accounts
        .refresh(&signed.tokens.refresh_token, now)
        .await
        .expect_err("no refresh while suspended");
    assert!(
        matches!(refresh, DomainError::Unauthenticated(AuthFailure::Revoked)),
        "{refresh:?}"
    );
    let login = accounts
        .login(
            credentials(&signed.tenant.slug, &signed.user.email, PASSWORD),
            now,
        )
        .await
        .expect_err("no login while suspended");
    assert!(matches!(login, DomainError::Suspended), "{login:?}");
}

#[tokio::test]
async fn lifting_a_suspension_lets_the_helpdesks_sessions_work_again() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    let accounts = accounts(&store);
    let id = signed.tenant.id;
    accounts
        .set_tenant_status(id, TenantStatus::Suspended, clock.now())
        .await
        .unwrap();
    store.take_events();

    let active = accounts
        .set_tenant_status(id, TenantStatus::Active, clock.now())
        .await
        .unwrap();
    assert_eq!((active.status, active.version), (TenantStatus::Active, 3));
    let event = only(&store.take_events(), EventType::TenantReactivated);
    assert_eq!(event.actor.kind, ActorType::Operator);
    let me = authenticate(&store, &signed.tokens.access.token, clock.now()).await;
    assert_eq!(me.user_id(), Some(signed.user.id));
}

#[tokio::test]
async fn setting_the_status_a_helpdesk_already_has_writes_nothing() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    store.take_events();
    let same = accounts(&store)
        .set_tenant_status(signed.tenant.id, TenantStatus::Active, clock.now())
        .await
        .unwrap();
    assert_eq!(same.version, 1);
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn an_unknown_helpdesk_cannot_be_suspended() {
    let (clock, store) = world();
    let err = accounts(&store)
        .set_tenant_status(TenantId::new(), TenantStatus::Suspended, clock.now())
        .await
        .expect_err("no such tenant");
    assert!(matches!(err, DomainError::NotFound), "{err:?}");
    assert!(store.take_events().is_empty());
}

#[tokio::test]
async fn the_operator_sets_a_helpdesks_plan_once_as_the_operator() {
    let (clock, store) = world();
    let (signed, _) = helpdesk(&store, clock.now()).await;
    assert_eq!(signed.tenant.settings.plan, Plan::Standard);
    store.take_events();
    let accounts = accounts(&store);
    let id = signed.tenant.id;
    let set = accounts
        .set_tenant_plan(id, Plan::Enterprise, clock.now())
        .await
        .unwrap();
    assert_eq!((set.settings.plan, set.version), (Plan::Enterprise, 2));
    assert_eq!(stored_tenant(&store, id).await, set);
    let event = only(&store.take_events(), EventType::TenantUpdated);
    assert_eq!(event.actor.kind, ActorType::Operator);
    assert_eq!(
        event.payload::<TenantUpdated>().unwrap().changed,
        ["settings.plan"]
    );

    let again = accounts
        .set_tenant_plan(id, Plan::Enterprise, clock.now())
        .await
        .unwrap();
    assert_eq!(again.version, 2, "the same plan writes nothing");
    assert!(store.take_events().is_empty());
    let err = accounts
        .set_tenant_plan(TenantId::new(), Plan::Free, clock.now())
        .await
        .expect_err("no such tenant");
    assert!(matches!(err, DomainError::NotFound), "{err:?}");
}
