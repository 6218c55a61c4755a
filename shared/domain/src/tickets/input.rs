//! What the ticket use cases take as input.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::kernel::ids::TeamId;
use crate::tickets::ticket::Priority;

#[derive(Debug, Clone)]
pub enum RequesterInput {
    Id(String),
    Email { email: String, name: Option<String> },
}

#[derive(Debug, Clone, Default)]
pub struct NewTicketInput {
    pub subject: String,
    pub description: String,
    pub priority: Option<String>,
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub requester: Option<RequesterInput>,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<BTreeMap<String, Value>>,
    /// Set by a channel (a mailbox's defaults), never from a request: it
    /// applies whoever the requester is, where nothing else was chosen.
    pub routing: ChannelRouting,
    /// Set by the email channel: the other addresses on the opening mail.
    pub cc: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelRouting {
    pub team_id: Option<TeamId>,
    pub priority: Option<Priority>,
}

/// A partial change; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct TicketPatchInput {
    pub subject: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub kind: Option<String>,
    pub assignee_id: Option<Option<String>>,
    pub team_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub add_tags: Option<Vec<String>>,
    pub remove_tags: Option<Vec<String>>,
    pub custom_fields: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Clone, Default)]
pub struct TicketListInput {
    pub status: Option<String>,
    pub assignee: Option<String>,
    pub team: Option<String>,
    pub requester: Option<String>,
    pub priority: Option<String>,
    pub tag: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewCommentInput {
    pub body: String,
    /// Default: public.
    pub public: Option<bool>,
    /// Files recorded on the comment right after it (by the attachments
    /// use case): named on its event, so a consumer knows to wait for them.
    pub files: usize,
}
