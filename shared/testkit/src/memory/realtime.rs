//! WebSocket connections, their tickets and subscriptions in memory.

use std::collections::BTreeSet;
use switchboard_domain::kernel::error::StoreResult;

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::ids::TenantId;
use switchboard_domain::realtime::model::{Connection, ConnectionTicket, Subscriber, Topic};
use switchboard_domain::realtime::ports::ConnectionStore;

use super::MemoryStore;
use super::state::Subscription;

impl ConnectionStore for MemoryStore {
    async fn put_connection_ticket(
        &self,
        digest: &str,
        ticket: &ConnectionTicket,
    ) -> StoreResult<()> {
        self.enter("put_connection_ticket")?;
        self.write(|s| {
            if s.connection_tickets.contains_key(digest) {
                return Err(StoreError::ConditionFailed);
            }
            s.connection_tickets
                .insert(digest.to_owned(), ticket.clone());
            Ok(())
        })
    }

    async fn take_connection_ticket(&self, digest: &str) -> StoreResult<Option<ConnectionTicket>> {
        self.enter("take_connection_ticket")?;
        // Expired or not: the caller checks `expires_at`.
        Ok(self.write(|s| s.connection_tickets.remove(digest)))
    }

    async fn put_connection(&self, connection: &Connection) -> StoreResult<()> {
        self.enter("put_connection")?;
        // The topic set is kept by (un)subscribing only: a put starts it
        // empty, as the stored item's put never carries it.
        let stored = Connection {
            topics: BTreeSet::new(),
            ..connection.clone()
        };
        self.write(|s| s.connections.insert(connection.id.clone(), stored));
        Ok(())
    }

    async fn connection(&self, id: &str) -> StoreResult<Option<Connection>> {
        self.enter("connection")?;
        Ok(self.read(|s| s.connections.get(id).cloned()))
    }

    async fn delete_connection(&self, id: &str) -> StoreResult<()> {
        self.enter("delete_connection")?;
        self.write(|s| {
            let Some(connection) = s.connections.remove(id) else {
                return;
            };
            let tenant = connection.listener.tenant_id;
            for topic in &connection.topics {
                if let Ok(topic) = topic.parse::<Topic>() {
                    s.subscriptions
                        .remove(&(tenant, topic.to_string(), id.to_owned()));
                }
            }
        });
        Ok(())
    }

    async fn subscribe(&self, connection: &Connection, topic: &Topic) -> StoreResult<()> {
        self.enter("subscribe")?;
        self.write(|s| {
            // The connection closed meanwhile: nothing to subscribe.
            let Some(stored) = s.connections.get_mut(&connection.id) else {
                return;
            };
            stored.topics.insert(topic.to_string());
            let l = &connection.listener;
            s.subscriptions.insert(
                (l.tenant_id, topic.to_string(), connection.id.clone()),
                Subscription {
                    subscriber: Subscriber {
                        connection_id: connection.id.clone(),
                        tenant_id: l.tenant_id,
                        user_id: l.user_id,
                        role: l.role,
                        session_id: l.session_id,
                    },
                    ttl: connection.expires_at.as_second(),
                },
            );
        });
        Ok(())
    }

    async fn unsubscribe(&self, connection: &Connection, topic: &Topic) -> StoreResult<()> {
        self.enter("unsubscribe")?;
        self.write(|s| {
            let Some(stored) = s.connections.get_mut(&connection.id) else {
                return;
            };
            stored.topics.remove(&topic.to_string());
            s.subscriptions.remove(&(
                connection.listener.tenant_id,
                topic.to_string(),
                connection.id.clone(),
            ));
        });
        Ok(())
    }

    async fn subscribers(
        &self,
        tenant: TenantId,
        topic: &Topic,
        now: Timestamp,
    ) -> StoreResult<Vec<Subscriber>> {
        self.enter("subscribers")?;
        let topic = topic.to_string();
        Ok(self.read(|s| {
            s.subscriptions
                .iter()
                .filter(|((t, x, _), sub)| *t == tenant && *x == topic && sub.ttl > now.as_second())
                .map(|(_, sub)| sub.subscriber.clone())
                .collect()
        }))
    }
}
