//! The knowledge base and its public help center: articles in categories
//! and sections, written in several locales, each save a revision; what
//! readers see of them (by visibility and status); search, suggestions
//! before a ticket is opened and for agents on a ticket; votes, views and
//! the searches that found nothing.

pub mod arranging;
pub mod article;
pub mod events;
pub mod file;
pub mod files;
pub mod finding;
pub mod help_center;
pub mod insights;
pub mod locale;
pub mod markdown;
pub mod ports;
pub mod reading;
pub mod service;
pub mod settings;
pub mod structure;
pub mod translating;
pub mod writing;
