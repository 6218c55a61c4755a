//! The SLA engine's arithmetic: business calendars and target clocks,
//! pure and recomputable from a ticket's history.

pub mod calendar;
pub mod clock;

pub use calendar::{Calendar, Holiday, Interval};
pub use clock::{Due, Pauses, TargetState, TargetStatus, due, elapsed, status};
