//! The realtime ports on the single table.

use super::{DynamoStore, build_error, from_item, sdk_error, to_item};
use crate::items::{ConnectionItem, ConnectionTicketItem, SubscriptionItem};
use crate::keys::{self};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, TransactWriteItem, Update};
use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::realtime::model::{Connection, ConnectionTicket, Subscriber, Topic};
use switchboard_domain::realtime::ports::ConnectionStore;

impl ConnectionStore for DynamoStore {
    async fn put_connection_ticket(
        &self,
        digest: &str,
        ticket: &ConnectionTicket,
    ) -> StoreResult<()> {
        let item = to_item(&ConnectionTicketItem::new(digest, ticket))?;
        self.put_one(item, Some("attribute_not_exists(PK)")).await
    }

    async fn take_connection_ticket(&self, digest: &str) -> StoreResult<Option<ConnectionTicket>> {
        let out = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::connection_ticket(digest))))
            .condition_expression("attribute_exists(PK)")
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(sdk_error);
        match out {
            Ok(out) => out
                .attributes
                .map(|item| from_item::<ConnectionTicketItem>(item).map(|i| i.ticket))
                .transpose(),
            Err(StoreError::ConditionFailed) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn put_connection(&self, connection: &Connection) -> StoreResult<()> {
        let item = to_item(&ConnectionItem::from(connection))?;
        self.put_one(item, None).await
    }

    async fn connection(&self, id: &str) -> StoreResult<Option<Connection>> {
        Ok(self
            .get::<ConnectionItem>(&keys::connection(id))
            .await?
            .map(Into::into))
    }

    async fn delete_connection(&self, id: &str) -> StoreResult<()> {
        let Some(connection) = self.connection(id).await? else {
            return Ok(());
        };
        let tenant = connection.listener.tenant_id;
        let mut deletes = vec![self.delete(&keys::connection(id), None)?];
        for topic in &connection.topics {
            if let Ok(topic) = topic.parse::<Topic>() {
                deletes.push(self.delete(&keys::subscription(tenant, &topic, id), None)?);
            }
        }
        for chunk in deletes.chunks(100) {
            self.transact(chunk.to_vec(), |_| StoreError::ConditionFailed)
                .await?;
        }
        Ok(())
    }

    async fn subscribe(&self, connection: &Connection, topic: &Topic) -> StoreResult<()> {
        let items = vec![
            self.put(to_item(&SubscriptionItem::new(connection, topic))?, None)?,
            self.topics_update(&connection.id, "ADD", topic)?,
        ];
        // The connection closed meanwhile: nothing to subscribe.
        match self.transact(items, |_| StoreError::NotFound).await {
            Err(StoreError::NotFound) => Ok(()),
            other => other,
        }
    }

    async fn unsubscribe(&self, connection: &Connection, topic: &Topic) -> StoreResult<()> {
        let tenant = connection.listener.tenant_id;
        let items = vec![
            self.delete(&keys::subscription(tenant, topic, &connection.id), None)?,
            self.topics_update(&connection.id, "DELETE", topic)?,
        ];
        match self.transact(items, |_| StoreError::NotFound).await {
            Err(StoreError::NotFound) => Ok(()),
            other => other,
        }
    }

    async fn subscribers(
        &self,
        tenant: TenantId,
        topic: &Topic,
        now: Timestamp,
    ) -> StoreResult<Vec<Subscriber>> {
        let items = self
            .query_partition(&keys::topic_pk(tenant, topic), "CONN#")
            .await?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let s: SubscriptionItem = from_item(item)?;
            // TTL deletion is lazy: expired subscriptions are skipped.
            if s.ttl > now.as_second() {
                out.push(s.into_subscriber(tenant));
            }
        }
        Ok(out)
    }
}

impl DynamoStore {
    /// Changes the topic set of a connection (`ADD` or `DELETE`).
    fn topics_update(
        &self,
        connection: &str,
        op: &str,
        topic: &Topic,
    ) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::connection(connection))))
            .update_expression(format!("{op} topics :topic"))
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":topic", AttributeValue::Ss(vec![topic.to_string()]))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
