//! Process start-up for every function: configuration from the environment
//! the template declares, AWS clients built once, the domain's services
//! over them, and the Lambda runtime loop for API functions. Nothing here
//! differs between Lambda and devstack; `main.rs` files only call this.

pub mod api;
pub mod config;
pub mod env;
pub mod logging;
pub mod services;

pub use api::Api;
pub use config::{ConfigError, Settings, flag, required};
pub use env::Env;
