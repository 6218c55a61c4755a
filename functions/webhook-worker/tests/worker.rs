//! The webhook worker against the emulator (with a scripted sender), and
//! the HTTP sender against local receivers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::sync::Mutex;
use switchboard_aws::DynamoStore;
use switchboard_domain::kernel::events::{Actor, EventType, Subject};
use switchboard_domain::kernel::ids::WebhookId;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::notifications::ports::NotificationStore;
use switchboard_domain::webhooks::ports::{WebhookSender, WebhookStore};
use switchboard_domain::webhooks::service::new_delivery;
use switchboard_domain::webhooks::webhook::{
    Attempt, Delivery, DeliveryStatus, Endpoint, EventFilter, OutgoingRequest, Secret, SendResult,
    SigningKey,
};
use switchboard_domain::webhooks::worker::{Outcome, WebhookWorker};
use switchboard_harness::{self as kit, TestTenant};
use webhook_worker::sender::HttpSender;

/// Answers from a script of statuses (then 200) and records requests.
#[derive(Default)]
struct Scripted {
    statuses: Mutex<Vec<(u16, Option<i64>)>>,
    seen: Mutex<Vec<OutgoingRequest>>,
}

impl WebhookSender for &Scripted {
    async fn send(&self, request: &OutgoingRequest) -> SendResult {
        self.seen.lock().unwrap().push(request.clone());
        let mut script = self.statuses.lock().unwrap();
        let (status, retry_after) = if script.is_empty() {
            (200, None)
        } else {
            script.remove(0)
        };
        SendResult {
            attempt: Attempt {
                at: Timestamp::now(),
                status_code: Some(status),
                error: None,
                latency_ms: 3,
                response: format!("answered {status}"),
            },
            retry_after: retry_after.map(SignedDuration::from_secs),
        }
    }
}

