//! Custom fields: the tenant's schema (who reads which fields, who defines
//! them, versions and `If-Match`, definitions refused field by field) and
//! the values a new ticket carries, checked against it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;

use serde_json::json;
use support::*;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::tickets::fields::{FieldDef, FieldKind, MAX_FIELDS};
use switchboard_domain::tickets::input::NewTicket;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::{DomainError, StoreError};

fn schema() -> Vec<FieldDef> {
    vec![
        field("order", FieldKind::Text, true, true),
        field("churn_risk", FieldKind::Boolean, false, false),
        FieldDef {
            options: vec!["free".into(), "pro".into()],
            ..field("plan", FieldKind::Dropdown, false, true)
        },
    ]
}

fn keys(defs: &[FieldDef]) -> Vec<&str> {
    defs.iter().map(|d| d.key.as_str()).collect()
}

#[tokio::test]
async fn an_admin_defines_the_fields_and_each_change_is_a_new_version() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let empty = tickets.fields(&acme.agent.principal).await.unwrap();
    assert!(empty.fields.is_empty());
    assert_eq!(empty.version, 0);
    let first = tickets
        .put_fields(&acme.owner.principal, schema(), None, clock.now())
        .await
        .unwrap();
    assert_eq!(first.version, 1);
    let second = tickets
        .put_fields(
            &acme.owner.principal,
            schema()[..1].to_vec(),
            Some(1),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(second.version, 2);
    let read = tickets.fields(&acme.agent.principal).await.unwrap();
    assert_eq!(read, second);
    assert_eq!(keys(&read.fields), vec!["order"]);
    let events = store.take_events();
    assert_eq!(events.len(), 2, "one configuration change each");
    assert_eq!(events[1].data["object"], "ticket_fields");
    assert_eq!(events[1].data["changed"], serde_json::json!(["order"]));
}

#[tokio::test]
async fn customers_read_only_the_fields_meant_for_them() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    tickets
        .put_fields(&acme.owner.principal, schema(), None, clock.now())
        .await
        .unwrap();
    let customer = tickets.fields(&acme.customer.principal).await.unwrap();
    assert_eq!(keys(&customer.fields), vec!["order", "plan"]);
    let agent = tickets.fields(&acme.agent.principal).await.unwrap();
    assert_eq!(keys(&agent.fields), vec!["order", "churn_risk", "plan"]);
    let reader = api_key(&acme, Role::Agent, &[Scope::TicketsRead]);
    assert_eq!(tickets.fields(&reader).await.unwrap().fields.len(), 3);
    let no_scope = api_key(&acme, Role::Agent, &[Scope::UsersRead]);
    assert!(matches!(
        tickets.fields(&no_scope).await,
        Err(DomainError::Forbidden)
    ));
}

#[tokio::test]
async fn each_tenant_has_its_own_fields() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let tickets = Ticketing::new(store.clone());
    tickets
        .put_fields(&acme.owner.principal, schema(), None, clock.now())
        .await
        .unwrap();
    let theirs = tickets.fields(&globex.owner.principal).await.unwrap();
    assert!(theirs.fields.is_empty());
    assert_eq!(theirs.version, 0);
}

#[tokio::test]
async fn only_admins_and_keys_with_tenant_write_define_fields() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    for who in [
        acme.agent.principal.clone(),
        acme.customer.principal.clone(),
        api_key(&acme, Role::Admin, &[Scope::TicketsWrite]),
    ] {
        let refused = tickets.put_fields(&who, schema(), None, clock.now()).await;
        assert!(
            matches!(refused, Err(DomainError::Forbidden)),
            "{refused:?}"
        );
    }
    assert!(
        tickets
            .fields(&acme.owner.principal)
            .await
            .unwrap()
            .fields
            .is_empty()
    );
    let key = api_key(&acme, Role::Admin, &[Scope::TenantWrite]);
    let by_key = tickets
        .put_fields(&key, schema(), None, clock.now())
        .await
        .unwrap();
    assert_eq!(by_key.version, 1);
}

#[tokio::test]
async fn a_stale_version_is_precondition_failed_and_keeps_the_schema() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let admin = &acme.owner.principal;
    tickets
        .put_fields(admin, schema(), None, clock.now())
        .await
        .unwrap();
    tickets
        .put_fields(admin, schema(), Some(1), clock.now())
        .await
        .unwrap();
    let stale = tickets
        .put_fields(admin, vec![], Some(1), clock.now())
        .await;
    assert!(
        matches!(stale, Err(DomainError::PreconditionFailed)),
        "{stale:?}"
    );
    store.fail_next_call_to("put_field_schema", StoreError::VersionMismatch);
    let raced = tickets
        .put_fields(admin, vec![], Some(2), clock.now())
        .await;
    assert!(
        matches!(raced, Err(DomainError::PreconditionFailed)),
        "{raced:?}"
    );
    let now = tickets.fields(admin).await.unwrap();
    assert_eq!((now.version, now.fields.len()), (2, 3));
}

