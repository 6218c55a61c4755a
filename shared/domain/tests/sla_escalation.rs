//! What `SlaEngine::check` does after an announcement: the policy's
//! escalation actions, applied as Switchboard itself through the ticket
//! rules and events; and what counts as the response that stops a clock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::sla::{Desk, after, first_response, policy, target};
use channels_support::{kinds, one_of};
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_domain::sla::evaluate::{State, TargetKind, Threshold};
use switchboard_domain::sla::events::SlaAnnounced;
use switchboard_domain::sla::policy::Action;
use switchboard_domain::sla::settings::PolicyInput;
use switchboard_domain::tickets::events::{PriorityChanged, TicketAssigned};
use switchboard_domain::tickets::input::{Body, NewComment, NewTicket};
use switchboard_domain::tickets::ticket::{Priority, Tag};
use switchboard_testkit::fixtures;

fn at_risk() -> Tag {
    Tag::parse("sla-at-risk").unwrap()
}

#[tokio::test]
async fn escalations_apply_as_switchboard_itself_through_the_ticket_rules() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let escalations = channels_support::team(&store, &acme, "Escalations", clock.now()).await;
    let supervisor = acme
        .person(&store, "admin", "Sue Supervisor", clock.now())
        .await
        .unwrap();
    store.take_events();
    let input = PolicyInput {
        warn_at: Some(0.5),
        on_warning: Some(vec![
            Action::AddTag { tag: at_risk() },
            Action::AssignTeam {
                team_id: escalations.id,
            },
            Action::Notify {
                user_id: supervisor.user.id,
            },
        ]),
        on_breach: Some(vec![
            Action::RaisePriority,
            Action::AssignAgent {
                user_id: acme.agent.user.id,
            },
        ]),
        ..policy("Escalating", first_response(4))
    };
    let d = Desk::on(store, clock, acme, input).await;
    let ticket = d.open("Nobody answers").await;
    let t0 = ticket.created_at;

    let warned = d.check(ticket.id, after(t0, 121)).await;
    let payload = warned[0].event.payload::<SlaAnnounced>().unwrap();
    assert_eq!(payload.notify, [supervisor.user.id]);
    assert_eq!(payload.team_id, None, "the team when it warned");
    let t = d.ticket(ticket.id).await;
    assert!(t.tags.contains(&at_risk()));
    assert_eq!(t.team_id, Some(escalations.id));
    let events = d.store.take_events();
    assert_eq!(
        kinds(&events),
        [
            EventType::TicketUpdated,
            EventType::TicketAssigned,
            EventType::SlaWarning
        ],
        "the escalation is made first, so that a failure retries both"
    );
    assert!(events.iter().all(|e| e.actor.kind == ActorType::System));
    let assigned = events[1].payload::<TicketAssigned>().unwrap();
    assert_eq!(
        (assigned.team_id, assigned.previous_team_id),
        (Some(escalations.id), None)
    );

    let breached = d.check(ticket.id, after(t0, 241)).await;
    assert_eq!(breached[0].threshold, Threshold::Breach);
    let payload = breached[0].event.payload::<SlaAnnounced>().unwrap();
    assert_eq!(
        payload.team_id,
        Some(escalations.id),
        "escalated by the warning"
    );
    assert!(payload.notify.is_empty());
    let t = d.ticket(ticket.id).await;
    assert_eq!(
        (t.priority, t.assignee_id),
        (Priority::High, Some(d.acme.agent.user.id))
    );
    let events = d.store.take_events();
    let raised = one_of(&events, EventType::TicketPriorityChanged);
    assert_eq!(
        raised.payload::<PriorityChanged>().unwrap(),
        PriorityChanged {
            from: Priority::Normal,
            to: Priority::High
        }
    );
    let history = d
        .ticketing
        .history(&d.acme.owner.principal, ticket.id)
        .await
        .unwrap();
    assert!(
        history.iter().all(|h| h.actor.kind == ActorType::System),
        "{history:?}"
    );
    assert_eq!(history.len(), 2, "one change per escalation");
    assert!(
        history.iter().all(|h| matches!(
            h.caused_by,
            Some(switchboard_domain::tickets::ticket::Cause::SlaEscalation { .. })
        )),
        "the history says which escalation made each change"
    );
}

