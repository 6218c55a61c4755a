//! Items of the SLA engine: configuration (JSON payloads, versioned), a
//! ticket's stored SLA with its index attributes, and announcement marks.

use serde::{Deserialize, Serialize};

use super::KeyAttrs;

pub const SLA_CONFIG_ENTITY: &str = "sla_config";
pub const TICKET_SLA_ENTITY: &str = "ticket_sla";
pub const SLA_MARK_ENTITY: &str = "sla_mark";
pub const SCHEDULER_ENTITY: &str = "scheduler";

/// Business hours or policies: a JSON document and its version.
#[derive(Debug, Serialize, Deserialize)]
pub struct SlaConfigItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub payload: String,
    pub version: u64,
}

/// A ticket's SLA. GSI1 lists it in its view (`breached`, `at_risk`),
/// GSI2 holds its next deadline for the scheduler; both only while they
/// apply (a sparse index).
#[derive(Debug, Serialize, Deserialize)]
pub struct TicketSlaItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    #[serde(rename = "tenantId")]
    pub tenant_id: switchboard_domain::kernel::ids::TenantId,
    #[serde(rename = "ticketId")]
    pub ticket_id: switchboard_domain::kernel::ids::TicketId,
    #[serde(
        rename = "nextDeadline",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_deadline: Option<jiff::Timestamp>,
    pub payload: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SlaMarkItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub cycle: String,
    pub threshold: String,
    pub at: jiff::Timestamp,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SchedulerItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub cursor: jiff::Timestamp,
}
