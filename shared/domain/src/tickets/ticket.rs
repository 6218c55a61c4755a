//! Tickets: what a customer asked, who works on it, and where it stands.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kernel::events::Actor;
use crate::kernel::ids::{HistoryId, OrganizationId, TeamId, TenantId, TicketId, UserId};
use crate::kernel::validation::{Invalid, bounded_text};
use crate::tickets::fields::FieldSchema;

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                match raw {
                    $($text => Ok($name::$variant),)*
                    _ => Err(Invalid::new(
                        "invalid_value",
                        format!("must be one of: {}", [$($text),*].join(", ")),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Where a ticket stands.
    Status {
        New => "new",
        Open => "open",
        Pending => "pending",
        OnHold => "on_hold",
        Solved => "solved",
        Closed => "closed",
    }
);

wire_enum!(Priority { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" });
wire_enum!(TicketType { Question => "question", Incident => "incident", Problem => "problem", Task => "task" });
wire_enum!(
    /// How the ticket reached the helpdesk.
    Channel { Web => "web", Email => "email", Api => "api", Chat => "chat" }
);

impl Status {
    /// The lifecycle: `new → open → pending | on_hold → solved → closed`.
    /// Work moves freely among the unsolved states and to solved; a solved
    /// ticket reopens or closes; `closed` is final; nothing returns to `new`.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        match (self, to) {
            (a, b) if a == b => true,
            (Closed, _) | (_, New) => false,
            (New | Open | Pending | OnHold, Open | Pending | OnHold | Solved) => true,
            (Solved, Open | Closed) => true,
            _ => false,
        }
    }

    /// Where the waiting is on the customer or a third party, not the
    /// agent (SLA clocks pause here).
    pub fn is_unsolved(self) -> bool {
        matches!(
            self,
            Status::New | Status::Open | Status::Pending | Status::OnHold
        )
    }
}

/// A label on tickets: lower-case letters, digits, and `-_:.`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tag(String);

pub const MAX_TAGS: usize = 30;

impl Tag {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let tag = raw.trim().to_lowercase();
        if tag.is_empty() || tag.chars().count() > 40 {
            return Err(Invalid::new("invalid_tag", "tags are 1 to 40 characters"));
        }
        if !tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        {
            return Err(Invalid::new(
                "invalid_tag",
                format!("`{raw}`: tags contain only letters, digits and - _ : ."),
            ));
        }
        Ok(Self(tag))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Tag {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Tag::parse(&s).map_err(|e| e.message)
    }
}

impl From<Tag> for String {
    fn from(t: Tag) -> String {
        t.0
    }
}

pub fn parse_tags(raw: &[String]) -> Result<BTreeSet<Tag>, Invalid> {
    let tags = raw
        .iter()
        .map(|t| Tag::parse(t))
        .collect::<Result<BTreeSet<_>, _>>()?;
    if tags.len() > MAX_TAGS {
        return Err(Invalid::new("too_many", format!("at most {MAX_TAGS} tags")));
    }
    Ok(tags)
}

pub fn parse_subject(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, 250)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: TicketId,
    pub tenant_id: TenantId,
    /// Per-tenant, human-friendly number (`#1042`).
    pub number: u64,
    pub subject: String,
    pub status: Status,
    pub priority: Priority,
    pub kind: TicketType,
    pub channel: Channel,
    pub requester_id: UserId,
    /// The requester's organisation when the ticket was opened: its people
    /// may share the ticket, and its list holds it.
    pub organization_id: Option<OrganizationId>,
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub tags: BTreeSet<Tag>,
    pub custom_fields: BTreeMap<String, Value>,
    /// Other people in the conversation by email (the CC of the mail that
    /// opened it): they get the replies too, and may reply.
    pub cc: BTreeSet<String>,
    pub created_by: Actor,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub solved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    /// Counts every change (the staff's ETag).
    pub version: u64,
    /// What the requester and people copied see move: changes to what they
    /// can read (not internal notes, assignments or tags), so that nothing
    /// staff-only can be counted or timed from outside.
    pub public_version: u64,
    pub public_updated_at: Timestamp,
    /// The ticket this one was merged into (it is closed): its replies,
    /// number and mail go there.
    pub merged_into: Option<TicketId>,
    /// The tickets merged into this one.
    pub merged_from: BTreeSet<TicketId>,
    /// Agents who follow it: notified of its replies, notes and status
    /// changes (at most [`MAX_FOLLOWERS`]).
    pub followers: BTreeSet<UserId>,
    /// When things last happened to it, for automations' conditions.
    pub clocks: Clocks,
    /// The requester's rating, once they gave one.
    pub satisfaction: Option<Satisfaction>,
}

pub const MAX_FOLLOWERS: usize = 50;

/// How the requester rated a solved ticket (customer satisfaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Score {
    Good,
    Bad,
}

