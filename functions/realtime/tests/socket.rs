//! The WebSocket routes against the emulator, with WebSocket events in the
//! exact API Gateway shape and a recording @connections API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use std::sync::Mutex;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::secrets::token_digest;
use switchboard_domain::realtime::model::{ConnectionTicket, Listener, Topic};
use switchboard_domain::realtime::ports::{ConnectionStore, PushResult, Pusher};
use switchboard_domain::realtime::service::Live;
use switchboard_harness::{self as kit, TestTenant};

#[derive(Default)]
struct Recorder(Mutex<Vec<(String, Value)>>);

impl Pusher for &Recorder {
    async fn push(&self, connection_id: &str, message: &[u8]) -> StoreResult<PushResult> {
        let v = serde_json::from_slice(message).unwrap();
        self.0.lock().unwrap().push((connection_id.to_owned(), v));
        Ok(PushResult::Delivered)
    }

    async fn close(&self, connection_id: &str) -> StoreResult<()> {
        let closed = json!({"closed": true});
        self.0
            .lock()
            .unwrap()
            .push((connection_id.to_owned(), closed));
        Ok(())
    }
}

fn event(
    route: &str,
    connection: &str,
    query: Value,
    body: Option<&str>,
) -> ApiGatewayWebsocketProxyRequest {
    serde_json::from_value(json!({
        "headers": {"host": "x"},
        "multiValueHeaders": {"host": ["x"]},
        "queryStringParameters": query,
        "requestContext": {
            "routeKey": route,
            "eventType": "MESSAGE",
            "connectionId": connection,
            "connectedAt": 1,
            "requestTimeEpoch": 1,
            "stage": "live",
            "apiId": "api",
            "domainName": "x",
            "requestId": "r",
            "identity": {"sourceIp": "127.0.0.1"}
        },
        "body": body,
        "isBase64Encoded": false
    }))
    .unwrap()
}

#[tokio::test]
async fn a_ticket_opens_one_connection_once_and_disconnect_forgets_everything() {
    let store = kit::store().await;
    let recorder = Recorder::default();
    let live = Live::new(store.clone(), &recorder);
    let t = TestTenant::new().await;
    let owner = kit::accounts()
        .await
        .authenticate(t.owner.trim_start_matches("Bearer "), Timestamp::now())
        .await
        .unwrap();
    let issued = live.issue_ticket(&owner, Timestamp::now()).await.unwrap();
    let connection = format!("c{}=", ulid::Ulid::new());
    let connect = |id: &str, ticket: &str| event("$connect", id, json!({"ticket": ticket}), None);

    let first = realtime::socket::connect(&live, connect(&connection, &issued.secret))
        .await
        .unwrap();
    assert_eq!(first.status_code, 200);
    let reused = realtime::socket::connect(&live, connect("other=", &issued.secret))
        .await
        .unwrap();
    assert_eq!(reused.status_code, 401);
    let missing = realtime::socket::connect(&live, event("$connect", "c2=", json!({}), None))
        .await
        .unwrap();
    assert_eq!(missing.status_code, 401);

    // An expired ticket is refused even unused.
    let stale = "wst_stale_ticket_for_the_test";
    store
        .put_connection_ticket(
            &token_digest(&format!("{stale}{connection}")),
            &ConnectionTicket {
                listener: Listener {
                    tenant_id: t.id,
                    user_id: t.owner_id,
                    role: Role::Owner,
                    session_id: None,
                },
                expires_at: Timestamp::now() - SignedDuration::from_secs(1),
            },
        )
        .await
        .unwrap();
    let expired = realtime::socket::connect(&live, connect("c3=", &format!("{stale}{connection}")))
        .await
        .unwrap();
    assert_eq!(expired.status_code, 401);

    let subscribe = r#"{"action":"subscribe","topic":"queue"}"#;
    let r = realtime::socket::message(
        &live,
        event("subscribe", &connection, json!({}), Some(subscribe)),
    )
    .await
    .unwrap();
    assert_eq!(r.status_code, 200);
    let pushed = recorder.0.lock().unwrap().clone();
    assert_eq!(
        pushed,
        vec![(
            connection.clone(),
            json!({"type": "subscribed", "topic": "queue"})
        )]
    );
    let subs = store
        .subscribers(t.id, &Topic::Queue, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        subs.iter()
            .map(|s| s.connection_id.clone())
            .collect::<Vec<_>>(),
        vec![connection.clone()]
    );

    realtime::socket::disconnect(&live, event("$disconnect", &connection, json!({}), None))
        .await
        .unwrap();
    assert!(store.connection(&connection).await.unwrap().is_none());
    assert!(
        store
            .subscribers(t.id, &Topic::Queue, Timestamp::now())
            .await
            .unwrap()
            .is_empty()
    );

    // A message on a forgotten connection is answered with an error.
    realtime::socket::message(
        &live,
        event(
            "$default",
            &connection,
            json!({}),
            Some(r#"{"action":"ping"}"#),
        ),
    )
    .await
    .unwrap();
    let last = recorder.0.lock().unwrap().last().cloned().unwrap();
    assert_eq!(last.1["code"], "unknown_connection");
}
