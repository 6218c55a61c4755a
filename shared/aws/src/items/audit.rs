//! Stored shape of audit entries: the entry as JSON, with the attributes
//! the log's filters read beside it, and the tenant's retention as TTL.

use serde::{Deserialize, Serialize};
use switchboard_domain::kernel::audit::AuditEntry;

use super::KeyAttrs;
use crate::keys;

pub const AUDIT_ENTITY: &str = "audit";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    pub payload: String,
    pub ttl: i64,
}

impl AuditItem {
    pub fn new(entry: &AuditEntry) -> Result<Self, serde_json::Error> {
        Ok(Self {
            key: keys::audit_entry(entry.tenant_id, &entry.id).into(),
            entity: AUDIT_ENTITY.to_owned(),
            action: entry.action.clone(),
            actor_id: entry.actor.id.clone(),
            target_id: entry.target.as_ref().and_then(|t| t.id.clone()),
            payload: serde_json::to_string(entry)?,
            ttl: entry.expires_at.as_second(),
        })
    }

    pub fn entry(&self) -> Result<AuditEntry, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}
