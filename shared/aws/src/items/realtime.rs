//! Stored shapes of WebSocket connections, their tickets and subscriptions.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::accounts::user::Role;
use switchboard_domain::kernel::ids::{SessionId, TenantId, UserId};
use switchboard_domain::realtime::model::{
    Connection, ConnectionTicket, Listener, Subscriber, Topic,
};

use super::KeyAttrs;
use crate::keys;

pub const CONNECTION_TICKET_ENTITY: &str = "connection_ticket";
pub const CONNECTION_ENTITY: &str = "connection";
pub const SUBSCRIPTION_ENTITY: &str = "subscription";

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
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
            session_id: c.listener.session_id,
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
                session_id: i.session_id,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
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
            session_id: l.session_id,
            ttl: connection.expires_at.as_second(),
        }
    }
}

impl SubscriptionItem {
    /// The subscriber, of the tenant whose topic partition held it.
    pub fn into_subscriber(self, tenant_id: TenantId) -> Subscriber {
        Subscriber {
            connection_id: self.connection_id,
            tenant_id,
            user_id: self.user_id,
            role: self.role,
            session_id: self.session_id,
        }
    }
}
