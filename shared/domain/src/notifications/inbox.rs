//! A person's in-app notifications: the bell, its unread count, and what
//! they want to be told about.

use crate::notifications::ports::PreferenceStore;
use jiff::Timestamp;

use crate::accounts::permissions::{Action, Principal};
use crate::kernel::error::DomainError;
use crate::kernel::ids::{NotificationId, UserId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::kernel::validation::Validator;
use crate::notifications::notification::{Notification, NotificationKind, Preferences};
use crate::notifications::ports::NotificationStore;

pub struct Inbox<S> {
    store: S,
}

impl<S: NotificationStore + PreferenceStore> Inbox<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// Notifications belong to people; API keys have none.
    fn owner(principal: &Principal) -> Result<UserId, DomainError> {
        principal.require(Action::OwnNotifications)?;
        principal.user_id().ok_or(DomainError::Forbidden)
    }

    pub async fn list(
        &self,
        principal: &Principal,
        unread_only: bool,
        page: &PageRequest,
    ) -> Result<Page<Notification>, DomainError> {
        let user = Self::owner(principal)?;
        Ok(self
            .store
            .notifications(principal.tenant_id(), user, unread_only, page)
            .await?)
    }

    pub async fn unread_count(&self, principal: &Principal) -> Result<u64, DomainError> {
        let user = Self::owner(principal)?;
        Ok(self.store.unread_count(principal.tenant_id(), user).await?)
    }

    pub async fn mark_read(
        &self,
        principal: &Principal,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<Notification, DomainError> {
        let user = Self::owner(principal)?;
        Ok(self
            .store
            .mark_read(principal.tenant_id(), user, id, now)
            .await?)
    }

    pub async fn mark_all_read(
        &self,
        principal: &Principal,
        now: Timestamp,
    ) -> Result<u64, DomainError> {
        let user = Self::owner(principal)?;
        Ok(self
            .store
            .mark_all_read(principal.tenant_id(), user, now)
            .await?)
    }

    pub async fn delete(
        &self,
        principal: &Principal,
        id: NotificationId,
    ) -> Result<(), DomainError> {
        let user = Self::owner(principal)?;
        Ok(self
            .store
            .delete_notification(principal.tenant_id(), user, id)
            .await?)
    }

    pub async fn preferences(&self, principal: &Principal) -> Result<Preferences, DomainError> {
        let user = Self::owner(principal)?;
        let tenant = principal.tenant_id();
        let mut all = self.store.preferences(tenant, &[user]).await?;
        Ok(all.remove(&user).unwrap_or_default())
    }

    /// Replaces the muted kinds, and the kinds also sent by mail (kept
    /// when not given).
    pub async fn set_preferences(
        &self,
        principal: &Principal,
        muted: Vec<String>,
        emailed: Option<Vec<String>>,
    ) -> Result<Preferences, DomainError> {
        let user = Self::owner(principal)?;
        let mut v = Validator::new();
        let mut kinds = std::collections::BTreeSet::new();
        for (i, raw) in muted.iter().enumerate() {
            kinds.extend(v.field(&format!("muted.{i}"), NotificationKind::parse(raw)));
        }
        let mut mailed = std::collections::BTreeSet::new();
        for (i, raw) in emailed.iter().flatten().enumerate() {
            mailed.extend(v.field(&format!("emailed.{i}"), NotificationKind::parse(raw)));
        }
        v.finish()?;
        let emailed = match emailed {
            Some(_) => mailed,
            None => {
                let tenant = principal.tenant_id();
                let mut all = self.store.preferences(tenant, &[user]).await?;
                all.remove(&user).unwrap_or_default().emailed
            }
        };
        let preferences = Preferences {
            muted: kinds,
            emailed,
        };
        self.store
            .put_preferences(principal.tenant_id(), user, &preferences)
            .await?;
        Ok(preferences)
    }
}
