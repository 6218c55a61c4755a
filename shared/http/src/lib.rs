//! Switchboard's HTTP conventions, shared by every API function: errors as
//! RFC 9457 problem+json (mapped from domain errors here and nowhere else),
//! JSON and query extraction with the same error format, authentication,
//! request ids, structured logs and security headers.

pub mod auth;
pub mod cached;
pub mod conditional;
pub mod extract;
pub mod layers;
pub mod problem;
pub mod public;
pub mod rate_limit;
pub mod request_id;
pub mod respond;
pub mod routes;
pub mod views;

pub use auth::{Authenticate, Authenticated, MaybeAuthenticated, OperatorAuth};
pub use extract::{Json, Query};
pub use problem::ApiError;
pub use public::{ClientAddress, LimitAddresses, PublicRoute, ReaderRoute};
