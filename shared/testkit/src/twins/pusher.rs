//! The @connections API in memory: pushes are recorded; a connection marked
//! gone answers `Gone`, as a closed socket's `410`.

use std::collections::BTreeSet;
use switchboard_domain::kernel::error::StoreResult;

use switchboard_domain::StoreError;
use switchboard_domain::realtime::ports::{PushResult, Pusher};

use super::Shared;

/// One message delivered to one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    pub connection_id: String,
    pub message: Vec<u8>,
}

impl Push {
    /// The message as JSON (what the fan-out sends), `Null` if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.message).unwrap_or_default()
    }
}

#[derive(Default)]
struct Pushes {
    delivered: Vec<Push>,
    gone: BTreeSet<String>,
    closed: Vec<String>,
}

#[derive(Clone, Default)]
pub struct MemoryPusher {
    state: Shared<Pushes>,
}

impl MemoryPusher {
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on pushes to `connection_id` answer `Gone`.
    pub fn mark_gone(&self, connection_id: &str) {
        self.state.with(|s| s.gone.insert(connection_id.to_owned()));
    }

    /// Every push delivered, in order.
    pub fn pushes(&self) -> Vec<Push> {
        self.state.with(|s| s.delivered.clone())
    }

    /// The pushes delivered since the last take.
    pub fn take_pushes(&self) -> Vec<Push> {
        self.state.with(|s| std::mem::take(&mut s.delivered))
    }

    /// The messages delivered to one connection, as JSON.
    pub fn messages_to(&self, connection_id: &str) -> Vec<serde_json::Value> {
        self.pushes()
            .iter()
            .filter(|p| p.connection_id == connection_id)
            .map(Push::json)
            .collect()
    }

    /// The connections closed, in order.
    pub fn closed(&self) -> Vec<String> {
        self.state.with(|s| s.closed.clone())
    }

    pub fn fail_next(&self, error: StoreError) {
        self.state.fail_next(error);
    }
}

impl Pusher for MemoryPusher {
    async fn push(&self, connection_id: &str, message: &[u8]) -> StoreResult<PushResult> {
        self.state.call(|s| {
            if s.gone.contains(connection_id) {
                return PushResult::Gone;
            }
            s.delivered.push(Push {
                connection_id: connection_id.to_owned(),
                message: message.to_vec(),
            });
            PushResult::Delivered
        })
    }

    async fn close(&self, connection_id: &str) -> StoreResult<()> {
        self.state.call(|s| {
            s.gone.insert(connection_id.to_owned());
            s.closed.push(connection_id.to_owned());
        })
    }
}
