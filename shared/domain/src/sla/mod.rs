//! SLAs: business calendars and target clocks (pure arithmetic), policies,
//! a ticket's SLA evaluated from its history, and the engine that keeps it
//! stored, scanned and announced.

pub mod calendar;
pub mod clock;
pub mod engine;
pub mod evaluate;
pub mod events;
pub mod policy;
pub mod ports;
pub mod scheduler;
pub mod settings;
pub mod stored;
pub mod views;

pub use calendar::{Calendar, Holiday, Interval};
pub use clock::{Due, Pauses, TargetState, TargetStatus, due, elapsed, status};
