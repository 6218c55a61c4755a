//! What one event adds to the tenant's daily aggregates (pure): counts
//! (created, solved, reopened, replies, SLA breaches per target) and
//! durations (first response, resolution), for the day it happened (UTC)
//! in the whole tenant's row and in the rows of its team, agent, channel
//! and priority.

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::analytics::sketch::Sketch;
use crate::kernel::events::{DomainEvent, EventType};
use crate::kernel::ids::{TeamId, UserId};
use crate::sla::events::SlaAnnounced;
use crate::tickets::events::{CommentCreated, StatusChanged, TicketCreated};
use crate::tickets::satisfaction::SatisfactionRated;
use crate::tickets::ticket::{Channel, Priority, Score, Status, Ticket};

/// How a report groups rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    /// The whole tenant: one row a day.
    All,
    Team,
    Agent,
    Channel,
    Priority,
}

impl Dimension {
    pub const ALL: [Dimension; 5] = [
        Dimension::All,
        Dimension::Team,
        Dimension::Agent,
        Dimension::Channel,
        Dimension::Priority,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::All => "all",
            Dimension::Team => "team",
            Dimension::Agent => "agent",
            Dimension::Channel => "channel",
            Dimension::Priority => "priority",
        }
    }
}

/// The value of a group when the ticket has none (no team, no assignee).
pub const NONE: &str = "none";

/// One row an event adds to: a dimension and its value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    pub dimension: Dimension,
    pub value: String,
}

/// What an event adds, to which rows, on which day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub day: Date,
    pub groups: Vec<Group>,
    pub amounts: Vec<(String, i64)>,
}

/// Counter names in a stored row.
pub const CREATED: &str = "created";
pub const SOLVED: &str = "solved";
pub const REOPENED: &str = "reopened";
pub const REPLIES: &str = "replies";
pub const SATISFACTION_GOOD: &str = "satisfaction.good";
pub const SATISFACTION_BAD: &str = "satisfaction.bad";
/// Sketch names (durations in milliseconds).
pub const FIRST_RESPONSE: &str = "firstResponse";
pub const RESOLUTION: &str = "resolution";

/// `breached.<target>`: SLA breaches of a target.
pub fn breached(target: &str) -> String {
    format!("breached.{target}")
}

/// The rows a ticket's event counts in: the tenant's, and its team's,
/// agent's, channel's and priority's.
fn groups(
    team: Option<TeamId>,
    agent: Option<UserId>,
    channel: Channel,
    priority: Priority,
) -> Vec<Group> {
    let or_none = |v: Option<String>| v.unwrap_or_else(|| NONE.to_owned());
    vec![
        Group {
            dimension: Dimension::All,
            value: NONE.to_owned(),
        },
        Group {
            dimension: Dimension::Team,
            value: or_none(team.map(|t| t.to_string())),
        },
        Group {
            dimension: Dimension::Agent,
            value: or_none(agent.map(|a| a.to_string())),
        },
        Group {
            dimension: Dimension::Channel,
            value: channel.as_str().to_owned(),
        },
        Group {
            dimension: Dimension::Priority,
            value: priority.as_str().to_owned(),
        },
    ]
}

/// What `event` adds, given the ticket as it is now. `None` when it adds
/// nothing.
pub fn tally(event: &DomainEvent, ticket: &Ticket) -> Option<Tally> {
    let day = event.occurred_at.to_zoned(TimeZone::UTC).date();
    // Milliseconds: a second's rounding would be more than the sketch's
    // error on short durations.
    let since_created = event
        .occurred_at
        .duration_since(ticket.created_at)
        .as_millis()
        .clamp(0, i128::from(i64::MAX)) as i64;
    let now = |agent| groups(ticket.team_id, agent, ticket.channel, ticket.priority);
    let (groups, amounts) = match event.kind {
        EventType::TicketCreated => {
            // As it was opened, whatever happened since.
            let c = event.payload::<TicketCreated>()?;
            (
                groups(c.team_id, c.assignee_id, c.channel, c.priority),
                vec![(CREATED.to_owned(), 1)],
            )
        }
        EventType::TicketStatusChanged => {
            let change = event.payload::<StatusChanged>()?;
            let done = |s: Status| matches!(s, Status::Solved | Status::Closed);
            let amounts = if done(change.to) && !done(change.from) {
                // A ticket merged away is closed, not solved.
                if ticket.merged_into.is_some() {
                    return None;
                }
                let mut a = vec![(SOLVED.to_owned(), 1)];
                a.extend(Sketch::increments(RESOLUTION, since_created));
                a
            } else if done(change.from) && !done(change.to) {
                vec![(REOPENED.to_owned(), 1)]
            } else {
                return None;
            };
            (now(ticket.assignee_id), amounts)
        }
        EventType::CommentCreated => {
            let c = event.payload::<CommentCreated>()?;
            if !c.public || c.opening || !c.by_staff {
                return None;
            }
            let mut amounts = vec![(REPLIES.to_owned(), 1)];
            // The reply that set the first response is the first one.
            if ticket.first_response_at == Some(event.occurred_at) {
                amounts.extend(Sketch::increments(FIRST_RESPONSE, since_created));
            }
            // A reply counts for who wrote it (an API key: the assignee).
            (now(c.author_id.or(ticket.assignee_id)), amounts)
        }
        EventType::SlaBreached => {
            let a = event.payload::<SlaAnnounced>()?;
            (
                now(ticket.assignee_id),
                vec![(breached(a.target.as_str()), 1)],
            )
        }
        EventType::SatisfactionRated => {
            // Counted on the day it is given. A rating changed the same day
            // replaces the one it changes (same row, unless the ticket
            // changed hands in between); changed on a later day, it counts
            // as a rating of that day, and the earlier day keeps its own.
            let r = event.payload::<SatisfactionRated>()?;
            let counter = |s: Score| match s {
                Score::Good => SATISFACTION_GOOD.to_owned(),
                Score::Bad => SATISFACTION_BAD.to_owned(),
            };
            let same_day = r
                .previous_at
                .is_some_and(|at| at.to_zoned(TimeZone::UTC).date() == day);
            let replaced = r.previous.filter(|_| same_day);
            if replaced == Some(r.score) {
                return None;
            }
            let mut amounts = vec![(counter(r.score), 1)];
            amounts.extend(replaced.map(|p| (counter(p), -1)));
            (now(ticket.assignee_id), amounts)
        }
        _ => return None,
    };
    Some(Tally {
        day,
        groups,
        amounts,
    })
}

/// Whether the event may count, before anything is read for it.
pub fn counts(kind: EventType) -> bool {
    matches!(
        kind,
        EventType::TicketCreated
            | EventType::TicketStatusChanged
            | EventType::CommentCreated
            | EventType::SlaBreached
            | EventType::SatisfactionRated
    )
}
