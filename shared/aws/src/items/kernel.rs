//! Stored shape of outbox events.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::kernel::events::DomainEvent;

use switchboard_domain::kernel::ids::TenantId;

use super::{KeyAttrs, entity};
use crate::keys::{self};

/// How long outbox items stay after the stream has carried them.
const EVENT_RETENTION_SECS: i64 = 7 * 24 * 3600;

/// An outbox event. The envelope is kept as JSON text so that consumers get
/// back exactly what was written, whatever `data` holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub tenant_id: TenantId,
    pub occurred_at: Timestamp,
    pub payload: String,
    pub ttl: i64,
}

impl EventItem {
    pub fn new(event: &DomainEvent) -> Result<Self, serde_json::Error> {
        Ok(Self {
            key: keys::event(event.tenant_id, event.id).into(),
            entity: entity::EVENT.to_owned(),
            kind: event.kind.as_str().to_owned(),
            tenant_id: event.tenant_id,
            occurred_at: event.occurred_at,
            payload: serde_json::to_string(event)?,
            ttl: event.occurred_at.as_second() + EVENT_RETENTION_SECS,
        })
    }
}
