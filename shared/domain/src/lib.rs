//! Switchboard's domain: what a helpdesk is, independent of where it runs.
//!
//! Entities and value types are parsed once at the edge ("parse, don't
//! validate"); rules are plain functions; storage is reached only through the
//! ports in [`ports`], which `switchboard-aws` implements.

pub mod accounts;
pub mod api_key;
pub mod attaching;
pub mod attachment;
pub mod auth;
pub mod comment;
pub mod delivering;
pub mod directory;
pub mod email;
pub mod error;
pub mod events;
pub mod fields;
pub mod idempotency;
pub mod ids;
pub mod inbox;
pub mod intake;
pub mod live;
pub mod mailboxes;
pub mod mailing;
pub mod notification;
pub mod pagination;
pub mod permissions;
pub mod ports;
pub mod realtime;
pub mod recovery;
pub mod routing;
pub mod session;
pub mod sla;
pub mod team;
pub mod tenant;
pub mod ticket;
pub mod ticketing;
pub mod user;
pub mod validation;
pub mod webhook;
pub mod webhooks;

pub use error::{DomainError, StoreError};
