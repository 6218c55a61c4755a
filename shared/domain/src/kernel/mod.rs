//! What every context shares: ids, the error types (and the one translation
//! of a stale write into a failed precondition), input validation, paging,
//! idempotency keys, secrets and digests, the event envelope and the audit trail's entries.

pub mod audit;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod ids;
pub mod pagination;
pub mod ports;
pub mod secrets;
pub mod validation;
