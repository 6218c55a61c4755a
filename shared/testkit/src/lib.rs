//! Switchboard's test kit: use-case tests without an emulator.
//!
//! - [`MemoryStore`] implements every storage port of the domain with the
//!   semantics `DynamoStore` has on the single table, records the outbox,
//!   and fails on demand.
//! - [`twins`] stand in for the outside world: the bucket, the WebSocket
//!   @connections API, the queues, the mailer and webhook receivers.
//! - [`TestClock`] is the `now` a test moves by hand.
//! - [`fixtures`] build a tenant with its people through the real account
//!   services.
//! - [`contract`] is the suite every store passes: the in-memory one here
//!   (`tests/contract_memory.rs`) and `DynamoStore` on moto
//!   (`shared/aws/tests/contract.rs`).

pub mod clock;
pub mod contract;
pub mod fixtures;
pub mod memory;
pub mod twins;

pub use clock::TestClock;
pub use fixtures::{Person, TestTenant};
pub use memory::MemoryStore;
pub use twins::{
    MemoryIdentities, MemoryMailer, MemoryObjects, MemoryPusher, MemoryQueues, ScriptedWebhooks,
};
