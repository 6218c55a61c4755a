//! Stored shapes of the domain's entities. Each item carries its keys, an
//! `entity` tag (streams and debugging read it) and a `version` where the
//! entity is updated under optimistic locking.

use serde::{Deserialize, Serialize};

use crate::keys::Key;

pub mod entity {
    pub const TENANT: &str = "tenant";
    pub const SLUG: &str = "slug";
    pub const USER: &str = "user";
    pub const LOGIN_EMAIL: &str = "login_email";
    pub const SESSION: &str = "session";
    pub const REFRESH_TOKEN: &str = "refresh_token";
    pub const LOGIN_FAILURES: &str = "login_failures";
    pub const API_KEY: &str = "api_key";
    pub const TEAM: &str = "team";
    /// Outbox events; the stream's event filter selects on this.
    pub const EVENT: &str = "event";
}

#[derive(Debug, Serialize, Deserialize)]
pub struct KeyAttrs {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
}

impl From<Key> for KeyAttrs {
    fn from(k: Key) -> Self {
        Self { pk: k.pk, sk: k.sk }
    }
}

mod accounts;
mod attachments;
mod audit;
mod email;
mod jobs;
mod kb;
mod kernel;
mod limits;
mod notifications;
mod organizations;
mod realtime;
mod routing;
mod sla;
mod tickets;
mod views;
mod webhooks;
pub use accounts::*;
pub use attachments::*;
pub use audit::*;
pub use email::*;
pub use jobs::*;
pub use kb::*;
pub use kernel::*;
pub use limits::*;
pub use notifications::*;
pub use organizations::*;
pub use realtime::*;
pub use routing::*;
pub use sla::*;
pub use tickets::*;
pub use views::*;
pub use webhooks::*;
