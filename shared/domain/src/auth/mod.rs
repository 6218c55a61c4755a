//! Credentials: password hashing, access tokens, refresh-token secrets and
//! the login throttle. Pure rules; storage is reached through ports.

pub mod passwords;
pub mod secrets;
pub mod throttle;
pub mod tokens;

pub use passwords::Passwords;
pub use secrets::SigningSecret;
pub use throttle::{FailureRecord, LoginThrottle};
pub use tokens::{AccessClaims, IssuedToken, TokenIssuer};
