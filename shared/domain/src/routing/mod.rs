//! The event router: what happens downstream of each outbox event, in steps
//! that are safe to repeat.

pub mod ports;
pub mod router;
