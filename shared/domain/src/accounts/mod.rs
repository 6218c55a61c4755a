//! Tenants, people, sessions, API keys, teams and permissions: who may do
//! what. Sign-up, login, token refresh and authentication (`service`), the
//! directory of users, keys and teams (`directory`), password recovery and
//! invitations (`recovery`).

pub mod api_key;
pub mod directory;
pub mod events;
pub mod input;
pub mod organization;
pub mod organizations;
pub mod password_link;
pub mod passwords;
pub mod permissions;
pub mod ports;
pub mod recovery;
pub mod service;
pub mod session;
pub mod team;
pub mod tenant;
pub mod throttle;
pub mod tokens;
pub mod user;
