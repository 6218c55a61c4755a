//! The webhook worker, `WebhookWorker::deliver`: one signed attempt per
//! message, success once, retries on the schedule (jitter, `Retry-After`),
//! giving up, disabling an endpoint that answers 410 or fails for five
//! days (and telling its owners and admins), skipping disabled ones.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::{page, webhooks::Hooks};
use jiff::{SignedDuration, Timestamp};
use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::{DomainEvent, EventType};
use switchboard_domain::kernel::ids::UserId;
use switchboard_domain::notifications::notification::{Notification, NotificationKind};
use switchboard_domain::notifications::ports::NotificationStore;
use switchboard_domain::webhooks::ports::{WebhookSender, WebhookStore};
use switchboard_domain::webhooks::service::{EndpointInput, new_delivery};
use switchboard_domain::webhooks::webhook::{
    Delivery, DeliveryStatus, Endpoint, OutgoingRequest, RETRY_SCHEDULE_SECS, SendResult,
    USER_AGENT,
};
use switchboard_domain::webhooks::worker::Outcome;
use switchboard_testkit::ScriptedWebhooks;
use switchboard_testkit::twins::Reply;

const URL: &str = "https://hooks.example.com/in";

/// A real `ticket.created` routed to `endpoint`: its stored delivery.
async fn routed(h: &Hooks, endpoint: &Endpoint) -> Delivery {
    channels_support::open_ticket(
        &h.store,
        &h.acme.customer.principal,
        "Printer on fire",
        h.clock.now(),
    )
    .await;
    let event = channels_support::one_of(&h.store.take_events(), EventType::TicketCreated);
    let delivery = new_delivery(endpoint, &event, h.clock.now()).unwrap();
    assert!(h.store.create_delivery(&delivery).await.unwrap());
    delivery
}

async fn stored(h: &Hooks, d: &Delivery) -> Delivery {
    h.store
        .delivery(d.tenant_id, d.endpoint_id, d.id)
        .await
        .unwrap()
        .unwrap()
}

async fn endpoint_now(h: &Hooks, e: &Endpoint) -> Endpoint {
    h.store.endpoint(e.tenant_id, e.id).await.unwrap().unwrap()
}