#[tokio::test]
async fn an_urgent_ticket_stays_urgent_and_a_redelivered_check_escalates_nothing_more() {
    let d = Desk::new(PolicyInput {
        on_breach: Some(vec![Action::RaisePriority]),
        ..policy("Raise", first_response(4))
    })
    .await;
    let urgent = channels_support::open_with(
        &d.store,
        &d.acme.agent.principal,
        "Already urgent",
        |t| NewTicket {
            priority: Some(Priority::Urgent),
            ..t
        },
        d.clock.now(),
    )
    .await;
    let normal = d.open("Normal").await;
    d.store.take_events();
    let late = after(normal.created_at, 600);
    for ticket in [&urgent, &normal] {
        assert_eq!(d.check(ticket.id, late).await.len(), 2);
        assert!(d.check(ticket.id, late).await.is_empty(), "redelivered");
    }
    assert_eq!(d.ticket(urgent.id).await.priority, Priority::Urgent);
    assert_eq!(
        d.ticket(normal.id).await.priority,
        Priority::High,
        "one step, once"
    );
    let priority_changes = |id| {
        let (d, id) = (&d, id);
        async move {
            d.ticketing
                .history(&d.acme.owner.principal, id)
                .await
                .unwrap()
                .iter()
                .flat_map(|h| h.changes.iter())
                .filter(|c| c.field == "priority")
                .count()
        }
    };
    assert_eq!(priority_changes(urgent.id).await, 0);
    assert_eq!(priority_changes(normal.id).await, 1);
}

#[tokio::test]
async fn an_escalation_to_a_team_deleted_since_still_announces() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let gone = channels_support::team(&store, &acme, "Gone soon", clock.now()).await;
    let input = PolicyInput {
        on_warning: Some(vec![Action::AssignTeam { team_id: gone.id }]),
        ..policy("To a team", first_response(4))
    };
    let d = Desk::on(store, clock, acme, input).await;
    fixtures::directory(d.store.clone())
        .unwrap()
        .delete_team(&d.acme.owner.principal, gone.id, d.clock.now())
        .await
        .unwrap();
    let ticket = d.open("Orphan").await;
    let warned = d.check(ticket.id, after(ticket.created_at, 200)).await;
    assert_eq!(warned.len(), 1);
    assert_eq!(d.ticket(ticket.id).await.team_id, None);
    assert_eq!(kinds(&d.store.take_events()), [EventType::SlaWarning]);
}

#[tokio::test]
async fn an_escalation_that_failed_is_applied_when_the_check_is_retried() {
    let d = Desk::new(PolicyInput {
        on_warning: Some(vec![Action::AddTag { tag: at_risk() }]),
        ..policy("Tagging", first_response(4))
    })
    .await;
    let ticket = d.open("Flaky storage").await;
    let due = after(ticket.created_at, 200);
    d.store
        .fail_next_call_to("write_ticket", StoreError::Unavailable("injected".into()));
    let failed = d
        .engine
        .check(&d.ticketing, d.acme.id(), ticket.id, due)
        .await;
    assert!(
        matches!(failed, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{failed:?}"
    );
    // The worker's message comes back and the check runs again.
    d.check(ticket.id, due).await;
    assert!(
        d.ticket(ticket.id).await.tags.contains(&at_risk()),
        "the warning's escalation is applied"
    );
}

#[tokio::test]
async fn a_copied_participants_message_does_not_meet_the_first_response() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let bo = acme
        .person(&store, "customer", "Bo Copied", clock.now())
        .await
        .unwrap();
    let d = Desk::on(store, clock, acme, policy("Reply", first_response(30))).await;
    let ticket = channels_support::open_with(
        &d.store,
        &d.acme.customer.principal,
        "Office move",
        |t| NewTicket {
            cc: [bo.user.email.as_str().to_owned()].into(),
            ..t
        },
        d.clock.now(),
    )
    .await;
    let t0 = ticket.created_at;
    d.ticketing
        .add_comment(
            &bo.principal,
            ticket.id,
            NewComment::reply(Body::parse("Me too").unwrap()),
            None,
            after(t0, 60),
        )
        .await
        .unwrap();
    assert_eq!(
        d.ticket(ticket.id).await.first_response_at,
        None,
        "no agent answered"
    );
    let sla = d.recompute(ticket.id, after(t0, 61)).await.unwrap().sla;
    assert_eq!(target(&sla, TargetKind::FirstResponse).state, State::Active);
}
