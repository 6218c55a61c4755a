//! What a rule does: changes to the ticket, applied to a draft so the
//! next rule sees them, and effects written with the change (a note, a
//! webhook to notify).

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::accounts::user::Email;
use crate::assignment::agent::Skill;
use crate::kernel::ids::{TeamId, UserId, WebhookId};
use crate::tickets::input::TicketPatch;
use crate::tickets::ticket::{
    Change, MAX_FOLLOWERS, Priority, RuleRef, Status, Tag, Ticket, TicketType,
};

/// One action. `type` names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Action {
    SetStatus {
        status: Status,
    },
    SetPriority {
        priority: Priority,
    },
    SetType {
        value: TicketType,
    },
    /// `null` clears the field.
    SetCustomField {
        key: String,
        value: Value,
    },
    AddTags {
        tags: BTreeSet<Tag>,
    },
    RemoveTags {
        tags: BTreeSet<Tag>,
    },
    /// `null` takes the ticket off its team.
    #[serde(rename_all = "camelCase")]
    AssignTeam {
        team_id: Option<TeamId>,
    },
    /// `null` unassigns.
    #[serde(rename_all = "camelCase")]
    AssignAgent {
        user_id: Option<UserId>,
    },
    /// Leaves the ticket unassigned in its team, for the team's
    /// assignment to hand it out (at once when a member has room).
    AutoAssign,
    /// Only agents with these skills take it (its `skill:` tags).
    RequireSkills {
        skills: BTreeSet<Skill>,
    },
    /// An internal note on the ticket, written as Switchboard.
    AddNote {
        body: String,
    },
    /// A `trigger.notified` delivery to this endpoint only, whatever
    /// events it subscribes to.
    #[serde(rename_all = "camelCase")]
    NotifyWebhook {
        webhook_id: WebhookId,
    },
    /// A mail to the requester, the assignee, the team or an address.
    SendEmail(RuleMail),
    /// The agent follows the ticket (notified of its replies, notes and
    /// status changes).
    #[serde(rename_all = "camelCase")]
    Follow {
        user_id: UserId,
    },
}

/// A rule's mail subject, at most.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// Who a rule's mail is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTo {
    Requester,
    /// None while the ticket is unassigned.
    Assignee,
    /// The members of the ticket's team.
    Team,
    /// The action's `address`.
    Address,
}

/// What a `sendEmail` action asks for: who, and its templates
/// (placeholders as in macros: `{{ ticket.number }}`, `{{ requester.name }}`,
/// `{{ agent.name }}` for the assignee, `{{ ticket.fields.<key> }}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleMail {
    pub to: MailTo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub subject: String,
    pub body: String,
}

impl RuleMail {
    /// What is wrong with the action's shape, if anything.
    pub(crate) fn problem(&self) -> Option<String> {
        match (self.to, self.address.as_deref()) {
            (MailTo::Address, None) => return Some("`to: address` needs an `address`".into()),
            (MailTo::Address, Some(a)) if Email::parse(a).is_err() => {
                return Some("`address` must be an email address".into());
            }
            (MailTo::Address, Some(_)) => {}
            (_, Some(_)) => return Some("`address` goes only with `to: address`".into()),
            (_, None) => {}
        }
        if self.subject.trim().is_empty() || self.subject.chars().count() > MAX_SUBJECT_CHARS {
            return Some(format!(
                "the subject is 1 to {MAX_SUBJECT_CHARS} characters"
            ));
        }
        if self.subject.contains(['\r', '\n']) {
            return Some("the subject is one line".into());
        }
        None
    }
}

/// What rules did besides changing the ticket's fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effects {
    /// Notes to add, with the rule that wrote each.
    pub notes: Vec<(RuleRef, String)>,
    /// Endpoints to notify, with the rule that asked.
    pub webhooks: Vec<(RuleRef, WebhookId)>,
    /// Mails to send, with the rule that asked.
    pub mails: Vec<(RuleRef, RuleMail)>,
    /// Actions that could not apply (a status the lifecycle forbids), and why.
    pub skipped: Vec<String>,
}

