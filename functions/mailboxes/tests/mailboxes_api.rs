//! The mailboxes function against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use serde_json::json;
use std::sync::Arc;
use switchboard_domain::email::mailboxes::Mailboxes;
use switchboard_harness::{self as kit, Calls, TestTenant, send};

async fn app() -> Router {
    mailboxes::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        mailboxes::Services {
            mailboxes: Mailboxes::new(
                kit::store().await,
                kit::identities().await,
                "mail.switchboard.test",
            ),
        },
    )))
}

fn unique_address() -> String {
    format!(
        "support-{}@acme.example",
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

#[tokio::test]
async fn addresses_are_unique_across_helpdesks_and_move_with_an_update() {
    let app = app().await;
    let a = TestTenant::new().await;
    let b = TestTenant::new().await;
    let address = unique_address();
    let r = app
        .post(
            "/v1/mailboxes",
            json!({"address": address.to_uppercase()}),
            &a.owner,
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_eq!(r.body["address"], address.as_str());
    assert_eq!(r.body["fromName"], "Acme Support");
    // The emulator's SES verifies a domain identity at once.
    assert_eq!(r.body["verified"], true, "{:#}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let checked = app
        .post(&format!("/v1/mailboxes/{id}/verify"), json!({}), &a.owner)
        .await;
    assert_eq!(checked.status, 200, "{:#}", checked.body);
    assert_eq!(checked.body["verified"], true);
    app.post(&format!("/v1/mailboxes/{id}/verify"), json!({}), &b.owner)
        .await
        .assert_problem(404, "not_found");

    let taken = app
        .post("/v1/mailboxes", json!({"address": address}), &b.owner)
        .await;
    taken.assert_problem(409, "address_taken");
    assert_eq!(taken.body["errors"][0]["field"], "address");

    // Moving the address frees the old one.
    let moved = unique_address();
    let r = send(
        &app,
        Method::PATCH,
        &format!("/v1/mailboxes/{id}"),
        Some(json!({"address": moved, "fromName": "Acme Help"})),
        &[("authorization", &a.owner), ("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["fromName"], "Acme Help");
    let r = app
        .post("/v1/mailboxes", json!({"address": address}), &b.owner)
        .await;
    assert_eq!(r.status, 201, "the old address is free again: {:#}", r.body);
    let r = app
        .post("/v1/mailboxes", json!({"address": moved}), &b.owner)
        .await;
    r.assert_problem(409, "address_taken");

    // Another tenant's mailbox is not found; deleting frees the address.
    app.get(&format!("/v1/mailboxes/{id}"), &b.owner)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.delete(&format!("/v1/mailboxes/{id}"), &a.owner)
            .await
            .status,
        204
    );
    let r = app
        .post("/v1/mailboxes", json!({"address": moved}), &b.owner)
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let listed = app.get("/v1/mailboxes", &b.owner).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn only_admins_manage_mailboxes_and_bad_input_is_refused() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Ada Agent").await;
    app.get("/v1/mailboxes", &agent.auth)
        .await
        .assert_problem(403, "forbidden");
    let r = app
        .post(
            "/v1/mailboxes",
            json!({"address": "not-an-address", "fromName": "Bad <x@y>"}),
            &t.owner,
        )
        .await;
    r.assert_problem(422, "validation_failed");
    let fields: Vec<_> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(fields, vec![json!("address"), json!("fromName")]);
    app.post(
        "/v1/mailboxes",
        json!({"address": "reply+abc@acme.example"}),
        &t.owner,
    )
    .await
    .assert_problem(422, "validation_failed");
}