impl Score {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "good" => Ok(Score::Good),
            "bad" => Ok(Score::Bad),
            _ => Err(Invalid::new("invalid_value", "`good` or `bad`")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Score::Good => "good",
            Score::Bad => "bad",
        }
    }
}

/// A ticket's rating, as its requester last gave it (see
/// `tickets::satisfaction`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Satisfaction {
    pub score: Score,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub rated_at: Timestamp,
}

/// Changes automations may make to one ticket in its life: past this,
/// they leave it alone (and the run says so), so that two automations
/// undoing each other cannot churn a ticket for ever.
pub const MAX_AUTOMATION_UPDATES: u32 = 100;

/// When a ticket's status last changed, it was last assigned, and its
/// requester and agents last replied; and how often automations changed it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clocks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_replied_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_replied_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub automation_updates: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Clocks {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// How long a deleted ticket can be restored.
pub const RESTORE_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 30);

impl Ticket {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// A public reply by staff (`true`) or the customer side moves their
    /// reply clock.
    pub fn replied(&mut self, by_staff: bool, now: Timestamp) {
        if by_staff {
            self.clocks.agent_replied_at = Some(now);
        } else {
            self.clocks.requester_replied_at = Some(now);
        }
    }

    /// Records a change from `before` made at `now`; `public` when
    /// customers can see it (their clock moves only then). The status and
    /// assignment clocks move when those differ.
    pub fn record_change(&mut self, before: &Ticket, now: Timestamp, public: bool) {
        if self.status != before.status {
            self.clocks.status_changed_at = Some(now);
        }
        if self.assignee_id.is_some() && self.assignee_id != before.assignee_id {
            self.clocks.assigned_at = Some(now);
        }
        self.version += 1;
        self.updated_at = now;
        if public {
            self.public_version += 1;
            self.public_updated_at = now;
        }
    }

    /// Whether a customer reading both would see a difference (custom
    /// fields count whole: a schema decides which they see, and a staff-only
    /// field's change then moves their clock, which tells them nothing more
    /// than that the ticket changed).
    pub fn differs_publicly_from(&self, other: &Ticket) -> bool {
        (
            &self.subject,
            self.status,
            self.priority,
            self.kind,
            self.channel,
        ) != (
            &other.subject,
            other.status,
            other.priority,
            other.kind,
            other.channel,
        ) || (self.requester_id, &self.custom_fields, &self.cc)
            != (other.requester_id, &other.custom_fields, &other.cc)
            || (
                self.first_response_at,
                self.solved_at,
                self.closed_at,
                self.deleted_at,
            ) != (
                other.first_response_at,
                other.solved_at,
                other.closed_at,
                other.deleted_at,
            )
    }

    /// The ticket as a customer sees it: the fields `schema` shows them,
    /// and the public clock for the version and update time.
    pub fn as_seen_by_customer(mut self, schema: &FieldSchema) -> Ticket {
        self.custom_fields = schema.customer_view(&self.custom_fields);
        self.version = self.public_version;
        self.updated_at = self.public_updated_at;
        self
    }

    /// Moves to `to`, keeping the lifecycle timestamps; refuses what the
    /// lifecycle does not allow.
    pub fn set_status(&mut self, to: Status, now: Timestamp) -> Result<(), Invalid> {
        if !self.status.can_become(to) {
            return Err(Invalid::new(
                "invalid_transition",
                format!("a {} ticket cannot become {}", self.status, to),
            ));
        }
        if self.status == to {
            return Ok(());
        }
        match to {
            Status::Solved => self.solved_at = Some(now),
            Status::Closed => self.closed_at = Some(now),
            Status::Open | Status::Pending | Status::OnHold => self.solved_at = None,
            Status::New => {}
        }
        self.status = to;
        Ok(())
    }
}

/// Whether the ticket counts in its assignee's load: assigned, unsolved
/// and not deleted.
pub fn holds_load(t: &Ticket) -> Option<UserId> {
    t.assignee_id
        .filter(|_| t.status.is_unsolved() && !t.is_deleted())
}

