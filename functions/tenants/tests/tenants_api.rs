//! The tenants function against the emulator: sign-up, the current tenant,
//! and the operator's administration.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use serde_json::json;
use std::sync::Arc;
use switchboard_domain::kernel::secrets::OperatorKey;
use switchboard_harness::{self as kit, Calls, Reply, bearer, send, sign_up_body, unique_slug};

async fn app() -> Router {
    tenants::router(Arc::new(
        switchboard_wiring::Api::new(kit::accounts().await, ())
            .with_operator_key(OperatorKey::new(kit::OPERATOR_KEY.into()).unwrap()),
    ))
}

async fn sign_up(app: &Router) -> (String, Reply) {
    let slug = unique_slug();
    let reply = send(
        app,
        Method::POST,
        "/v1/tenants",
        Some(sign_up_body(&slug, "owner@acme.example")),
        &[],
    )
    .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    (slug, reply)
}

fn token(reply: &Reply) -> String {
    reply.body["accessToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sign_up_creates_the_tenant_and_its_owner_and_logs_them_in() {
    let app = app().await;
    let (slug, reply) = sign_up(&app).await;
    assert_eq!(reply.header("location"), "/v1/tenants/current");
    let b = &reply.body;
    assert_eq!(b["tenant"]["slug"], slug.as_str());
    assert_eq!(b["tenant"]["status"], "active");
    assert_eq!(b["user"]["role"], "owner");
    assert_eq!(b["user"]["email"], "owner@acme.example");
    assert_eq!(b["tokenType"], "Bearer");
    assert_eq!(b["expiresIn"], 900);
    assert!(b["refreshToken"].as_str().unwrap().starts_with("rt_"));
    assert!(b["user"].get("passwordHash").is_none());

    let current = app
        .get("/v1/tenants/current", &bearer(&token(&reply)))
        .await;
    assert_eq!(current.status, 200);
    assert_eq!(current.body["id"], b["tenant"]["id"]);
    assert_eq!(current.header("etag"), "\"1\"");
}

#[tokio::test]
async fn a_taken_slug_is_a_409_naming_the_field() {
    let app = app().await;
    let (slug, _) = sign_up(&app).await;
    let again = send(
        &app,
        Method::POST,
        "/v1/tenants",
        Some(sign_up_body(&slug, "other@acme.example")),
        &[],
    )
    .await;
    again.assert_problem(409, "slug_taken");
    assert_eq!(again.body["errors"][0]["field"], "slug");
}

#[tokio::test]
async fn invalid_sign_ups_report_every_field() {
    let app = app().await;
    let body = json!({
        "name": " ",
        "slug": "Admin!",
        "owner": { "name": "Olivia", "email": "not-an-email", "password": "short" }
    });
    let reply = send(&app, Method::POST, "/v1/tenants", Some(body), &[]).await;
    reply.assert_problem(422, "validation_failed");
    let fields: Vec<(&str, &str)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("name", "required"),
            ("slug", "invalid_format"),
            ("owner.email", "invalid_email"),
            ("owner.password", "too_short"),
        ]
    );
    assert_eq!(reply.body["errors"][2]["pointer"], "/owner/email");

    for reserved in ["admin", "api", "support"] {
        let r = send(
            &app,
            Method::POST,
            "/v1/tenants",
            Some(sign_up_body(reserved, "o@a.example")),
            &[],
        )
        .await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["code"], "reserved");
    }
}

#[tokio::test]
async fn bad_bodies_get_clear_problems() {
    let app = app().await;
    let send_raw = |body: &'static str, ct: &'static str| {
        let app = app.clone();
        async move {
            let req = http::Request::builder()
                .method("POST")
                .uri("/v1/tenants")
                .header("content-type", ct)
                .body(axum::body::Body::from(body))
                .unwrap();
            kit::raw(&app, req).await
        }
    };
    send_raw("{\"name\":", "application/json")
        .await
        .assert_problem(400, "malformed_json");
    send_raw("{}", "text/plain")
        .await
        .assert_problem(415, "unsupported_media_type");
    let missing = send_raw(r#"{"name":"A","slug":"abc"}"#, "application/json").await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.body["errors"][0]["field"], "owner");
    let unknown = send_raw(
        r#"{"name":"A","slug":"abc","owner":{"name":"O","email":"o@a.example","password":"long enough pw"},"plan":"free"}"#,
        "application/json",
    )
    .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(unknown.body["errors"][0]["code"], "unknown_field");

    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(300 * 1024));
    let req = http::Request::builder()
        .method("POST")
        .uri("/v1/tenants")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(huge))
        .unwrap();
    kit::raw(&app, req)
        .await
        .assert_problem(413, "payload_too_large");

    send(&app, Method::GET, "/v1/nowhere", None, &[])
        .await
        .assert_problem(404, "route_not_found");
    send(&app, Method::DELETE, "/v1/tenants", None, &[])
        .await
        .assert_problem(405, "method_not_allowed");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = app().await;
    let r = send(
        &app,
        Method::GET,
        "/v1/tenants/current",
        None,
        &[("x-request-id", "trace-123")],
    )
    .await;
    r.assert_problem(401, "unauthenticated");
    assert_eq!(r.header("x-request-id"), "trace-123");
    assert_eq!(r.body["requestId"], "trace-123");
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(r.header("cache-control"), "no-store");
    assert_eq!(r.header("www-authenticate"), "Bearer");
    let generated = send(
        &app,
        Method::GET,
        "/v1/tenants/current",
        None,
        &[("x-request-id", "bad id; drop")],
    )
    .await;
    assert_eq!(
        generated.header("x-request-id").len(),
        26,
        "a fresh ULID replaces an unsafe id"
    );
}

