//! Rate limits through the HTTP layer against the emulator: every
//! authenticated response carries `RateLimit-Policy`/`RateLimit` and
//! `X-RateLimit-*`; past the plan's limit the answer is a `429` problem
//! `rate_limited` with `Retry-After`, for that tenant only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use serde_json::json;
use std::sync::Arc;
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::ports::TenantStore;
use switchboard_domain::accounts::recovery::Recovery;
use switchboard_domain::accounts::tenant::Plan;
use switchboard_domain::limits::limiter::Limiter;
use switchboard_harness::{self as kit, Calls, TestTenant};

async fn app() -> Router {
    auth::router(Arc::new(
        switchboard_wiring::Api::new(
            kit::accounts().await,
            auth::Services {
                recovery: Recovery::new(kit::store().await, Passwords::owasp().unwrap()),
            },
        )
        .with_limiter(Limiter::new(kit::store().await)),
    ))
}

async fn on_plan(t: &TestTenant, plan: Plan) {
    let store = kit::store().await;
    let mut tenant = store.tenant(t.id).await.unwrap().unwrap();
    tenant.settings.plan = plan;
    tenant.version += 1;
    store
        .update_tenant(&tenant, tenant.version - 1, &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_tenant_past_its_plan_gets_429_with_retry_after_and_others_do_not() {
    let app = app().await;
    let flooded = TestTenant::new().await;
    on_plan(&flooded, Plan::Free).await;
    let calm = TestTenant::new().await;

    let first = app.get("/v1/auth/me", &flooded.owner).await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(first.header("ratelimit-policy"), "\"tenant\";q=300;w=60");
    assert!(first.header("ratelimit").starts_with("\"tenant\";r="));
    assert_eq!(first.header("x-ratelimit-limit"), "300");

    // The bucket refills five a second meanwhile.
    let started = std::time::Instant::now();
    let mut admitted = 1;
    let refused = loop {
        let r = app.get("/v1/auth/me", &flooded.owner).await;
        if r.status != 200 {
            break r;
        }
        admitted += 1;
        assert!(admitted <= 1_000, "no limit");
    };
    let refilled = (started.elapsed().as_secs_f64() * 5.0).ceil() as usize;
    assert!(
        (300..=300 + refilled).contains(&admitted),
        "{admitted} admitted, {refilled} refilled"
    );
    refused.assert_problem(429, "rate_limited");
    assert_eq!(refused.header("retry-after"), "1");
    assert_eq!(refused.header("x-ratelimit-remaining"), "0");

    let other = app.get("/v1/auth/me", &calm.owner).await;
    assert_eq!(other.status, 200, "another tenant is not slowed");
    assert_eq!(other.header("x-ratelimit-limit"), "1200");
}

/// A public request as API Gateway hands it over, from `address`.
fn from_address(
    path: &str,
    body: serde_json::Value,
    address: &str,
) -> http::Request<axum::body::Body> {
    let mut context =
        lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext::default();
    context.http.source_ip = Some(address.to_owned());
    http::Request::builder()
        .method(http::Method::POST)
        .uri(path)
        .header("content-type", "application/json")
        .extension(lambda_http::request::RequestContext::ApiGatewayV2(context))
        .body(axum::body::Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn public_routes_are_limited_per_client_address() {
    let app = app().await;
    let t = TestTenant::new().await;
    let ask = json!({"tenant": t.slug, "email": "nobody@example.com"});
    // A fresh address per run: buckets outlive a test on a shared table.
    let address = fresh_address();
    let started = std::time::Instant::now();
    let mut admitted = 0;
    let refused = loop {
        let r = kit::raw(
            &app,
            from_address("/v1/auth/password-reset", ask.clone(), &address),
        )
        .await;
        if r.status == 429 {
            break r;
        }
        assert_eq!(r.status, 202, "{:#}", r.body);
        admitted += 1;
        assert!(admitted <= 500, "no limit");
    };
    let refilled = started.elapsed().as_secs() as usize + 1;
    assert!((60..=60 + refilled).contains(&admitted), "{admitted}");
    refused.assert_problem(429, "rate_limited");
    assert_eq!(refused.header("ratelimit-policy"), "\"address\";q=60;w=60");
    assert!(!refused.header("retry-after").is_empty());
    // Another address is not affected.
    let other = fresh_address();
    let r = kit::raw(&app, from_address("/v1/auth/password-reset", ask, &other)).await;
    assert_eq!(r.status, 202);
}

/// A documentation-range IPv6 address no other run used.
fn fresh_address() -> String {
    let n = switchboard_domain::kernel::ids::TenantId::new().ulid().0;
    format!("2001:db8:{:x}:{:x}::1", (n >> 16) as u16, n as u16)
}
