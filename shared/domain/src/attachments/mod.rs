//! Files on tickets: presigned uploads bound to size and type, checked
//! before they are attached, and short-lived downloads after the ticket's
//! permission check.

pub mod attachment;
pub mod ports;
pub mod service;
