//! In-app notifications, the unread counter and preferences in memory.

use std::collections::BTreeMap;
use switchboard_domain::kernel::error::StoreResult;

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::ids::{NotificationId, TenantId, UserId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::notifications::notification::{Notification, Preferences};
use switchboard_domain::notifications::ports::{NotificationStore, PreferenceStore};

use super::{MemoryStore, distinct};

impl NotificationStore for MemoryStore {
    async fn add_notification(&self, n: &Notification) -> StoreResult<bool> {
        self.enter("add_notification")?;
        Ok(self.write(|s| {
            let key = (n.tenant_id, n.user_id, n.id);
            if s.notifications.contains_key(&key) {
                return false;
            }
            s.notifications.insert(key, n.clone());
            // Counted whatever its `read_at`, as `DynamoStore` counts it.
            *s.unread.entry((n.tenant_id, n.user_id)).or_insert(0) += 1;
            true
        }))
    }

    async fn notifications(
        &self,
        tenant: TenantId,
        user: UserId,
        unread_only: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>> {
        self.enter("notifications")?;
        let rows = self.read(|s| {
            s.notifications
                .iter()
                .filter(|((t, u, _), n)| {
                    *t == tenant && *u == user && (!unread_only || n.read_at.is_none())
                })
                .map(|((_, _, id), n)| (id.ulid().to_string(), n.clone()))
                .collect()
        });
        let scope = format!("notifications|{tenant}|{user}|{unread_only}");
        self.cursors().page(&scope, rows, true, page)
    }

    async fn unread_count(&self, tenant: TenantId, user: UserId) -> StoreResult<u64> {
        self.enter("unread_count")?;
        Ok(self.read(|s| {
            s.unread
                .get(&(tenant, user))
                .map_or(0, |n| u64::try_from(*n).unwrap_or(0))
        }))
    }

    async fn mark_read(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
        at: Timestamp,
    ) -> StoreResult<Notification> {
        self.enter("mark_read")?;
        self.write(|s| {
            let n = s
                .notifications
                .get_mut(&(tenant, user, id))
                .ok_or(StoreError::NotFound)?;
            if n.read_at.is_none() {
                n.read_at = Some(at);
                let read = n.clone();
                *s.unread.entry((tenant, user)).or_insert(0) -= 1;
                return Ok(read);
            }
            Ok(n.clone())
        })
    }

    async fn mark_all_read(
        &self,
        tenant: TenantId,
        user: UserId,
        at: Timestamp,
    ) -> StoreResult<u64> {
        self.enter("mark_all_read")?;
        Ok(self.write(|s| {
            let mut marked = 0i64;
            for ((t, u, _), n) in s.notifications.iter_mut() {
                if *t == tenant && *u == user && n.read_at.is_none() {
                    n.read_at = Some(at);
                    marked += 1;
                }
            }
            *s.unread.entry((tenant, user)).or_insert(0) -= marked;
            u64::try_from(marked).unwrap_or(0)
        }))
    }

    async fn delete_notification(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
    ) -> StoreResult<()> {
        self.enter("delete_notification")?;
        self.write(|s| {
            let n = s
                .notifications
                .remove(&(tenant, user, id))
                .ok_or(StoreError::NotFound)?;
            if n.read_at.is_none() {
                *s.unread.entry((tenant, user)).or_insert(0) -= 1;
            }
            Ok(())
        })
    }
}

impl PreferenceStore for MemoryStore {
    async fn preferences(
        &self,
        tenant: TenantId,
        users: &[UserId],
    ) -> StoreResult<BTreeMap<UserId, Preferences>> {
        self.enter("preferences")?;
        for chunk in users.chunks(100) {
            distinct(chunk)?;
        }
        Ok(self.read(|s| {
            users
                .iter()
                .filter_map(|u| s.preferences.get(&(tenant, *u)).map(|p| (*u, p.clone())))
                .collect()
        }))
    }

    async fn put_preferences(
        &self,
        tenant: TenantId,
        user: UserId,
        preferences: &Preferences,
    ) -> StoreResult<()> {
        self.enter("put_preferences")?;
        self.write(|s| s.preferences.insert((tenant, user), preferences.clone()));
        Ok(())
    }
}
