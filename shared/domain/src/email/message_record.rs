//! What became of a message, by its Message-ID: the decision taken on a
//! received mail (and why), or where a sent one went.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{CommentId, TicketId};

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRecord {
    pub message_id: String,
    /// The sender as the message gives it (for admins reviewing mail).
    pub from: Option<String>,
    pub subject: String,
    pub decision: String,
    pub reason: String,
    pub ticket_id: Option<TicketId>,
    pub comment_id: Option<CommentId>,
    /// Where the raw message is kept.
    pub raw: String,
    pub received_at: Timestamp,
}
