//! Webhook endpoints, `Webhooks`: `list`, `get`, `create`, `update`,
//! `delete` and `rotate_secret`: the secret shown once, URLs kept off
//! private networks, versions, permissions and isolation. Test events,
//! the delivery log and redelivery are in `webhooks_deliveries.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::{fields, page};
use jiff::SignedDuration;
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::{DeliveryId, WebhookId};
use switchboard_domain::webhooks::ports::WebhookStore;
use switchboard_domain::webhooks::service::{EndpointInput, Webhooks};
use switchboard_domain::webhooks::webhook::{
    EventFilter, MAX_ENDPOINTS_PER_TENANT, ROTATION_GRACE, SECRET_PREFIX,
};
use switchboard_testkit::{MemoryQueues, MemoryStore};

fn hooks(store: &MemoryStore) -> Webhooks<MemoryStore, MemoryQueues> {
    Webhooks::new(store.clone(), MemoryQueues::new(), false)
}

fn at(url: &str) -> EndpointInput {
    EndpointInput {
        url: Some(url.into()),
        ..EndpointInput::default()
    }
}

#[tokio::test]
async fn an_admin_registers_an_endpoint_and_gets_its_secret_once() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let owner = &acme.owner.principal;
    let (endpoint, secret) = w
        .create(owner, at("https://hooks.example.com/in"), clock.now())
        .await
        .unwrap();
    assert!(secret.expose().starts_with(SECRET_PREFIX));
    assert_eq!(endpoint.signing_secrets(clock.now()), [&secret]);
    assert_eq!(endpoint.url, "https://hooks.example.com/in");
    assert_eq!(endpoint.events, EventFilter::All, "every event by default");
    assert!(endpoint.enabled);
    assert_eq!(
        (endpoint.disabled_reason.as_deref(), endpoint.failing_since),
        (None, None)
    );
    assert_eq!((endpoint.version, endpoint.created_at), (1, clock.now()));
    assert_eq!(endpoint.tenant_id, acme.id());
    assert_eq!(w.get(owner, endpoint.id).await.unwrap(), endpoint);
    let admin = acme
        .person(&store, "admin", "Ada Admin", clock.now())
        .await
        .unwrap();
    let (second, other_secret) = w
        .create(
            &admin.principal,
            EndpointInput {
                description: Some("  CRM sync  ".into()),
                events: Some(vec!["ticket.created".into(), "comment.created".into()]),
                enabled: Some(false),
                ..at("https://crm.example.com/hook")
            },
            clock.now(),
        )
        .await
        .unwrap();
    assert_ne!(secret, other_secret);
    assert_eq!(second.description, "CRM sync");
    assert_eq!(second.events.names(), ["comment.created", "ticket.created"]);
    assert!(!second.enabled);
    let mut listed = w.list(owner).await.unwrap();
    listed.sort_by_key(|e| e.url.clone());
    assert_eq!(listed, [second, endpoint]);
}

#[tokio::test]
async fn bad_endpoints_are_refused_field_by_field() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let owner = &acme.owner.principal;
    let all_wrong = w
        .create(
            owner,
            EndpointInput {
                description: Some("x".repeat(501)),
                events: Some(vec!["*".into(), "ticket.created".into()]),
                ..at("http://hooks.example.com/in")
            },
            clock.now(),
        )
        .await;
    assert_eq!(
        fields(all_wrong),
        [
            ("url".to_owned(), "insecure_url"),
            ("description".to_owned(), "too_long"),
            ("events".to_owned(), "invalid")
        ]
    );
    let missing = w.create(owner, EndpointInput::default(), clock.now()).await;
    assert_eq!(fields(missing), [("url".to_owned(), "required")]);
    for private in [
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/",
        "https://[fd00:ec2::254]/",
        "https://localhost/x",
        "https://2130706433/",
    ] {
        let refused = w.create(owner, at(private), clock.now()).await;
        assert_eq!(
            fields(refused),
            [("url".to_owned(), "forbidden_address")],
            "{private}"
        );
    }
    for events in [
        vec![],
        vec!["ticket.exploded".to_owned()],
        vec!["user.password_reset_requested".to_owned()],
    ] {
        let refused = w
            .create(
                owner,
                EndpointInput {
                    events: Some(events.clone()),
                    ..at("https://ok.example.com/")
                },
                clock.now(),
            )
            .await;
        let got = fields(refused);
        assert_eq!(got[0].0, "events", "{events:?}");
    }
    assert!(w.list(owner).await.unwrap().is_empty());
}

