//! Webhook deliveries through `Webhooks`: `test` (a `webhook.test` event to
//! one endpoint), `deliveries` and `delivery` (the log, with the body sent)
//! and `redeliver` (the same delivery, the same `webhook-id`, queued again).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::{page, webhooks::Hooks};
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::{ActorType, DomainEvent, EventType};
use switchboard_domain::kernel::ids::DeliveryId;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::webhooks::events::WebhookTest;
use switchboard_domain::webhooks::service::EndpointInput;
use switchboard_domain::webhooks::webhook::{DeliveryStatus, delivery_id};
use switchboard_domain::webhooks::worker::Outcome;

#[tokio::test]
async fn a_test_sends_a_webhook_test_event_to_that_endpoint_only() {
    let h = Hooks::new().await;
    let only_tickets = EndpointInput {
        events: Some(vec!["ticket.created".into()]),
        ..EndpointInput::default()
    };
    let (a, _) = h.endpoint("https://a.example.com/in", only_tickets).await;
    let (b, _) = h
        .endpoint("https://b.example.com/in", EndpointInput::default())
        .await;
    let owner = &h.acme.owner.principal;
    let created = h.store.take_events();
    assert!(
        created
            .iter()
            .all(|e| e.kind == EventType::ConfigurationChanged),
        "the endpoints' creation only"
    );
    let delivery = h.webhooks.test(owner, a.id, h.clock.now()).await.unwrap();
    assert_eq!(delivery.endpoint_id, a.id);
    assert_eq!(delivery.status, DeliveryStatus::Pending);
    assert_eq!(delivery.event_type, "webhook.test");
    assert_eq!(delivery.next_attempt_at, Some(h.clock.now()));
    assert!(delivery.attempts.is_empty());
    let event: DomainEvent = serde_json::from_str(&delivery.payload).unwrap();
    assert_eq!(delivery.id, delivery_id(event.id, a.id));
    assert_eq!(
        (event.kind, event.actor.kind),
        (EventType::WebhookTest, ActorType::User)
    );
    assert_eq!(
        event.payload::<WebhookTest>().unwrap(),
        WebhookTest {
            webhook_id: a.id,
            message: "Test event from Switchboard".into()
        }
    );
    assert_eq!(h.queues.deliveries(), [delivery.reference()]);
    assert!(
        h.store.take_events().is_empty(),
        "not in the outbox: no one else gets it"
    );
    assert!(
        h.webhooks
            .deliveries(owner, b.id, &page(10))
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        h.webhooks
            .deliveries(owner, a.id, &page(10))
            .await
            .unwrap()
            .items,
        [delivery]
    );
}

#[tokio::test]
async fn deliveries_are_listed_newest_first_a_page_at_a_time() {
    let h = Hooks::new().await;
    let (a, _) = h
        .endpoint("https://a.example.com/in", EndpointInput::default())
        .await;
    let owner = &h.acme.owner.principal;
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(
            h.webhooks
                .test(owner, a.id, h.clock.now())
                .await
                .unwrap()
                .id,
        );
        // Delivery ids sort by their event's millisecond.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    made.reverse();
    let first = h.webhooks.deliveries(owner, a.id, &page(2)).await.unwrap();
    let ids: Vec<DeliveryId> = first.items.iter().map(|d| d.id).collect();
    assert_eq!(ids, made[..2]);
    let next = PageRequest {
        limit: 2,
        cursor: first.next_cursor,
    };
    let rest = h.webhooks.deliveries(owner, a.id, &next).await.unwrap();
    assert_eq!(
        rest.items.iter().map(|d| d.id).collect::<Vec<_>>(),
        made[2..]
    );
    assert_eq!(rest.next_cursor, None);
}

#[tokio::test]
async fn a_delivery_is_read_with_its_body_and_an_unknown_one_is_not_found() {
    let h = Hooks::new().await;
    let (a, _) = h
        .endpoint("https://a.example.com/in", EndpointInput::default())
        .await;
    let (b, _) = h
        .endpoint("https://b.example.com/in", EndpointInput::default())
        .await;
    let owner = &h.acme.owner.principal;
    let sent = h.webhooks.test(owner, a.id, h.clock.now()).await.unwrap();
    let read = h.webhooks.delivery(owner, a.id, sent.id).await.unwrap();
    assert_eq!(read, sent);
    assert!(
        read.payload.contains("\"type\":\"webhook.test\""),
        "{}",
        read.payload
    );
    let elsewhere = h.webhooks.delivery(owner, b.id, sent.id).await;
    assert!(
        matches!(elsewhere, Err(DomainError::NotFound)),
        "{elsewhere:?}"
    );
    let unknown = h.webhooks.delivery(owner, a.id, DeliveryId::new()).await;
    assert!(matches!(unknown, Err(DomainError::NotFound)));
    let redeliver_unknown = h
        .webhooks
        .redeliver(owner, a.id, DeliveryId::new(), h.clock.now())
        .await;
    assert!(matches!(redeliver_unknown, Err(DomainError::NotFound)));
}

