//! Reporting: the event router keeps, per tenant and day, exact counts and
//! mergeable duration sketches for the whole tenant and each team, agent,
//! channel and priority (once per event); reports read and merge them.

pub mod attainment;
pub mod ports;
pub mod record;
pub mod report;
pub mod sketch;
pub mod tally;
