//! The users function against the emulator: people, roles, deactivation,
//! API keys, and who may do which.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use serde_json::json;
use std::sync::Arc;
use switchboard_harness::{self as kit, Calls, TestTenant, send};

async fn app() -> Router {
    users::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        users::Services {
            directory: kit::directory().await,
            organizations: switchboard_domain::accounts::organizations::Organizations::new(
                kit::store().await,
            ),
            tickets: switchboard_domain::tickets::service::Ticketing::new(kit::store().await),
            personal_data: kit::personal_data().await,
        },
    )))
}

fn auth(a: &str) -> [(&str, &str); 1] {
    [("authorization", a)]
}

#[tokio::test]
async fn admins_create_agents_and_customers_and_list_them_by_role_and_name() {
    let app = app().await;
    let t = TestTenant::new().await;
    for (name, role) in [
        ("Zoe Agent", "agent"),
        ("Adam Agent", "agent"),
        ("Carla Customer", "customer"),
    ] {
        let email = format!(
            "{}@acme.example",
            name.split(' ').next().unwrap().to_lowercase()
        );
        let r = app
            .post(
                "/v1/users",
                json!({"name": name, "email": email, "role": role}),
                &t.owner,
            )
            .await;
        assert_eq!(r.status, 201, "{:#}", r.body);
        assert_eq!(
            r.header("location"),
            format!("/v1/users/{}", r.body["id"].as_str().unwrap())
        );
        assert_eq!(r.header("etag"), "\"1\"");
    }
    let agents = app.get("/v1/users?role=agent", &t.owner).await;
    let names: Vec<&str> = agents.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Adam Agent", "Zoe Agent"]);

    let all = app.get("/v1/users?limit=2", &t.owner).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 2);
    let next = all.body["nextCursor"].as_str().unwrap();
    let rest = app
        .get(&format!("/v1/users?limit=2&cursor={next}"), &t.owner)
        .await;
    assert_eq!(rest.status, 200, "{:#}", rest.body);
    let count = 2 + rest.body["items"].as_array().unwrap().len();
    assert_eq!(count, 4, "three created plus the owner");

    // A cursor of one role's list does not open another's.
    let agents_page = app.get("/v1/users?role=agent&limit=1", &t.owner).await;
    let c = agents_page.body["nextCursor"].as_str().unwrap();
    app.get(&format!("/v1/users?role=customer&cursor={c}"), &t.owner)
        .await
        .assert_problem(400, "invalid_cursor");
    app.get("/v1/users?role=wizard", &t.owner)
        .await
        .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn duplicate_emails_and_bad_input_are_refused() {
    let app = app().await;
    let t = TestTenant::new().await;
    let body = json!({"name": "Ana", "email": "ana@acme.example", "role": "agent"});
    assert_eq!(
        app.post("/v1/users", body.clone(), &t.owner).await.status,
        201
    );
    app.post("/v1/users", body, &t.owner)
        .await
        .assert_problem(409, "email_taken");
    let bad = app
        .post(
            "/v1/users",
            json!({"name": "", "email": "x", "role": "owner", "password": "short"}),
            &t.owner,
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn roles_limit_who_manages_whom() {
    let app = app().await;
    let t = TestTenant::new().await;
    let admin = t.person("admin", "Ada Admin").await;
    let agent = t.person("agent", "Alan Agent").await;
    let customer = t.person("customer", "Cleo Customer").await;

    let new_admin = json!({"name": "Other Admin", "email": "other@acme.example", "role": "admin"});
    app.post("/v1/users", new_admin.clone(), &admin.auth)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.post("/v1/users", new_admin, &t.owner).await.status, 201);
    let new_agent = json!({"name": "New Agent", "email": "new@acme.example", "role": "agent"});
    app.post("/v1/users", new_agent.clone(), &agent.auth)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.post("/v1/users", new_agent, &admin.auth).await.status,
        201
    );

    // Promoting to admin is the owner's call.
    let promote = json!({"role": "admin"});
    let path = format!("/v1/users/{}", agent.id);
    send(
        &app,
        Method::PATCH,
        &path,
        Some(promote.clone()),
        &auth(&admin.auth),
    )
    .await
    .assert_problem(403, "forbidden");
    let r = send(&app, Method::PATCH, &path, Some(promote), &auth(&t.owner)).await;
    assert_eq!(
        (r.status.as_u16(), r.body["role"].as_str()),
        (200, Some("admin"))
    );

    // Nobody changes the owner's role.
    let owner_path = format!("/v1/users/{}", t.owner_id);
    send(
        &app,
        Method::PATCH,
        &owner_path,
        Some(json!({"role": "agent"})),
        &auth(&t.owner),
    )
    .await
    .assert_problem(422, "validation_failed");

    // Customers see themselves and nobody else, not even that others exist.
    assert_eq!(
        app.get(&format!("/v1/users/{}", customer.id), &customer.auth)
            .await
            .status,
        200
    );
    app.get(&format!("/v1/users/{}", agent.id), &customer.auth)
        .await
        .assert_problem(404, "not_found");
    app.get("/v1/users", &customer.auth)
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn a_deactivated_users_tokens_stop_working_at_once() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Dora Agent").await;
    let me = format!("/v1/users/{}", agent.id);
    assert_eq!(app.get(&me, &agent.auth).await.status, 200);
    app.delete(&me, &agent.auth)
        .await
        .assert_problem(403, "forbidden");
    let r = app.delete(&me, &t.owner).await;
    assert_eq!(r.status, 204);
    app.get(&me, &agent.auth)
        .await
        .assert_problem(401, "invalid_token");
    let shown = app.get(&me, &t.owner).await;
    assert_eq!(shown.body["status"], "deactivated", "the record stays");
    app.delete(&format!("/v1/users/{}", t.owner_id), &t.owner)
        .await
        .assert_problem(422, "validation_failed");
}

