//! Live updates over WebSockets: topics and who may follow them, the
//! messages exchanged, connection tickets, and the fan-out of events to
//! subscribers (customers get the customer view).

pub mod model;
pub mod ports;
pub mod service;