#[tokio::test]
async fn invalid_definitions_are_refused_naming_each_field() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    let admin = &acme.owner.principal;
    let defs = vec![
        field("order", FieldKind::Text, false, false),
        field("order", FieldKind::Text, false, false),
        field("Bad Key", FieldKind::Text, false, false),
        FieldDef {
            label: String::new(),
            ..field("no_label", FieldKind::Number, false, false)
        },
        field("plan", FieldKind::Dropdown, false, false),
        FieldDef {
            options: vec!["x".into()],
            ..field("flag", FieldKind::Boolean, false, false)
        },
    ];
    let refused = tickets.put_fields(admin, defs, None, clock.now()).await;
    assert_eq!(
        invalid(refused),
        vec![
            ("fields.1.key".into(), "duplicate"),
            ("fields.2.key".into(), "invalid_key"),
            ("fields.3.label".into(), "required"),
            ("fields.4.options".into(), "invalid_options"),
            ("fields.5.options".into(), "unexpected"),
        ]
    );
    let many: Vec<FieldDef> = (0..=MAX_FIELDS)
        .map(|i| field(&format!("f{i}"), FieldKind::Text, false, false))
        .collect();
    let too_many = tickets.put_fields(admin, many, None, clock.now()).await;
    assert_eq!(invalid(too_many), vec![("fields".into(), "too_many")]);
    assert_eq!(tickets.fields(admin).await.unwrap().version, 0);
}

#[tokio::test]
async fn custom_fields_are_checked_against_the_schema_naming_each_field() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    tickets
        .put_fields(
            &acme.owner.principal,
            vec![
                field("order", FieldKind::Text, true, true),
                field("amount", FieldKind::Number, false, false),
            ],
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let missing = tickets
        .create(
            &acme.agent.principal,
            new_ticket("S", "d"),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(missing),
        vec![("customFields.order".into(), "required")]
    );
    let wrong = tickets
        .create(
            &acme.agent.principal,
            NewTicket {
                custom_fields: BTreeMap::from([
                    ("order".into(), json!("A-1")),
                    ("amount".into(), json!("ten")),
                    ("nope".into(), json!(1)),
                ]),
                ..new_ticket("S", "d")
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(wrong),
        vec![
            ("customFields.amount".into(), "invalid_type"),
            ("customFields.nope".into(), "unknown_field")
        ]
    );
    let hidden_from_customer = tickets
        .create(
            &acme.customer.principal,
            NewTicket {
                custom_fields: BTreeMap::from([
                    ("order".into(), json!("A-1")),
                    ("amount".into(), json!(10)),
                ]),
                ..new_ticket("S", "d")
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(hidden_from_customer),
        vec![("customFields.amount".into(), "unknown_field")],
        "a field customers cannot see does not exist for them"
    );
    let ok = open_detail(
        &tickets,
        &acme.agent.principal,
        NewTicket {
            custom_fields: BTreeMap::from([
                ("order".into(), json!("A-1")),
                ("amount".into(), json!(10)),
            ]),
            ..new_ticket("S", "d")
        },
        clock.now(),
    )
    .await;
    assert_eq!(ok.ticket.custom_fields["amount"], json!(10));
}

#[tokio::test]
async fn a_customers_visible_field_is_kept_when_a_hidden_field_is_required() {
    let (clock, store, acme) = world().await;
    let tickets = Ticketing::new(store.clone());
    tickets
        .put_fields(
            &acme.owner.principal,
            vec![
                field("order", FieldKind::Text, false, true),
                field("triage_code", FieldKind::Text, true, false),
            ],
            None,
            clock.now(),
        )
        .await
        .unwrap();
    let detail = open_detail(
        &tickets,
        &acme.customer.principal,
        NewTicket {
            custom_fields: BTreeMap::from([("order".into(), json!("A-1"))]),
            ..new_ticket("Where is my order", "x")
        },
        clock.now(),
    )
    .await;
    let stored = tickets
        .get(&acme.agent.principal, detail.ticket.id)
        .await
        .unwrap();
    assert_eq!(
        stored.ticket.custom_fields.get("order"),
        Some(&json!("A-1")),
        "the customer's order number was accepted, so it must be kept"
    );
}
