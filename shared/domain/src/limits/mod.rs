//! Rate limits: token buckets per tenant and per API key, sized by the
//! tenant's plan, shared by every function instance through the store and
//! leased to each instance in small batches so a request rarely waits on a
//! write.

pub mod bucket;
pub mod limiter;
pub mod ports;