#[tokio::test]
async fn a_redelivery_sends_the_same_delivery_again_whatever_became_of_it() {
    let h = Hooks::new().await;
    let (a, _) = h
        .endpoint("https://a.example.com/in", EndpointInput::default())
        .await;
    let owner = &h.acme.owner.principal;
    let sent = h.webhooks.test(owner, a.id, h.clock.now()).await.unwrap();
    let worker = h.worker(vec![5]);
    assert_eq!(
        worker
            .deliver(&sent.reference(), h.clock.now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    h.queues.take_deliveries();

    h.clock.advance(jiff::SignedDuration::from_hours(1));
    let again = h
        .webhooks
        .redeliver(owner, a.id, sent.id, h.clock.now())
        .await
        .unwrap();
    assert_eq!((again.id, again.status), (sent.id, DeliveryStatus::Pending));
    assert_eq!(again.next_attempt_at, Some(h.clock.now()));
    assert_eq!(again.version, 3, "created, delivered, redelivered");
    assert_eq!(again.attempts.len(), 1, "the log is kept");
    assert_eq!(h.queues.deliveries(), [sent.reference()]);
    assert_eq!(
        worker
            .deliver(&sent.reference(), h.clock.now(), 0.5)
            .await
            .unwrap(),
        Outcome::Done
    );
    let requests = h.receivers.requests();
    assert_eq!(requests.len(), 2);
    let ids: Vec<&str> = requests
        .iter()
        .map(|r| Hooks::header(r, "webhook-id"))
        .collect();
    assert_eq!(
        ids,
        [sent.id.to_string(), sent.id.to_string()],
        "dedupe on webhook-id"
    );
    let after = h.webhooks.delivery(owner, a.id, sent.id).await.unwrap();
    assert_eq!(
        (after.status, after.attempts.len()),
        (DeliveryStatus::Succeeded, 2)
    );
}

#[tokio::test]
async fn a_redelivery_racing_the_worker_is_refused_and_queues_nothing() {
    let h = Hooks::new().await;
    let (a, _) = h
        .endpoint("https://a.example.com/in", EndpointInput::default())
        .await;
    let owner = &h.acme.owner.principal;
    let sent = h.webhooks.test(owner, a.id, h.clock.now()).await.unwrap();
    h.queues.take_deliveries();
    h.store
        .fail_next_call_to("save_delivery", StoreError::VersionMismatch);
    let raced = h
        .webhooks
        .redeliver(owner, a.id, sent.id, h.clock.now())
        .await;
    assert!(
        matches!(raced, Err(DomainError::PreconditionFailed)),
        "{raced:?}"
    );
    assert!(h.queues.deliveries().is_empty());
    assert_eq!(
        h.webhooks
            .delivery(owner, a.id, sent.id)
            .await
            .unwrap()
            .version,
        1
    );
}

#[tokio::test]
async fn a_test_that_could_not_be_queued_fails_and_a_second_try_queues_it() {
    let h = Hooks::new().await;
    let (a, _) = h
        .endpoint("https://a.example.com/in", EndpointInput::default())
        .await;
    let owner = &h.acme.owner.principal;
    h.queues
        .fail_next(StoreError::Unavailable("injected".into()));
    let failed = h.webhooks.test(owner, a.id, h.clock.now()).await;
    assert!(
        matches!(failed, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{failed:?}"
    );
    let logged = h
        .webhooks
        .deliveries(owner, a.id, &page(10))
        .await
        .unwrap()
        .items;
    assert_eq!(logged.len(), 1, "logged, pending");
    let redelivered = h
        .webhooks
        .redeliver(owner, a.id, logged[0].id, h.clock.now())
        .await
        .unwrap();
    assert_eq!(h.queues.deliveries(), [redelivered.reference()]);
}
