//! Automations: rules run every hour over the tickets whose conditions
//! hold (hours since created, updated or solved, and a trigger's
//! conditions about the ticket). Each must contain an action that makes
//! its own conditions false, so it cannot act on a ticket twice.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::automation::action::Action;
use crate::automation::condition::{Choice, Clock, Compare, Condition, Conditions, Has, Is};
use crate::automation::trigger::{MAX_ACTIONS, MAX_CONDITIONS, action_problem, condition_problem};
use crate::kernel::ids::AutomationId;
use crate::kernel::validation::{FieldError, bounded_text};
use crate::tickets::ticket::RuleRef;

pub const MAX_AUTOMATIONS: usize = 100;
/// Tickets one automation looks at per run (the rest wait for the next).
pub const MAX_TICKETS_PER_RUN: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Automation {
    pub id: AutomationId,
    pub title: String,
    pub active: bool,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Automation {
    pub fn rule(&self) -> RuleRef {
        RuleRef {
            id: self.id.to_string(),
            title: self.title.clone(),
        }
    }
}

/// A tenant's automations in the order they run, with one version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AutomationSet {
    pub automations: Vec<Automation>,
    #[serde(default)]
    pub version: u64,
}

impl AutomationSet {
    pub fn position(&self, id: AutomationId) -> Option<usize> {
        self.automations.iter().position(|a| a.id == id)
    }

    pub fn any_active(&self) -> bool {
        self.automations.iter().any(|a| a.active)
    }
}

/// What an automation must be: a title, bounded well-formed conditions
/// (at least one about time), actions, and one action that undoes a
/// condition of `all`.
pub fn check_automation(a: &Automation) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if let Err(e) = bounded_text(&a.title, 1, 120) {
        errors.push(FieldError::new("title", e.code, e.message));
    }
    if a.conditions.len() > MAX_CONDITIONS {
        errors.push(FieldError::new(
            "conditions",
            "too_many",
            format!("at most {MAX_CONDITIONS} conditions"),
        ));
    }
    for (list, conditions) in [("all", &a.conditions.all), ("any", &a.conditions.any)] {
        for (i, c) in conditions.iter().enumerate() {
            if let Some(e) = condition_problem(c, true) {
                errors.push(FieldError::new(
                    format!("conditions.{list}.{i}"),
                    "invalid_value",
                    e,
                ));
            }
        }
    }
    if !a
        .conditions
        .all
        .iter()
        .any(|c| matches!(c, Condition::HoursSince { .. }))
    {
        errors.push(FieldError::new(
            "conditions.all",
            "time_required",
            "an automation needs an `hoursSince` condition in `all`",
        ));
    }
    if a.actions.is_empty() || a.actions.len() > MAX_ACTIONS {
        errors.push(FieldError::new(
            "actions",
            "invalid_length",
            format!("1 to {MAX_ACTIONS} actions"),
        ));
    }
    for (i, action) in a.actions.iter().enumerate() {
        if let Some(e) = action_problem(action) {
            errors.push(FieldError::new(format!("actions.{i}"), "invalid_value", e));
        }
    }
    if !a.actions.is_empty() && !nullifies(&a.conditions, &a.actions) {
        errors.push(FieldError::new(
            "actions",
            "not_nullifying",
            "an action must make one of the conditions in `all` false (e.g. close what \
             `status is solved` finds, or add the tag `tags lacks` asks for), or it would \
             act on the same tickets every hour",
        ));
    }
    errors
}

/// Whether an action makes a condition of `all` false once applied.
pub fn nullifies(conditions: &Conditions, actions: &[Action]) -> bool {
    conditions.all.iter().any(|c| {
        actions.iter().any(|a| match (c, a) {
            // Any change moves `updated`, so "not updated for N hours"
            // stops holding.
            (
                Condition::HoursSince {
                    clock: Clock::Updated,
                    operator: Compare::GreaterThan,
                    ..
                },
                _,
            ) => changes_ticket(a),
            // Without an assignee, the assignment's clock is not met.
            (
                Condition::HoursSince {
                    clock: Clock::Assigned,
                    operator: Compare::GreaterThan,
                    ..
                },
                Action::AssignAgent { user_id: None } | Action::AutoAssign,
            ) => true,
            (
                Condition::Status {
                    operator: Is::Is,
                    value,
                },
                Action::SetStatus { status },
            ) => status != value,
            (
                Condition::Status {
                    operator: Is::IsNot,
                    value,
                },
                Action::SetStatus { status },
            ) => status == value,
            (
                Condition::Priority {
                    operator: Is::Is,
                    value,
                },
                Action::SetPriority { priority },
            ) => priority != value,
            (
                Condition::Type {
                    operator: Is::Is,
                    value: v,
                },
                Action::SetType { value },
            ) => value != v,
            (
                Condition::Tags {
                    operator: Has::Lacks,
                    value,
                },
                Action::AddTags { tags },
            ) => tags.contains(value),
            (
                Condition::Tags {
                    operator: Has::Has,
                    value,
                },
                Action::RemoveTags { tags },
            ) => tags.contains(value),
            (
                Condition::Team {
                    operator: Is::Is,
                    value,
                },
                Action::AssignTeam { team_id },
            ) => {
                !matches!((value, team_id), (Choice::One(a), Some(b)) if a == b)
                    && !matches!((value, team_id), (Choice::None, None))
            }
            (
                Condition::Assignee {
                    operator: Is::Is,
                    value: Choice::None,
                },
                Action::AssignAgent { user_id: Some(_) },
            ) => true,
            (
                Condition::CustomField {
                    key,
                    operator: Is::Is,
                    value,
                },
                Action::SetCustomField { key: k, value: v },
            ) => key == k && value != v,
            _ => false,
        })
    })
}

