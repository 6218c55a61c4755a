//! Tickets and their conversations: the ticket model and its status
//! lifecycle, comments, custom fields, and the use cases that open, read,
//! change, list and converse on tickets with their visibility rules.

pub mod changes;
pub mod comment;
pub mod conversation;
pub mod create;
pub mod custom_fields;
pub mod events;
pub mod fields;
pub mod input;
pub mod listing;
pub mod merge;
pub mod ports;
pub mod satisfaction;
pub mod service;
pub mod split;
pub mod ticket;
