//! The notifications ports on the single table.

use super::{DynamoStore, build_error, from_item, to_item};
use crate::items::{NotificationItem, PreferencesItem};
use crate::keys::{self, Key, attr, index};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use jiff::Timestamp;
use std::collections::BTreeMap;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{NotificationId, TenantId, UserId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::notifications::notification::{Notification, Preferences};
use switchboard_domain::notifications::ports::{NotificationStore, PreferenceStore};

/// Unread notifications marked read per transaction (each also moves the
/// counter; DynamoDB allows 100 actions).
const READ_ALL_CHUNK: u32 = 50;

impl NotificationStore for DynamoStore {
    async fn add_notification(&self, n: &Notification) -> StoreResult<bool> {
        let items = vec![
            self.put_new(&NotificationItem::from(n))?,
            self.count_unread(n.tenant_id, n.user_id, 1)?,
        ];
        match self.transact(items, |_| StoreError::ConditionFailed).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn notifications(
        &self,
        tenant: TenantId,
        user: UserId,
        unread_only: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>> {
        let (items, next_cursor) = if unread_only {
            let pk = keys::unread_index_pk(tenant, user);
            self.query_page(
                Some(index::GSI1),
                (attr::GSI1PK, &pk),
                None,
                false,
                page,
                &pk,
            )
            .await?
        } else {
            let pk = keys::notifications_pk(tenant, user);
            self.query_page(
                None,
                (attr::PK, &pk),
                Some((attr::SK, keys::NOTIFICATION_PREFIX)),
                false,
                page,
                &pk,
            )
            .await?
        };
        let items = items
            .into_iter()
            .map(|i| from_item::<NotificationItem>(i).map(|n| n.notification))
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn unread_count(&self, tenant: TenantId, user: UserId) -> StoreResult<u64> {
        #[derive(serde::Deserialize)]
        struct Counter {
            count: i64,
        }
        let counter = self
            .get::<Counter>(&keys::unread_counter(tenant, user))
            .await?;
        Ok(counter.map_or(0, |c| u64::try_from(c.count).unwrap_or(0)))
    }

    async fn mark_read(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
        at: Timestamp,
    ) -> StoreResult<Notification> {
        let mut n = self
            .stored_notification(tenant, user, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if n.read_at.is_some() {
            return Ok(n);
        }
        let key = keys::notification(tenant, user, id);
        let items = vec![
            self.read_update(&key, at)?,
            self.count_unread(tenant, user, -1)?,
        ];
        match self.transact(items, |_| StoreError::ConditionFailed).await {
            Ok(()) => {
                n.read_at = Some(at);
                Ok(n)
            }
            // Read (or deleted) meanwhile: report what is there now.
            Err(StoreError::ConditionFailed) => self
                .stored_notification(tenant, user, id)
                .await?
                .ok_or(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    async fn mark_all_read(
        &self,
        tenant: TenantId,
        user: UserId,
        at: Timestamp,
    ) -> StoreResult<u64> {
        let pk = keys::unread_index_pk(tenant, user);
        let mut marked = 0;
        // Bounded: each round marks a chunk, or loses a race and retries.
        for _ in 0..200 {
            let page = PageRequest {
                limit: READ_ALL_CHUNK,
                cursor: None,
            };
            let (items, _) = self
                .query_page(
                    Some(index::GSI1),
                    (attr::GSI1PK, &pk),
                    None,
                    false,
                    &page,
                    &pk,
                )
                .await?;
            if items.is_empty() {
                return Ok(marked);
            }
            let mut writes = Vec::with_capacity(items.len() + 1);
            for item in &items {
                let (Some(pk), Some(sk)) = (
                    item.get(attr::PK).and_then(|v| v.as_s().ok()),
                    item.get(attr::SK).and_then(|v| v.as_s().ok()),
                ) else {
                    return Err(StoreError::Corrupt("notification without keys".into()));
                };
                writes.push(self.read_update(&Key::from_parts(pk.clone(), sk.clone()), at)?);
            }
            let n = writes.len();
            writes.push(self.count_unread(tenant, user, -i64::try_from(n).unwrap_or(0))?);
            match self.transact(writes, |_| StoreError::ConditionFailed).await {
                Ok(()) => marked += u64::try_from(n).unwrap_or(0),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(
            "marking notifications read did not settle".into(),
        ))
    }

    async fn delete_notification(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
    ) -> StoreResult<()> {
        let key = keys::notification(tenant, user, id);
        for _ in 0..3 {
            let n = self
                .stored_notification(tenant, user, id)
                .await?
                .ok_or(StoreError::NotFound)?;
            let items = if n.read_at.is_none() {
                vec![
                    self.delete(&key, Some("attribute_exists(GSI1PK)"))?,
                    self.count_unread(tenant, user, -1)?,
                ]
            } else {
                vec![self.delete(
                    &key,
                    Some("attribute_exists(PK) AND attribute_not_exists(GSI1PK)"),
                )?]
            };
            match self.transact(items, |_| StoreError::ConditionFailed).await {
                Err(StoreError::ConditionFailed) => continue,
                other => return other,
            }
        }
        Err(StoreError::Unavailable(
            "the notification kept changing".into(),
        ))
    }
}

impl PreferenceStore for DynamoStore {
    async fn preferences(
        &self,
        tenant: TenantId,
        users: &[UserId],
    ) -> StoreResult<BTreeMap<UserId, Preferences>> {
        let mut out = BTreeMap::new();
        for chunk in users.chunks(100) {
            let keys: Vec<Key> = chunk
                .iter()
                .map(|u| keys::notification_preferences(tenant, *u))
                .collect();
            for item in self.batch_get(&keys).await?.into_values() {
                let p: PreferencesItem = from_item(item)?;
                out.insert(p.user_id, p.preferences());
            }
        }
        Ok(out)
    }

    async fn put_preferences(
        &self,
        tenant: TenantId,
        user: UserId,
        preferences: &Preferences,
    ) -> StoreResult<()> {
        let item = to_item(&PreferencesItem::new(tenant, user, preferences))?;
        self.put_one(item, None).await
    }
}

impl DynamoStore {
    /// `ADD count :delta` on a person's unread counter.
    fn count_unread(
        &self,
        tenant: TenantId,
        user: UserId,
        delta: i64,
    ) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(&keys::unread_counter(tenant, user))))
            .update_expression("ADD #count :delta SET entity = :entity")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
            .expression_attribute_values(
                ":entity",
                AttributeValue::S(crate::items::UNREAD_COUNTER_ENTITY.into()),
            )
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Sets `readAt` and leaves the unread index, if still unread.
    fn read_update(&self, key: &Key, at: Timestamp) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(key)))
            .update_expression("SET readAt = :at REMOVE GSI1PK, GSI1SK")
            .condition_expression("attribute_exists(GSI1PK)")
            .expression_attribute_values(":at", AttributeValue::S(at.to_string()))
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    async fn stored_notification(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
    ) -> StoreResult<Option<Notification>> {
        Ok(self
            .get::<NotificationItem>(&keys::notification(tenant, user, id))
            .await?
            .map(|i| i.notification))
    }
}
