//! The audit log: every administrative change leaves an entry written with
//! it (actor, action, target, what changed, the request's origin), sign-ins
//! leave theirs whatever their outcome, and only owners and admins of the
//! tenant read them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::{other_helpdesk, page};
use switchboard_domain::DomainError;
use switchboard_domain::accounts::input::Credentials;
use switchboard_domain::accounts::tenant::TenantPatch;
use switchboard_domain::audit::log::Audit;
use switchboard_domain::audit::ports::AuditFilter;
use switchboard_domain::kernel::audit::{AuditEntry, Origin};
use switchboard_domain::kernel::error::AuthFailure;
use switchboard_domain::webhooks::service::{EndpointInput, Webhooks};
use switchboard_testkit::fixtures::{self, PASSWORD};
use switchboard_testkit::{MemoryQueues, MemoryStore};

async fn entries(
    store: &MemoryStore,
    who: &switchboard_domain::accounts::permissions::Principal,
    filter: AuditFilter,
) -> Vec<AuditEntry> {
    Audit::new(store.clone())
        .entries(who, &filter, &page(100), jiff::Timestamp::now())
        .await
        .unwrap()
        .items
}

fn actions(entries: &[AuditEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.action.as_str()).collect()
}

#[tokio::test]
async fn a_webhooks_life_is_in_the_log_with_who_did_it_and_from_where_never_its_secret() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let owner = &acme.owner.principal;
    let hooks = Webhooks::new(store.clone(), MemoryQueues::new(), false);
    let origin = Origin {
        ip: Some("203.0.113.7".into()),
        user_agent: Some("integration-test/1".into()),
        request_id: Some("req-42".into()),
        retention_days: None,
    };
    let (endpoint, first, second) = origin
        .scope(async {
            let (endpoint, first) = hooks
                .create(
                    owner,
                    EndpointInput {
                        url: Some("https://hooks.example.com/in".into()),
                        description: Some("CRM sync".into()),
                        ..EndpointInput::default()
                    },
                    clock.now(),
                )
                .await
                .unwrap();
            let (_, second) = hooks
                .rotate_secret(owner, endpoint.id, clock.now())
                .await
                .unwrap();
            hooks.delete(owner, endpoint.id, clock.now()).await.unwrap();
            (endpoint, first, second)
        })
        .await;

    let log = entries(
        &store,
        owner,
        AuditFilter {
            action: Some("webhook.*".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert_eq!(
        actions(&log),
        [
            "webhook.deleted",
            "webhook.secret_rotated",
            "webhook.created"
        ],
        "newest first"
    );
    for e in &log {
        assert_eq!(e.actor.id, Some(acme.owner.user.id.to_string()));
        let target = e.target.as_ref().unwrap();
        assert_eq!(
            (target.kind.as_str(), target.id.clone()),
            ("webhook", Some(endpoint.id.to_string()))
        );
        assert_eq!(e.ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(e.user_agent.as_deref(), Some("integration-test/1"));
        assert_eq!(e.request_id.as_deref(), Some("req-42"));
        assert_eq!(e.data.as_ref().unwrap()["name"], "CRM sync");
    }
    let written = serde_json::to_string(&log).unwrap();
    for secret in [first.expose(), second.expose()] {
        assert!(!written.contains(secret), "a secret reached the log");
    }

    let by_target = entries(
        &store,
        owner,
        AuditFilter {
            target: Some(endpoint.id.to_string()),
            action: Some("webhook.created".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert_eq!(actions(&by_target), ["webhook.created"]);
    let by_the_agent = entries(
        &store,
        owner,
        AuditFilter {
            actor: Some(acme.agent.user.id.to_string()),
            action: Some("webhook.*".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert!(by_the_agent.is_empty(), "the owner did all of it");
    let by_the_owner = entries(
        &store,
        owner,
        AuditFilter {
            actor: Some(acme.owner.user.id.to_string()),
            action: Some("webhook.*".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert_eq!(by_the_owner.len(), 3);
}

#[tokio::test]
async fn sign_ins_are_logged_whether_they_succeed_fail_or_are_throttled() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let accounts = fixtures::accounts(store.clone()).unwrap();
    let slug = acme.tenant.slug.as_str();
    let agent_email = acme.agent.user.email.as_str().to_owned();
    for _ in 0..5 {
        let wrong = accounts
            .login(
                Credentials::typed(slug, &agent_email, "not-the-password".into()),
                clock.now(),
            )
            .await;
        assert!(matches!(
            wrong,
            Err(DomainError::Unauthenticated(
                AuthFailure::InvalidCredentials
            ))
        ));
    }
    let locked = accounts
        .login(
            Credentials::typed(slug, &agent_email, PASSWORD.into()),
            clock.now(),
        )
        .await;
    assert!(matches!(locked, Err(DomainError::Throttled { .. })));
    let nobody = accounts
        .login(
            Credentials::typed(slug, "nobody@example.com", PASSWORD.into()),
            clock.now(),
        )
        .await;
    assert!(nobody.is_err());

    let owner = &acme.owner.principal;
    let failed = entries(
        &store,
        owner,
        AuditFilter {
            action: Some("user.login_failed".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert_eq!(failed.len(), 6);
    let (unknown, known) = failed.split_first().unwrap();
    assert_eq!(unknown.actor.id, None, "an unknown address names no one");
    assert_eq!(
        unknown.data,
        Some(serde_json::json!({"unknownAddressAt": "example.com"})),
        "nobody's address is kept"
    );
    assert!(
        known
            .iter()
            .all(|e| { e.actor.id == Some(acme.agent.user.id.to_string()) && e.data.is_none() })
    );
    let throttled = entries(
        &store,
        owner,
        AuditFilter {
            action: Some("user.login_throttled".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert_eq!(throttled.len(), 1);
    let target = throttled[0].target.as_ref().unwrap();
    assert_eq!(target.id, Some(acme.agent.user.id.to_string()));

    // The fixture signed the agent and the customer in.
    let signed_in = entries(
        &store,
        owner,
        AuditFilter {
            action: Some("user.logged_in".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert!(
        signed_in
            .iter()
            .any(|e| e.actor.id == Some(acme.customer.user.id.to_string()))
    );
    assert!(signed_in.iter().all(|e| e.tenant_id == acme.id()));
}

#[tokio::test]
async fn a_refresh_token_presented_twice_ends_the_session_and_says_so() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let accounts = fixtures::accounts(store.clone()).unwrap();
    accounts
        .refresh(&acme.customer.refresh_token, clock.now())
        .await
        .unwrap();
    let again = accounts
        .refresh(&acme.customer.refresh_token, clock.now())
        .await;
    assert!(matches!(
        again,
        Err(DomainError::Unauthenticated(AuthFailure::RefreshReused))
    ));
    let log = entries(
        &store,
        &acme.owner.principal,
        AuditFilter {
            action: Some("user.refresh_token_reused".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].target.as_ref().unwrap().id,
        Some(acme.customer.user.id.to_string())
    );
}

#[tokio::test]
async fn the_tenant_says_how_long_entries_are_kept() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let accounts = fixtures::accounts(store.clone()).unwrap();
    let tenant = accounts
        .update_tenant(
            &acme.owner.principal,
            TenantPatch {
                audit_retention_days: Some(30),
                ..TenantPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(tenant.settings.audit_retention_days, 30);
    let agent_email = acme.agent.user.email.as_str().to_owned();
    accounts
        .login(
            Credentials::typed(acme.tenant.slug.as_str(), &agent_email, PASSWORD.into()),
            clock.now(),
        )
        .await
        .unwrap();
    let log = entries(&store, &acme.owner.principal, AuditFilter::default()).await;
    let setting = log.iter().find(|e| e.action == "tenant.updated").unwrap();
    assert_eq!(
        setting.data.as_ref().unwrap()["changed"],
        serde_json::json!(["settings.auditRetentionDays"])
    );
    let login = &log[0];
    assert_eq!(login.action, "user.logged_in");
    assert_eq!(
        login.expires_at.as_second() - login.at.as_second(),
        30 * 86_400
    );
    assert_eq!(
        setting.expires_at.as_second() - setting.at.as_second(),
        365 * 86_400,
        "kept as long as the tenant said when it was written"
    );
}

#[tokio::test]
async fn only_owners_and_admins_read_their_own_tenants_log() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let audit = Audit::new(store.clone());
    let all = AuditFilter::default();
    for who in [&acme.agent.principal, &acme.customer.principal] {
        assert!(matches!(
            audit.entries(who, &all, &page(10), clock.now()).await,
            Err(DomainError::Forbidden)
        ));
    }
    let admin = acme
        .person(&store, "admin", "Ada Admin", clock.now())
        .await
        .unwrap();
    let seen = audit
        .entries(&admin.principal, &all, &page(100), clock.now())
        .await
        .unwrap()
        .items;
    assert!(actions(&seen).contains(&"user.created"));
    let globex = other_helpdesk(&store, &clock).await;
    let theirs = entries(&store, &globex.owner.principal, all.clone()).await;
    assert!(!theirs.is_empty());
    assert!(theirs.iter().all(|e| e.tenant_id == globex.id()));

    let backwards = AuditFilter {
        from: Some(clock.now()),
        to: Some(clock.now()),
        ..AuditFilter::default()
    };
    assert!(matches!(
        audit
            .entries(&acme.owner.principal, &backwards, &page(10), clock.now())
            .await,
        Err(DomainError::Invalid(_))
    ));

    // Pages follow one another without overlap.
    let first = audit
        .entries(&acme.owner.principal, &all, &page(2), clock.now())
        .await
        .unwrap();
    let cursor = first.next_cursor.clone().unwrap();
    let second = audit
        .entries(
            &acme.owner.principal,
            &all,
            &switchboard_domain::kernel::pagination::PageRequest {
                limit: 2,
                cursor: Some(cursor),
            },
            clock.now(),
        )
        .await
        .unwrap();
    assert!(second.items.iter().all(|e| !first.items.contains(e)));
}
