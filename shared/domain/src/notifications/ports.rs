//! What the notifications context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreError;
use crate::kernel::ids::NotificationId;
use crate::kernel::ids::TenantId;
use crate::kernel::ids::UserId;
use crate::kernel::pagination::Page;
use crate::kernel::pagination::PageRequest;
use crate::notifications::notification::Notification;
use crate::notifications::notification::Preferences;
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::future::Future;

/// In-app notifications and their unread count.
pub trait NotificationStore: Send + Sync {
    /// Records a notification and counts it unread, once: `false` when it
    /// was already there (a redelivered event).
    fn add_notification(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Newest first; only unread ones when `unread_only`.
    fn notifications(
        &self,
        tenant: TenantId,
        user: UserId,
        unread_only: bool,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Notification>, StoreError>> + Send;

    fn unread_count(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Marks one read (no change if it already was); `NotFound` if absent.
    fn mark_read(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
        at: Timestamp,
    ) -> impl Future<Output = Result<Notification, StoreError>> + Send;

    /// Marks every unread one read; returns how many.
    fn mark_all_read(
        &self,
        tenant: TenantId,
        user: UserId,
        at: Timestamp,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// `NotFound` if absent.
    fn delete_notification(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What each person wants to be notified of, in the app and by mail.
pub trait PreferenceStore: Send + Sync {
    fn preferences(
        &self,
        tenant: TenantId,
        users: &[UserId],
    ) -> impl Future<Output = Result<BTreeMap<UserId, Preferences>, StoreError>> + Send;

    fn put_preferences(
        &self,
        tenant: TenantId,
        user: UserId,
        preferences: &Preferences,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
