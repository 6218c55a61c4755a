//! Integration tests run each function's router in-process against the
//! emulator's table that `infra/test` provisions from template.yaml. Each
//! test signs up its own tenant, so tests run in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use jiff::SignedDuration;
use serde_json::{Value, json};
use switchboard_aws::DynamoStore;
use switchboard_aws::cursor::CursorSealer;
use switchboard_domain::accounts::Accounts;
use switchboard_domain::auth::{LoginThrottle, Passwords, SigningSecret, TokenIssuer};
use switchboard_http::AccountService;
use tower::ServiceExt;

pub const SIGNING_SECRET: &[u8] = b"integration-tests-signing-secret-0123456789";
pub const OPERATOR_KEY: &str = "op_integration_tests_operator_key_0123456789";
pub const ISSUER: &str = "switchboard";
pub const AUDIENCE: &str = "switchboard-api";
pub const PASSWORD: &str = "a long enough password";

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: integration tests run through infra/test, which starts moto and provisions the table")
    })
}

pub fn signing_secret() -> SigningSecret {
    SigningSecret::new(SIGNING_SECRET.to_vec()).unwrap()
}

pub fn token_issuer(secret: &SigningSecret) -> TokenIssuer {
    TokenIssuer::new(secret, ISSUER, AUDIENCE, SignedDuration::from_mins(15)).unwrap()
}

/// The store on the test table in the emulator.
pub async fn store() -> DynamoStore {
    let endpoint = required("SWITCHBOARD_TEST_ENDPOINT");
    let table = required("SWITCHBOARD_TEST_TABLE");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
        CursorSealer::new(signing_secret().derive("cursor")),
    )
}

pub async fn accounts() -> AccountService {
    let secret = signing_secret();
    Accounts::new(
        store().await,
        token_issuer(&secret),
        Passwords::owasp().unwrap(),
        LoginThrottle::default(),
    )
}

/// A slug no other test uses.
pub fn unique_slug() -> String {
    format!("t-{}", ulid::Ulid::new().to_string().to_lowercase())
}

#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status.as_u16(), self.code()),
            (status, code),
            "unexpected reply: {:#}",
            self.body
        );
        assert_eq!(self.header("content-type"), "application/problem+json");
    }
}

/// Sends one request through `router`.
pub async fn send(
    router: &Router,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = Request::builder().method(method).uri(path);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_default();
    raw(router, req.body(body).unwrap()).await
}

pub async fn raw(router: &Router, req: Request<Body>) -> Reply {
    let response = router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A sign-up body for a fresh tenant.
pub fn sign_up_body(slug: &str, email: &str) -> Value {
    json!({
        "name": "Acme Support",
        "slug": slug,
        "owner": { "name": "Olivia Owner", "email": email, "password": PASSWORD }
    })
}