async fn bell(h: &Hooks, user: UserId) -> Vec<Notification> {
    h.store
        .notifications(h.acme.id(), user, false, &page(10))
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn a_delivery_is_signed_sent_once_and_logged() {
    let h = Hooks::new().await;
    let (endpoint, secret) = h.endpoint(URL, EndpointInput::default()).await;
    let delivery = routed(&h, &endpoint).await;
    let worker = h.worker(RETRY_SCHEDULE_SECS.to_vec());
    let now = h.clock.now();
    assert_eq!(
        worker
            .deliver(&delivery.reference(), now, 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );

    let requests = h.receivers.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.url, URL);
    assert_eq!(r.body, delivery.payload);
    let id = delivery.id.to_string();
    assert_eq!(Hooks::header(r, "webhook-id"), id);
    assert!(id.starts_with("msg_"));
    let timestamp = now.as_second();
    assert_eq!(Hooks::header(r, "webhook-timestamp"), timestamp.to_string());
    assert_eq!(
        Hooks::header(r, "webhook-signature"),
        secret.sign(&id, timestamp, &r.body)
    );
    assert_eq!(Hooks::header(r, "content-type"), "application/json");
    assert_eq!(Hooks::header(r, "user-agent"), USER_AGENT);
    let envelope: DomainEvent = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        (envelope.id, envelope.kind),
        (delivery.event_id, EventType::TicketCreated)
    );

    let logged = stored(&h, &delivery).await;
    assert_eq!(
        (logged.status, logged.next_attempt_at, logged.version),
        (DeliveryStatus::Succeeded, None, 2)
    );
    assert_eq!(logged.attempts.len(), 1);
    let attempt = &logged.attempts[0];
    assert_eq!(
        (attempt.at, attempt.status_code, attempt.error.as_deref()),
        (now, Some(200), None)
    );
    // The same message again: nothing more is sent.
    assert_eq!(
        worker
            .deliver(&delivery.reference(), now, 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert_eq!(h.receivers.requests().len(), 1);
}

#[tokio::test]
async fn failures_are_retried_on_the_standard_schedule_then_given_up() {
    let h = Hooks::new().await;
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    let delivery = routed(&h, &endpoint).await;
    h.receivers.set_default(Reply::status(500).body("boom"));
    let worker = h.worker(RETRY_SCHEDULE_SECS.to_vec());
    let first_failure = h.clock.now();
    let mut waits = Vec::new();
    while let Outcome::RetryIn(delay) = worker
        .deliver(&delivery.reference(), h.clock.now(), 0.5)
        .await
        .unwrap()
    {
        let logged = stored(&h, &delivery).await;
        assert_eq!(logged.status, DeliveryStatus::Pending);
        assert_eq!(logged.next_attempt_at, Some(h.clock.now() + delay));
        waits.push(delay.as_secs());
        h.clock.advance(delay);
    }
    assert_eq!(waits, RETRY_SCHEDULE_SECS.map(|s| s as i64));
    let logged = stored(&h, &delivery).await;
    assert_eq!(logged.status, DeliveryStatus::Failed);
    assert_eq!(logged.attempts.len(), RETRY_SCHEDULE_SECS.len() + 1);
    assert!(
        logged
            .attempts
            .iter()
            .all(|a| a.status_code == Some(500) && a.response == "boom")
    );
    let e = endpoint_now(&h, &endpoint).await;
    assert_eq!(
        e.failing_since,
        Some(first_failure),
        "since the first failure"
    );
    assert!(e.enabled, "about a day of failures is not five");
}

#[tokio::test]
async fn jitter_spreads_a_retry_by_a_tenth_either_way() {
    let h = Hooks::new().await;
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    h.receivers.set_default(Reply::status(502));
    let worker = h.worker(vec![100]);
    let mut delays = Vec::new();
    for jitter in [0.0, 0.5, 1.0] {
        let d = routed(&h, &endpoint).await;
        delays.push(
            worker
                .deliver(&d.reference(), h.clock.now(), jitter)
                .await
                .unwrap(),
        );
    }
    let secs = |s| Outcome::RetryIn(SignedDuration::from_secs(s));
    assert_eq!(delays, [secs(90), secs(100), secs(110)]);
}

#[tokio::test]
async fn a_longer_retry_after_is_honoured_up_to_twelve_hours_and_a_shorter_one_is_not() {
    let h = Hooks::new().await;
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    let worker = h.worker(vec![5, 300]);
    let busy = routed(&h, &endpoint).await;
    h.receivers.reply(
        URL,
        Reply::status(503).retry_after(SignedDuration::from_secs(600)),
    );
    h.receivers.reply(
        URL,
        Reply::status(429).retry_after(SignedDuration::from_secs(60)),
    );
    let now = h.clock.now();
    let r = busy.reference();
    assert_eq!(
        worker.deliver(&r, now, 0.5).await.unwrap(),
        Outcome::RetryIn(SignedDuration::from_secs(600))
    );
    assert_eq!(
        worker.deliver(&r, now, 0.5).await.unwrap(),
        Outcome::RetryIn(SignedDuration::from_secs(300)),
        "the schedule's longer wait"
    );

    let greedy = routed(&h, &endpoint).await;
    h.receivers.reply(
        URL,
        Reply::status(429).retry_after(SignedDuration::from_hours(48)),
    );
    assert_eq!(
        worker.deliver(&greedy.reference(), now, 0.5).await.unwrap(),
        Outcome::RetryIn(SignedDuration::from_hours(12)),
        "what a queue can hold"
    );
}

#[tokio::test]
async fn an_attempt_without_an_answer_is_logged_with_its_error_and_retried() {
    let h = Hooks::new().await;
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    let delivery = routed(&h, &endpoint).await;
    h.receivers.reply(URL, Reply::error("timed out after 15 s"));
    let worker = h.worker(vec![5]);
    let outcome = worker
        .deliver(&delivery.reference(), h.clock.now(), 0.5)
        .await
        .unwrap();
    assert_eq!(outcome, Outcome::RetryIn(SignedDuration::from_secs(5)));
    let attempt = stored(&h, &delivery).await.attempts.remove(0);
    assert_eq!(
        (attempt.status_code, attempt.error.as_deref()),
        (None, Some("timed out after 15 s"))
    );
    h.clock.advance(SignedDuration::from_secs(5));
    assert_eq!(
        worker
            .deliver(&delivery.reference(), h.clock.now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert_eq!(
        stored(&h, &delivery).await.status,
        DeliveryStatus::Succeeded
    );
}

#[tokio::test]
async fn a_410_disables_the_endpoint_and_tells_its_owners_and_admins() {
    let h = Hooks::new().await;
    let admin = h
        .acme
        .person(&h.store, "admin", "Ada Admin", h.clock.now())
        .await
        .unwrap();
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    let delivery = routed(&h, &endpoint).await;
    h.receivers.reply(URL, Reply::status(410));
    let worker = h.worker(RETRY_SCHEDULE_SECS.to_vec());
    assert_eq!(
        worker
            .deliver(&delivery.reference(), h.clock.now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert_eq!(
        stored(&h, &delivery).await.status,
        DeliveryStatus::Failed,
        "no retry"
    );
    let e = endpoint_now(&h, &endpoint).await;
    assert!(!e.enabled);
    assert_eq!((e.disabled_reason.as_deref(), e.version), (Some("gone"), 2));
    for who in [h.acme.owner.user.id, admin.user.id] {
        let got = bell(&h, who).await;
        assert_eq!(got.len(), 1, "{who}");
        assert_eq!(got[0].kind, NotificationKind::WebhookDisabled);
        assert_eq!(
            got[0].title,
            format!("Webhook {URL} was disabled: it answered 410 Gone")
        );
    }
    assert!(
        bell(&h, h.acme.agent.user.id).await.is_empty(),
        "agents are not told"
    );

    let next = routed(&h, &endpoint).await;
    assert_eq!(
        worker
            .deliver(&next.reference(), h.clock.now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert_eq!(stored(&h, &next).await.status, DeliveryStatus::Skipped);
    assert_eq!(
        h.receivers.requests().len(),
        1,
        "nothing sent to a disabled endpoint"
    );
}

#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled() {
    let h = Hooks::new().await;
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    h.receivers.set_default(Reply::status(500));
    let worker = h.worker(RETRY_SCHEDULE_SECS.to_vec());
    let first = routed(&h, &endpoint).await;
    worker
        .deliver(&first.reference(), h.clock.now(), 0.5)
        .await
        .unwrap();
    h.clock
        .advance(SignedDuration::from_hours(24 * 5) - SignedDuration::from_secs(1));
    let almost = routed(&h, &endpoint).await;
    assert!(matches!(
        worker
            .deliver(&almost.reference(), h.clock.now(), 0.5)
            .await
            .unwrap(),
        Outcome::RetryIn(_)
    ));
    h.clock.advance(SignedDuration::from_secs(1));
    let last = routed(&h, &endpoint).await;
    assert_eq!(
        worker
            .deliver(&last.reference(), h.clock.now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert_eq!(stored(&h, &last).await.status, DeliveryStatus::Failed);
    let e = endpoint_now(&h, &endpoint).await;
    assert_eq!(
        (e.enabled, e.disabled_reason.as_deref()),
        (false, Some("failing"))
    );
    let told = bell(&h, h.acme.owner.user.id).await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0].title.ends_with("every delivery failed for 5 days"),
        "{}",
        told[0].title
    );
}

#[tokio::test]
async fn a_success_ends_a_failing_run() {
    let h = Hooks::new().await;
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    let worker = h.worker(vec![5]);
    let delivery = routed(&h, &endpoint).await;
    h.receivers.reply(URL, Reply::status(500));
    let failed_at = h.clock.now();
    worker
        .deliver(&delivery.reference(), failed_at, 0.5)
        .await
        .unwrap();
    assert_eq!(
        endpoint_now(&h, &endpoint).await.failing_since,
        Some(failed_at)
    );
    h.clock.advance(SignedDuration::from_hours(24 * 4));
    worker
        .deliver(&delivery.reference(), h.clock.now(), 0.5)
        .await
        .unwrap();
    assert_eq!(endpoint_now(&h, &endpoint).await.failing_since, None);
    // A failure days later starts a new run: nothing is disabled.
    h.clock.advance(SignedDuration::from_hours(24 * 2));
    let later = routed(&h, &endpoint).await;
    h.receivers.reply(URL, Reply::status(500));
    let outcome = worker
        .deliver(&later.reference(), h.clock.now(), 0.5)
        .await
        .unwrap();
    assert!(matches!(outcome, Outcome::RetryIn(_)));
    let e = endpoint_now(&h, &endpoint).await;
    assert_eq!((e.enabled, e.failing_since), (true, Some(h.clock.now())));
}

#[tokio::test]
async fn deliveries_to_a_disabled_or_deleted_endpoint_are_skipped() {
    let h = Hooks::new().await;
    let owner = &h.acme.owner.principal;
    let off = EndpointInput {
        enabled: Some(false),
        ..EndpointInput::default()
    };
    let (disabled, _) = h.endpoint(URL, off).await;
    let (deleted, _) = h
        .endpoint("https://gone.example.com/", EndpointInput::default())
        .await;
    let to_disabled = routed(&h, &disabled).await;
    let to_deleted = routed(&h, &deleted).await;
    h.webhooks
        .delete(owner, deleted.id, h.clock.now())
        .await
        .unwrap();
    let worker = h.worker(vec![5]);
    for d in [&to_disabled, &to_deleted] {
        assert_eq!(
            worker
                .deliver(&d.reference(), h.clock.now(), 0.5)
                .await
                .unwrap(),
            Outcome::Done
        );
        let logged = stored(&h, d).await;
        assert_eq!(
            (logged.status, logged.next_attempt_at),
            (DeliveryStatus::Skipped, None)
        );
    }
    assert!(h.receivers.requests().is_empty());
}

#[tokio::test]
async fn a_lost_write_of_the_attempt_brings_the_message_back_with_the_same_webhook_id() {
    let h = Hooks::new().await;
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    let delivery = routed(&h, &endpoint).await;
    let worker = h.worker(vec![5]);
    h.store
        .fail_next_call_to("save_delivery", StoreError::Unavailable("injected".into()));
    let failed = worker
        .deliver(&delivery.reference(), h.clock.now(), 0.5)
        .await;
    assert!(
        matches!(failed, Err(StoreError::Unavailable(_))),
        "{failed:?}"
    );
    assert_eq!(stored(&h, &delivery).await.status, DeliveryStatus::Pending);
    assert_eq!(
        worker
            .deliver(&delivery.reference(), h.clock.now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    let ids: Vec<String> = h
        .receivers
        .requests()
        .iter()
        .map(|r| Hooks::header(r, "webhook-id").to_owned())
        .collect();
    assert_eq!(
        ids,
        [delivery.id.to_string(), delivery.id.to_string()],
        "at least once, deduped by id"
    );
    assert_eq!(
        stored(&h, &delivery).await.status,
        DeliveryStatus::Succeeded
    );
}

/// A receiver that answers `410` while an admin edits the endpoint (the
/// edit lands between the worker's read and its write).
#[derive(Clone)]
struct EditedMeanwhile {
    store: switchboard_testkit::MemoryStore,
    endpoint: Endpoint,
    inner: ScriptedWebhooks,
}

impl WebhookSender for EditedMeanwhile {
    async fn send(&self, request: &OutgoingRequest) -> SendResult {
        let mut e = self
            .store
            .endpoint(self.endpoint.tenant_id, self.endpoint.id)
            .await
            .unwrap()
            .unwrap();
        let version = e.version;
        e.description = "edited meanwhile".into();
        e.version += 1;
        self.store
            .put_endpoint(&e, Some(version), &[])
            .await
            .unwrap();
        self.inner.reply(&request.url, Reply::status(410));
        self.inner.send(request).await
    }
}

async fn gone_while_edited(h: &Hooks) -> Endpoint {
    let (endpoint, _) = h.endpoint(URL, EndpointInput::default()).await;
    let delivery = routed(h, &endpoint).await;
    let sender = EditedMeanwhile {
        store: h.store.clone(),
        endpoint: endpoint.clone(),
        inner: h.receivers.clone(),
    };
    let worker =
        switchboard_domain::webhooks::worker::WebhookWorker::new(h.store.clone(), sender, vec![5]);
    let now: Timestamp = h.clock.now();
    assert_eq!(
        worker
            .deliver(&delivery.reference(), now, 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    assert_eq!(stored(h, &delivery).await.status, DeliveryStatus::Failed);
    endpoint
}

#[tokio::test]
async fn an_edit_made_while_a_delivery_is_in_flight_wins_over_the_workers_change() {
    let h = Hooks::new().await;
    let endpoint = gone_while_edited(&h).await;
    let e = endpoint_now(&h, &endpoint).await;
    assert_eq!((e.description.as_str(), e.version), ("edited meanwhile", 2));
    assert!(e.enabled, "the admin's write came first");
}

#[tokio::test]
async fn no_one_is_told_of_a_disabling_that_did_not_happen() {
    let h = Hooks::new().await;
    let endpoint = gone_while_edited(&h).await;
    assert!(endpoint_now(&h, &endpoint).await.enabled);
    assert!(
        bell(&h, h.acme.owner.user.id).await.is_empty(),
        "the endpoint was not disabled"
    );
}
