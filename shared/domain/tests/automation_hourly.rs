//! The hourly run of automations on the in-memory store, with a test
//! clock: a solved ticket closes once its time has passed, once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::SignedDuration;
use support::*;
use switchboard_domain::automation::action::Action;
use switchboard_domain::automation::automations::{AutomationInput, Automations};
use switchboard_domain::automation::condition::{Clock, Compare, Condition, Conditions, Has, Is};
use switchboard_domain::automation::hourly::run_hour;
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::ports::TicketStore;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Cause, Status, Tag};

fn close_after(hours: u32) -> AutomationInput {
    AutomationInput {
        title: Some("Close solved tickets after 4 days".into()),
        conditions: Some(Conditions {
            all: vec![
                Condition::Status {
                    operator: Is::Is,
                    value: Status::Solved,
                },
                Condition::HoursSince {
                    clock: Clock::Solved,
                    operator: Compare::GreaterThan,
                    hours,
                    calendar: None,
                },
            ],
            any: Vec::new(),
        }),
        actions: Some(vec![Action::SetStatus {
            status: Status::Closed,
        }]),
        ..AutomationInput::default()
    }
}

#[tokio::test]
async fn a_solved_ticket_closes_once_its_time_has_passed() {
    let (clock, store, acme) = world().await;
    Automations::new(store.clone())
        .create(&acme.owner.principal, close_after(96), clock.now())
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let solved = open(&tickets, &acme.customer.principal, "Printer", clock.now()).await;
    let open_one = open(&tickets, &acme.customer.principal, "Scanner", clock.now()).await;
    tickets
        .update(
            &acme.agent.principal,
            solved.id,
            TicketPatch {
                status: Some(Status::Solved),
                ..TicketPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    store.take_events();

    let early = clock.now() + SignedDuration::from_hours(95);
    let run = run_hour(&store, &tickets, early).await.unwrap();
    assert_eq!((run.tenants, run.automations, run.changed), (1, 1, 0));
    assert!(store.take_events().is_empty());

    let late = clock.now() + SignedDuration::from_hours(97);
    let run = run_hour(&store, &tickets, late).await.unwrap();
    assert_eq!(run.changed, 1);
    assert_eq!(run.examined, 1, "only solved tickets are read");
    let closed = store.ticket(acme.id(), solved.id).await.unwrap().unwrap();
    assert_eq!(closed.status, Status::Closed);
    let history = tickets
        .history(&acme.owner.principal, solved.id)
        .await
        .unwrap();
    assert!(history.iter().any(|h| matches!(
        &h.caused_by,
        Some(Cause::Automation { automation }) if automation.title.starts_with("Close solved")
    )));
    let untouched = store.ticket(acme.id(), open_one.id).await.unwrap().unwrap();
    assert_eq!(untouched.version, open_one.version);

    let again = run_hour(&store, &tickets, late + SignedDuration::from_hours(1))
        .await
        .unwrap();
    assert_eq!(again.changed, 0, "it acted once");
}

#[tokio::test]
async fn a_reminder_marks_what_it_reminded_and_stops() {
    let (clock, store, acme) = world().await;
    let tag = Tag::parse("reminded").unwrap();
    let reminder = AutomationInput {
        title: Some("Remind on pending after 2 days".into()),
        conditions: Some(Conditions {
            all: vec![
                Condition::Status {
                    operator: Is::Is,
                    value: Status::Pending,
                },
                Condition::Tags {
                    operator: Has::Lacks,
                    value: tag.clone(),
                },
                Condition::HoursSince {
                    clock: Clock::Updated,
                    operator: Compare::GreaterThan,
                    hours: 48,
                    calendar: None,
                },
            ],
            any: Vec::new(),
        }),
        actions: Some(vec![
            Action::AddNote {
                body: "Waiting on the customer for two days.".into(),
            },
            Action::AddTags {
                tags: [tag.clone()].into(),
            },
        ]),
        ..AutomationInput::default()
    };
    let automations = Automations::new(store.clone());
    automations
        .create(&acme.owner.principal, reminder, clock.now())
        .await
        .unwrap();
    let without_nullifying = AutomationInput {
        title: Some("Nag forever".into()),
        conditions: Some(Conditions {
            all: vec![
                Condition::Status {
                    operator: Is::Is,
                    value: Status::Pending,
                },
                Condition::HoursSince {
                    clock: Clock::Created,
                    operator: Compare::GreaterThan,
                    hours: 48,
                    calendar: None,
                },
            ],
            any: Vec::new(),
        }),
        actions: Some(vec![Action::AddNote {
            body: "Still waiting.".into(),
        }]),
        ..AutomationInput::default()
    };
    assert_eq!(
        invalid(
            automations
                .create(&acme.owner.principal, without_nullifying, clock.now())
                .await
        ),
        [("actions".to_owned(), "not_nullifying")]
    );
    let tickets = Ticketing::new(store.clone());
    let waiting = open(&tickets, &acme.customer.principal, "Refund", clock.now()).await;
    tickets
        .update(
            &acme.agent.principal,
            waiting.id,
            TicketPatch {
                status: Some(Status::Pending),
                ..TicketPatch::default()
            },
            None,
            clock.now(),
        )
        .await
        .unwrap();
    for hour in [49, 50, 51] {
        run_hour(
            &store,
            &tickets,
            clock.now() + SignedDuration::from_hours(hour),
        )
        .await
        .unwrap();
    }
    let t = store.ticket(acme.id(), waiting.id).await.unwrap().unwrap();
    assert!(t.tags.contains(&tag));
    let (_, comments, _) = store
        .conversation(acme.id(), waiting.id, 10, false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(comments.len(), 2, "the description and one reminder");
}

fn tagging(title: &str, conditions: Vec<Condition>, action: Action) -> AutomationInput {
    AutomationInput {
        title: Some(title.into()),
        conditions: Some(Conditions {
            all: conditions,
            any: Vec::new(),
        }),
        actions: Some(vec![action]),
        ..AutomationInput::default()
    }
}

#[tokio::test]
async fn a_nudge_counts_from_the_agents_last_reply_not_from_later_edits() {
    let (clock, store, acme) = world().await;
    let nudged = Tag::parse("nudged").unwrap();
    Automations::new(store.clone())
        .create(
            &acme.owner.principal,
            tagging(
                "Nudge two days after our reply",
                vec![
                    Condition::Tags {
                        operator: Has::Lacks,
                        value: nudged.clone(),
                    },
                    Condition::HoursSince {
                        clock: Clock::AgentReplied,
                        operator: Compare::GreaterThan,
                        hours: 48,
                        calendar: None,
                    },
                ],
                Action::AddTags {
                    tags: [nudged.clone()].into(),
                },
            ),
            clock.now(),
        )
        .await
        .unwrap();
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Refund", clock.now()).await;
    let opened = store.ticket(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(opened.clocks.requester_replied_at, Some(clock.now()));
    assert_eq!(opened.clocks.status_changed_at, Some(clock.now()));
    assert_eq!(opened.clocks.agent_replied_at, None);

    let replied_at = clock.now() + SignedDuration::from_hours(1);
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("Done."),
            None,
            replied_at,
        )
        .await
        .unwrap();
    let edited_at = clock.now() + SignedDuration::from_hours(30);
    tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                assignee: Some(Some(acme.agent.user.id)),
                status: Some(Status::Pending),
                ..TicketPatch::default()
            },
            None,
            edited_at,
        )
        .await
        .unwrap();
    let edited = store.ticket(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(edited.clocks.agent_replied_at, Some(replied_at));
    assert_eq!(edited.clocks.assigned_at, Some(edited_at));
    assert_eq!(edited.clocks.status_changed_at, Some(edited_at));
    assert_eq!(edited.clocks.requester_replied_at, Some(clock.now()));

    let before = run_hour(
        &store,
        &tickets,
        replied_at + SignedDuration::from_hours(47),
    )
    .await
    .unwrap();
    assert_eq!(before.changed, 0);
    // A second reply (a partial write: the ticket stays pending) restarts
    // the clock.
    let again_at = clock.now() + SignedDuration::from_hours(40);
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("Any news?"),
            None,
            again_at,
        )
        .await
        .unwrap();
    let again = store.ticket(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(again.clocks.agent_replied_at, Some(again_at));
    assert_eq!(again.status, Status::Pending);
    let early = run_hour(
        &store,
        &tickets,
        replied_at + SignedDuration::from_hours(49),
    )
    .await
    .unwrap();
    assert_eq!(
        early.changed, 0,
        "48 hours from the last reply, not the first"
    );
    let after = run_hour(&store, &tickets, again_at + SignedDuration::from_hours(49))
        .await
        .unwrap();
    assert_eq!(after.changed, 1);
    let t = store.ticket(acme.id(), t.id).await.unwrap().unwrap();
    assert!(t.tags.contains(&nudged));
    assert_eq!(t.clocks.automation_updates, 1);
}

#[tokio::test]
async fn automations_that_undo_each_other_stop_at_the_update_limit() {
    let (clock, store, acme) = world().await;
    let flag = Tag::parse("flag").unwrap();
    let old = Condition::HoursSince {
        clock: Clock::Created,
        operator: Compare::GreaterThan,
        hours: 1,
        calendar: None,
    };
    let automations = Automations::new(store.clone());
    for (title, has, action) in [
        (
            "Flag",
            Has::Lacks,
            Action::AddTags {
                tags: [flag.clone()].into(),
            },
        ),
        (
            "Unflag",
            Has::Has,
            Action::RemoveTags {
                tags: [flag.clone()].into(),
            },
        ),
    ] {
        let condition = Condition::Tags {
            operator: has,
            value: flag.clone(),
        };
        automations
            .create(
                &acme.owner.principal,
                tagging(title, vec![condition, old.clone()], action),
                clock.now(),
            )
            .await
            .unwrap();
    }
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Churn", clock.now()).await;
    let mut changed = 0;
    for hour in 2..60 {
        let run = run_hour(
            &store,
            &tickets,
            clock.now() + SignedDuration::from_hours(hour),
        )
        .await
        .unwrap();
        changed += run.changed;
        if hour < 52 {
            assert_eq!(run.at_limit, 0, "hour {hour}");
        } else {
            assert_eq!((run.changed, run.at_limit), (0, 1), "hour {hour}");
        }
    }
    assert_eq!(changed, 100);
    let t = store.ticket(acme.id(), t.id).await.unwrap().unwrap();
    assert_eq!(t.clocks.automation_updates, 100);
}