/// How a write moves agents' load (unsolved tickets held): `-1` for who
/// stops holding it, `+1` for who starts. Stores apply these in the
/// write's own transaction.
pub fn load_moves(before: Option<&Ticket>, after: &Ticket) -> Vec<(UserId, i64)> {
    let was = before.and_then(holds_load);
    let is = holds_load(after);
    if was == is {
        return Vec::new();
    }
    was.map(|u| (u, -1))
        .into_iter()
        .chain(is.map(|u| (u, 1)))
        .collect()
}

/// One field's change, for history and events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// Why Switchboard itself changed a ticket (its history says so, and a
/// retry finds the change already made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Cause {
    /// An SLA target's escalation: the target's cycle and the threshold.
    SlaEscalation { cycle: String, threshold: String },
    /// Triggers that fired on a change, in the order they fired.
    Triggers { triggers: Vec<RuleRef> },
    /// The team's assignment handed the ticket out (`strategy`:
    /// `round_robin`, `least_busy`).
    #[serde(rename_all = "camelCase")]
    Assignment { team_id: TeamId, strategy: String },
    /// An automation's hourly run.
    Automation { automation: RuleRef },
    /// A macro an agent applied (the actor is the agent).
    Macro {
        #[serde(rename = "macro")]
        applied: RuleRef,
    },
}

/// A rule (trigger, macro) as a ticket's history names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRef {
    pub id: String,
    pub title: String,
}

/// Who changed what on a ticket, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub id: HistoryId,
    pub ticket_id: TicketId,
    pub at: Timestamp,
    pub actor: Actor,
    pub changes: Vec<Change>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<Cause>,
}

/// A ticket for tests elsewhere in the domain.
#[cfg(test)]
pub(crate) fn sample(tenant: TenantId, requester: UserId, assignee: Option<UserId>) -> Ticket {
    Ticket {
        id: TicketId::new(),
        tenant_id: tenant,
        number: 7,
        subject: "Refund".into(),
        status: Status::Open,
        priority: Priority::Normal,
        kind: TicketType::Question,
        channel: Channel::Web,
        requester_id: requester,
        organization_id: None,
        assignee_id: assignee,
        team_id: None,
        tags: BTreeSet::new(),
        custom_fields: BTreeMap::new(),
        cc: BTreeSet::new(),
        created_by: Actor::user(requester),
        created_at: Timestamp::UNIX_EPOCH,
        updated_at: Timestamp::UNIX_EPOCH,
        first_response_at: None,
        solved_at: None,
        closed_at: None,
        deleted_at: None,
        version: 1,
        public_version: 1,
        public_updated_at: Timestamp::UNIX_EPOCH,
        merged_into: None,
        merged_from: BTreeSet::new(),
        followers: BTreeSet::new(),
        satisfaction: None,
        clocks: Clocks::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn the_lifecycle_allows_exactly_these_moves() {
        let allowed = [
            (New, Open),
            (New, Pending),
            (New, OnHold),
            (New, Solved),
            (Open, Pending),
            (Open, OnHold),
            (Open, Solved),
            (Pending, Open),
            (Pending, OnHold),
            (Pending, Solved),
            (OnHold, Open),
            (OnHold, Pending),
            (OnHold, Solved),
            (Solved, Open),
            (Solved, Closed),
        ];
        for &from in Status::ALL {
            for &to in Status::ALL {
                let expected = from == to || allowed.contains(&(from, to));
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
            }
        }
    }

    #[test]
    fn closed_is_final_and_nothing_returns_to_new() {
        for &s in Status::ALL {
            assert!(!Closed.can_become(s) || s == Closed);
            assert!(!s.can_become(New) || s == New);
        }
        assert!(!Open.can_become(Closed), "solve before closing");
    }

    #[test]
    fn tags_are_normalised_and_checked() {
        assert_eq!(Tag::parse(" VIP ").map(|t| t.0), Ok("vip".into()));
        assert!(Tag::parse("billing:refund").is_ok());
        for bad in ["", "has space", "semi;colon", &"x".repeat(41)] {
            assert!(Tag::parse(bad).is_err(), "{bad:?}");
        }
        let many: Vec<String> = (0..31).map(|i| format!("t{i}")).collect();
        assert!(parse_tags(&many).is_err());
        assert_eq!(
            parse_tags(&["a".into(), "A".into()]).map(|t| t.len()),
            Ok(1)
        );
    }
}
