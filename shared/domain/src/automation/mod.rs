//! Automation: triggers (rules run on each change of a ticket, in order,
//! to a fixed point), their conditions and actions, the runner the event
//! router calls, automations run every hour, and macros agents apply.

pub mod action;
pub mod applying;
pub mod automations;
pub mod condition;
pub mod engine;
pub mod events;
pub mod firing;
pub mod hourly;
pub mod macros;
mod ordered;
pub mod ports;
pub mod references;
pub mod rule_mail;
pub mod timed;
pub mod trigger;
pub mod triggers;
