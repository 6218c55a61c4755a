//! What a rule asks of a ticket and of the change that woke it: plain
//! data, checked against [`Facts`] by pure functions.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::accounts::user::User;
use crate::kernel::ids::{OrganizationId, TeamId, UserId};
use crate::sla::policy::BusinessHours;
use crate::tickets::ticket::{Change, Channel, Priority, Status, Tag, Ticket, TicketType};

/// `is` / `is_not`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Is {
    Is,
    IsNot,
}

impl Is {
    fn holds(self, equal: bool) -> bool {
        equal == (self == Is::Is)
    }
}

/// `has` / `lacks` (tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Has {
    Has,
    Lacks,
}

/// `contains` / `not_contains`: at least one (or none) of the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contains {
    Contains,
    NotContains,
}

/// Who made the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// The requester, a person copied, or any other customer.
    Customer,
    /// Staff, or an integration's API key.
    Agent,
    /// Switchboard itself (SLA escalations, automations).
    System,
}

/// `none`, `any`, or one id: who a ticket is assigned to, its team, the
/// requester's organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    try_from = "String",
    into = "String",
    bound(serialize = "T: Clone + fmt::Display", deserialize = "T: FromStr")
)]
pub enum Choice<T> {
    None,
    Any,
    One(T),
}

impl<T: Copy + PartialEq> Choice<T> {
    fn matches(self, value: Option<T>) -> bool {
        match self {
            Choice::None => value.is_none(),
            Choice::Any => value.is_some(),
            Choice::One(id) => value == Some(id),
        }
    }
}

impl<T: FromStr> TryFrom<String> for Choice<T> {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        match raw.as_str() {
            "none" => Ok(Choice::None),
            "any" => Ok(Choice::Any),
            id => id
                .parse()
                .map(Choice::One)
                .map_err(|_| format!("`{id}`: `none`, `any` or an id")),
        }
    }
}

impl<T: fmt::Display> From<Choice<T>> for String {
    fn from(c: Choice<T>) -> String {
        match c {
            Choice::None => "none".into(),
            Choice::Any => "any".into(),
            Choice::One(id) => id.to_string(),
        }
    }
}

/// A ticket's clocks an automation can ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    Created,
    Updated,
    /// Not met while the ticket is unsolved.
    Solved,
    /// Since it took its current status.
    StatusChanged,
    /// Since its current assignee got it; not met while unassigned.
    Assigned,
    /// Since the requester's (or a person copied's) last public message;
    /// not met before they wrote one.
    RequesterReplied,
    /// Since an agent's last public reply; not met before the first.
    AgentReplied,
}

/// `greater_than` / `less_than`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    GreaterThan,
    LessThan,
}

/// The ticket fields whose change a condition can ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Watched {
    Status,
    Priority,
    Type,
    Assignee,
    Team,
    Tags,
    Subject,
}

impl Watched {
    /// The field's name in history and `ticket.updated`.
    fn field(self) -> &'static str {
        match self {
            Watched::Status => "status",
            Watched::Priority => "priority",
            Watched::Type => "type",
            Watched::Assignee => "assigneeId",
            Watched::Team => "teamId",
            Watched::Tags => "tags",
            Watched::Subject => "subject",
        }
    }
}

