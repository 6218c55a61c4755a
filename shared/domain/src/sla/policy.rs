//! What admins configure: named business-hours calendars, and ordered SLA
//! policies (conditions, targets per priority, a warning threshold, and
//! escalation actions on warning and on breach).

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use super::calendar::{Calendar, Holiday, Interval};
use crate::kernel::ids::{SlaPolicyId, TeamId, UserId};
use crate::kernel::validation::{FieldError, Invalid};
use crate::tickets::ticket::{Channel, Priority, Tag, Ticket, TicketType};

pub const MAX_CALENDARS: usize = 20;
pub const MAX_POLICIES: usize = 50;
/// A year of minutes: longer targets are a mistake.
pub const MAX_TARGET_MINUTES: u32 = 525_600;
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// A calendar as admins write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedCalendar {
    pub name: String,
    /// IANA zone, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Weekday name → open intervals (`{"start": "09:00", "end": "17:00"}`).
    pub week: BTreeMap<String, Vec<HoursInterval>>,
    #[serde(default)]
    pub holidays: Vec<HolidayInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursInterval {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub yearly: bool,
}

/// A tenant's calendars.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BusinessHours {
    pub calendars: Vec<NamedCalendar>,
    pub version: u64,
    pub updated_at: Option<Timestamp>,
}

impl BusinessHours {
    /// The calendar a target counts in: business hours by name, or
    /// calendar time.
    pub fn calendar(&self, name: Option<&str>) -> Option<Calendar> {
        match name {
            None => Some(Calendar::always()),
            Some(n) => self
                .calendars
                .iter()
                .find(|c| c.name == n)
                .and_then(|c| compile(c).ok()),
        }
    }
}

fn parse_time(raw: &str) -> Result<Time, Invalid> {
    raw.parse::<Time>()
        .map_err(|_| Invalid::new("invalid_time", "a time of day such as 09:00"))
}

