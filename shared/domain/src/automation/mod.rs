//! Automation: triggers (rules run on each change of a ticket, in order,
//! to a fixed point), their conditions and actions, and the runner the
//! event router calls.

pub mod action;
pub mod condition;
pub mod engine;
pub mod events;
pub mod firing;
pub mod ports;
pub mod trigger;
pub mod triggers;
