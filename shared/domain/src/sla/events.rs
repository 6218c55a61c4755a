//! The `data` of SLA announcements.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::events::{EventType, Payload};
use crate::kernel::ids::{SlaPolicyId, TeamId, UserId};
use crate::sla::evaluate::TargetKind;

/// `sla.warning` and `sla.breached`: which target of which policy, its
/// clock, the ticket's team, and the extra people its escalation notifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaAnnounced {
    pub target: TargetKind,
    pub started_at: Timestamp,
    pub due_at: Option<Timestamp>,
    pub warn_at: Option<Timestamp>,
    pub policy_id: SlaPolicyId,
    pub policy_name: String,
    pub team_id: Option<TeamId>,
    pub notify: Vec<UserId>,
}

impl Payload for SlaAnnounced {
    const TYPES: &'static [EventType] = &[EventType::SlaWarning, EventType::SlaBreached];
}