#[tokio::test]
async fn email_changes_move_the_login_and_respect_if_match() {
    let app = app().await;
    let t = TestTenant::new().await;
    let agent = t.person("agent", "Eve Agent").await;
    let path = format!("/v1/users/{}", agent.id);
    let r = send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"email": "eve.new@acme.example"})),
        &[("authorization", &t.owner), ("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.header("etag"), "\"2\"");
    send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"name": "Eve"})),
        &[("authorization", &t.owner), ("if-match", "\"1\"")],
    )
    .await
    .assert_problem(412, "precondition_failed");
    send(
        &app,
        Method::PATCH,
        &path,
        Some(json!({"email": "owner@acme.example"})),
        &auth(&t.owner),
    )
    .await
    .assert_problem(409, "email_taken");

    let accounts = kit::accounts().await;
    let login = |email: &str| {
        switchboard_domain::accounts::input::Credentials::typed(
            &t.slug,
            email,
            kit::PASSWORD.into(),
        )
    };
    assert!(
        accounts
            .login(login("eve.new@acme.example"), jiff::Timestamp::now())
            .await
            .is_ok()
    );
    assert!(
        accounts
            .login(login(&agent.email), jiff::Timestamp::now())
            .await
            .is_err(),
        "the old email no longer logs in"
    );
}

#[tokio::test]
async fn api_keys_are_shown_once_carry_scopes_and_can_be_revoked() {
    let app = app().await;
    let t = TestTenant::new().await;
    let r = app
        .post(
            "/v1/api-keys",
            json!({"name": "CRM sync", "role": "agent", "scopes": ["users:read"]}),
            &t.owner,
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let secret = r.body["key"].as_str().unwrap().to_owned();
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("sbk_") && secret.starts_with(r.body["prefix"].as_str().unwrap()));

    let listed = app.get("/v1/api-keys", &t.owner).await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert!(
        items[0].get("key").is_none() && !listed.body.to_string().contains(&secret),
        "never shown again"
    );

    let key = kit::bearer(&secret);
    assert_eq!(app.get("/v1/users", &key).await.status, 200);
    let with_use = app.get("/v1/api-keys", &t.owner).await;
    assert!(
        with_use.body["items"][0]["lastUsedAt"].is_string(),
        "last use recorded"
    );
    // users:read does not allow writing, and keys never manage keys.
    app.post(
        "/v1/users",
        json!({"name": "X", "email": "x@acme.example", "role": "customer"}),
        &key,
    )
    .await
    .assert_problem(403, "forbidden");
    app.get("/v1/api-keys", &key)
        .await
        .assert_problem(403, "forbidden");

    assert_eq!(
        app.delete(&format!("/v1/api-keys/{id}"), &t.owner)
            .await
            .status,
        204
    );
    app.get("/v1/users", &key)
        .await
        .assert_problem(401, "invalid_token");
    app.delete(&format!("/v1/api-keys/{id}"), &t.owner)
        .await
        .assert_problem(404, "not_found");

    let bad = app
        .post(
            "/v1/api-keys",
            json!({"name": "", "role": "owner", "scopes": ["tickets:delete"]}),
            &t.owner,
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["name", "role", "scopes.0"]);
    app.get("/v1/users", "Bearer sbk_not_a_real_key")
        .await
        .assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn another_tenants_people_and_keys_are_404_and_untouched() {
    let app = app().await;
    let a = TestTenant::new().await;
    let b = TestTenant::new().await;
    let a_agent = a.person("agent", "Alice Agent").await;
    let a_key = app
        .post(
            "/v1/api-keys",
            json!({"name": "k", "role": "agent", "scopes": ["users:read"]}),
            &a.owner,
        )
        .await;
    let a_key_id = a_key.body["id"].as_str().unwrap().to_owned();
    let b_agent = b.person("agent", "Bob Agent").await;
    let b_customer = b.person("customer", "Bea Customer").await;
    let b_key = b.api_key("admin", &["users:read", "users:write"]).await;

    let user_path = format!("/v1/users/{}", a_agent.id);
    for who in [&b.owner, &b_agent.auth, &b_customer.auth, &b_key] {
        app.get(&user_path, who)
            .await
            .assert_problem(404, "not_found");
        let r = send(
            &app,
            Method::PATCH,
            &user_path,
            Some(json!({"name": "Hacked"})),
            &auth(who),
        )
        .await;
        assert_eq!(r.status, 404, "{:#}", r.body);
        let r = app.delete(&user_path, who).await;
        assert_eq!(r.status, 404, "{:#}", r.body);
    }
    let r = app
        .delete(&format!("/v1/api-keys/{a_key_id}"), &b.owner)
        .await;
    r.assert_problem(404, "not_found");
    let listed = app.get("/v1/users", &b.owner).await;
    assert!(!listed.body.to_string().contains(&a_agent.id.to_string()));

    let still = app.get(&user_path, &a.owner).await;
    assert_eq!(
        (still.body["name"].as_str(), still.body["status"].as_str()),
        (Some("Alice Agent"), Some("active"))
    );
    assert_eq!(
        app.get("/v1/api-keys", &a.owner).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
