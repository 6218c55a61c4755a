//! What the webhooks context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreResult;
use crate::kernel::ids::{DeliveryId, TenantId, WebhookId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::webhooks::webhook::{Delivery, Endpoint};

/// Webhook endpoints and their delivery log.
#[trait_variant::make(Send)]
pub trait WebhookStore: Send + Sync {
    /// Creates (`expected_version: None`) or replaces an endpoint, with
    /// `events`; `VersionMismatch` if it changed meanwhile.
    async fn put_endpoint(
        &self,
        endpoint: &Endpoint,
        expected_version: Option<u64>,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;

    async fn endpoint(&self, tenant: TenantId, id: WebhookId) -> StoreResult<Option<Endpoint>>;

    /// Every endpoint of the tenant (at most a few dozen).
    async fn endpoints(&self, tenant: TenantId) -> StoreResult<Vec<Endpoint>>;

    /// Removes the endpoint; `NotFound` if absent. Its log expires.
    async fn delete_endpoint(
        &self,
        tenant: TenantId,
        id: WebhookId,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;

    /// Records a delivery once: `false` if it was already there.
    async fn create_delivery(&self, delivery: &Delivery) -> StoreResult<bool>;

    async fn delivery(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        id: DeliveryId,
    ) -> StoreResult<Option<Delivery>>;

    /// Replaces a delivery at `expected_version`.
    async fn save_delivery(&self, delivery: &Delivery, expected_version: u64) -> StoreResult<()>;

    /// Newest first.
    async fn deliveries(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        page: &PageRequest,
    ) -> StoreResult<Page<Delivery>>;
}

/// Hands deliveries to the webhook worker (SQS).
#[trait_variant::make(Send)]
pub trait DeliveryQueue: Send + Sync {
    async fn enqueue(&self, delivery: &crate::webhooks::webhook::DeliveryRef) -> StoreResult<()>;
}

/// Sends one signed request and reports what happened; it never fails:
/// refusals and timeouts are attempts too.
#[trait_variant::make(Send)]
pub trait WebhookSender: Send + Sync {
    async fn send(
        &self,
        request: &crate::webhooks::webhook::OutgoingRequest,
    ) -> crate::webhooks::webhook::SendResult;
}
