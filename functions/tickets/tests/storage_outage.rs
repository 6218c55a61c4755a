//! Fault: the storage endpoint goes away mid-life and comes back. Requests
//! fail fast with `503 service_unavailable` and `Retry-After` (no hang past
//! the SDK timeouts the functions are configured with), and the same
//! process serves again once storage returns, without a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use http::Method;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_aws::DynamoStore;
use switchboard_aws::cursor::CursorSealer;
use switchboard_domain::accounts::passwords::Passwords;
use switchboard_domain::accounts::service::Accounts;
use switchboard_domain::accounts::throttle::LoginThrottle;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_harness::{self as kit, TestTenant, send};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP gate in front of the emulator: while shut it refuses new
/// connections and cuts the ones it carries (pooled keep-alive ones too).
async fn gate(upstream: String) -> (String, watch::Sender<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (open_tx, open_rx) = watch::channel(true);
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            if !*open_rx.borrow() {
                continue; // dropped: the connection is refused
            }
            let mut open = open_rx.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(&upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    _ = open.wait_for(|o| !*o) => {}
                }
            });
        }
    });
    (url, open_tx)
}

/// The tickets function over the gate, with the functions' own SDK
/// timeouts and retries.
async fn app(endpoint: &str) -> Router {
    let sdk = switchboard_aws::config::defaults()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    let secret = kit::signing_secret();
    let store = DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        std::env::var("SWITCHBOARD_TEST_TABLE").unwrap(),
        CursorSealer::new(secret.derive("cursor")),
    );
    let accounts = Accounts::new(
        store.clone(),
        kit::token_issuer(&secret),
        Passwords::owasp().unwrap(),
        LoginThrottle::default(),
    );
    tickets::router(Arc::new(switchboard_wiring::Api::new(
        accounts,
        tickets::Services {
            tickets: Ticketing::new(store.clone()),
            sla: switchboard_domain::sla::views::SlaViews::new(store.clone()),
            macros: switchboard_domain::automation::applying::Macros::new(store.clone()),
            surveys: [5; 32],
            attachments: switchboard_domain::attachments::service::Attachments::new(
                store,
                kit::bucket().await,
            ),
        },
    )))
}

#[tokio::test]
async fn storage_down_is_a_fast_503_and_the_same_process_recovers() {
    let upstream = std::env::var("SWITCHBOARD_TEST_ENDPOINT")
        .unwrap()
        .trim_start_matches("http://")
        .to_owned();
    let (endpoint, open) = gate(upstream).await;
    let app = app(&endpoint).await;
    let tenant = TestTenant::new().await;
    let auth = [("authorization", tenant.owner.as_str())];

    let before = send(&app, Method::GET, "/v1/tickets", None, &auth).await;
    assert_eq!(before.status, 200, "{:#}", before.body);

    open.send(false).unwrap();
    let started = Instant::now();
    let down = send(&app, Method::GET, "/v1/tickets", None, &auth).await;
    let took = started.elapsed();
    down.assert_problem(503, "service_unavailable");
    assert_eq!(down.header("retry-after"), "1");
    // Three attempts within the 5 s operation timeout, not a hang.
    assert!(took < Duration::from_secs(8), "took {took:?}");

    open.send(true).unwrap();
    let after = send(&app, Method::GET, "/v1/tickets", None, &auth).await;
    assert_eq!(after.status, 200, "{:#}", after.body);
}
