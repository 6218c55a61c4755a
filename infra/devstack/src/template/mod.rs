//! The template model: template.yaml read as devstack runs it, with no
//! processes, sockets or AWS calls. Everything else in devstack (the
//! Lambda pool, provisioning, pollers, gateways) builds on this model and
//! nothing here depends on them.
//!
//! - `document`: the YAML, CloudFormation short forms, parameters;
//! - `resolve`: intrinsic functions against local physical resources;
//! - `function`: functions with SAM `Globals` merged, and their events;
//! - `http`, `mappings`, `schedule`, `websocket`, `storage`, `mail`: the
//!   resources and triggers those events and resources declare.

pub mod document;
pub mod filter;
pub mod function;
pub mod http;
pub mod kinds;
pub mod mail;
pub mod mappings;
pub mod resolve;
pub mod schedule;
pub mod storage;
pub mod websocket;

pub use document::{Template, scalar_string};
pub use function::{Function, function_name, functions};
pub use http::{Cors, HttpRoute, cors};
pub use mail::{ReceiptRule, configuration_sets, email_identities, has_receipt_rule, receipt_rule};
pub use mappings::{QueueSource, StreamSource};
pub use resolve::{Context, Physical, offline_context};
pub use schedule::Schedule;
pub use storage::{Bucket, GlobalIndex, Key, Queue, Table, buckets, tables};
pub use websocket::{WebSocketApi, has_websocket_api, websocket_api};
