//! Webhook endpoints and their delivery log in memory.

use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{DeliveryId, TenantId, WebhookId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::webhooks::ports::WebhookStore;
use switchboard_domain::webhooks::webhook::{Delivery, Endpoint};

use super::MemoryStore;

/// Creation (`None`) finds nothing there; replacement finds `expected`.
fn fits(stored: Option<u64>, expected: Option<u64>) -> bool {
    match expected {
        None => stored.is_none(),
        Some(v) => stored == Some(v),
    }
}

impl WebhookStore for MemoryStore {
    async fn put_endpoint(
        &self,
        endpoint: &Endpoint,
        expected_version: Option<u64>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_endpoint")?;
        self.write(|s| {
            let key = (endpoint.tenant_id, endpoint.id);
            if !fits(s.endpoints.get(&key).map(|e| e.version), expected_version) {
                return Err(StoreError::VersionMismatch);
            }
            s.endpoints.insert(key, endpoint.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn endpoint(&self, tenant: TenantId, id: WebhookId) -> StoreResult<Option<Endpoint>> {
        self.enter("endpoint")?;
        Ok(self.read(|s| s.endpoints.get(&(tenant, id)).cloned()))
    }

    async fn endpoints(&self, tenant: TenantId) -> StoreResult<Vec<Endpoint>> {
        self.enter("endpoints")?;
        Ok(self.read(|s| {
            s.endpoints
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, e)| e.clone())
                .collect()
        }))
    }

    async fn delete_endpoint(
        &self,
        tenant: TenantId,
        id: WebhookId,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("delete_endpoint")?;
        // Its deliveries stay until they expire.
        self.write(|s| {
            s.endpoints.remove(&(tenant, id))?;
            s.add_events(events);
            Some(())
        })
        .ok_or(StoreError::NotFound)
    }

    async fn create_delivery(&self, delivery: &Delivery) -> StoreResult<bool> {
        self.enter("create_delivery")?;
        Ok(self.write(|s| {
            let key = (delivery.tenant_id, delivery.endpoint_id, delivery.id);
            if s.deliveries.contains_key(&key) {
                return false;
            }
            s.deliveries.insert(key, delivery.clone());
            true
        }))
    }

    async fn delivery(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        id: DeliveryId,
    ) -> StoreResult<Option<Delivery>> {
        self.enter("delivery")?;
        Ok(self.read(|s| s.deliveries.get(&(tenant, endpoint, id)).cloned()))
    }

    async fn save_delivery(&self, delivery: &Delivery, expected_version: u64) -> StoreResult<()> {
        self.enter("save_delivery")?;
        self.write(|s| {
            let key = (delivery.tenant_id, delivery.endpoint_id, delivery.id);
            if !fits(
                s.deliveries.get(&key).map(|d| d.version),
                Some(expected_version),
            ) {
                return Err(StoreError::VersionMismatch);
            }
            s.deliveries.insert(key, delivery.clone());
            Ok(())
        })
    }

    async fn deliveries(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        page: &PageRequest,
    ) -> StoreResult<Page<Delivery>> {
        self.enter("deliveries")?;
        let rows = self.read(|s| {
            s.deliveries
                .iter()
                .filter(|((t, e, _), _)| *t == tenant && *e == endpoint)
                .map(|((_, _, id), d)| (id.ulid().to_string(), d.clone()))
                .collect()
        });
        let scope = format!("deliveries|{tenant}|{endpoint}");
        self.cursors().page(&scope, rows, true, page)
    }
}
