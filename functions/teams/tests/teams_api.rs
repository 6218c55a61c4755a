//! The teams function against the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use serde_json::json;
use std::sync::Arc;
use switchboard_harness::{self as kit, Calls, TestTenant, send};

async fn app() -> Router {
    teams::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        teams::Services {
            directory: kit::directory().await,
        },
    )))
}

fn auth(a: &str) -> [(&str, &str); 1] {
    [("authorization", a)]
}

#[tokio::test]
async fn admins_manage_teams_of_active_agents() {
    let app = app().await;
    let t = TestTenant::new().await;
    let a1 = t.person("agent", "Agent One").await;
    let a2 = t.person("agent", "Agent Two").await;
    let customer = t.person("customer", "A Customer").await;

    let r = app
        .post(
            "/v1/teams",
            json!({"name": "Billing", "members": [a1.id.to_string()]}),
            &t.owner,
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/teams/{id}");

    let bad = app
        .post(
            "/v1/teams",
            json!({"name": "X", "members": [customer.id.to_string(), "usr_nope"]}),
            &t.owner,
        )
        .await;
    bad.assert_problem(422, "validation_failed");

    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"members": [a1.id.to_string(), a2.id.to_string()]})),
        &[("authorization", &t.owner), ("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 2);
    send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"name": "Late"})),
        &[("authorization", &t.owner), ("if-match", "\"1\"")],
    )
    .await
    .assert_problem(412, "precondition_failed");

    // Agents read teams; they do not change them; customers see none.
    assert_eq!(
        app.get("/v1/teams", &a1.auth).await.body["items"][0]["name"],
        "Billing"
    );
    app.post("/v1/teams", json!({"name": "Mine"}), &a1.auth)
        .await
        .assert_problem(403, "forbidden");
    app.get("/v1/teams", &customer.auth)
        .await
        .assert_problem(403, "forbidden");
    app.get(&path, &customer.auth)
        .await
        .assert_problem(404, "not_found");

    assert_eq!(app.delete(&path, &t.owner).await.status, 204);
    app.get(&path, &t.owner)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn another_tenants_teams_are_404_and_untouched() {
    let app = app().await;
    let a = TestTenant::new().await;
    let b = TestTenant::new().await;
    let r = app
        .post("/v1/teams", json!({"name": "Secret team"}), &a.owner)
        .await;
    let path = format!("/v1/teams/{}", r.body["id"].as_str().unwrap());
    let b_agent = b.person("agent", "Bob").await;
    let b_customer = b.person("customer", "Bea").await;
    let b_key = b.api_key("admin", &["teams:read", "teams:write"]).await;
    for who in [&b.owner, &b_agent.auth, &b_customer.auth, &b_key] {
        app.get(&path, who).await.assert_problem(404, "not_found");
        assert_eq!(
            send(
                &app,
                Method::PATCH,
                &path,
                Some(json!({"name": "Mine"})),
                &auth(who)
            )
            .await
            .status,
            404
        );
        assert_eq!(app.delete(&path, who).await.status, 404);
    }
    assert!(
        app.get("/v1/teams", &b.owner).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.get(&path, &a.owner).await.body["name"], "Secret team");
}