#[tokio::test]
async fn owners_update_the_tenant_with_optimistic_locking() {
    let app = app().await;
    let (_, reply) = sign_up(&app).await;
    let auth = bearer(&token(&reply));
    let patch = json!({ "name": "Acme Help", "settings": { "allowCustomerSignup": true } });
    let r = send(
        &app,
        Method::PATCH,
        "/v1/tenants/current",
        Some(patch.clone()),
        &[("authorization", &auth), ("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["name"], "Acme Help");
    assert_eq!(r.body["settings"]["allowCustomerSignup"], true);
    assert_eq!(r.body["settings"]["unverifiedMail"], "open");
    assert_eq!(r.header("etag"), "\"2\"");

    let hold = json!({ "settings": { "unverifiedMail": "hold" } });
    let r = send(
        &app,
        Method::PATCH,
        "/v1/tenants/current",
        Some(hold),
        &[("authorization", &auth), ("if-match", "\"2\"")],
    )
    .await;
    assert_eq!(r.body["settings"]["unverifiedMail"], "hold", "{:#}", r.body);
    let bad = json!({ "settings": { "unverifiedMail": "maybe" } });
    let r = send(
        &app,
        Method::PATCH,
        "/v1/tenants/current",
        Some(bad),
        &[("authorization", &auth), ("if-match", "\"3\"")],
    )
    .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "settings.unverifiedMail");

    let stale = send(
        &app,
        Method::PATCH,
        "/v1/tenants/current",
        Some(json!({"name": "Other"})),
        &[("authorization", &auth), ("if-match", "\"2\"")],
    )
    .await;
    stale.assert_problem(412, "precondition_failed");

    let blank = send(
        &app,
        Method::PATCH,
        "/v1/tenants/current",
        Some(json!({"name": ""})),
        &[("authorization", &auth)],
    )
    .await;
    blank.assert_problem(422, "validation_failed");

    let current = app.get("/v1/tenants/current", &auth).await;
    assert_eq!(
        current.body["name"], "Acme Help",
        "the refused updates changed nothing"
    );
}

#[tokio::test]
async fn customers_cannot_change_the_tenant() {
    let app = app().await;
    let (slug, reply) = sign_up(&app).await;
    let owner = bearer(&token(&reply));
    send(
        &app,
        Method::PATCH,
        "/v1/tenants/current",
        Some(json!({"settings": {"allowCustomerSignup": true}})),
        &[("authorization", &owner)],
    )
    .await;
    let accounts = kit::accounts().await;
    let customer = accounts
        .register_customer(
            switchboard_domain::accounts::input::Registration {
                tenant: slug,
                name: "Carla".into(),
                email: switchboard_domain::accounts::user::Email::parse("carla@example.com")
                    .unwrap(),
                password: switchboard_domain::accounts::user::Password::parse(kit::PASSWORD.into())
                    .unwrap(),
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let r = send(
        &app,
        Method::PATCH,
        "/v1/tenants/current",
        Some(json!({"name": "Mine now"})),
        &[("authorization", &bearer(&customer.tokens.access.token))],
    )
    .await;
    r.assert_problem(403, "forbidden");
}

#[tokio::test]
async fn the_operator_lists_and_suspends_tenants_and_suspension_ends_their_credentials() {
    let app = app().await;
    let op = bearer(kit::OPERATOR_KEY);
    let (slug, reply) = sign_up(&app).await;
    let owner = bearer(&token(&reply));
    let id = reply.body["tenant"]["id"].as_str().unwrap().to_owned();

    send(&app, Method::GET, "/v1/operator/tenants", None, &[])
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/v1/operator/tenants", &owner)
        .await
        .assert_problem(401, "invalid_token");

    // Newest first: a fresh tenant is on the first page.
    let page = app.get("/v1/operator/tenants?limit=100", &op).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str())
    );

    let r = send(
        &app,
        Method::POST,
        &format!("/v1/operator/tenants/{id}/suspend"),
        None,
        &[("authorization", &op)],
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.body["status"].as_str()),
        (200, Some("suspended"))
    );
    app.get("/v1/tenants/current", &owner)
        .await
        .assert_problem(401, "invalid_token");

    let accounts = kit::accounts().await;
    let login = accounts
        .login(
            switchboard_domain::accounts::input::Credentials::typed(
                &slug,
                "owner@acme.example",
                kit::PASSWORD.into(),
            ),
            jiff::Timestamp::now(),
        )
        .await;
    assert!(
        matches!(login, Err(switchboard_domain::DomainError::Suspended)),
        "{login:?}"
    );

    let r = send(
        &app,
        Method::POST,
        &format!("/v1/operator/tenants/{id}/reactivate"),
        None,
        &[("authorization", &op)],
    )
    .await;
    assert_eq!(r.body["status"], "active");
    let current = app.get("/v1/tenants/current", &owner).await;
    assert_eq!(
        current.status, 200,
        "the session outlives a suspension once lifted"
    );

    let unknown = format!("/v1/operator/tenants/ten_{}/suspend", ulid::Ulid::new());
    send(
        &app,
        Method::POST,
        &unknown,
        None,
        &[("authorization", &op)],
    )
    .await
    .assert_problem(404, "not_found");
    send(
        &app,
        Method::POST,
        "/v1/operator/tenants/garbage/suspend",
        None,
        &[("authorization", &op)],
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn the_operator_sets_a_tenants_plan_and_the_tenant_cannot() {
    let app = app().await;
    let op = bearer(kit::OPERATOR_KEY);
    let (_, reply) = sign_up(&app).await;
    let owner = bearer(&token(&reply));
    let id = reply.body["tenant"]["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/operator/tenants/{id}/plan");
    let current = app.get("/v1/tenants/current", &owner).await;
    assert_eq!(current.body["settings"]["plan"], "standard");

    let set = |plan: &str, auth: &str| {
        let (app, path, body, auth) = (
            app.clone(),
            path.clone(),
            json!({ "plan": plan }),
            auth.to_owned(),
        );
        async move {
            send(
                &app,
                Method::PUT,
                &path,
                Some(body),
                &[("authorization", &auth)],
            )
            .await
        }
    };
    set("enterprise", &owner)
        .await
        .assert_problem(401, "invalid_token");
    let bad = set("platinum", &op).await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "plan");

    let r = set("enterprise", &op).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["settings"]["plan"], "enterprise");
    let now = app.get("/v1/tenants/current", &owner).await;
    assert_eq!(now.body["settings"]["plan"], "enterprise");
    assert_eq!(
        now.body["version"].as_u64(),
        current.body["version"].as_u64().map(|v| v + 1)
    );

    // A tenant's own settings never carry the plan.
    let etag = now.header("etag").to_owned();
    let own = send(
        &app,
        Method::PATCH,
        "/v1/tenants/current",
        Some(json!({ "settings": { "plan": "free" } })),
        &[("authorization", &owner), ("if-match", &etag)],
    )
    .await;
    own.assert_problem(422, "validation_failed");
    assert_eq!(own.body["errors"][0]["field"], "settings.plan");
    let unknown = format!("/v1/operator/tenants/ten_{}/plan", ulid::Ulid::new());
    send(
        &app,
        Method::PUT,
        &unknown,
        Some(json!({ "plan": "free" })),
        &[("authorization", &op)],
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn operator_pages_list_each_tenant_once() {
    let app = app().await;
    let op = bearer(kit::OPERATOR_KEY);
    let mut mine = Vec::new();
    for _ in 0..5 {
        let (_, r) = sign_up(&app).await;
        mine.push(r.body["tenant"]["id"].as_str().unwrap().to_owned());
    }
    let mut seen: Vec<String> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/operator/tenants?limit=2&cursor={c}"),
            None => "/v1/operator/tenants?limit=2".to_owned(),
        };
        let page = app.get(&path, &op).await;
        assert_eq!(page.status, 200, "{:#}", page.body);
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|t| t["id"].as_str().unwrap().to_owned()));
        if mine.iter().all(|id| seen.contains(id)) {
            break;
        }
        match page.body["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), seen.len(), "no tenant appears twice");
    assert!(mine.iter().all(|id| seen.contains(id)));

    let bad = app
        .get("/v1/operator/tenants?cursor=forged.cursor", &op)
        .await;
    bad.assert_problem(400, "invalid_cursor");
    let bad = app.get("/v1/operator/tenants?limit=1000", &op).await;
    bad.assert_problem(400, "invalid_query");
}
