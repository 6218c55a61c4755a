//! Triggers: rules the router runs on each change of a ticket, in the
//! order the admins put them.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::automation::action::Action;
use crate::automation::condition::{Condition, Conditions, wanted_terms};
use crate::kernel::ids::TriggerId;
use crate::kernel::validation::{FieldError, bounded_text};
use crate::tickets::comment::MAX_BODY_BYTES;
use crate::tickets::ticket::RuleRef;

pub const MAX_TRIGGERS: usize = 100;
pub const MAX_CONDITIONS: usize = 30;
pub const MAX_ACTIONS: usize = 20;
/// A condition's text value.
pub const MAX_VALUE_CHARS: usize = 200;
/// A tenant's set of triggers (or automations), encoded: one item of
/// DynamoDB's 400 KB, with room to spare.
pub const MAX_SET_BYTES: usize = 300 * 1024;
/// A note's text, so that the notes of every trigger fit one comment.
pub const MAX_NOTE_BYTES: usize = MAX_BODY_BYTES / 4;

/// The kinds of change a trigger runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum On {
    /// A ticket was opened.
    #[serde(rename = "ticket.created")]
    Created,
    /// A ticket's fields changed after it was opened (by a person, an
    /// integration, or a comment that reopened it).
    #[serde(rename = "ticket.updated")]
    Updated,
    /// A reply or internal note was added.
    #[serde(rename = "comment.created")]
    Comment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    pub id: TriggerId,
    pub title: String,
    pub active: bool,
    pub on: BTreeSet<On>,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Trigger {
    pub fn rule(&self) -> RuleRef {
        RuleRef {
            id: self.id.to_string(),
            title: self.title.clone(),
        }
    }
}

/// A tenant's triggers in the order they run; one version for the set,
/// which `If-Match` names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriggerSet {
    pub triggers: Vec<Trigger>,
    #[serde(default)]
    pub version: u64,
}

impl TriggerSet {
    pub fn position(&self, id: TriggerId) -> Option<usize> {
        self.triggers.iter().position(|t| t.id == id)
    }

    /// Whether any active trigger runs on one of `moments`.
    pub fn wants(&self, moments: &BTreeSet<On>) -> bool {
        self.triggers
            .iter()
            .any(|t| t.active && !t.on.is_disjoint(moments))
    }
}

/// What a trigger must be, whatever the store holds: its title, kinds of
/// change, and conditions and actions well-formed and within bounds.
pub fn check_shape(t: &Trigger) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = bounded_text(&t.title, 1, 120) {
        errors.push(FieldError::new("title", e.code, e.message));
    }
    if t.on.is_empty() {
        errors.push(FieldError::new(
            "on",
            "required",
            "name at least one of ticket.created, ticket.updated, comment.created",
        ));
    }
    if t.conditions.len() > MAX_CONDITIONS {
        errors.push(FieldError::new(
            "conditions",
            "too_many",
            format!("at most {MAX_CONDITIONS} conditions"),
        ));
    }
    for (list, conditions) in [("all", &t.conditions.all), ("any", &t.conditions.any)] {
        for (i, c) in conditions.iter().enumerate() {
            let field = format!("conditions.{list}.{i}");
            if let Some(e) = condition_problem(c, false) {
                errors.push(FieldError::new(field, "invalid_value", e));
            }
        }
    }
    if t.actions.is_empty() || t.actions.len() > MAX_ACTIONS {
        errors.push(FieldError::new(
            "actions",
            "invalid_length",
            format!("1 to {MAX_ACTIONS} actions"),
        ));
    }
    for (i, a) in t.actions.iter().enumerate() {
        if let Some(e) = action_problem(a) {
            errors.push(FieldError::new(format!("actions.{i}"), "invalid_value", e));
        }
    }
    errors
}

/// What is wrong with a condition, if anything: `timed` for an
/// automation's (it runs on no change, and a trigger on no clock).
pub(crate) fn condition_problem(c: &Condition, timed: bool) -> Option<String> {
    match c {
        Condition::HoursSince { .. } if !timed => Some("hours since: automations only".into()),
        Condition::Changed { .. } | Condition::Actor { .. } | Condition::Body { .. } if timed => {
            Some("about a change: triggers only (an automation runs on no change)".into())
        }
        Condition::Subject { value, .. } | Condition::Body { value, .. }
            if wanted_terms(value).is_empty() =>
        {
            Some("name at least one word".into())
        }
        Condition::Subject { value, .. }
        | Condition::Body { value, .. }
        | Condition::RequesterEmail { value, .. }
        | Condition::RequesterDomain { value, .. }
            if value.chars().count() > MAX_VALUE_CHARS =>
        {
            Some(format!("at most {MAX_VALUE_CHARS} characters"))
        }
        Condition::CustomField { key, value, .. }
            if key.len() > MAX_VALUE_CHARS || value.to_string().len() > MAX_VALUE_CHARS =>
        {
            Some(format!("at most {MAX_VALUE_CHARS} characters"))
        }
        Condition::RequesterEmail { value, .. } if !value.contains('@') => {
            Some("an email address".into())
        }
        Condition::RequesterDomain { value, .. }
            if value.is_empty() || value.contains('@') || value.contains(' ') =>
        {
            Some("a domain such as acme.example".into())
        }
        _ => None,
    }
}

pub(crate) fn action_problem(a: &Action) -> Option<String> {
    match a {
        Action::AddNote { body } if body.trim().is_empty() => Some("the note is empty".into()),
        Action::AddNote { body } if body.len() > MAX_NOTE_BYTES => {
            Some(format!("a note is at most {MAX_NOTE_BYTES} bytes"))
        }
        Action::AddTags { tags } | Action::RemoveTags { tags } if tags.is_empty() => {
            Some("name at least one tag".into())
        }
        Action::RequireSkills { skills } if skills.is_empty() => {
            Some("name at least one skill".into())
        }
        Action::SendEmail(mail) => mail.problem(),
        _ => None,
    }
}

/// A rule set fits its one item (`422 too_large` otherwise).
pub(crate) fn check_set_size(
    set: &impl serde::Serialize,
    what: &str,
) -> Result<(), crate::kernel::error::DomainError> {
    if serde_json::to_vec(set).map_or(usize::MAX, |b| b.len()) > MAX_SET_BYTES {
        return Err(crate::kernel::error::DomainError::field(
            "actions",
            "too_large",
            format!(
                "the tenant's {what} would exceed 300 KiB together: shorten notes or conditions"
            ),
        ));
    }
    Ok(())
}