/// One condition. `field` names what it looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "camelCase")]
pub enum Condition {
    Status {
        operator: Is,
        value: Status,
    },
    Priority {
        operator: Is,
        value: Priority,
    },
    Type {
        operator: Is,
        value: TicketType,
    },
    Channel {
        operator: Is,
        value: Channel,
    },
    Tags {
        operator: Has,
        value: Tag,
    },
    Team {
        operator: Is,
        value: Choice<TeamId>,
    },
    Assignee {
        operator: Is,
        value: Choice<UserId>,
    },
    /// The requester's address, whatever its case.
    RequesterEmail {
        operator: Is,
        value: String,
    },
    /// The requester's address's domain (`acme.example`).
    RequesterDomain {
        operator: Is,
        value: String,
    },
    RequesterOrganization {
        operator: Is,
        value: Choice<OrganizationId>,
    },
    Subject {
        operator: Contains,
        value: String,
    },
    /// The comment the change added (on creation: the description).
    Body {
        operator: Contains,
        value: String,
    },
    /// A custom field's value (`null`: not set).
    #[serde(rename_all = "camelCase")]
    CustomField {
        key: String,
        operator: Is,
        value: Value,
    },
    Actor {
        operator: Is,
        value: ActorKind,
    },
    /// The change moved this field (from and to these values, when given).
    Changed {
        what: Watched,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Value>,
    },
    /// The change happened inside (`is`) or outside (`is_not`) a calendar
    /// of the SLA settings' business hours.
    BusinessHours {
        operator: Is,
        calendar: String,
    },
    /// Automations only: time since one of the ticket's clocks, around
    /// the clock or in a business-hours calendar.
    HoursSince {
        clock: Clock,
        operator: Compare,
        hours: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        calendar: Option<String>,
    },
}

/// All of `all`, and at least one of `any` when it has any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Conditions {
    #[serde(default)]
    pub all: Vec<Condition>,
    #[serde(default)]
    pub any: Vec<Condition>,
}

