//! Switchboard's domain: what a helpdesk is, independent of where it runs.
//!
//! One folder per bounded context, each with its model, rules, ports (the
//! narrow traits it needs from storage and the outside world) and use
//! cases. Contexts depend in one direction only (`infra/check_layout.py`
//! fails on a circle):
//!
//! ```text
//! context          uses (and whatever those use)
//! kernel           -
//! accounts         kernel
//! limits           accounts
//! tickets          accounts
//! sla              tickets
//! notifications    tickets, sla
//! attachments      tickets
//! webhooks         notifications
//! realtime         notifications
//! email            attachments, notifications, automation (rules' mails)
//! jobs             accounts
//! privacy          email, jobs, search (a person's export and erasure; the
//!                  jobs worker's runner, which hands rebuilds to search)
//! search           attachments, jobs (full-text search of tickets)
//! kb               attachments (the knowledge base and help center; its files
//!                  as tickets' are; suggestions from a ticket's text)
//! assignment       tickets (agents' availability, skills and load; teams'
//!                  ways of handing out tickets; the assigner)
//! automation       webhooks, assignment (triggers: rules run on each change
//!                  of a ticket; macros agents apply)
//! audit            accounts (reading the trail the stores write with each
//!                  administrative change; its entries are the kernel's)
//! analytics        sla, assignment (daily counts and duration sketches the
//!                  router keeps; the reports read from them)
//! routing          email, realtime, webhooks, search, kb, automation,
//!                  analytics (the event router: all of them)
//! ```
//!
//! Entities and value types are parsed once at the edge ("parse, don't
//! validate"); rules are plain functions; storage is reached only through
//! ports, which `switchboard-aws` implements on DynamoDB and
//! `switchboard-testkit` in memory (one contract suite checks both).

pub mod kernel;

pub mod accounts;
pub mod limits;
pub mod tickets;

pub mod analytics;
pub mod assignment;
pub mod attachments;
pub mod audit;
pub mod automation;
pub mod email;
pub mod jobs;
pub mod kb;
pub mod notifications;
pub mod privacy;
pub mod realtime;
pub mod search;
pub mod sla;
pub mod webhooks;

pub mod routing;

pub use kernel::error::{DomainError, StoreError};
