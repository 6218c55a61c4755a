//! Personal data (GDPR): a person's export, and their erasure.
//!
//! Both are jobs. A request checks who may ask, records the job (and, for
//! an erasure, makes the person a tombstone at once: their name and
//! address are gone and their sessions ended before the answer); the jobs
//! worker then does the long part, with progress:
//! - an export gathers the person, their tickets' public conversations
//!   and links to their files into one JSON file, downloaded through a
//!   short-lived link;
//! - an erasure redacts what the person wrote, deletes their files and
//!   the mail they sent as it was received, takes their address off the
//!   tickets they were copied on (and out of those tickets' history), and
//!   forgets the records kept of their mail. Tickets, their numbers,
//!   statuses and timings stay, for the statistics.

pub mod erasure;
pub mod export;
pub mod ports;
pub mod requests;
pub mod runner;
pub mod tombstone;
