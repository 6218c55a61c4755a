//! Stored shapes of notifications, the unread counter and preferences.

use serde::{Deserialize, Serialize};
use switchboard_domain::kernel::ids::{TenantId, UserId};
use switchboard_domain::notifications::notification::{
    Notification, NotificationKind, Preferences,
};

use super::KeyAttrs;
use crate::keys;

pub const NOTIFICATION_ENTITY: &str = "notification";
pub const UNREAD_COUNTER_ENTITY: &str = "unread_counter";
pub const PREFERENCES_ENTITY: &str = "notification_preferences";

/// A notification; unread ones carry the keys of the sparse unread index.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    pub entity: String,
    #[serde(flatten)]
    pub notification: Notification,
}

impl From<&Notification> for NotificationItem {
    fn from(n: &Notification) -> Self {
        let key = keys::notification(n.tenant_id, n.user_id, n.id);
        let unread = n.read_at.is_none();
        Self {
            gsi1pk: unread.then(|| keys::unread_index_pk(n.tenant_id, n.user_id)),
            gsi1sk: unread.then(|| key.sk.clone()),
            key: key.into(),
            entity: NOTIFICATION_ENTITY.to_owned(),
            notification: n.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub user_id: UserId,
    pub muted: Vec<NotificationKind>,
    #[serde(default)]
    pub emailed: Vec<NotificationKind>,
}

impl PreferencesItem {
    pub fn new(tenant: TenantId, user: UserId, p: &Preferences) -> Self {
        Self {
            key: keys::notification_preferences(tenant, user).into(),
            entity: PREFERENCES_ENTITY.to_owned(),
            user_id: user,
            muted: p.muted.iter().copied().collect(),
            emailed: p.emailed.iter().copied().collect(),
        }
    }

    pub fn preferences(&self) -> Preferences {
        Preferences {
            muted: self.muted.iter().copied().collect(),
            emailed: self.emailed.iter().copied().collect(),
        }
    }
}
