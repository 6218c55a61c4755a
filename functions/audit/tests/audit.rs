//! The audit function against the emulator: owners and admins read the
//! entries the stores wrote with each change, filtered; others are refused
//! and bad queries are problems naming their fields.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use std::sync::Arc;
use switchboard_domain::audit::log::Audit;
use switchboard_harness::{self as kit, TestTenant, send};

async fn app() -> Router {
    audit::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        audit::Services {
            audit: Audit::new(kit::store().await),
        },
    )))
}

#[tokio::test]
async fn owners_read_their_tenants_entries_and_filter_them() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Al Agent").await;
    let r = send(
        &app,
        Method::GET,
        "/v1/audit-log?limit=100",
        None,
        &[("authorization", &t.owner)],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in ["tenant.created", "user.created"] {
        assert!(actions.contains(&expected), "{expected} in {actions:?}");
    }
    assert_eq!(
        r.body["items"][0]["tenantId"],
        t.id.to_string(),
        "this tenant's"
    );

    let path = format!("/v1/audit-log?action=user.*&target={}", agent.id);
    let r = send(
        &app,
        Method::GET,
        &path,
        None,
        &[("authorization", &t.owner)],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|e| e["target"]["id"] == agent.id.to_string()
                && e["action"].as_str().unwrap().starts_with("user."))
    );

    let r = send(
        &app,
        Method::GET,
        "/v1/audit-log",
        None,
        &[("authorization", &agent.auth)],
    )
    .await;
    assert_eq!(r.status, 403, "{:#}", r.body);
}

#[tokio::test]
async fn bad_queries_name_every_field() {
    let app = app().await;
    let t = TestTenant::new().await;
    let r = send(
        &app,
        Method::GET,
        "/v1/audit-log?from=yesterday&to=2026-01-01T00:00:00Z&limit=0&action=a%20b",
        None,
        &[("authorization", &t.owner)],
    )
    .await;
    assert_eq!(r.status, 422, "{:#}", r.body);
    let mut fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["action", "from", "limit"]);
    let r = send(
        &app,
        Method::GET,
        "/v1/audit-log?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        None,
        &[("authorization", &t.owner)],
    )
    .await;
    assert_eq!(r.status, 422, "{:#}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "to");
}
