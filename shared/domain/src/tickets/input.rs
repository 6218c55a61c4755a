//! What the ticket use cases take: inputs already parsed into domain types
//! at the edge (a request body converts with `TryFrom`, collecting every
//! field error), so a use case checks only what needs the store or the
//! caller (who may set what, whether an assignee exists, custom fields
//! against the tenant's schema).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::accounts::user::Email;
use crate::kernel::error::Invalid;
use crate::kernel::ids::{CommentId, TeamId, TicketId, UserId};
use crate::tickets::comment::{MailOrigin, parse_body};
use crate::tickets::ports::TicketSort;
use crate::tickets::ticket::{Channel, Priority, Status, Tag, TicketType, parse_subject};

/// A ticket's subject: trimmed, 1 to 250 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectLine(String);

impl SubjectLine {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        parse_subject(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A message's text: trimmed, not empty, at most 32 KiB, no control
/// characters but line breaks and tabs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body(String);

impl Body {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        parse_body(raw).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Who a ticket is for, as staff name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequesterRef {
    /// An existing user.
    Id(UserId),
    /// A person by email: an existing user, or a new customer.
    Email { email: Email, name: Option<String> },
}

/// A new ticket.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub subject: SubjectLine,
    /// The requester's first message.
    pub description: Body,
    pub priority: Option<Priority>,
    pub kind: Option<TicketType>,
    pub channel: Option<Channel>,
    /// Staff only; a customer's tickets are their own.
    pub requester: Option<RequesterRef>,
    pub assignee: Option<UserId>,
    pub team: Option<TeamId>,
    pub tags: Option<BTreeSet<Tag>>,
    /// Checked against the tenant's schema by the use case.
    pub custom_fields: BTreeMap<String, Value>,
    /// Set by a channel (a mailbox's defaults), never from a request: it
    /// applies whoever the requester is, where nothing else was chosen.
    pub routing: ChannelRouting,
    /// Set by the email channel: the other addresses on the opening mail.
    pub cc: BTreeSet<String>,
    /// Set by the email channel: the opening mail.
    pub mail: Option<MailOrigin>,
}

impl NewTicket {
    /// A ticket with only a subject and description; the rest defaults.
    pub fn new(subject: SubjectLine, description: Body) -> Self {
        Self {
            subject,
            description,
            priority: None,
            kind: None,
            channel: None,
            requester: None,
            assignee: None,
            team: None,
            tags: None,
            custom_fields: BTreeMap::new(),
            routing: ChannelRouting::default(),
            cc: BTreeSet::new(),
            mail: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelRouting {
    pub team_id: Option<TeamId>,
    pub priority: Option<Priority>,
    /// The channel could not prove who sent it (a mail failing DMARC):
    /// the ticket is tagged [`UNVERIFIED_SENDER`] for agents to see.
    pub unverified_sender: bool,
}

/// The tag of a ticket whose sender is not proven.
pub const UNVERIFIED_SENDER: &str = "unverified-sender";

/// A partial change; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketPatch {
    pub subject: Option<SubjectLine>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub kind: Option<TicketType>,
    pub assignee: Option<Option<UserId>>,
    pub team: Option<Option<TeamId>>,
    /// Replaces the tags; `add_tags` and `remove_tags` then apply.
    pub tags: Option<BTreeSet<Tag>>,
    pub add_tags: Option<BTreeSet<Tag>>,
    pub remove_tags: Option<BTreeSet<Tag>>,
    /// Checked against the tenant's schema by the use case.
    pub custom_fields: Option<BTreeMap<String, Value>>,
    /// Replaces the participants (people copied on the ticket).
    pub cc: Option<Participants>,
    /// Replaces the agents who follow the ticket.
    pub followers: Option<BTreeSet<UserId>>,
}

/// People copied on a ticket: at most [`MAX_PARTICIPANTS`] addresses,
/// lower-cased. They may reply by mail, read the ticket and follow it live
/// when they sign in, and are copied on agents' replies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Participants(BTreeSet<String>);

pub const MAX_PARTICIPANTS: usize = 20;

impl Participants {
    /// Each address parsed (errors name `participants.{i}`), duplicates
    /// merged, at most [`MAX_PARTICIPANTS`].
    pub fn parse(raw: &[String]) -> Result<Self, Vec<(String, Invalid)>> {
        let mut errors = Vec::new();
        let mut set = BTreeSet::new();
        for (i, a) in raw.iter().enumerate() {
            match Email::parse(a) {
                Ok(e) => {
                    set.insert(e.as_str().to_lowercase());
                }
                Err(e) => errors.push((format!("participants.{i}"), e)),
            }
        }
        if set.len() > MAX_PARTICIPANTS {
            errors.push((
                "participants".into(),
                Invalid::new(
                    "too_many",
                    format!("at most {MAX_PARTICIPANTS} participants"),
                ),
            ));
        }
        if errors.is_empty() {
            Ok(Self(set))
        } else {
            Err(errors)
        }
    }

    pub fn into_set(self) -> BTreeSet<String> {
        self.0
    }
}

/// Whom a list's `assignee` or `requester` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Someone {
    /// The caller (an API key is nobody).
    Me,
    Id(UserId),
}

impl Someone {
    /// `me` or a user id.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "me" => Ok(Someone::Me),
            id => crate::kernel::validation::parse_id(id).map(Someone::Id),
        }
    }
}

/// What a ticket list filters on and how it is sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketListFilter {
    pub status: Option<Status>,
    /// `Some(None)`: unassigned.
    pub assignee: Option<Option<Someone>>,
    /// `Some(None)`: no team.
    pub team: Option<Option<TeamId>>,
    pub requester: Option<Someone>,
    pub priority: Option<Priority>,
    pub tag: Option<Tag>,
    pub sort: Option<TicketSort>,
    /// Newest first unless `Some(false)`.
    pub descending: Option<bool>,
}