impl Action {
    /// Applies the action to the draft `ticket`, or records its effect.
    pub fn apply(
        &self,
        rule: &RuleRef,
        ticket: &mut Ticket,
        effects: &mut Effects,
        now: Timestamp,
    ) {
        match self {
            Action::SetStatus { status } => {
                if let Err(e) = ticket.set_status(*status, now) {
                    effects
                        .skipped
                        .push(format!("{}: {}", rule.title, e.message));
                }
            }
            Action::SetPriority { priority } => ticket.priority = *priority,
            Action::SetType { value } => ticket.kind = *value,
            Action::SetCustomField { key, value } => {
                if value.is_null() {
                    ticket.custom_fields.remove(key);
                } else {
                    ticket.custom_fields.insert(key.clone(), value.clone());
                }
            }
            Action::AddTags { tags } => ticket.tags.extend(tags.iter().cloned()),
            Action::RemoveTags { tags } => ticket.tags.retain(|t| !tags.contains(t)),
            Action::AssignTeam { team_id } => ticket.team_id = *team_id,
            Action::AssignAgent { user_id } => ticket.assignee_id = *user_id,
            Action::AutoAssign => ticket.assignee_id = None,
            Action::RequireSkills { skills } => {
                ticket.tags.extend(skills.iter().filter_map(Skill::tag));
            }
            Action::AddNote { body } => effects.notes.push((rule.clone(), body.clone())),
            Action::NotifyWebhook { webhook_id } => {
                effects.webhooks.push((rule.clone(), *webhook_id));
            }
            Action::SendEmail(mail) => effects.mails.push((rule.clone(), mail.clone())),
            Action::Follow { user_id } => {
                if ticket.followers.len() < MAX_FOLLOWERS || ticket.followers.contains(user_id) {
                    ticket.followers.insert(*user_id);
                } else {
                    effects.skipped.push(format!(
                        "{}: the ticket has {MAX_FOLLOWERS} followers already",
                        rule.title
                    ));
                }
            }
        }
    }
}

/// The patch that turns `before` into `after` (fields rules can set).
pub fn patch_between(before: &Ticket, after: &Ticket) -> TicketPatch {
    fn differs<T: PartialEq + Clone>(a: &T, b: &T) -> Option<T> {
        (a != b).then(|| b.clone())
    }
    TicketPatch {
        status: differs(&before.status, &after.status),
        priority: differs(&before.priority, &after.priority),
        kind: differs(&before.kind, &after.kind),
        assignee: differs(&before.assignee_id, &after.assignee_id),
        team: differs(&before.team_id, &after.team_id),
        tags: differs(&before.tags, &after.tags),
        custom_fields: differs::<BTreeMap<String, Value>>(
            &before.custom_fields,
            &after.custom_fields,
        ),
        followers: differs(&before.followers, &after.followers),
        ..TicketPatch::default()
    }
}

/// What differs between `before` and `after`, as history names it.
pub fn changes_between(before: &Ticket, after: &Ticket) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut change = |field: String, b: Value, a: Value| {
        if b != a {
            changes.push(Change {
                field,
                before: b,
                after: a,
            });
        }
    };
    change("status".into(), json!(before.status), json!(after.status));
    change(
        "priority".into(),
        json!(before.priority),
        json!(after.priority),
    );
    change("type".into(), json!(before.kind), json!(after.kind));
    change(
        "assigneeId".into(),
        json!(before.assignee_id),
        json!(after.assignee_id),
    );
    change("teamId".into(), json!(before.team_id), json!(after.team_id));
    change("tags".into(), json!(before.tags), json!(after.tags));
    change(
        "followers".into(),
        json!(before.followers),
        json!(after.followers),
    );
    let keys: BTreeSet<&String> = before
        .custom_fields
        .keys()
        .chain(after.custom_fields.keys())
        .collect();
    for key in keys {
        let value = |t: &Ticket| t.custom_fields.get(key).cloned().unwrap_or(Value::Null);
        change(format!("customFields.{key}"), value(before), value(after));
    }
    changes
}
