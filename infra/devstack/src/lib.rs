//! devstack: Switchboard's local cloud. It reads template.yaml and runs
//! every function, route and trigger of it on one machine, against a local
//! AWS emulator (moto), with the same binaries that run in Lambda.

pub mod filter;
pub mod http_api;
pub mod lambda;
pub mod model;
pub mod outbound_mail;
pub mod provision;
pub mod queues;
pub mod schedules;
pub mod smtp;
pub mod stack;
pub mod streams;
pub mod template;
pub mod websocket;
