//! What the webhooks context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreError;
use crate::kernel::ids::DeliveryId;
use crate::kernel::ids::TenantId;
use crate::kernel::ids::WebhookId;
use crate::kernel::pagination::Page;
use crate::kernel::pagination::PageRequest;
use crate::webhooks::webhook::Delivery;
use crate::webhooks::webhook::Endpoint;
use std::future::Future;

/// Webhook endpoints and their delivery log.
pub trait WebhookStore: Send + Sync {
    /// Creates (`expected_version: None`) or replaces an endpoint;
    /// `VersionMismatch` if it changed meanwhile.
    fn put_endpoint(
        &self,
        endpoint: &Endpoint,
        expected_version: Option<u64>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn endpoint(
        &self,
        tenant: TenantId,
        id: WebhookId,
    ) -> impl Future<Output = Result<Option<Endpoint>, StoreError>> + Send;

    /// Every endpoint of the tenant (at most a few dozen).
    fn endpoints(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<Vec<Endpoint>, StoreError>> + Send;

    /// Removes the endpoint; `NotFound` if absent. Its log expires.
    fn delete_endpoint(
        &self,
        tenant: TenantId,
        id: WebhookId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a delivery once: `false` if it was already there.
    fn create_delivery(
        &self,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn delivery(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        id: DeliveryId,
    ) -> impl Future<Output = Result<Option<Delivery>, StoreError>> + Send;

    /// Replaces a delivery at `expected_version`.
    fn save_delivery(
        &self,
        delivery: &Delivery,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Newest first.
    fn deliveries(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Delivery>, StoreError>> + Send;
}

/// Hands deliveries to the webhook worker (SQS).
pub trait DeliveryQueue: Send + Sync {
    fn enqueue(
        &self,
        delivery: &crate::webhooks::webhook::DeliveryRef,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Sends one signed request and reports what happened; it never fails:
/// refusals and timeouts are attempts too.
pub trait WebhookSender: Send + Sync {
    fn send(
        &self,
        request: &crate::webhooks::webhook::OutgoingRequest,
    ) -> impl Future<Output = crate::webhooks::webhook::SendResult> + Send;
}
