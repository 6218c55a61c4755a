//! Webhooks after Standard Webhooks: endpoints and their secrets, signed
//! deliveries, retries and the delivery log (`service` manages endpoints,
//! `worker` delivers).

pub mod events;
pub mod ports;
pub mod service;
pub mod webhook;
pub mod worker;