#[tokio::test]
async fn plain_http_to_loopback_is_allowed_only_where_configured() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let local = Webhooks::new(store.clone(), MemoryQueues::new(), true);
    let owner = &acme.owner.principal;
    let (endpoint, _) = local
        .create(owner, at("http://127.0.0.1:9000/hook"), clock.now())
        .await
        .unwrap();
    assert_eq!(endpoint.url, "http://127.0.0.1:9000/hook");
    let private = local
        .create(owner, at("http://10.0.0.1/hook"), clock.now())
        .await;
    assert_eq!(fields(private), [("url".to_owned(), "forbidden_address")]);
    let strict = hooks(&store)
        .create(owner, at("http://127.0.0.1:9000/hook"), clock.now())
        .await;
    assert_eq!(fields(strict), [("url".to_owned(), "insecure_url")]);
}

#[tokio::test]
async fn a_helpdesk_has_at_most_fifty_endpoints() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let owner = &acme.owner.principal;
    for i in 0..MAX_ENDPOINTS_PER_TENANT {
        w.create(
            owner,
            at(&format!("https://h{i}.example.com/")),
            clock.now(),
        )
        .await
        .unwrap();
    }
    let one_more = w
        .create(owner, at("https://more.example.com/"), clock.now())
        .await;
    assert_eq!(fields(one_more), [("url".to_owned(), "too_many")]);
    let other = channels_support::other_helpdesk(&store, &clock).await;
    assert!(
        w.create(
            &other.owner.principal,
            at("https://theirs.example.com/"),
            clock.now()
        )
        .await
        .is_ok(),
        "per helpdesk"
    );
}

