//! In-app notifications: who an event concerns (`notification`), and each
//! person's inbox and preferences (`inbox`).

pub mod inbox;
pub mod notification;
pub mod ports;
