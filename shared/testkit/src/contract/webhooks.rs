//! Webhook endpoints, the delivery log, uploads and attachments.

use std::collections::BTreeSet;

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::attachments::attachment::{Attachment, Upload};
use switchboard_domain::attachments::ports::AttachmentStore;
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::ids::{
    AttachmentId, EventId, TenantId, TicketId, UploadId, WebhookId,
};
use switchboard_domain::webhooks::ports::WebhookStore;
use switchboard_domain::webhooks::webhook::{
    Delivery, DeliveryStatus, Endpoint, EventFilter, Secret, SigningKey, delivery_id,
};

use super::support::*;

pub(super) fn endpoint(tenant: TenantId) -> Endpoint {
    Endpoint {
        id: WebhookId::new(),
        tenant_id: tenant,
        url: "https://hooks.example/switchboard".into(),
        description: "CRM".into(),
        events: EventFilter::Only(BTreeSet::from(["ticket.created".to_owned()])),
        enabled: true,
        disabled_reason: None,
        keys: vec![SigningKey {
            secret: Secret::generate(),
            created_at: now(),
            retires_at: None,
        }],
        failing_since: None,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

fn delivery(e: &Endpoint, at: Timestamp) -> Delivery {
    let event = EventId::new();
    Delivery {
        id: delivery_id(event, e.id),
        tenant_id: e.tenant_id,
        endpoint_id: e.id,
        event_id: event,
        event_type: "ticket.created".into(),
        payload: r#"{"type":"ticket.created"}"#.into(),
        status: DeliveryStatus::Pending,
        attempts: Vec::new(),
        next_attempt_at: Some(at),
        created_at: at,
        version: 1,
    }
}

/// Endpoints are created once and replaced at their version
/// (`VersionMismatch` otherwise, also for an absent one), listed in id
/// order, deleted once (`NotFound` after).
pub async fn endpoints_are_versioned<S: WebhookStore, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    let (a, b) = (endpoint(tenant), endpoint(tenant));
    store
        .put_endpoint(&a, None, &[])
        .await
        .expect("an endpoint");
    store
        .put_endpoint(&b, None, &[])
        .await
        .expect("an endpoint");
    assert_error(
        store.put_endpoint(&a, None, &[]).await,
        &StoreError::VersionMismatch,
    );
    let mut disabled = a.clone();
    disabled.enabled = false;
    disabled.disabled_reason = Some("gone".into());
    disabled.version = 2;
    store
        .put_endpoint(&disabled, Some(1), &[])
        .await
        .expect("a replacement");
    assert_error(
        store.put_endpoint(&a, Some(1), &[]).await,
        &StoreError::VersionMismatch,
    );
    assert_error(
        store.put_endpoint(&endpoint(tenant), Some(1), &[]).await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(
        store.endpoint(tenant, a.id).await.expect("read"),
        Some(disabled.clone())
    );
    let mut listed = vec![disabled.clone(), b.clone()];
    listed.sort_by_key(|e| e.id);
    assert_eq!(store.endpoints(tenant).await.expect("list"), listed);
    store
        .delete_endpoint(tenant, a.id, &[])
        .await
        .expect("a deletion");
    assert_eq!(store.endpoint(tenant, a.id).await.expect("read"), None);
    assert_error(
        store.delete_endpoint(tenant, a.id, &[]).await,
        &StoreError::NotFound,
    );
    assert_error(
        store.delete_endpoint(TenantId::new(), b.id, &[]).await,
        &StoreError::NotFound,
    );
    assert_eq!(store.endpoints(tenant).await.expect("list"), vec![b]);
}

/// A delivery is recorded once (`false` the second time, the first kept),
/// saved at its version, and an endpoint's log lists newest first in full
/// pages with its own cursors.
pub async fn deliveries_are_recorded_once<S: WebhookStore, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    let (e, other) = (endpoint(tenant), endpoint(tenant));
    let t0 = now();
    let mut log = Vec::new();
    for i in 0..5 {
        let d = delivery(&e, t0 + secs(i));
        assert!(store.create_delivery(&d).await.expect("a delivery"));
        log.push(d);
    }
    store
        .create_delivery(&delivery(&other, t0))
        .await
        .expect("another endpoint's");
    let mut changed = log[0].clone();
    changed.status = DeliveryStatus::Failed;
    assert!(!store.create_delivery(&changed).await.expect("a redelivery"));
    assert_eq!(
        store.delivery(tenant, e.id, log[0].id).await.expect("read"),
        Some(log[0].clone())
    );
    changed.version = 2;
    store
        .save_delivery(&changed, 1)
        .await
        .expect("a save at the read version");
    assert_error(
        store.save_delivery(&changed, 1).await,
        &StoreError::VersionMismatch,
    );
    assert_error(
        store.save_delivery(&delivery(&e, t0), 1).await,
        &StoreError::VersionMismatch,
    );
    log[0] = changed;
    log.sort_by_key(|d| std::cmp::Reverse(d.id));
    let listed = all_pages(
        2,
        |p| async move { store.deliveries(tenant, e.id, &p).await },
    )
    .await;
    assert_eq!(listed, log);
    let cursor = first_cursor(|p| async move { store.deliveries(tenant, e.id, &p).await }).await;
    assert_invalid_cursor(store.deliveries(tenant, other.id, &after(&cursor)).await);
    assert_invalid_cursor(
        store
            .deliveries(TenantId::new(), e.id, &after(&cursor))
            .await,
    );
}

fn upload(tenant: TenantId, ticket: TicketId) -> Upload {
    Upload {
        id: UploadId::new(),
        tenant_id: tenant,
        ticket_id: ticket,
        uploaded_by: Actor::operator(),
        filename: "report.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1234,
        expires_at: now() + secs(900),
    }
}

fn attachment(u: &Upload) -> Attachment {
    Attachment {
        id: AttachmentId::new(),
        tenant_id: u.tenant_id,
        ticket_id: u.ticket_id,
        comment_id: None,
        public: true,
        filename: u.filename.clone(),
        content_type: u.content_type.clone(),
        size: u.size,
        uploaded_by: u.uploaded_by.clone(),
        created_at: now(),
    }
}

/// Uploads attach once: attaching records the attachments and forgets the
/// uploads together, and fails whole (`NotFound`) when an upload is gone
/// or an attachment exists. A ticket's attachments list oldest first.
pub async fn uploads_attach_once<S: AttachmentStore, O: Outbox>(store: &S, _: &O) {
    let (tenant, ticket) = (TenantId::new(), TicketId::new());
    let uploads: Vec<Upload> = (0..3).map(|_| upload(tenant, ticket)).collect();
    for u in &uploads {
        store.put_upload(u).await.expect("an upload");
    }
    assert_eq!(
        store.upload(tenant, uploads[0].id).await.expect("read"),
        Some(uploads[0].clone())
    );
    let (a0, a1) = (attachment(&uploads[0]), attachment(&uploads[1]));
    store
        .attach(&[a0.clone(), a1.clone()], &uploads[..2])
        .await
        .expect("an attach");
    assert_eq!(
        store.upload(tenant, uploads[0].id).await.expect("read"),
        None
    );
    assert_eq!(
        store.attachment(tenant, a0.id).await.expect("read"),
        Some(a0.clone())
    );
    let late = attachment(&uploads[0]);
    assert_error(
        store
            .attach(std::slice::from_ref(&late), &uploads[..1])
            .await,
        &StoreError::NotFound,
    );
    assert_eq!(store.attachment(tenant, late.id).await.expect("read"), None);
    let mut twin = attachment(&uploads[2]);
    twin.id = a0.id;
    assert_error(
        store.attach(&[twin], &uploads[2..]).await,
        &StoreError::NotFound,
    );
    assert_eq!(
        store.upload(tenant, uploads[2].id).await.expect("read"),
        Some(uploads[2].clone()),
        "a refused attach forgets no upload"
    );
    let mut both = vec![a0.clone(), a1.clone()];
    both.sort_by_key(|a| a.id);
    assert_eq!(store.attachments(tenant, ticket).await.expect("list"), both);
    assert!(
        store
            .attachments(tenant, TicketId::new())
            .await
            .expect("list")
            .is_empty()
    );
    store.delete_attachment(&a0).await.expect("a deletion");
    assert_eq!(store.attachment(tenant, a0.id).await.expect("read"), None);
    assert_error(store.delete_attachment(&a0).await, &StoreError::NotFound);
    assert_eq!(
        store.attachments(tenant, ticket).await.expect("list"),
        vec![a1]
    );
}
