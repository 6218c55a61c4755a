//! The twins of the outside world remember what left, and fail on demand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jiff::SignedDuration;
use switchboard_domain::StoreError;
use switchboard_domain::attachments::attachment::{Attachment, Upload};
use switchboard_domain::attachments::ports::{ObjectStore, StoredObject};
use switchboard_domain::email::ports::MailSender;
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::ids::{
    AttachmentId, DeliveryId, TenantId, TicketId, UploadId, WebhookId,
};
use switchboard_domain::realtime::ports::{PushResult, Pusher};
use switchboard_domain::sla::ports::SlaQueue;
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::webhooks::ports::{DeliveryQueue, WebhookSender};
use switchboard_domain::webhooks::webhook::{DeliveryRef, OutgoingRequest};
use switchboard_testkit::twins::Reply;
use switchboard_testkit::{
    MemoryMailer, MemoryObjects, MemoryPusher, MemoryQueues, ScriptedWebhooks, TestClock,
};

#[tokio::test]
async fn the_bucket_copies_what_a_client_uploaded_under_its_ticket() {
    let clock = TestClock::new();
    let objects = MemoryObjects::with_clock(clock.clone());
    let upload = Upload {
        id: UploadId::new(),
        tenant_id: TenantId::new(),
        ticket_id: TicketId::new(),
        uploaded_by: Actor::operator(),
        filename: "a.png".into(),
        content_type: "image/png".into(),
        size: 3,
        expires_at: clock.now(),
    };
    let put = objects.presign_upload(&upload).await.unwrap();
    assert_eq!(put.method, "PUT");
    assert_eq!(put.expires_at, clock.now() + SignedDuration::from_mins(15));
    assert!(
        put.url.contains(&upload.id.ulid().to_string()),
        "{}",
        put.url
    );
    assert_eq!(objects.uploaded(&upload).await.unwrap(), None);

    objects.upload(&upload, b"png", "image/png");
    assert_eq!(
        objects.uploaded(&upload).await.unwrap(),
        Some(StoredObject {
            size: 3,
            content_type: "image/png".into()
        })
    );
    let attachment = Attachment {
        id: AttachmentId::new(),
        tenant_id: upload.tenant_id,
        ticket_id: upload.ticket_id,
        comment_id: None,
        public: true,
        filename: upload.filename.clone(),
        content_type: upload.content_type.clone(),
        size: 3,
        uploaded_by: Actor::operator(),
        created_at: clock.now(),
    };
    // Kept is copied: the upload goes only once the attachment is recorded.
    objects.keep(&upload, &attachment).await.unwrap();
    assert_eq!(objects.read(&attachment).await.unwrap(), b"png");
    assert!(objects.uploaded(&upload).await.unwrap().is_some());
    objects.discard_upload(&upload).await.unwrap();
    assert_eq!(objects.uploaded(&upload).await.unwrap(), None);
    assert_eq!(objects.keys().len(), 1);
    let get = objects
        .presign_download(&attachment, "inline")
        .await
        .unwrap();
    assert_eq!(get.method, "GET");
    objects.fail_next(StoreError::Unavailable("s3".into()));
    assert!(objects.read(&attachment).await.is_err());
    objects.delete(&attachment).await.unwrap();
    assert!(matches!(
        objects.read(&attachment).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        objects.keep(&upload, &attachment).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn pushes_are_recorded_until_a_connection_is_gone() {
    let pusher = MemoryPusher::new();
    assert_eq!(
        pusher.push("c1", br#"{"type":"hello"}"#).await.unwrap(),
        PushResult::Delivered
    );
    pusher.mark_gone("c1");
    assert_eq!(pusher.push("c1", b"{}").await.unwrap(), PushResult::Gone);
    assert_eq!(
        pusher.messages_to("c1"),
        vec![serde_json::json!({"type": "hello"})]
    );
    assert_eq!(pusher.take_pushes().len(), 1);
    assert!(pusher.pushes().is_empty());
}

#[tokio::test]
async fn queues_record_what_was_enqueued() {
    let queues = MemoryQueues::new();
    let d = DeliveryRef {
        tenant_id: TenantId::new(),
        endpoint_id: WebhookId::new(),
        delivery_id: DeliveryId::new(),
    };
    queues.enqueue(&d).await.unwrap();
    let check = SlaCheck {
        tenant_id: d.tenant_id,
        ticket_id: TicketId::new(),
    };
    queues.enqueue_check(&check, 1200).await.unwrap();
    queues.fail_next(StoreError::Unavailable("sqs".into()));
    assert!(queues.enqueue(&d).await.is_err());
    assert_eq!(queues.take_deliveries(), vec![d]);
    assert_eq!(
        queues.sla_checks(),
        vec![(check, 900)],
        "SQS delays at most 900 s"
    );
    assert!(queues.mail_jobs().is_empty());
}

#[tokio::test]
async fn mail_is_kept_with_the_id_it_was_given() {
    let mailer = MemoryMailer::new();
    let id = mailer
        .send_raw(
            "help@acme.example",
            &["c@x.example".into()],
            b"Subject: Hi\r\n\r\nHello",
        )
        .await
        .unwrap();
    let sent = mailer.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].provider_id, id);
    assert!(sent[0].text().contains("Subject: Hi"));
    mailer.fail_next(StoreError::Unavailable("ses".into()));
    assert!(mailer.send_raw("a@b.example", &[], b"").await.is_err());
    assert_eq!(mailer.take_sent().len(), 1);
}

#[tokio::test]
async fn webhook_receivers_answer_as_scripted_then_the_default() {
    let clock = TestClock::new();
    let hooks = ScriptedWebhooks::with_clock(clock.clone());
    let url = "https://hooks.example/a";
    hooks.reply(
        url,
        Reply::status(503).retry_after(SignedDuration::from_secs(30)),
    );
    hooks.reply(url, Reply::error("no answer within 10 s"));
    let request = OutgoingRequest {
        url: url.into(),
        headers: Vec::new(),
        body: "{}".into(),
    };
    let first = hooks.send(&request).await;
    assert_eq!(first.attempt.status_code, Some(503));
    assert_eq!(first.retry_after, Some(SignedDuration::from_secs(30)));
    assert_eq!(first.attempt.at, clock.now());
    let second = hooks.send(&request).await;
    assert_eq!(
        (second.attempt.status_code, second.attempt.error.as_deref()),
        (None, Some("no answer within 10 s"))
    );
    let third = hooks.send(&request).await;
    assert!(third.attempt.succeeded());
    hooks.set_default(Reply::status(410).body("gone"));
    assert_eq!(hooks.send(&request).await.attempt.response, "gone");
    assert_eq!(hooks.requests_to(url).len(), 4);
    assert!(hooks.requests_to("https://other.example").is_empty());
}
