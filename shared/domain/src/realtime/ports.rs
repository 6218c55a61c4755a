//! What the realtime context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreResult;
use crate::kernel::ids::TenantId;
use crate::realtime::model::{Connection, ConnectionTicket, Subscriber, Topic};
use jiff::Timestamp;

/// WebSocket connections, their subscriptions and connection tickets.
#[trait_variant::make(Send)]
pub trait ConnectionStore: Send + Sync {
    /// Stores a ticket under the digest of its secret.
    async fn put_connection_ticket(
        &self,
        digest: &str,
        ticket: &ConnectionTicket,
    ) -> StoreResult<()>;

    /// Removes and returns the ticket: a second call finds nothing.
    async fn take_connection_ticket(&self, digest: &str) -> StoreResult<Option<ConnectionTicket>>;

    async fn put_connection(&self, connection: &Connection) -> StoreResult<()>;

    async fn connection(&self, id: &str) -> StoreResult<Option<Connection>>;

    /// Removes the connection and every subscription it holds.
    async fn delete_connection(&self, id: &str) -> StoreResult<()>;

    /// Adds `topic` to the connection (idempotent).
    async fn subscribe(&self, connection: &Connection, topic: &Topic) -> StoreResult<()>;

    async fn unsubscribe(&self, connection: &Connection, topic: &Topic) -> StoreResult<()>;

    /// Live (unexpired) subscribers of a topic.
    async fn subscribers(
        &self,
        tenant: TenantId,
        topic: &Topic,
        now: Timestamp,
    ) -> StoreResult<Vec<Subscriber>>;
}

/// How a push to a connection went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushResult {
    Delivered,
    /// The connection is closed (`410 Gone`): forget it.
    Gone,
}

/// Sends messages to WebSocket connections (the @connections API).
#[trait_variant::make(Send)]
pub trait Pusher: Send + Sync {
    async fn push(&self, connection_id: &str, message: &[u8]) -> StoreResult<PushResult>;

    /// Closes the connection (a closed one is no error).
    async fn close(&self, connection_id: &str) -> StoreResult<()>;
}
