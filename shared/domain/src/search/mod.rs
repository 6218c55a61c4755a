//! Search: the query language agents and customers type (parsed here,
//! pure, with its own tests), the document the index keeps of a ticket,
//! and the use cases that search as a principal and keep documents up to
//! date; saved views, which are named searches. The index itself is a port: `switchboard-search` implements it
//! on tantivy.

pub mod document;
pub mod indexing;
pub mod people;
pub mod person;
pub mod ports;
pub mod query;
pub mod rebuild;
pub mod service;
pub mod view;
pub mod views;