/// Whether an action changes the ticket itself (a note, a notification,
/// a mail or a follower alone does not move `updated` in a way that ends
/// the condition).
fn changes_ticket(a: &Action) -> bool {
    !matches!(
        a,
        Action::AddNote { .. }
            | Action::NotifyWebhook { .. }
            | Action::SendEmail(_)
            | Action::Follow { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::ticket::{Status, Tag};

    fn hours_since(clock: Clock, hours: u32) -> Condition {
        Condition::HoursSince {
            clock,
            operator: Compare::GreaterThan,
            hours,
            calendar: None,
        }
    }

    fn automation(all: Vec<Condition>, actions: Vec<Action>) -> Automation {
        Automation {
            id: AutomationId::new(),
            title: "Close solved tickets".into(),
            active: true,
            conditions: Conditions {
                all,
                any: Vec::new(),
            },
            actions,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn codes(a: &Automation) -> Vec<&'static str> {
        check_automation(a).into_iter().map(|e| e.code).collect()
    }

    #[test]
    fn closing_what_it_finds_solved_nullifies() {
        let close = automation(
            vec![
                Condition::Status {
                    operator: Is::Is,
                    value: Status::Solved,
                },
                hours_since(Clock::Solved, 96),
            ],
            vec![Action::SetStatus {
                status: Status::Closed,
            }],
        );
        assert!(codes(&close).is_empty());
    }

    #[test]
    fn an_action_that_leaves_its_conditions_true_is_refused() {
        let tag = Tag::parse("reminded").unwrap_or_else(|_| unreachable!());
        let forever = automation(
            vec![
                Condition::Status {
                    operator: Is::Is,
                    value: Status::Pending,
                },
                hours_since(Clock::Created, 48),
            ],
            vec![Action::AddNote {
                body: "Still waiting".into(),
            }],
        );
        assert_eq!(codes(&forever), ["not_nullifying"]);
        let remind_once = automation(
            vec![
                Condition::Status {
                    operator: Is::Is,
                    value: Status::Pending,
                },
                Condition::Tags {
                    operator: Has::Lacks,
                    value: tag.clone(),
                },
                hours_since(Clock::Created, 48),
            ],
            vec![
                Action::AddNote {
                    body: "Still waiting".into(),
                },
                Action::AddTags { tags: [tag].into() },
            ],
        );
        assert!(codes(&remind_once).is_empty());
        let touched = automation(
            vec![hours_since(Clock::Updated, 24)],
            vec![Action::SetPriority {
                priority: crate::tickets::ticket::Priority::High,
            }],
        );
        assert!(codes(&touched).is_empty(), "any change moves `updated`");
    }

    #[test]
    fn a_time_condition_is_required_and_change_conditions_are_refused() {
        let no_time = automation(
            vec![Condition::Status {
                operator: Is::Is,
                value: Status::Solved,
            }],
            vec![Action::SetStatus {
                status: Status::Closed,
            }],
        );
        assert_eq!(codes(&no_time), ["time_required"]);
        let about_change = automation(
            vec![
                hours_since(Clock::Updated, 1),
                Condition::Actor {
                    operator: Is::Is,
                    value: crate::automation::condition::ActorKind::Agent,
                },
            ],
            vec![Action::SetStatus {
                status: Status::Open,
            }],
        );
        assert_eq!(codes(&about_change), ["invalid_value"]);
    }

    #[test]
    fn a_mail_alone_nullifies_nothing_and_moving_a_clock_does() {
        let mail = Action::SendEmail(crate::automation::action::RuleMail {
            to: crate::automation::action::MailTo::Requester,
            address: None,
            subject: "Any news?".into(),
            body: "Hello".into(),
        });
        let nagging = automation(vec![hours_since(Clock::Updated, 48)], vec![mail.clone()]);
        assert_eq!(codes(&nagging), ["not_nullifying"]);
        // Setting a status restarts nothing when the ticket has it already.
        let same = automation(
            vec![hours_since(Clock::StatusChanged, 24)],
            vec![
                mail.clone(),
                Action::SetStatus {
                    status: Status::Open,
                },
            ],
        );
        assert_eq!(codes(&same), ["not_nullifying"]);
        let reassign = automation(
            vec![hours_since(Clock::Assigned, 8)],
            vec![Action::AutoAssign],
        );
        assert!(codes(&reassign).is_empty());
        let replied = automation(vec![hours_since(Clock::AgentReplied, 48)], vec![mail]);
        assert_eq!(codes(&replied), ["not_nullifying"]);
    }
}
