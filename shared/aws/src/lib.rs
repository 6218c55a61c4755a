//! Switchboard on AWS: the DynamoDB single table and the clients for it.
//!
//! Every key is built by [`keys`]; items are (de)serialized with
//! serde_dynamo in [`items`]; [`store::DynamoStore`] implements the domain's
//! ports.

pub mod config;
pub mod cursor;
pub mod identities;
pub mod items;
pub mod keys;
pub mod mailer;
pub mod metrics;
pub mod objects;
pub mod push;
pub mod queue;
pub mod store;

pub use store::DynamoStore;
