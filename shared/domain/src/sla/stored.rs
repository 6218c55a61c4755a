//! A ticket's SLA as stored, and the check the worker is handed when its
//! next deadline comes.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{TenantId, TicketId};
use crate::sla::evaluate::{SlaView, TicketSla};

/// A ticket to check when its deadline comes (the worker's message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaCheck {
    pub tenant_id: TenantId,
    pub ticket_id: TicketId,
}

/// A ticket's stored SLA: what the API shows and the indexes hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSla {
    pub tenant_id: TenantId,
    pub ticket_id: TicketId,
    pub sla: TicketSla,
    pub next_deadline: Option<Timestamp>,
    pub view: Option<SlaView>,
    pub computed_at: Timestamp,
}

impl StoredSla {
    pub(crate) fn same_as(&self, other: &StoredSla) -> bool {
        self.sla == other.sla
            && self.next_deadline == other.next_deadline
            && self.view == other.view
    }
}