async fn setup(failing_since: Option<Timestamp>) -> (DynamoStore, TestTenant, Endpoint, Delivery) {
    let store = kit::store().await;
    let tenant = TestTenant::new().await;
    let now = Timestamp::now();
    let endpoint = Endpoint {
        id: WebhookId::new(),
        tenant_id: tenant.id,
        url: "https://hooks.example.com/in".into(),
        description: String::new(),
        events: EventFilter::All,
        enabled: true,
        disabled_reason: None,
        keys: vec![SigningKey {
            secret: Secret::generate(),
            created_at: now,
            retires_at: None,
        }],
        failing_since,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    store.put_endpoint(&endpoint, None, &[]).await.unwrap();
    let event = switchboard_domain::kernel::events::DomainEvent {
        id: switchboard_domain::kernel::ids::EventId::new(),
        kind: EventType::TicketCreated,
        tenant_id: tenant.id,
        occurred_at: now,
        actor: Actor::operator(),
        subject: Subject::default(),
        data: json!({"number": 1}),
    };
    let delivery = new_delivery(&endpoint, &event, now).unwrap();
    assert!(store.create_delivery(&delivery).await.unwrap());
    (store, tenant, endpoint, delivery)
}

async fn stored(store: &DynamoStore, d: &Delivery) -> Delivery {
    store
        .delivery(d.tenant_id, d.endpoint_id, d.id)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn failures_are_retried_on_schedule_then_succeed_and_duplicates_do_nothing() {
    let (store, _t, endpoint, delivery) = setup(None).await;
    let sender = Scripted::default();
    *sender.statuses.lock().unwrap() = vec![(500, None), (429, Some(90))];
    let worker = WebhookWorker::new(store.clone(), &sender, vec![5, 300, 1800]);
    let r = delivery.reference();

    assert_eq!(
        worker.deliver(&r, Timestamp::now(), 0.5).await.unwrap(),
        Outcome::RetryIn(SignedDuration::from_secs(5))
    );
    let after_first = store
        .endpoint(endpoint.tenant_id, endpoint.id)
        .await
        .unwrap()
        .unwrap();
    assert!(after_first.failing_since.is_some());
    // A 429 asking for 90 s waits the schedule's 300 s: the longer wins.
    assert_eq!(
        worker.deliver(&r, Timestamp::now(), 0.5).await.unwrap(),
        Outcome::RetryIn(SignedDuration::from_secs(300))
    );
    assert_eq!(
        worker.deliver(&r, Timestamp::now(), 0.5).await.unwrap(),
        Outcome::Done
    );
    let d = stored(&store, &delivery).await;
    assert_eq!(d.status, DeliveryStatus::Succeeded);
    let codes: Vec<_> = d.attempts.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, vec![Some(500), Some(429), Some(200)]);
    let after = store
        .endpoint(endpoint.tenant_id, endpoint.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.failing_since, None, "a success ends the failing run");

    // Every attempt carried the same id and a valid signature.
    let seen = sender.seen.lock().unwrap().clone();
    assert!(seen.iter().all(|s| {
        s.headers
            .contains(&("webhook-id".into(), delivery.id.to_string()))
    }));
    // A duplicate message for a settled delivery sends nothing.
    assert_eq!(
        worker.deliver(&r, Timestamp::now(), 0.5).await.unwrap(),
        Outcome::Done
    );
    assert_eq!(sender.seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn retry_after_longer_than_the_schedule_is_honoured_and_the_last_failure_gives_up() {
    let (store, _t, _endpoint, delivery) = setup(None).await;
    let sender = Scripted::default();
    *sender.statuses.lock().unwrap() = vec![(503, Some(600)), (500, None)];
    let worker = WebhookWorker::new(store.clone(), &sender, vec![5]);
    let r = delivery.reference();
    assert_eq!(
        worker.deliver(&r, Timestamp::now(), 0.5).await.unwrap(),
        Outcome::RetryIn(SignedDuration::from_secs(600))
    );
    assert_eq!(
        worker.deliver(&r, Timestamp::now(), 0.5).await.unwrap(),
        Outcome::Done
    );
    assert_eq!(
        stored(&store, &delivery).await.status,
        DeliveryStatus::Failed
    );
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_admins_are_notified() {
    let six_days_ago = Timestamp::now() - SignedDuration::from_hours(24 * 6);
    let (store, tenant, endpoint, delivery) = setup(Some(six_days_ago)).await;
    let sender = Scripted::default();
    *sender.statuses.lock().unwrap() = vec![(500, None)];
    let worker = WebhookWorker::new(store.clone(), &sender, vec![5, 300]);
    assert_eq!(
        worker
            .deliver(&delivery.reference(), Timestamp::now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    let e = store
        .endpoint(endpoint.tenant_id, endpoint.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!e.enabled);
    assert_eq!(e.disabled_reason.as_deref(), Some("failing"));
    assert_eq!(
        stored(&store, &delivery).await.status,
        DeliveryStatus::Failed
    );
    let page = PageRequest::parse(None, None).unwrap();
    let bell = store
        .notifications(tenant.id, tenant.owner_id, false, &page)
        .await
        .unwrap();
    assert_eq!(bell.items.len(), 1);
    assert!(
        bell.items[0]
            .title
            .contains("every delivery failed for 5 days")
    );

    // Later deliveries to a disabled endpoint are skipped, not sent.
    let event = switchboard_domain::kernel::events::DomainEvent {
        id: switchboard_domain::kernel::ids::EventId::new(),
        kind: EventType::TicketCreated,
        tenant_id: tenant.id,
        occurred_at: Timestamp::now(),
        actor: Actor::operator(),
        subject: Subject::default(),
        data: json!({}),
    };
    let next = new_delivery(&e, &event, Timestamp::now()).unwrap();
    store.create_delivery(&next).await.unwrap();
    assert_eq!(
        worker
            .deliver(&next.reference(), Timestamp::now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert_eq!(stored(&store, &next).await.status, DeliveryStatus::Skipped);
    assert_eq!(sender.seen.lock().unwrap().len(), 1);
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn request(url: String) -> OutgoingRequest {
    OutgoingRequest {
        url,
        headers: vec![("content-type".into(), "application/json".into())],
        body: "{}".into(),
    }
}

#[tokio::test]
async fn the_sender_refuses_private_targets_follows_no_redirect_and_reads_a_bounded_answer() {
    let base = serve(
        Router::new()
            .route("/ok", post(|| async { (StatusCode::OK, "fine") }))
            .route(
                "/moved",
                post(|| async {
                    let mut h = HeaderMap::new();
                    h.insert(header::LOCATION, "http://169.254.169.254/".parse().unwrap());
                    (StatusCode::FOUND, h)
                }),
            )
            .route("/big", post(|| async { "x".repeat(3 * 1024 * 1024) }))
            .route(
                "/busy",
                post(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [(header::RETRY_AFTER, "120")],
                        "later",
                    )
                }),
            ),
    )
    .await;

    let strict = HttpSender {
        allow_loopback: false,
    };
    let refused = strict.send(&request(format!("{base}/ok"))).await;
    assert_eq!(refused.attempt.status_code, None);
    assert!(refused.attempt.error.unwrap().contains("refused"));

    let local = HttpSender {
        allow_loopback: true,
    };
    let ok = local.send(&request(format!("{base}/ok"))).await;
    assert_eq!(ok.attempt.status_code, Some(200));
    assert_eq!(ok.attempt.response, "fine");

    let moved = local.send(&request(format!("{base}/moved"))).await;
    assert_eq!(moved.attempt.status_code, Some(302), "not followed");
    assert!(!moved.attempt.succeeded());

    let big = local.send(&request(format!("{base}/big"))).await;
    assert_eq!(big.attempt.status_code, Some(200));
    assert_eq!(big.attempt.response.len(), 1024);

    let busy = local.send(&request(format!("{base}/busy"))).await;
    assert_eq!(busy.retry_after, Some(SignedDuration::from_secs(120)));

    let metadata = local
        .send(&request("http://169.254.169.254/latest".into()))
        .await;
    assert!(
        metadata.attempt.error.unwrap().contains("refused"),
        "loopback only, never metadata"
    );
}

#[tokio::test]
async fn an_sqs_message_redelivered_after_success_sends_nothing_more() {
    let (store, _t, _endpoint, delivery) = setup(None).await;
    let sender = Scripted::default();
    let worker = WebhookWorker::new(store.clone(), &sender, vec![5]);
    let (client, url) = kit::queue().await;
    let queue = webhook_worker::Queue { client, url };
    let mut message = aws_lambda_events::sqs::SqsMessage::default();
    message.message_id = Some("m-1".into());
    message.body = Some(serde_json::to_string(&delivery.reference()).unwrap());
    let mut batch = aws_lambda_events::sqs::SqsEvent::default();
    batch.records = vec![message];

    for _ in 0..3 {
        let r = webhook_worker::handle(&worker, &queue, batch.clone()).await;
        assert!(r.batch_item_failures.is_empty(), "{r:?}");
    }
    assert_eq!(sender.seen.lock().unwrap().len(), 1, "one request sent");
    let d = stored(&store, &delivery).await;
    assert_eq!(d.status, DeliveryStatus::Succeeded);
    assert_eq!(d.attempts.len(), 1);
}