#[tokio::test]
async fn an_update_changes_only_what_it_names() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let owner = &acme.owner.principal;
    let (endpoint, _) = w
        .create(
            owner,
            EndpointInput {
                description: Some("CRM".into()),
                ..at("https://a.example.com/")
            },
            clock.now(),
        )
        .await
        .unwrap();
    clock.advance(SignedDuration::from_mins(1));
    let changed = w
        .update(
            owner,
            endpoint.id,
            EndpointInput {
                events: Some(vec!["ticket.created".into()]),
                ..at("https://b.example.com/in")
            },
            Some(1),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(changed.url, "https://b.example.com/in");
    assert_eq!(changed.events.names(), ["ticket.created"]);
    assert_eq!(changed.description, "CRM", "kept");
    assert_eq!(changed.keys, endpoint.keys, "the secret is kept");
    assert_eq!((changed.version, changed.updated_at), (2, clock.now()));
    let disabled = w
        .update(
            owner,
            endpoint.id,
            EndpointInput {
                enabled: Some(false),
                ..EndpointInput::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.disabled_reason, None, "disabled by a person");
    let invalid = w
        .update(
            owner,
            endpoint.id,
            at("ftp://x.example.com/"),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(fields(invalid), [("url".to_owned(), "insecure_url")]);
    assert_eq!(w.get(owner, endpoint.id).await.unwrap(), disabled);
}

#[tokio::test]
async fn a_stale_version_is_refused() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let owner = &acme.owner.principal;
    let (endpoint, _) = w
        .create(owner, at("https://a.example.com/"), clock.now())
        .await
        .unwrap();
    let describe = |d: &str| EndpointInput {
        description: Some(d.into()),
        ..EndpointInput::default()
    };
    w.update(owner, endpoint.id, describe("first"), Some(1), clock.now())
        .await
        .unwrap();
    let stale = w
        .update(owner, endpoint.id, describe("second"), Some(1), clock.now())
        .await;
    assert!(
        matches!(stale, Err(DomainError::PreconditionFailed)),
        "{stale:?}"
    );
    store.fail_next_call_to("put_endpoint", StoreError::VersionMismatch);
    let raced = w
        .update(owner, endpoint.id, describe("third"), None, clock.now())
        .await;
    assert!(
        matches!(raced, Err(DomainError::PreconditionFailed)),
        "{raced:?}"
    );
    store.fail_next_call_to("put_endpoint", StoreError::VersionMismatch);
    let rotated = w.rotate_secret(owner, endpoint.id, clock.now()).await;
    assert!(
        matches!(rotated, Err(DomainError::PreconditionFailed)),
        "{rotated:?}"
    );
    let now = w.get(owner, endpoint.id).await.unwrap();
    assert_eq!(
        (now.description.as_str(), now.version, now.keys.len()),
        ("first", 2, 1)
    );
}

#[tokio::test]
async fn re_enabling_an_endpoint_switchboard_disabled_starts_afresh() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let owner = &acme.owner.principal;
    let (mut endpoint, _) = w
        .create(owner, at("https://a.example.com/"), clock.now())
        .await
        .unwrap();
    // As the worker leaves it after five days of failures.
    endpoint.enabled = false;
    endpoint.disabled_reason = Some("failing".into());
    endpoint.failing_since = Some(clock.now() - SignedDuration::from_hours(24 * 5));
    endpoint.version = 2;
    store.put_endpoint(&endpoint, Some(1), &[]).await.unwrap();
    let back = w
        .update(
            owner,
            endpoint.id,
            EndpointInput {
                enabled: Some(true),
                ..EndpointInput::default()
            },
            Some(2),
            clock.now(),
        )
        .await
        .unwrap();
    assert!(back.enabled);
    assert_eq!((back.disabled_reason, back.failing_since), (None, None));
}

#[tokio::test]
async fn rotating_the_secret_signs_with_both_for_a_day() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let owner = &acme.owner.principal;
    let (endpoint, old) = w
        .create(owner, at("https://a.example.com/"), clock.now())
        .await
        .unwrap();
    let (rotated, new) = w
        .rotate_secret(owner, endpoint.id, clock.now())
        .await
        .unwrap();
    assert_ne!(new, old);
    assert_eq!(rotated.version, 2);
    assert_eq!(rotated.signing_secrets(clock.now()), [&new, &old]);
    assert_eq!(
        rotated.keys[1].retires_at,
        Some(clock.now() + ROTATION_GRACE)
    );
    let next_day = clock.now() + ROTATION_GRACE + SignedDuration::from_secs(1);
    assert_eq!(rotated.signing_secrets(next_day), [&new]);
    assert_eq!(w.get(owner, endpoint.id).await.unwrap(), rotated);
}

#[tokio::test]
async fn a_deleted_endpoint_is_gone_and_a_second_delete_is_not_found() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let owner = &acme.owner.principal;
    let (endpoint, _) = w
        .create(owner, at("https://a.example.com/"), clock.now())
        .await
        .unwrap();
    w.delete(owner, endpoint.id, clock.now()).await.unwrap();
    assert!(matches!(
        w.get(owner, endpoint.id).await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        w.delete(owner, endpoint.id, clock.now()).await,
        Err(DomainError::NotFound)
    ));
    assert!(w.list(owner).await.unwrap().is_empty());
}

