//! What the realtime context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreError;
use crate::kernel::ids::TenantId;
use crate::realtime::model::Connection;
use crate::realtime::model::ConnectionTicket;
use crate::realtime::model::Subscriber;
use crate::realtime::model::Topic;
use jiff::Timestamp;
use std::future::Future;

/// WebSocket connections, their subscriptions and connection tickets.
pub trait ConnectionStore: Send + Sync {
    /// Stores a ticket under the digest of its secret.
    fn put_connection_ticket(
        &self,
        digest: &str,
        ticket: &ConnectionTicket,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes and returns the ticket: a second call finds nothing.
    fn take_connection_ticket(
        &self,
        digest: &str,
    ) -> impl Future<Output = Result<Option<ConnectionTicket>, StoreError>> + Send;

    fn put_connection(
        &self,
        connection: &Connection,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn connection(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Connection>, StoreError>> + Send;

    /// Removes the connection and every subscription it holds.
    fn delete_connection(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds `topic` to the connection (idempotent).
    fn subscribe(
        &self,
        connection: &Connection,
        topic: &Topic,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn unsubscribe(
        &self,
        connection: &Connection,
        topic: &Topic,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Live (unexpired) subscribers of a topic.
    fn subscribers(
        &self,
        tenant: TenantId,
        topic: &Topic,
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<Subscriber>, StoreError>> + Send;
}

/// How a push to a connection went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushResult {
    Delivered,
    /// The connection is closed (`410 Gone`): forget it.
    Gone,
}

/// Sends messages to WebSocket connections (the @connections API).
pub trait Pusher: Send + Sync {
    fn push(
        &self,
        connection_id: &str,
        message: &[u8],
    ) -> impl Future<Output = Result<PushResult, StoreError>> + Send;
}
