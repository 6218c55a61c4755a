//! Stored shape of the router's progress marks.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::KeyAttrs;
use crate::keys;

pub const EVENT_STEP_ENTITY: &str = "event_step";

/// How long the router remembers a finished step (past any stream retry).
const STEP_RETENTION_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
pub struct EventStepItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub ttl: i64,
}

impl EventStepItem {
    pub fn new(key: keys::Key, now: Timestamp) -> Self {
        Self {
            key: key.into(),
            entity: EVENT_STEP_ENTITY.to_owned(),
            ttl: now.as_second() + STEP_RETENTION_SECS,
        }
    }
}
