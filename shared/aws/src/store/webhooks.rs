//! [`WebhookStore`] on the single table.

use super::{DynamoStore, from_item, sdk_error, to_item};
use crate::items::{DeliveryItem, EndpointItem};
use crate::keys::{self, attr};
use aws_sdk_dynamodb::types::AttributeValue;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{DeliveryId, TenantId, WebhookId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::webhooks::ports::WebhookStore;
use switchboard_domain::webhooks::webhook::{Delivery, Endpoint};

impl DynamoStore {
    /// A put that creates (`None`) or replaces at a version.
    async fn put_versioned(
        &self,
        item: super::Item,
        expected_version: Option<u64>,
    ) -> StoreResult<()> {
        let req = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item));
        let req = match expected_version {
            None => req.condition_expression("attribute_not_exists(PK)"),
            Some(v) => req
                .condition_expression("#v = :expected")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":expected", AttributeValue::N(v.to_string())),
        };
        match req.send().await.map_err(sdk_error) {
            Ok(_) => Ok(()),
            Err(StoreError::ConditionFailed) => Err(StoreError::VersionMismatch),
            Err(e) => Err(e),
        }
    }
}

impl WebhookStore for DynamoStore {
    async fn put_endpoint(
        &self,
        endpoint: &Endpoint,
        expected_version: Option<u64>,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let item = to_item(&EndpointItem::from(endpoint))?;
        let mut writes = vec![match expected_version {
            None => self.put(item, Some("attribute_not_exists(PK)"))?,
            Some(v) => self.put_if_version(item, v)?,
        }];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn endpoint(&self, tenant: TenantId, id: WebhookId) -> StoreResult<Option<Endpoint>> {
        Ok(self
            .get::<EndpointItem>(&keys::webhook(tenant, id))
            .await?
            .map(|i| i.endpoint))
    }

    async fn endpoints(&self, tenant: TenantId) -> StoreResult<Vec<Endpoint>> {
        let pk = keys::tenant(tenant).pk;
        self.query_partition(&pk, keys::WEBHOOK_PREFIX)
            .await?
            .into_iter()
            .map(|i| from_item::<EndpointItem>(i).map(|e| e.endpoint))
            .collect()
    }

    async fn delete_endpoint(
        &self,
        tenant: TenantId,
        id: WebhookId,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        let mut writes = vec![self.delete_existing(&keys::webhook(tenant, id))?];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| match i {
            0 => StoreError::NotFound,
            _ => StoreError::ConditionFailed,
        })
        .await
    }

    async fn create_delivery(&self, delivery: &Delivery) -> StoreResult<bool> {
        let item = to_item(&DeliveryItem::from(delivery))?;
        match self.put_versioned(item, None).await {
            Ok(()) => Ok(true),
            Err(StoreError::VersionMismatch) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn delivery(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        id: DeliveryId,
    ) -> StoreResult<Option<Delivery>> {
        Ok(self
            .get::<DeliveryItem>(&keys::delivery(tenant, endpoint, id))
            .await?
            .map(|i| i.delivery))
    }

    async fn save_delivery(&self, delivery: &Delivery, expected_version: u64) -> StoreResult<()> {
        let item = to_item(&DeliveryItem::from(delivery))?;
        self.put_versioned(item, Some(expected_version)).await
    }

    async fn deliveries(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        page: &PageRequest,
    ) -> StoreResult<Page<Delivery>> {
        let pk = keys::deliveries_pk(tenant, endpoint);
        let (items, next_cursor) = self
            .query_page(
                None,
                (attr::PK, &pk),
                Some((attr::SK, keys::DELIVERY_PREFIX)),
                false,
                page,
                &pk,
            )
            .await?;
        let items = items
            .into_iter()
            .map(|i| from_item::<DeliveryItem>(i).map(|d| d.delivery))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }
}
