//! The trigger engine: which triggers fire on a change, and what they do
//! together. Pure: the router writes the result in one transaction.
//!
//! Triggers are tried in their order; each fires at most once per change;
//! one that fires changes the draft ticket that later ones see. After a
//! pass in which any fired, the ones that have not are tried again against
//! the changed ticket, until a pass fires nothing or [`MAX_PASSES`] passes
//! ran. So two triggers undoing each other each fire once, and stop.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::automation::action::Effects;
use crate::automation::condition::Facts;
use crate::automation::trigger::{On, Trigger};
use crate::kernel::ids::TriggerId;
use crate::tickets::ticket::{RuleRef, Ticket};

pub const MAX_PASSES: usize = 10;

/// What the triggers did to a change, not yet written.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// The ticket as the triggers left it.
    pub ticket: Ticket,
    /// The triggers that fired, in the order they fired.
    pub fired: Vec<RuleRef>,
    pub effects: Effects,
    pub passes: usize,
    /// The last allowed pass still fired something: later triggers that
    /// would have fired did not.
    pub capped: bool,
}

/// Runs `triggers` (in order) on a change of the kinds `moments` to
/// `ticket`.
pub fn run(
    triggers: &[Trigger],
    moments: &BTreeSet<On>,
    ticket: &Ticket,
    facts: &Facts<'_>,
    now: Timestamp,
) -> Run {
    let mut draft = ticket.clone();
    let mut effects = Effects::default();
    let mut fired: Vec<RuleRef> = Vec::new();
    let mut done: BTreeSet<TriggerId> = BTreeSet::new();
    let mut passes = 0;
    let mut capped = false;
    let candidates: Vec<&Trigger> = triggers
        .iter()
        .filter(|t| t.active && !t.on.is_disjoint(moments))
        .collect();
    while passes < MAX_PASSES {
        passes += 1;
        let mut any = false;
        for t in &candidates {
            if done.contains(&t.id) || !t.conditions.matches(&draft, facts) {
                continue;
            }
            let rule = t.rule();
            for action in &t.actions {
                action.apply(&rule, &mut draft, &mut effects, now);
            }
            done.insert(t.id);
            fired.push(rule);
            any = true;
        }
        if !any {
            break;
        }
        if passes == MAX_PASSES {
            capped = candidates
                .iter()
                .any(|t| !done.contains(&t.id) && t.conditions.matches(&draft, facts));
        }
    }
    Run {
        ticket: draft,
        fired,
        effects,
        passes,
        capped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::automation::action::Action;
    use crate::automation::condition::{ActorKind, Condition, Conditions, Has, Is};
    use crate::kernel::ids::{TenantId, UserId};
    use crate::sla::policy::BusinessHours;
    use crate::tickets::ticket::{Priority, Status, Tag, sample};

    fn tag(t: &str) -> Tag {
        Tag::parse(t).unwrap_or_else(|_| unreachable!())
    }

    fn trigger(title: &str, all: Vec<Condition>, actions: Vec<Action>) -> Trigger {
        Trigger {
            id: TriggerId::new(),
            title: title.into(),
            active: true,
            on: [On::Created, On::Updated].into(),
            conditions: Conditions {
                all,
                any: Vec::new(),
            },
            actions,
            created_at: Timestamp::UNIX_EPOCH,
            updated_at: Timestamp::UNIX_EPOCH,
        }
    }

    fn has(t: &str) -> Condition {
        Condition::Tags {
            operator: Has::Has,
            value: tag(t),
        }
    }

    fn lacks(t: &str) -> Condition {
        Condition::Tags {
            operator: Has::Lacks,
            value: tag(t),
        }
    }

    fn add(t: &str) -> Action {
        Action::AddTags {
            tags: [tag(t)].into(),
        }
    }

    fn remove(t: &str) -> Action {
        Action::RemoveTags {
            tags: [tag(t)].into(),
        }
    }

    fn go(triggers: &[Trigger]) -> Run {
        let hours = BusinessHours::default();
        let facts = Facts {
            changes: &[],
            actor: ActorKind::Customer,
            requester: None,
            body: None,
            hours: &hours,
            now: Timestamp::UNIX_EPOCH,
        };
        let ticket = sample(TenantId::new(), UserId::new(), None);
        run(
            triggers,
            &[On::Created].into(),
            &ticket,
            &facts,
            Timestamp::UNIX_EPOCH,
        )
    }

    fn titles(run: &Run) -> Vec<&str> {
        run.fired.iter().map(|r| r.title.as_str()).collect()
    }

    #[test]
    fn triggers_fire_in_order_and_later_ones_see_earlier_changes() {
        let run = go(&[
            trigger("first", vec![], vec![add("a")]),
            trigger("second", vec![has("a")], vec![add("b")]),
            trigger("never", vec![has("zzz")], vec![add("c")]),
        ]);
        assert_eq!(titles(&run), ["first", "second"]);
        assert_eq!(run.ticket.tags, [tag("a"), tag("b")].into());
        assert_eq!(run.passes, 2, "a second pass finds nothing more");
        assert!(!run.capped);
    }

    #[test]
    fn an_earlier_trigger_fires_on_a_later_ones_change_in_the_next_pass() {
        let run = go(&[
            trigger("needs b", vec![has("b")], vec![add("c")]),
            trigger("adds b", vec![], vec![add("b")]),
        ]);
        assert_eq!(titles(&run), ["adds b", "needs b"]);
        assert_eq!(run.passes, 3);
    }

    #[test]
    fn each_trigger_fires_once_per_change_even_when_it_still_matches() {
        let run = go(&[trigger(
            "raise",
            vec![],
            vec![Action::SetPriority {
                priority: Priority::High,
            }],
        )]);
        assert_eq!(titles(&run), ["raise"]);
        assert_eq!(run.ticket.priority, Priority::High);
    }

    #[test]
    fn two_rules_that_undo_each_other_stop_after_each_fired_once() {
        let run = go(&[
            trigger("add x", vec![lacks("x")], vec![add("x")]),
            trigger("drop x", vec![has("x")], vec![remove("x")]),
        ]);
        assert_eq!(titles(&run), ["add x", "drop x"]);
        assert!(!run.ticket.tags.contains(&tag("x")));
        assert!(!run.capped);
    }

    #[test]
    fn a_chain_longer_than_ten_passes_is_cut_and_says_so() {
        // Trigger k needs tag s{k-1}, listed in reverse: one fires per pass.
        let mut chain: Vec<Trigger> = (1..=12)
            .map(|k| {
                trigger(
                    &format!("t{k}"),
                    vec![has(&format!("s{}", k - 1))],
                    vec![add(&format!("s{k}"))],
                )
            })
            .collect();
        chain.reverse();
        chain.push(trigger("seed", vec![], vec![add("s0")]));
        let run = go(&chain);
        assert_eq!(run.passes, MAX_PASSES);
        assert_eq!(run.fired.len(), MAX_PASSES, "seed, then t1 to t9");
        assert!(run.ticket.tags.contains(&tag("s9")));
        assert!(!run.ticket.tags.contains(&tag("s10")));
        assert!(run.capped);
    }

    #[test]
    fn inactive_triggers_and_other_moments_are_left_out() {
        let mut off = trigger("off", vec![], vec![add("off")]);
        off.active = false;
        let mut comments = trigger("comments", vec![], vec![add("c")]);
        comments.on = [On::Comment].into();
        let run = go(&[off, comments]);
        assert!(run.fired.is_empty());
        assert_eq!(run.passes, 1);
    }

    #[test]
    fn a_status_the_lifecycle_forbids_is_skipped_with_its_reason() {
        let run = go(&[trigger(
            "close",
            vec![Condition::Status {
                operator: Is::Is,
                value: Status::Open,
            }],
            vec![
                Action::SetStatus {
                    status: Status::Closed,
                },
                add("tried"),
            ],
        )]);
        assert_eq!(run.ticket.status, Status::Open);
        assert!(run.ticket.tags.contains(&tag("tried")));
        assert_eq!(run.effects.skipped.len(), 1);
    }
}
