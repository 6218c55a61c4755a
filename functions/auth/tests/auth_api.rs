//! The auth function against the emulator: login, refresh rotation and
//! reuse detection, logout, me, registration, throttling, token checks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Method;
use jiff::Timestamp;
use serde_json::json;
use std::sync::Arc;
use switchboard_domain::accounts::input::SignUp;
use switchboard_domain::accounts::password_link::{LinkPurpose, PasswordLink};
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::ports::{PasswordLinks, UserStore};
use switchboard_domain::accounts::recovery::Recovery;
use switchboard_domain::accounts::service::SignedIn;
use switchboard_domain::accounts::tenant::{Slug, TenantPatch};
use switchboard_domain::accounts::user::Role;
use switchboard_domain::accounts::user::{Email, Password};
use switchboard_domain::kernel::ids::SessionId;
use switchboard_domain::kernel::secrets::SigningSecret;
use switchboard_harness::{self as kit, Calls, Reply, bearer, send, unique_slug};

async fn app() -> Router {
    auth::router(Arc::new(switchboard_wiring::Api::new(
        kit::accounts().await,
        auth::Services {
            recovery: Recovery::new(kit::store().await, Passwords::owasp().unwrap()),
        },
    )))
}

/// A fresh tenant whose owner is `owner@acme.example`.
async fn tenant() -> (String, SignedIn) {
    let slug = unique_slug();
    let signed = kit::accounts()
        .await
        .sign_up(
            SignUp {
                name: "Acme".into(),
                slug: Slug::parse(&slug).unwrap(),
                owner_name: "Olivia".into(),
                owner_email: Email::parse("owner@acme.example").unwrap(),
                owner_password: Password::parse(kit::PASSWORD.into()).unwrap(),
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    (slug, signed)
}

async fn login(app: &Router, tenant: &str, email: &str, password: &str) -> Reply {
    send(
        app,
        Method::POST,
        "/v1/auth/login",
        Some(json!({"tenant": tenant, "email": email, "password": password})),
        &[],
    )
    .await
}

fn access(r: &Reply) -> String {
    bearer(r.body["accessToken"].as_str().unwrap())
}

fn refresh_token(r: &Reply) -> String {
    r.body["refreshToken"].as_str().unwrap().to_owned()
}

async fn me(app: &Router, auth: &str) -> Reply {
    app.get("/v1/auth/me", auth).await
}

async fn refresh(app: &Router, token: &str) -> Reply {
    send(
        app,
        Method::POST,
        "/v1/auth/refresh",
        Some(json!({"refreshToken": token})),
        &[],
    )
    .await
}

#[tokio::test]
async fn login_then_me_knows_who_is_calling() {
    let app = app().await;
    let (slug, signed) = tenant().await;
    let r = login(&app, &slug, "  OWNER@acme.example ", kit::PASSWORD).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["expiresIn"], 900);
    assert_eq!(r.body["user"]["role"], "owner");
    let who = me(&app, &access(&r)).await;
    assert_eq!(who.status, 200);
    assert_eq!(who.body["user"]["id"], signed.user.id.to_string());
    assert_eq!(who.body["tenant"]["slug"], slug.as_str());
}

#[tokio::test]
async fn wrong_tenant_email_or_password_are_one_indistinguishable_401() {
    let app = app().await;
    let (slug, _) = tenant().await;
    let replies = [
        login(&app, &slug, "owner@acme.example", "wrong password!").await,
        login(&app, &slug, "nobody@acme.example", kit::PASSWORD).await,
        login(&app, &unique_slug(), "owner@acme.example", kit::PASSWORD).await,
        login(&app, "Not A Slug", "not-an-email", kit::PASSWORD).await,
    ];
    let first = &replies[0];
    first.assert_problem(401, "invalid_credentials");
    for r in &replies[1..] {
        r.assert_problem(401, "invalid_credentials");
        assert_eq!(r.body["title"], first.body["title"]);
        assert_eq!(r.body["detail"], first.body["detail"]);
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_retry_after() {
    let app = app().await;
    let (slug, _) = tenant().await;
    for _ in 0..5 {
        login(&app, &slug, "owner@acme.example", "wrong password!")
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let locked = login(&app, &slug, "owner@acme.example", kit::PASSWORD).await;
    locked.assert_problem(429, "too_many_attempts");
    let retry: u64 = locked.header("retry-after").parse().unwrap();
    assert!((1..=900).contains(&retry), "Retry-After {retry}");

    // An address without an account locks the same way: no enumeration.
    for _ in 0..5 {
        login(&app, &slug, "ghost@acme.example", "wrong password!").await;
    }
    login(&app, &slug, "ghost@acme.example", "wrong password!")
        .await
        .assert_problem(429, "too_many_attempts");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_session() {
    let app = app().await;
    let (slug, _) = tenant().await;
    let first = login(&app, &slug, "owner@acme.example", kit::PASSWORD).await;
    let r1 = refresh_token(&first);

    let second = refresh(&app, &r1).await;
    assert_eq!(second.status, 200, "{:#}", second.body);
    let r2 = refresh_token(&second);
    assert_ne!(r1, r2);
    assert_eq!(me(&app, &access(&second)).await.status, 200);

    // The spent token again: someone copied it. Everything of the session ends.
    refresh(&app, &r1)
        .await
        .assert_problem(401, "invalid_token");
    refresh(&app, &r2)
        .await
        .assert_problem(401, "invalid_token");
    me(&app, &access(&second))
        .await
        .assert_problem(401, "invalid_token");
    me(&app, &access(&first))
        .await
        .assert_problem(401, "invalid_token");

    // Other sessions of the same user are untouched.
    let other = login(&app, &slug, "owner@acme.example", kit::PASSWORD).await;
    assert_eq!(me(&app, &access(&other)).await.status, 200);
    refresh(&app, "rt_not-a-real-token")
        .await
        .assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn logout_ends_the_access_and_refresh_tokens_at_once() {
    let app = app().await;
    let (slug, _) = tenant().await;
    let s = login(&app, &slug, "owner@acme.example", kit::PASSWORD).await;
    let r = send(
        &app,
        Method::POST,
        "/v1/auth/logout",
        None,
        &[("authorization", &access(&s))],
    )
    .await;
    assert_eq!(r.status, 204);
    me(&app, &access(&s))
        .await
        .assert_problem(401, "invalid_token");
    refresh(&app, &refresh_token(&s))
        .await
        .assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn customers_register_only_where_the_tenant_allows_it() {
    let app = app().await;
    let (slug, owner) = tenant().await;
    let body = json!({"tenant": slug, "name": "Carla", "email": "carla@example.com", "password": kit::PASSWORD});
    send(
        &app,
        Method::POST,
        "/v1/auth/register",
        Some(body.clone()),
        &[],
    )
    .await
    .assert_problem(403, "registration_closed");

    let accounts = kit::accounts().await;
    let principal = accounts
        .authenticate(&owner.tokens.access.token, Timestamp::now())
        .await
        .unwrap();
    accounts
        .update_tenant(
            &principal,
            TenantPatch {
                name: None,
                allow_customer_signup: Some(true),
                unverified_mail: None,
                plan: None,
                audit_retention_days: None,
                satisfaction: None,
            },
            None,
            Timestamp::now(),
        )
        .await
        .unwrap();

    let r = send(
        &app,
        Method::POST,
        "/v1/auth/register",
        Some(body.clone()),
        &[],
    )
    .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_eq!(r.body["user"]["role"], "customer");
    assert_eq!(r.body["user"]["emailVerified"], false, "until the link");
    // A mistyped or absent verification token is a field error.
    send(
        &app,
        Method::POST,
        "/v1/auth/verify-email",
        Some(json!({"token": "pwl_not_a_real_one"})),
        &[],
    )
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(
        r.header("location"),
        format!("/v1/users/{}", r.body["user"]["id"].as_str().unwrap())
    );
    assert_eq!(
        me(&app, &access(&r)).await.body["user"]["email"],
        "carla@example.com"
    );

    send(&app, Method::POST, "/v1/auth/register", Some(body), &[])
        .await
        .assert_problem(409, "email_taken");
    let unknown = json!({"tenant": unique_slug(), "name": "C", "email": "c@example.com", "password": kit::PASSWORD});
    send(&app, Method::POST, "/v1/auth/register", Some(unknown), &[])
        .await
        .assert_problem(404, "not_found");
    let weak = json!({"tenant": slug, "name": "", "email": "x", "password": "short"});
    let r = send(&app, Method::POST, "/v1/auth/register", Some(weak), &[]).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 3);
}

/// A JWT signed by hand (HS256 over `header.claims`), to present tokens the
/// service would never issue.
fn forge(claims: serde_json::Value, header: &str, key: &[u8]) -> String {
    let h = URL_SAFE_NO_PAD.encode(header);
    let c = URL_SAFE_NO_PAD.encode(claims.to_string());
    let sig = switchboard_domain::kernel::secrets::hmac_sha256(key, format!("{h}.{c}").as_bytes());
    format!("{h}.{c}.{}", URL_SAFE_NO_PAD.encode(sig))
}

#[tokio::test]
async fn expired_tampered_unsigned_foreign_and_cross_tenant_tokens_are_401() {
    let app = app().await;
    let (_, a) = tenant().await;
    let (_, b) = tenant().await;
    let secret = kit::signing_secret();
    let key = secret.derive("access-token");
    let now = Timestamp::now().as_second();
    let claims = |tid: String, sub: String, sid: String, iat: i64, exp: i64| json!({"iss": kit::ISSUER, "aud": kit::AUDIENCE, "sub": sub, "tid": tid, "role": "owner", "sid": sid, "iat": iat, "nbf": iat, "exp": exp});
    let hs256 = r#"{"alg":"HS256","typ":"JWT"}"#;
    let session = SessionId::new().to_string();

    // Sanity: a well-formed token for a live session passes.
    assert_eq!(me(&app, &bearer(&a.tokens.access.token)).await.status, 200);

    let expired = forge(
        claims(
            a.tenant.id.to_string(),
            a.user.id.to_string(),
            session.clone(),
            now - 7200,
            now - 3600,
        ),
        hs256,
        &key,
    );
    let none = forge(
        claims(
            a.tenant.id.to_string(),
            a.user.id.to_string(),
            session.clone(),
            now,
            now + 600,
        ),
        r#"{"alg":"none","typ":"JWT"}"#,
        &key,
    );
    let other_key = SigningSecret::new(vec![9u8; 40])
        .unwrap()
        .derive("access-token");
    let foreign = forge(
        claims(
            a.tenant.id.to_string(),
            a.user.id.to_string(),
            session.clone(),
            now,
            now + 600,
        ),
        hs256,
        &other_key,
    );
    // Correctly signed, but naming tenant B with A's user and session.
    let a_token_claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(a.tokens.access.token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let cross = forge(
        claims(
            b.tenant.id.to_string(),
            a.user.id.to_string(),
            a_token_claims["sid"].as_str().unwrap().to_owned(),
            now,
            now + 600,
        ),
        hs256,
        &key,
    );
    let mut tampered = a.tokens.access.token.clone();
    tampered.pop();
    tampered.push(if a.tokens.access.token.ends_with('A') {
        'B'
    } else {
        'A'
    });

    for (what, token) in [
        ("expired", expired),
        ("alg none", none),
        ("other key", foreign),
        ("cross tenant", cross),
        ("tampered", tampered),
    ] {
        let r = me(&app, &bearer(&token)).await;
        assert_eq!(r.status, 401, "{what}: {:#}", r.body);
        assert_eq!(r.code(), "invalid_token", "{what}");
    }
    me(&app, "Basic abc")
        .await
        .assert_problem(401, "unauthenticated");
    me(&app, "Bearer ")
        .await
        .assert_problem(401, "unauthenticated");

    // A validly signed token for a session that was never started.
    let issuer = kit::token_issuer(&secret);
    let unknown_session = issuer
        .issue(
            a.tenant.id,
            a.user.id,
            Role::Customer,
            SessionId::new(),
            Timestamp::now(),
        )
        .unwrap();
    me(&app, &bearer(&unknown_session.token))
        .await
        .assert_problem(401, "invalid_token");
}

#[tokio::test]
async fn health_reports_version_and_table() {
    let app = app().await;
    let r = send(&app, Method::GET, "/v1/health", None, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
    assert_eq!(r.body["table"], "reachable");
    assert_eq!(r.body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_ends_other_sessions() {
    let app = app().await;
    let (slug, signed) = tenant().await;
    let reset = |body: serde_json::Value| {
        let app = app.clone();
        async move {
            send(
                &app,
                Method::POST,
                "/v1/auth/password-reset",
                Some(body),
                &[],
            )
            .await
        }
    };
    // The same answer whether or not the address or helpdesk exists.
    for (t, e) in [
        (slug.as_str(), "owner@acme.example"),
        (slug.as_str(), "nobody@acme.example"),
        ("no-such-helpdesk", "owner@acme.example"),
    ] {
        let r = reset(json!({"tenant": t, "email": e})).await;
        assert_eq!(r.status, 202, "{t} {e}: {:?}", r.body);
    }
    reset(json!({"tenant": slug, "email": "not an address"}))
        .await
        .assert_problem(422, "validation_failed");

    let before = login(&app, &slug, "owner@acme.example", kit::PASSWORD).await;
    assert_eq!(before.status, 200);
    // The email worker mints the link when it writes the mail.
    let store = kit::store().await;
    let owner = store
        .user(signed.tenant.id, signed.user.id)
        .await
        .unwrap()
        .unwrap();
    let (token, link) = PasswordLink::issue(&owner, LinkPurpose::Reset, Timestamp::now());
    store.put_password_link(&link).await.unwrap();
    let confirm = |token: String, password: &str| {
        let (app, password) = (app.clone(), password.to_owned());
        async move {
            send(
                &app,
                Method::POST,
                "/v1/auth/password-reset/confirm",
                Some(json!({"token": token, "password": password})),
                &[],
            )
            .await
        }
    };
    confirm(token.clone(), "short")
        .await
        .assert_problem(422, "validation_failed");
    let done = confirm(token.clone(), "a brand new passphrase 42").await;
    assert_eq!(done.status, 204, "{:?}", done.body);
    confirm(token, "another passphrase 4242")
        .await
        .assert_problem(422, "validation_failed");

    // Sessions from before the reset are over; the new password works.
    me(&app, &access(&before))
        .await
        .assert_problem(401, "invalid_token");
    refresh(&app, &refresh_token(&before))
        .await
        .assert_problem(401, "invalid_token");
    login(&app, &slug, "owner@acme.example", kit::PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    let after = login(
        &app,
        &slug,
        "owner@acme.example",
        "a brand new passphrase 42",
    )
    .await;
    assert_eq!(after.status, 200);
    assert_eq!(me(&app, &access(&after)).await.status, 200);

    // One reset mail per person per window, however often asked: the
    // request above is still noted; after the window a new one counts.
    let now = Timestamp::now();
    let window = switchboard_domain::accounts::recovery::RESET_WINDOW;
    let (t, u) = (signed.tenant.id, signed.user.id);
    assert!(
        !store
            .note_reset_request(t, u, now, now + window, &[])
            .await
            .unwrap()
    );
    let after = now + window + jiff::SignedDuration::from_secs(1);
    assert!(
        store
            .note_reset_request(t, u, after, after + window, &[])
            .await
            .unwrap()
    );
    assert!(
        !store
            .note_reset_request(t, u, after, after + window, &[])
            .await
            .unwrap()
    );

    // An expired link is refused.
    let (token, mut link) = PasswordLink::issue(&owner, LinkPurpose::Reset, Timestamp::now());
    link.expires_at = Timestamp::now() - jiff::SignedDuration::from_secs(1);
    store.put_password_link(&link).await.unwrap();
    let r = confirm(token, "yet another passphrase 7").await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "invalid_token");
}
