//! Stored shapes of notifications, WebSocket connections and the router's
//! progress marks.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::ids::{TenantId, UserId};
use switchboard_domain::notification::{Notification, NotificationKind, Preferences};
use switchboard_domain::realtime::{Connection, ConnectionTicket, Listener, Subscriber, Topic};
use switchboard_domain::user::Role;

use super::KeyAttrs;
use crate::keys;

pub const NOTIFICATION_ENTITY: &str = "notification";
pub const UNREAD_COUNTER_ENTITY: &str = "unread_counter";
pub const PREFERENCES_ENTITY: &str = "notification_preferences";
pub const CONNECTION_TICKET_ENTITY: &str = "connection_ticket";
pub const CONNECTION_ENTITY: &str = "connection";
pub const SUBSCRIPTION_ENTITY: &str = "subscription";
pub const EVENT_STEP_ENTITY: &str = "event_step";

/// How long the router remembers a finished step (past any stream retry).
const STEP_RETENTION_SECS: i64 = 7 * 24 * 3600;

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

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTicketItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    #[serde(flatten)]
    pub ticket: ConnectionTicket,
    pub ttl: i64,
}

impl ConnectionTicketItem {
    pub fn new(digest: &str, ticket: &ConnectionTicket) -> Self {
        Self {
            key: keys::connection_ticket(digest).into(),
            entity: CONNECTION_TICKET_ENTITY.to_owned(),
            ticket: ticket.clone(),
            ttl: ticket.expires_at.as_second(),
        }
    }
}

/// A connection. `topics` is a string set maintained with `ADD`/`DELETE`
/// by (un)subscribing, so it is never written by a put.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    pub connected_at: Timestamp,
    pub expires_at: Timestamp,
    pub ttl: i64,
    #[serde(default, skip_serializing)]
    pub topics: BTreeSet<String>,
}

impl From<&Connection> for ConnectionItem {
    fn from(c: &Connection) -> Self {
        Self {
            key: keys::connection(&c.id).into(),
            entity: CONNECTION_ENTITY.to_owned(),
            id: c.id.clone(),
            tenant_id: c.listener.tenant_id,
            user_id: c.listener.user_id,
            role: c.listener.role,
            connected_at: c.connected_at,
            expires_at: c.expires_at,
            ttl: c.expires_at.as_second(),
            topics: BTreeSet::new(),
        }
    }
}

impl From<ConnectionItem> for Connection {
    fn from(i: ConnectionItem) -> Self {
        Connection {
            id: i.id,
            listener: Listener {
                tenant_id: i.tenant_id,
                user_id: i.user_id,
                role: i.role,
            },
            connected_at: i.connected_at,
            expires_at: i.expires_at,
            topics: i.topics,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub connection_id: String,
    pub user_id: UserId,
    pub role: Role,
    pub ttl: i64,
}

impl SubscriptionItem {
    pub fn new(connection: &Connection, topic: &Topic) -> Self {
        let l = &connection.listener;
        Self {
            key: keys::subscription(l.tenant_id, topic, &connection.id).into(),
            entity: SUBSCRIPTION_ENTITY.to_owned(),
            connection_id: connection.id.clone(),
            user_id: l.user_id,
            role: l.role,
            ttl: connection.expires_at.as_second(),
        }
    }
}

impl From<SubscriptionItem> for Subscriber {
    fn from(i: SubscriptionItem) -> Self {
        Subscriber {
            connection_id: i.connection_id,
            user_id: i.user_id,
            role: i.role,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EventStepItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub ttl: i64,
}

impl EventStepItem {
    pub fn new(key: keys::Key, now: Timestamp) -> Self {
        Self {
            key: key.into(),
            entity: EVENT_STEP_ENTITY.to_owned(),
            ttl: now.as_second() + STEP_RETENTION_SECS,
        }
    }
}
