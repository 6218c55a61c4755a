//! [`MemoryStore`]: every storage port of the domain in memory, with the
//! semantics `DynamoStore` has on the single table (conditions, versions,
//! all-or-nothing transactions, uniqueness markers, index orders, sealed
//! cursors). The contract suite (`crate::contract`) runs against both.
//!
//! Each port method takes the one lock for its whole duration, checks every
//! condition of its transaction first and writes only if all hold, so a
//! failed write leaves nothing behind, as a cancelled TransactWriteItems.

mod accounts;
mod analytics;
mod assignment;
mod attachments;
mod audit;
mod credentials;
mod cursor;
mod email;
mod faults;
mod jobs;
mod kb;
mod kernel;
mod keys;
mod limits;
mod macros;
mod notifications;
mod organizations;
mod realtime;
mod routing;
mod sla;
mod state;
mod teams;
mod tickets;
mod triggers;
mod views;
mod webhooks;

use std::sync::{Arc, Mutex, PoisonError};
use switchboard_domain::kernel::error::StoreResult;

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{EventId, TenantId};

use crate::clock::TestClock;
use cursor::Sealer;
use faults::Faults;
use state::State;

/// The in-memory store. Clones share one state (cheap: an `Arc`).
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    faults: Mutex<Faults>,
    /// Where `DynamoStore` reads the wall clock itself (idempotency
    /// records' expiry), this is read instead when set.
    clock: Option<TestClock>,
    cursors: Sealer,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store that reads the wall clock where `DynamoStore` does.
    pub fn new() -> Self {
        Self::build(None)
    }

    /// An empty store that reads `clock` where `DynamoStore` reads the wall
    /// clock (an idempotency record expires 24 hours after it was made).
    pub fn with_clock(clock: TestClock) -> Self {
        Self::build(Some(clock))
    }

    fn build(clock: Option<TestClock>) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                faults: Mutex::new(Faults::default()),
                clock,
                cursors: Sealer::new(),
            }),
        }
    }

    /// Every outbox event written so far (by any port), in write order.
    pub fn events(&self) -> Vec<DomainEvent> {
        self.read(|s| s.outbox.clone())
    }

    /// The events written since the last take, in write order (`events`
    /// still lists them all).
    pub fn take_events(&self) -> Vec<DomainEvent> {
        self.write(|s| {
            let new = s.outbox.get(s.taken..).unwrap_or_default().to_vec();
            s.taken = s.outbox.len();
            new
        })
    }

    /// Whether the outbox holds event `id` of `tenant` (taken or not).
    pub fn holds_event(&self, tenant: TenantId, id: EventId) -> bool {
        self.read(|s| s.event_ids.contains(&(tenant, id)))
    }

    /// The next call of any port method fails with `error` (queued: two
    /// calls queue two failures).
    pub fn fail_next(&self, error: StoreError) {
        self.faults(|f| f.next.push_back(error));
    }

    /// The next call of the port method named `operation` (e.g.
    /// `"write_ticket"`) fails with `error`; other calls are unaffected.
    pub fn fail_next_call_to(&self, operation: &str, error: StoreError) {
        self.faults(|f| {
            f.by_operation
                .entry(operation.to_owned())
                .or_default()
                .push_back(error)
        });
    }

    /// While `true`, every call fails with `Unavailable` (an outage).
    pub fn set_unavailable(&self, down: bool) {
        self.faults(|f| f.down = down);
    }

    /// The port methods called so far, by name, in order (failed ones too).
    pub fn calls(&self) -> Vec<String> {
        self.faults(|f| f.calls.clone())
    }

    pub fn clear_calls(&self) {
        self.faults(|f| f.calls.clear());
    }

    /// Every port method starts here: it is counted, then fails if a fault
    /// was injected for it.
    fn enter(&self, operation: &'static str) -> StoreResult<()> {
        self.faults(|f| f.enter(operation))
    }

    fn faults<T>(&self, f: impl FnOnce(&mut Faults) -> T) -> T {
        f(&mut self
            .inner
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner))
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner))
    }

    fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// The time `DynamoStore` would take from the wall clock.
    fn wall_now(&self) -> Timestamp {
        self.inner
            .clock
            .as_ref()
            .map_or_else(Timestamp::now, TestClock::now)
    }

    fn cursors(&self) -> &Sealer {
        &self.inner.cursors
    }
}

/// DynamoDB refuses a transaction (or batch read) that names one item
/// twice; `DynamoStore` reports the refusal as `Internal`.
fn twice() -> StoreError {
    StoreError::Internal("a transaction or batch names one item twice".into())
}

/// Fails like DynamoDB when `keys` repeat.
fn distinct<K: Ord>(keys: impl IntoIterator<Item = K>) -> StoreResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for k in keys {
        if !seen.insert(k) {
            return Err(twice());
        }
    }
    Ok(())
}
