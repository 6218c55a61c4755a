//! What the notifications context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreResult;
use crate::kernel::ids::{NotificationId, TenantId, UserId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::notifications::notification::{Notification, Preferences};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// In-app notifications and their unread count.
#[trait_variant::make(Send)]
pub trait NotificationStore: Send + Sync {
    /// Records a notification and counts it unread, once: `false` when it
    /// was already there (a redelivered event).
    async fn add_notification(&self, notification: &Notification) -> StoreResult<bool>;

    /// Newest first; only unread ones when `unread_only`.
    async fn notifications(
        &self,
        tenant: TenantId,
        user: UserId,
        unread_only: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<Notification>>;

    async fn unread_count(&self, tenant: TenantId, user: UserId) -> StoreResult<u64>;

    /// Marks one read (no change if it already was); `NotFound` if absent.
    async fn mark_read(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
        at: Timestamp,
    ) -> StoreResult<Notification>;

    /// Marks every unread one read; returns how many.
    async fn mark_all_read(
        &self,
        tenant: TenantId,
        user: UserId,
        at: Timestamp,
    ) -> StoreResult<u64>;

    /// `NotFound` if absent.
    async fn delete_notification(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
    ) -> StoreResult<()>;
}

/// What each person wants to be notified of, in the app and by mail.
#[trait_variant::make(Send)]
pub trait PreferenceStore: Send + Sync {
    async fn preferences(
        &self,
        tenant: TenantId,
        users: &[UserId],
    ) -> StoreResult<BTreeMap<UserId, Preferences>>;

    async fn put_preferences(
        &self,
        tenant: TenantId,
        user: UserId,
        preferences: &Preferences,
    ) -> StoreResult<()>;
}