impl TicketListFilter {
    /// `updatedAt` or `createdAt`.
    pub fn parse_sort(raw: &str) -> Result<TicketSort, Invalid> {
        match raw {
            "updatedAt" => Ok(TicketSort::UpdatedAt),
            "createdAt" => Ok(TicketSort::CreatedAt),
            _ => Err(Invalid::new(
                "invalid_value",
                "must be `updatedAt` or `createdAt`",
            )),
        }
    }

    /// `asc` or `desc`: whether the list is descending.
    pub fn parse_order(raw: &str) -> Result<bool, Invalid> {
        match raw {
            "asc" => Ok(false),
            "desc" => Ok(true),
            _ => Err(Invalid::new("invalid_value", "must be `asc` or `desc`")),
        }
    }

    /// `none` or an assignee.
    pub fn parse_assignee(raw: &str) -> Result<Option<Someone>, Invalid> {
        match raw {
            "none" => Ok(None),
            other => Someone::parse(other).map(Some),
        }
    }

    /// `none` or a team id.
    pub fn parse_team(raw: &str) -> Result<Option<TeamId>, Invalid> {
        match raw {
            "none" => Ok(None),
            id => crate::kernel::validation::parse_id(id).map(Some),
        }
    }
}

/// A reply or internal note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub body: Body,
    pub public: bool,
    /// Files recorded on the comment right after it (by the attachments
    /// use case): named on its event, so a consumer knows to wait for them.
    pub files: usize,
    /// Set by the email channel: the mail it came as.
    pub mail: Option<MailOrigin>,
}

impl NewComment {
    /// A public reply.
    pub fn reply(body: Body) -> Self {
        Self {
            body,
            public: true,
            files: 0,
            mail: None,
        }
    }

    /// An internal note.
    pub fn note(body: Body) -> Self {
        Self {
            body,
            public: false,
            files: 0,
            mail: None,
        }
    }
}

/// `POST /v1/tickets/{id}/merge`: the tickets to merge into this one (in
/// the order given) and the note each of them is closed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketMerge {
    pub sources: Vec<TicketId>,
    /// The note left on each source; a default names the target.
    pub note: Option<Body>,
    /// Whether that note is a public reply (its requester is told by mail).
    pub public: bool,
}

/// `POST /v1/tickets/{id}/split`: the comments that become a new ticket,
/// and its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSplit {
    pub comments: Vec<CommentId>,
    pub subject: SubjectLine,
}