/// Checks a calendar and builds it.
pub fn compile(c: &NamedCalendar) -> Result<Calendar, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut week: [Vec<Interval>; 7] = Default::default();
    for (day, intervals) in &c.week {
        let Some(i) = WEEKDAYS.iter().position(|d| d == day) else {
            errors.push(FieldError::new(
                format!("week.{day}"),
                "invalid_weekday",
                "monday … sunday",
            ));
            continue;
        };
        for (j, interval) in intervals.iter().enumerate() {
            match (parse_time(&interval.start), parse_time(&interval.end)) {
                (Ok(start), Ok(end)) => week[i].push(Interval { start, end }),
                (Err(e), _) | (_, Err(e)) => errors.push(FieldError::new(
                    format!("week.{day}.{j}"),
                    e.code,
                    e.message,
                )),
            }
        }
    }
    let mut holidays = Vec::new();
    for (i, h) in c.holidays.iter().enumerate() {
        match h.date.parse::<Date>() {
            Ok(date) => holidays.push(Holiday {
                date,
                yearly: h.yearly,
            }),
            Err(_) => errors.push(FieldError::new(
                format!("holidays.{i}.date"),
                "invalid_date",
                "a date such as 2026-12-25",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Calendar::new(&c.time_zone, week, holidays).map_err(|e| {
        let field = if e.code == "unknown_time_zone" {
            "timeZone"
        } else {
            "week"
        };
        vec![FieldError::new(field, e.code, e.message)]
    })
}

/// Checks a whole set of calendars (names unique and sane).
pub fn check_calendars(calendars: &[NamedCalendar]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if calendars.len() > MAX_CALENDARS {
        errors.push(FieldError::new(
            "calendars",
            "too_many",
            format!("at most {MAX_CALENDARS}"),
        ));
    }
    let mut names = BTreeSet::new();
    for (i, c) in calendars.iter().enumerate() {
        let name = c.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            errors.push(FieldError::new(
                format!("calendars.{i}.name"),
                "invalid_name",
                "1 to 60 characters",
            ));
        } else if !names.insert(name.to_owned()) {
            errors.push(FieldError::new(
                format!("calendars.{i}.name"),
                "duplicate_name",
                "calendar names are unique",
            ));
        }
        if let Err(es) = compile(c) {
            errors.extend(es.into_iter().map(|e| FieldError {
                field: format!("calendars.{i}.{}", e.field),
                ..e
            }));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// One target: an amount of time, counted in a named calendar's business
/// hours or (without one) around the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub minutes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Targets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<Target>,
    /// Restarts with each customer message after an agent's reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Target>,
}

/// Which tickets a policy covers; an empty list matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conditions {
    #[serde(default)]
    pub priorities: BTreeSet<Priority>,
    #[serde(default)]
    pub types: BTreeSet<TicketType>,
    #[serde(default)]
    pub channels: BTreeSet<Channel>,
    #[serde(default)]
    pub team_ids: BTreeSet<TeamId>,
    /// Any of these tags.
    #[serde(default)]
    pub tags: BTreeSet<Tag>,
    /// The requester's email domain (`acme.example`).
    #[serde(default)]
    pub requester_domains: BTreeSet<String>,
}

impl Conditions {
    pub fn matches(&self, ticket: &Ticket, requester_domain: Option<&str>) -> bool {
        let any = |set_empty: bool, hit: bool| set_empty || hit;
        any(
            self.priorities.is_empty(),
            self.priorities.contains(&ticket.priority),
        ) && any(self.types.is_empty(), self.types.contains(&ticket.kind))
            && any(
                self.channels.is_empty(),
                self.channels.contains(&ticket.channel),
            )
            && any(
                self.team_ids.is_empty(),
                ticket.team_id.is_some_and(|t| self.team_ids.contains(&t)),
            )
            && any(
                self.tags.is_empty(),
                ticket.tags.iter().any(|t| self.tags.contains(t)),
            )
            && any(
                self.requester_domains.is_empty(),
                // Domains are case-insensitive, however the admin typed them.
                requester_domain.is_some_and(|d| {
                    self.requester_domains
                        .iter()
                        .any(|r| r.eq_ignore_ascii_case(d))
                }),
            )
    }
}

/// What happens when a target warns or breaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Action {
    /// One step up (`low` → `normal` → `high` → `urgent`).
    RaisePriority,
    AssignTeam {
        team_id: TeamId,
    },
    AssignAgent {
        user_id: UserId,
    },
    AddTag {
        tag: Tag,
    },
    /// An in-app notification to this person (a supervisor), besides the
    /// assignee or team, who are always notified.
    Notify {
        user_id: UserId,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaPolicy {
    pub id: SlaPolicyId,
    pub name: String,
    #[serde(default)]
    pub conditions: Conditions,
    /// Per priority; a priority without targets has no SLA.
    pub targets: BTreeMap<Priority, Targets>,
    /// Fraction of a target at which it warns (0.75: at 75 %).
    pub warn_at: f64,
    #[serde(default)]
    pub on_warning: Vec<Action>,
    #[serde(default)]
    pub on_breach: Vec<Action>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A tenant's policies, in the order they are tried.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaPolicies {
    pub policies: Vec<SlaPolicy>,
    pub version: u64,
}

impl SlaPolicies {
    /// The first policy whose conditions the ticket meets.
    pub fn select(&self, ticket: &Ticket, requester_domain: Option<&str>) -> Option<&SlaPolicy> {
        self.policies
            .iter()
            .find(|p| p.conditions.matches(ticket, requester_domain))
    }
}

/// Checks a policy's values against the tenant's calendars.
pub fn check_policy(policy: &SlaPolicy, hours: &BusinessHours) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = policy.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        errors.push(FieldError::new(
            "name",
            "invalid_name",
            "1 to 120 characters",
        ));
    }
    if !(policy.warn_at > 0.0 && policy.warn_at < 1.0) {
        errors.push(FieldError::new(
            "warnAt",
            "out_of_range",
            "a fraction between 0 and 1, e.g. 0.75",
        ));
    }
    if policy.targets.is_empty() {
        errors.push(FieldError::new(
            "targets",
            "required",
            "targets for at least one priority",
        ));
    }
    for (priority, targets) in &policy.targets {
        for (kind, target) in [
            ("firstResponse", &targets.first_response),
            ("nextResponse", &targets.next_response),
            ("resolution", &targets.resolution),
        ] {
            let Some(t) = target else { continue };
            let field = format!("targets.{priority}.{kind}");
            if t.minutes == 0 || t.minutes > MAX_TARGET_MINUTES {
                errors.push(FieldError::new(
                    format!("{field}.minutes"),
                    "out_of_range",
                    format!("1 to {MAX_TARGET_MINUTES} minutes"),
                ));
            }
            if let Some(name) = &t.business_hours
                && !hours.calendars.iter().any(|c| &c.name == name)
            {
                errors.push(FieldError::new(
                    format!("{field}.businessHours"),
                    "unknown_calendar",
                    format!("no business hours named {name:?}"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// One step up, or `None` at the top.
pub fn raised(priority: Priority) -> Option<Priority> {
    match priority {
        Priority::Low => Some(Priority::Normal),
        Priority::Normal => Some(Priority::High),
        Priority::High => Some(Priority::Urgent),
        Priority::Urgent => None,
    }
}