impl Conditions {
    pub fn matches(&self, ticket: &Ticket, facts: &Facts<'_>) -> bool {
        self.all.iter().all(|c| c.matches(ticket, facts))
            && (self.any.is_empty() || self.any.iter().any(|c| c.matches(ticket, facts)))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Condition> {
        self.all.iter().chain(&self.any)
    }

    pub fn len(&self) -> usize {
        self.all.len() + self.any.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a rule knows besides the ticket: the change and its context.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub changes: &'a [Change],
    pub actor: ActorKind,
    pub requester: Option<&'a User>,
    /// The comment's text (on creation, the description).
    pub body: Option<&'a str>,
    pub hours: &'a BusinessHours,
    pub now: Timestamp,
}

impl Condition {
    pub fn matches(&self, t: &Ticket, f: &Facts<'_>) -> bool {
        match self {
            Condition::Status { operator, value } => operator.holds(t.status == *value),
            Condition::Priority { operator, value } => operator.holds(t.priority == *value),
            Condition::Type { operator, value } => operator.holds(t.kind == *value),
            Condition::Channel { operator, value } => operator.holds(t.channel == *value),
            Condition::Tags { operator, value } => {
                t.tags.contains(value) == (*operator == Has::Has)
            }
            Condition::Team { operator, value } => operator.holds(value.matches(t.team_id)),
            Condition::Assignee { operator, value } => operator.holds(value.matches(t.assignee_id)),
            Condition::RequesterEmail { operator, value } => operator.holds(
                f.requester
                    .is_some_and(|r| r.email.as_str().eq_ignore_ascii_case(value)),
            ),
            Condition::RequesterDomain { operator, value } => {
                let domain = f
                    .requester
                    .and_then(|r| r.email.as_str().rsplit_once('@').map(|(_, d)| d));
                operator.holds(domain.is_some_and(|d| d.eq_ignore_ascii_case(value)))
            }
            Condition::RequesterOrganization { operator, value } => {
                operator.holds(value.matches(f.requester.and_then(|r| r.organization_id)))
            }
            Condition::Subject { operator, value } => {
                contains_words(&t.subject, value) == (*operator == Contains::Contains)
            }
            Condition::Body { operator, value } => {
                f.body.is_some_and(|b| contains_words(b, value))
                    == (*operator == Contains::Contains)
            }
            Condition::CustomField {
                key,
                operator,
                value,
            } => operator.holds(t.custom_fields.get(key).unwrap_or(&Value::Null) == value),
            Condition::Actor { operator, value } => operator.holds(f.actor == *value),
            Condition::Changed { what, from, to } => f.changes.iter().any(|c| {
                c.field == what.field()
                    && from.as_ref().is_none_or(|v| &c.before == v)
                    && to.as_ref().is_none_or(|v| &c.after == v)
            }),
            Condition::HoursSince {
                clock,
                operator,
                hours,
                calendar,
            } => {
                let since = match clock {
                    Clock::Created => Some(t.created_at),
                    Clock::Updated => Some(t.updated_at),
                    Clock::Solved => t.solved_at,
                    // Tickets from before these clocks count from their
                    // last change: later than the truth, never earlier.
                    Clock::StatusChanged => {
                        Some(t.clocks.status_changed_at.unwrap_or(t.updated_at))
                    }
                    Clock::Assigned => t
                        .assignee_id
                        .and(Some(t.clocks.assigned_at.unwrap_or(t.updated_at))),
                    Clock::RequesterReplied => t.clocks.requester_replied_at,
                    Clock::AgentReplied => t.clocks.agent_replied_at,
                };
                let Some(since) = since else { return false };
                let Some(cal) = f.hours.calendar(calendar.as_deref()) else {
                    return false;
                };
                let elapsed = cal.elapsed(since, f.now);
                let limit = jiff::SignedDuration::from_hours(i64::from(*hours));
                match operator {
                    Compare::GreaterThan => elapsed > limit,
                    Compare::LessThan => elapsed < limit,
                }
            }
            Condition::BusinessHours { operator, calendar } => {
                let open = f.hours.calendar(Some(calendar)).is_some_and(|cal| {
                    cal.open_windows(f.now)
                        .next()
                        .is_some_and(|(start, _)| start <= f.now)
                });
                operator.holds(open)
            }
        }
    }
}

/// Lower-cased words of a text (letters and digits).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `text` holds at least one of the words of `wanted`, whole and
/// whatever their case; a "quoted phrase" counts as one word.
pub fn contains_words(text: &str, wanted: &str) -> bool {
    let have = words(text);
    let present: BTreeSet<&str> = have.iter().map(String::as_str).collect();
    wanted_terms(wanted)
        .iter()
        .any(|term| match term.as_slice() {
            [] => false,
            [one] => present.contains(one.as_str()),
            phrase => have.windows(phrase.len()).any(|w| w == phrase),
        })
}

/// The terms of a `contains` value: single words, and quoted phrases.
pub fn wanted_terms(wanted: &str) -> Vec<Vec<String>> {
    let mut terms = Vec::new();
    for (i, part) in wanted.split('"').enumerate() {
        if i % 2 == 1 {
            terms.push(words(part));
        } else {
            terms.extend(words(part).into_iter().map(|w| vec![w]));
        }
    }
    terms.retain(|t| !t.is_empty());
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_whole_and_in_any_case() {
        assert!(contains_words("I want a REFUND, now", "refund"));
        assert!(contains_words("money back please", "refund \"money back\""));
        assert!(!contains_words("refunded already", "refund"));
        assert!(!contains_words("back money", "\"money back\""));
        assert!(!contains_words("anything", "  "));
        assert!(contains_words("Rückerstattung bitte", "rückerstattung"));
    }

    #[test]
    fn choices_read_none_any_and_ids() {
        let team = TeamId::new();
        let parse = |s: &str| Choice::<TeamId>::try_from(s.to_owned());
        assert_eq!(parse("none"), Ok(Choice::None));
        assert_eq!(parse("any"), Ok(Choice::Any));
        assert_eq!(parse(&team.to_string()), Ok(Choice::One(team)));
        assert!(parse("usr_01").is_err());
        assert!(Choice::One(team).matches(Some(team)));
        assert!(!Choice::<TeamId>::None.matches(Some(team)));
        assert!(Choice::<TeamId>::Any.matches(Some(team)));
    }
}
