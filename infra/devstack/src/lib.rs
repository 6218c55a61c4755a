//! devstack: Switchboard's local cloud. It reads template.yaml and runs
//! every function, route and trigger of it on one machine, against a local
//! AWS emulator (moto), with the same binaries that run in Lambda.
//!
//! `template` is the pure model of what to run; `lambda` runs functions;
//! `cloud` and `provision` talk to the emulator; `queues`, `streams` and
//! `schedules` drive triggers; `http_api`, `websocket`, `smtp` and
//! `outbound_mail` are the gateways; `stack` puts them together.

pub mod cloud;
pub mod http_api;
pub mod lambda;
pub mod outbound_mail;
pub mod provision;
pub mod queues;
pub mod schedules;
pub mod smtp;
pub mod stack;
pub mod streams;
pub mod template;
pub mod websocket;