#[tokio::test]
async fn agents_and_customers_may_not_manage_webhooks() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let (endpoint, _) = w
        .create(
            &acme.owner.principal,
            at("https://a.example.com/"),
            clock.now(),
        )
        .await
        .unwrap();
    let (id, now) = (endpoint.id, clock.now());
    for who in [&acme.agent.principal, &acme.customer.principal] {
        let refusals = [
            w.list(who).await.map(|_| ()),
            w.get(who, id).await.map(|_| ()),
            w.create(who, at("https://mine.example.com/"), now)
                .await
                .map(|_| ()),
            w.update(who, id, EndpointInput::default(), None, now)
                .await
                .map(|_| ()),
            w.delete(who, id, clock.now()).await,
            w.rotate_secret(who, id, now).await.map(|_| ()),
            w.test(who, id, now).await.map(|_| ()),
            w.deliveries(who, id, &page(10)).await.map(|_| ()),
            w.delivery(who, id, DeliveryId::new()).await.map(|_| ()),
            w.redeliver(who, id, DeliveryId::new(), now)
                .await
                .map(|_| ()),
        ];
        for r in refusals {
            assert!(matches!(r, Err(DomainError::Forbidden)), "{r:?}");
        }
    }
    assert_eq!(w.get(&acme.owner.principal, id).await.unwrap(), endpoint);
}

#[tokio::test]
async fn another_helpdesks_endpoint_is_not_found() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let queues = MemoryQueues::new();
    let w = Webhooks::new(store.clone(), queues.clone(), false);
    let (endpoint, _) = w
        .create(
            &acme.owner.principal,
            at("https://a.example.com/"),
            clock.now(),
        )
        .await
        .unwrap();
    let ours = w
        .test(&acme.owner.principal, endpoint.id, clock.now())
        .await
        .unwrap();
    queues.take_deliveries();
    let other = channels_support::other_helpdesk(&store, &clock).await;
    let (them, id, now) = (&other.owner.principal, endpoint.id, clock.now());
    let refusals = [
        w.get(them, id).await.map(|_| ()),
        w.update(them, id, at("https://evil.example.com/"), None, now)
            .await
            .map(|_| ()),
        w.delete(them, id, clock.now()).await,
        w.rotate_secret(them, id, now).await.map(|_| ()),
        w.test(them, id, now).await.map(|_| ()),
        w.deliveries(them, id, &page(10)).await.map(|_| ()),
        w.delivery(them, id, ours.id).await.map(|_| ()),
        w.redeliver(them, id, ours.id, now).await.map(|_| ()),
    ];
    for r in refusals {
        assert!(matches!(r, Err(DomainError::NotFound)), "{r:?}");
    }
    assert!(w.list(them).await.unwrap().is_empty());
    assert!(queues.deliveries().is_empty(), "nothing was sent for them");
    assert_eq!(w.get(&acme.owner.principal, id).await.unwrap(), endpoint);
    let unknown = w.get(&acme.owner.principal, WebhookId::new()).await;
    assert!(matches!(unknown, Err(DomainError::NotFound)));
}

#[tokio::test]
async fn an_api_key_manages_webhooks_only_as_an_admin_with_the_webhooks_scope() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let w = hooks(&store);
    let now = clock.now();
    let allowed =
        channels_support::api_key(&store, &acme, Role::Admin, &[Scope::WebhooksWrite], now).await;
    let (endpoint, _) = w
        .create(&allowed, at("https://a.example.com/"), now)
        .await
        .unwrap();
    assert_eq!(
        w.list(&allowed).await.unwrap(),
        std::slice::from_ref(&endpoint)
    );
    let no_scope =
        channels_support::api_key(&store, &acme, Role::Admin, &[Scope::TenantWrite], now).await;
    let agent_key =
        channels_support::api_key(&store, &acme, Role::Agent, &[Scope::WebhooksWrite], now).await;
    for key in [&no_scope, &agent_key] {
        assert!(matches!(w.list(key).await, Err(DomainError::Forbidden)));
        assert!(matches!(
            w.rotate_secret(key, endpoint.id, now).await,
            Err(DomainError::Forbidden)
        ));
    }
}
