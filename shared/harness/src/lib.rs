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
use std::future::Future;
use switchboard_aws::DynamoStore;
use switchboard_aws::cursor::CursorSealer;
use switchboard_domain::accounts::api_key::{Scope, parse_key_role};
use switchboard_domain::accounts::input::{Credentials, NewApiKey, NewUser, SignUp, parse_role};
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::service::Accounts;
use switchboard_domain::accounts::tenant::Slug;
use switchboard_domain::accounts::throttle::LoginThrottle;
use switchboard_domain::accounts::tokens::TokenIssuer;
use switchboard_domain::accounts::user::{Email, Password};
use switchboard_domain::kernel::secrets::SigningSecret;
use switchboard_wiring::services::AccountService;
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

/// SDK configuration for the emulator.
pub async fn emulator() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(required("SWITCHBOARD_TEST_ENDPOINT"))
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await
}

/// A fresh SQS queue in the emulator (its URL), for one test.
pub async fn queue() -> (aws_sdk_sqs::Client, String) {
    let client = aws_sdk_sqs::Client::new(&emulator().await);
    let name = format!("test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let url = client
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    (client, url)
}

/// A fresh bucket in the emulator, as the attachments bucket.
pub async fn bucket() -> switchboard_aws::objects::S3Objects {
    let client = switchboard_aws::config::s3(&emulator().await);
    let name = format!("test-{}", ulid::Ulid::new().to_string().to_lowercase());
    client.create_bucket().bucket(&name).send().await.unwrap();
    switchboard_aws::objects::S3Objects::new(client, name)
}

/// The tickets function's attachments service on a fresh bucket.
pub async fn attachments() -> switchboard_wiring::services::AttachmentsService {
    switchboard_domain::attachments::service::Attachments::new(store().await, bucket().await)
}

/// Exports and erasures on a fresh bucket.
pub async fn personal_data() -> switchboard_wiring::services::PersonalDataService {
    switchboard_domain::privacy::requests::PersonalData::new(store().await, bucket().await)
}

/// SES identities on the emulator (moto verifies a domain at once).
pub async fn identities() -> switchboard_aws::identities::SesIdentities {
    switchboard_aws::identities::SesIdentities::new(switchboard_aws::config::sesv2(
        &emulator().await,
    ))
}

/// The store on the test table in the emulator.
pub async fn store() -> DynamoStore {
    let table = required("SWITCHBOARD_TEST_TABLE");
    let config = emulator().await;
    DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&config),
        table,
        CursorSealer::new(signing_secret().derive("cursor")),
    )
}

/// Who an `Authorization` value (`Bearer …`) stands for, now.
pub async fn principal(
    authorization: &str,
) -> switchboard_domain::accounts::permissions::Principal {
    accounts()
        .await
        .authenticate(
            authorization.trim_start_matches("Bearer "),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap()
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

/// Requests as a signed-in caller makes them: `app.post(path, body, &auth)`.
/// `auth` is a whole `Authorization` value (`Bearer …`).
pub trait Calls {
    fn get(&self, path: &str, auth: &str) -> impl Future<Output = Reply>;
    fn delete(&self, path: &str, auth: &str) -> impl Future<Output = Reply>;
    fn post(&self, path: &str, body: Value, auth: &str) -> impl Future<Output = Reply>;
    fn put(&self, path: &str, body: Value, auth: &str) -> impl Future<Output = Reply>;
    /// A `PATCH` with `If-Match: {if_match}` (an ETag such as `"1"`).
    fn patch(
        &self,
        path: &str,
        body: Value,
        auth: &str,
        if_match: &str,
    ) -> impl Future<Output = Reply>;
}

impl Calls for Router {
    async fn get(&self, path: &str, auth: &str) -> Reply {
        send(self, Method::GET, path, None, &[("authorization", auth)]).await
    }

    async fn delete(&self, path: &str, auth: &str) -> Reply {
        send(self, Method::DELETE, path, None, &[("authorization", auth)]).await
    }

    async fn post(&self, path: &str, body: Value, auth: &str) -> Reply {
        send(
            self,
            Method::POST,
            path,
            Some(body),
            &[("authorization", auth)],
        )
        .await
    }

    async fn put(&self, path: &str, body: Value, auth: &str) -> Reply {
        send(
            self,
            Method::PUT,
            path,
            Some(body),
            &[("authorization", auth)],
        )
        .await
    }

    async fn patch(&self, path: &str, body: Value, auth: &str, if_match: &str) -> Reply {
        let headers = [("authorization", auth), ("if-match", if_match)];
        send(self, Method::PATCH, path, Some(body), &headers).await
    }
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

pub async fn directory() -> switchboard_wiring::services::DirectoryService {
    switchboard_domain::accounts::directory::Directory::new(
        store().await,
        Passwords::owasp().unwrap(),
    )
}

/// A fresh tenant with its owner signed in, and helpers to add people.
pub struct TestTenant {
    pub slug: String,
    pub id: switchboard_domain::kernel::ids::TenantId,
    pub owner_id: switchboard_domain::kernel::ids::UserId,
    pub owner: String,
}

/// A person of a test tenant: their id and a ready `Authorization` value.
pub struct Person {
    pub id: switchboard_domain::kernel::ids::UserId,
    pub email: String,
    pub auth: String,
}

impl TestTenant {
    pub async fn new() -> Self {
        let slug = unique_slug();
        let signed = accounts()
            .await
            .sign_up(
                SignUp {
                    name: "Acme Support".into(),
                    slug: Slug::parse(&slug).unwrap(),
                    owner_name: "Olivia Owner".into(),
                    owner_email: Email::parse("owner@acme.example").unwrap(),
                    owner_password: Password::parse(PASSWORD.into()).unwrap(),
                },
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        Self {
            slug,
            id: signed.tenant.id,
            owner_id: signed.user.id,
            owner: bearer(&signed.tokens.access.token),
        }
    }

    /// Adds a person with `role` (as the owner would) and logs them in.
    pub async fn person(&self, role: &str, name: &str) -> Person {
        let accounts = accounts().await;
        let owner = principal(&self.owner).await;
        let email = format!(
            "{}.{}@acme.example",
            name.to_lowercase().replace(' ', "."),
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let user = directory()
            .await
            .create_user(
                &owner,
                NewUser {
                    name: name.into(),
                    email: Email::parse(&email).unwrap(),
                    role: parse_role(role).unwrap(),
                    password: Some(Password::parse(PASSWORD.into()).unwrap()),
                },
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        let signed = accounts
            .login(
                Credentials::typed(&self.slug, &email, PASSWORD.into()),
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        Person {
            id: user.id,
            email,
            auth: bearer(&signed.tokens.access.token),
        }
    }

    /// An API key of this tenant with `role` and `scopes`.
    pub async fn api_key(&self, role: &str, scopes: &[&str]) -> String {
        let owner = principal(&self.owner).await;
        let (secret, _) = directory()
            .await
            .create_api_key(
                &owner,
                NewApiKey {
                    name: "test key".into(),
                    role: parse_key_role(role).unwrap(),
                    scopes: scopes.iter().map(|s| Scope::parse(s).unwrap()).collect(),
                },
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        bearer(&secret)
    }
}
