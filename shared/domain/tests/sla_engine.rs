//! The SLA engine, `SlaEngine::recompute` and `SlaEngine::check`: clocks
//! from the ticket's history (business hours, pauses, replies, solving),
//! the next deadline stored and near ones handed to the worker, and each
//! warning and breach announced once per target cycle. Escalations are in
//! `sla_escalation.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::sla::{
    Desk, after, business, first_response, minutes, policy, target, weekdays,
};
use jiff::Timestamp;
use switchboard_domain::kernel::events::{ActorType, EventType};
use switchboard_domain::sla::evaluate::{SlaView, State, TargetKind, Threshold};
use switchboard_domain::sla::events::SlaAnnounced;
use switchboard_domain::sla::policy::{Conditions, Targets};
use switchboard_domain::sla::ports::TicketSlaStore;
use switchboard_domain::sla::settings::{PolicyInput, SlaSettings};
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::tickets::input::{Body, NewComment, NewTicket, TicketPatch};
use switchboard_domain::tickets::ticket::{Priority, Status};

/// First response in 4 minutes (warned at half), resolution in 8 hours.
fn fast() -> PolicyInput {
    PolicyInput {
        warn_at: Some(0.5),
        ..policy(
            "Fast",
            Targets {
                first_response: minutes(4),
                resolution: minutes(480),
                ..Targets::default()
            },
        )
    }
}

async fn set_status(
    d: &Desk,
    ticket: &switchboard_domain::tickets::ticket::Ticket,
    status: Status,
    at: Timestamp,
) {
    d.ticketing
        .update(
            &d.acme.agent.principal,
            ticket.id,
            TicketPatch {
                status: Some(status),
                ..TicketPatch::default()
            },
            None,
            at,
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn without_a_policy_a_ticket_has_no_sla_and_nothing_is_stored_or_announced() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let other = channels_support::other_helpdesk(&store, &clock).await;
    // Only the other helpdesk has a policy.
    let d = Desk::on(
        store.clone(),
        clock.clone(),
        other,
        policy("Theirs", first_response(1)),
    )
    .await;
    let ticket =
        channels_support::open_ticket(&store, &acme.customer.principal, "Ours", clock.now()).await;
    store.take_events();
    let late = after(clock.now(), 3600);
    assert_eq!(
        d.engine
            .recompute(acme.id(), ticket.id, late)
            .await
            .unwrap(),
        None
    );
    let checked = d
        .engine
        .check(&d.ticketing, acme.id(), ticket.id, late)
        .await
        .unwrap();
    assert!(checked.is_empty());
    assert_eq!(store.ticket_sla(acme.id(), ticket.id).await.unwrap(), None);
    // Nor does their engine see our ticket under their id.
    assert_eq!(d.recompute(ticket.id, late).await, None);
    assert!(d.check(ticket.id, late).await.is_empty());
    assert!(store.take_events().is_empty());
    assert!(d.queues.sla_checks().is_empty());
}

#[tokio::test]
async fn recompute_stores_the_clocks_and_hands_a_near_deadline_to_the_worker() {
    let d = Desk::new(fast()).await;
    let ticket = d.open("Printer on fire").await;
    let t0 = ticket.created_at;
    let stored = d.recompute(ticket.id, after(t0, 10)).await.unwrap();
    assert_eq!(stored.sla.policy_id, d.policy.id);
    assert_eq!(stored.sla.policy_name, "Fast");
    let first = target(&stored.sla, TargetKind::FirstResponse);
    assert_eq!((first.started_at, first.state), (t0, State::Active));
    assert_eq!(first.warn_at, Some(after(t0, 120)));
    assert_eq!(first.due_at, Some(after(t0, 240)));
    let resolution = target(&stored.sla, TargetKind::Resolution);
    assert_eq!(resolution.due_at, Some(after(t0, 8 * 3600)));
    assert_eq!(
        stored.next_deadline,
        Some(after(t0, 120)),
        "the warning comes first"
    );
    assert_eq!(stored.view, None);
    assert_eq!(
        d.store.ticket_sla(d.acme.id(), ticket.id).await.unwrap(),
        Some(stored)
    );
    let check = SlaCheck {
        tenant_id: d.acme.id(),
        ticket_id: ticket.id,
    };
    assert_eq!(
        d.queues.sla_checks(),
        [(check, 110)],
        "delayed to its second"
    );
}

#[tokio::test]
async fn a_deadline_beyond_five_minutes_is_left_to_the_scheduler() {
    let d = Desk::new(policy(
        "Slow",
        Targets {
            resolution: minutes(480),
            ..Targets::default()
        },
    ))
    .await;
    let ticket = d.open("Slow one").await;
    let stored = d.recompute(ticket.id, ticket.created_at).await.unwrap();
    assert_eq!(
        stored.next_deadline,
        Some(after(ticket.created_at, 6 * 3600))
    );
    assert!(d.queues.sla_checks().is_empty());
}

#[tokio::test]
async fn recompute_writes_only_when_something_changed() {
    let d = Desk::new(fast()).await;
    let ticket = d.open("Same again").await;
    d.store.clear_calls();
    d.recompute(ticket.id, after(ticket.created_at, 5)).await;
    d.recompute(ticket.id, after(ticket.created_at, 6)).await;
    let writes = d
        .store
        .calls()
        .iter()
        .filter(|c| *c == "put_ticket_sla")
        .count();
    assert_eq!(writes, 1);
    // Past the warning the view changes: written again.
    d.recompute(ticket.id, after(ticket.created_at, 130)).await;
    let stored = d
        .store
        .ticket_sla(d.acme.id(), ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.view, Some(SlaView::AtRisk));
}

#[tokio::test]
async fn due_times_count_business_hours_and_skip_nights_weekends_and_holidays() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let calendars = vec![
        weekdays("office", "Europe/Berlin", "09:00", "17:00", &[]),
        weekdays(
            "office-closed-monday",
            "Europe/Berlin",
            "09:00",
            "17:00",
            &["2026-12-07"],
        ),
    ];
    SlaSettings::new(store.clone())
        .put_business_hours(&acme.owner.principal, calendars, None, clock.now())
        .await
        .unwrap();
    let input = policy(
        "Office",
        Targets {
            first_response: business(60, "office-closed-monday"),
            resolution: business(120, "office"),
            ..Targets::default()
        },
    );
    let d = Desk::on(store, clock, acme, input).await;
    // Friday 4 December 2026, 16:30 in Berlin: half an hour before closing.
    let friday: Timestamp = "2026-12-04T15:30:00Z".parse().unwrap();
    d.clock.set(friday);
    let ticket = d.open("Friday afternoon").await;
    let sla = d.recompute(ticket.id, friday).await.unwrap().sla;
    let first = target(&sla, TargetKind::FirstResponse);
    // 30 minutes on Friday, the rest on Tuesday (Monday is a holiday).
    assert_eq!(first.due_at, Some("2026-12-08T08:30:00Z".parse().unwrap()));
    assert_eq!(
        first.warn_at,
        Some("2026-12-08T08:15:00Z".parse().unwrap()),
        "at 75%"
    );
    let resolution = target(&sla, TargetKind::Resolution);
    assert_eq!(
        resolution.due_at,
        Some("2026-12-07T09:30:00Z".parse().unwrap()),
        "Monday 10:30"
    );
    assert!(
        d.check(ticket.id, "2026-12-06T12:00:00Z".parse().unwrap())
            .await
            .is_empty(),
        "Sunday"
    );
}

#[tokio::test]
async fn a_warning_and_a_breach_are_announced_once_each_by_switchboard() {
    let d = Desk::new(fast()).await;
    let ticket = d.open("Nobody answers").await;
    let t0 = ticket.created_at;
    assert!(
        d.check(ticket.id, after(t0, 60)).await.is_empty(),
        "before the warning"
    );
    let warned = d.check(ticket.id, after(t0, 121)).await;
    assert_eq!(warned.len(), 1);
    assert_eq!(warned[0].threshold, Threshold::Warning);
    assert_eq!(
        warned[0].target,
        format!("first_response@{}", t0.as_second())
    );
    let event = &warned[0].event;
    assert_eq!(
        (event.kind, event.actor.kind),
        (EventType::SlaWarning, ActorType::System)
    );
    assert_eq!(
        (event.tenant_id, event.subject.ticket_id),
        (d.acme.id(), Some(ticket.id))
    );
    assert_eq!(event.occurred_at, after(t0, 121));
    assert_eq!(
        event.payload::<SlaAnnounced>().unwrap(),
        SlaAnnounced {
            target: TargetKind::FirstResponse,
            started_at: t0,
            due_at: Some(after(t0, 240)),
            warn_at: Some(after(t0, 120)),
            policy_id: d.policy.id,
            policy_name: "Fast".into(),
            team_id: None,
            notify: vec![],
        }
    );
    assert!(d.check(ticket.id, after(t0, 122)).await.is_empty(), "once");
    let stored = d
        .store
        .ticket_sla(d.acme.id(), ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.view, Some(SlaView::AtRisk));
    assert_eq!(
        stored.next_deadline,
        Some(after(t0, 240)),
        "the breach is next"
    );

    let breached = d.check(ticket.id, after(t0, 241)).await;
    assert_eq!(breached.len(), 1);
    assert_eq!(breached[0].event.kind, EventType::SlaBreached);
    assert!(d.check(ticket.id, after(t0, 300)).await.is_empty(), "once");
    let events = d.store.take_events();
    assert_eq!(
        channels_support::kinds(&events),
        [EventType::SlaWarning, EventType::SlaBreached]
    );
    assert_eq!(
        events[0], warned[0].event,
        "the announcement is in the outbox"
    );
    let stored = d
        .store
        .ticket_sla(d.acme.id(), ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.view, Some(SlaView::Breached));
    assert_eq!(
        stored.next_deadline,
        Some(after(t0, 4 * 3600)),
        "the resolution's warning"
    );
    assert_eq!(
        d.store
            .sla_announced(d.acme.id(), ticket.id)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn a_check_long_past_the_deadline_announces_the_warning_then_the_breach() {
    let d = Desk::new(fast()).await;
    let ticket = d.open("Forgotten").await;
    let done = d.check(ticket.id, after(ticket.created_at, 600)).await;
    let thresholds: Vec<Threshold> = done.iter().map(|a| a.threshold).collect();
    assert_eq!(thresholds, [Threshold::Warning, Threshold::Breach]);
    assert!(done.iter().all(|a| a.target.starts_with("first_response@")));
}

#[tokio::test]
async fn a_reply_in_time_meets_the_first_response_and_nothing_is_announced() {
    let d = Desk::new(policy("Reply", first_response(4))).await;
    let ticket = d.open("Answered").await;
    let t0 = ticket.created_at;
    d.ticketing
        .add_comment(
            &d.acme.agent.principal,
            ticket.id,
            NewComment::reply(Body::parse("On it").unwrap()),
            None,
            after(t0, 60),
        )
        .await
        .unwrap();
    let stored = d.recompute(ticket.id, after(t0, 61)).await.unwrap();
    let first = target(&stored.sla, TargetKind::FirstResponse);
    assert_eq!(
        (first.state, first.met_at),
        (State::Met, Some(after(t0, 60)))
    );
    assert_eq!(stored.next_deadline, None);
    assert!(d.check(ticket.id, after(t0, 3600)).await.is_empty());
    // An internal note is no response.
    let other = d.open("Only a note").await;
    d.ticketing
        .add_comment(
            &d.acme.agent.principal,
            other.id,
            NewComment::note(Body::parse("Hmm").unwrap()),
            None,
            after(other.created_at, 60),
        )
        .await
        .unwrap();
    let sla = d
        .recompute(other.id, after(other.created_at, 61))
        .await
        .unwrap()
        .sla;
    assert_eq!(target(&sla, TargetKind::FirstResponse).state, State::Active);
}

#[tokio::test]
async fn pending_stops_the_clock_and_moves_the_due_time() {
    let d = Desk::new(policy("Reply", first_response(20))).await;
    let ticket = d.open("Waiting on the customer").await;
    let t0 = ticket.created_at;
    set_status(&d, &ticket, Status::Pending, after(t0, 60)).await;
    let paused = d.recompute(ticket.id, after(t0, 300)).await.unwrap();
    assert_eq!(
        target(&paused.sla, TargetKind::FirstResponse).state,
        State::Paused
    );
    assert_eq!(paused.next_deadline, None, "nothing to scan while paused");
    assert!(d.check(ticket.id, after(t0, 3000)).await.is_empty());
    set_status(&d, &ticket, Status::Open, after(t0, 660)).await;
    let running = d.recompute(ticket.id, after(t0, 700)).await.unwrap();
    let first = target(&running.sla, TargetKind::FirstResponse);
    assert_eq!(first.state, State::Active);
    assert_eq!(first.paused_for, 600);
    assert_eq!(
        first.due_at,
        Some(after(t0, 1200 + 600)),
        "ten minutes later"
    );
}

#[tokio::test]
async fn a_solved_ticket_stops_every_clock() {
    let d = Desk::new(fast()).await;
    let ticket = d.open("Quick fix").await;
    let t0 = ticket.created_at;
    set_status(&d, &ticket, Status::Solved, after(t0, 60)).await;
    let stored = d.recompute(ticket.id, after(t0, 61)).await.unwrap();
    assert!(
        stored.sla.targets.iter().all(|t| t.state == State::Met),
        "{stored:?}"
    );
    assert_eq!(stored.next_deadline, None);
    assert!(d.check(ticket.id, after(t0, 24 * 3600)).await.is_empty());
}

#[tokio::test]
async fn each_customer_message_after_a_reply_is_a_new_next_response_cycle_announced_anew() {
    let d = Desk::new(PolicyInput {
        warn_at: Some(0.5),
        ..policy(
            "Next",
            Targets {
                next_response: minutes(10),
                ..Targets::default()
            },
        )
    })
    .await;
    let ticket = d.open("Back and forth").await;
    let t0 = ticket.created_at;
    let say = |who: &switchboard_domain::accounts::permissions::Principal, at: i64| {
        let (d, who) = (&d, who.clone());
        async move {
            d.ticketing
                .add_comment(
                    &who,
                    ticket.id,
                    NewComment::reply(Body::parse("Message").unwrap()),
                    None,
                    after(t0, at),
                )
                .await
                .unwrap();
        }
    };
    say(&d.acme.agent.principal, 60).await;
    assert!(
        d.recompute(ticket.id, after(t0, 61))
            .await
            .unwrap()
            .sla
            .targets
            .is_empty(),
        "no customer message yet"
    );
    say(&d.acme.customer.principal, 120).await;
    let first_cycle = d.check(ticket.id, after(t0, 120 + 601)).await;
    assert_eq!(first_cycle.len(), 2, "warning and breach");
    say(&d.acme.agent.principal, 800).await;
    say(&d.acme.customer.principal, 900).await;
    let stored = d.recompute(ticket.id, after(t0, 901)).await.unwrap();
    let next = target(&stored.sla, TargetKind::NextResponse);
    assert_eq!(
        (next.started_at, next.state),
        (after(t0, 900), State::Active)
    );
    let second_cycle = d.check(ticket.id, after(t0, 900 + 601)).await;
    assert_eq!(second_cycle.len(), 2, "announced again for the new cycle");
    assert_ne!(first_cycle[0].target, second_cycle[0].target);
    assert_eq!(
        d.store
            .sla_announced(d.acme.id(), ticket.id)
            .await
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn a_deleted_ticket_or_a_removed_policy_drops_its_stored_sla() {
    let d = Desk::new(fast()).await;
    let kept = d.open("Kept").await;
    let deleted = d.open("Deleted").await;
    let now = after(kept.created_at, 5);
    for t in [&kept, &deleted] {
        assert!(d.recompute(t.id, now).await.is_some());
    }
    d.ticketing
        .delete(&d.acme.owner.principal, deleted.id, now)
        .await
        .unwrap();
    assert_eq!(d.recompute(deleted.id, now).await, None);
    assert_eq!(
        d.store.ticket_sla(d.acme.id(), deleted.id).await.unwrap(),
        None
    );
    SlaSettings::new(d.store.clone())
        .delete_policy(&d.acme.owner.principal, d.policy.id, now)
        .await
        .unwrap();
    assert_eq!(d.recompute(kept.id, now).await, None);
    assert_eq!(
        d.store.ticket_sla(d.acme.id(), kept.id).await.unwrap(),
        None
    );
    assert!(d.check(kept.id, after(now, 3600)).await.is_empty());
}

#[tokio::test]
async fn the_first_policy_whose_conditions_match_applies() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let vip = PolicyInput {
        conditions: Some(Conditions {
            priorities: [Priority::Urgent].into(),
            requester_domains: [format!("{}.example", acme.tenant.slug.as_str())].into(),
            ..Conditions::default()
        }),
        ..policy("VIP", first_response(10))
    };
    let d = Desk::on(store, clock, acme, vip).await;
    SlaSettings::new(d.store.clone())
        .create_policy(
            &d.acme.owner.principal,
            policy("Everyone else", first_response(60)),
            d.clock.now(),
        )
        .await
        .unwrap();
    let urgent = |t: NewTicket| NewTicket {
        priority: Some(Priority::Urgent),
        ..t
    };
    let ours = channels_support::open_with(
        &d.store,
        &d.acme.customer.principal,
        "Ours",
        urgent,
        d.clock.now(),
    )
    .await;
    let normal = d.open("Not urgent").await;
    let now = d.clock.now();
    assert_eq!(
        d.recompute(ours.id, now).await.unwrap().sla.policy_name,
        "VIP"
    );
    assert_eq!(
        d.recompute(normal.id, now).await.unwrap().sla.policy_name,
        "Everyone else"
    );
}

#[tokio::test]
async fn a_requester_domain_condition_matches_whatever_its_case() {
    let (store, clock, acme) = channels_support::helpdesk().await;
    let domain = format!("{}.EXAMPLE", acme.tenant.slug.as_str().to_uppercase());
    let input = PolicyInput {
        conditions: Some(Conditions {
            requester_domains: [domain].into(),
            ..Conditions::default()
        }),
        ..policy("Their domain", first_response(10))
    };
    let d = Desk::on(store, clock, acme, input).await;
    let ticket = d.open("From that domain").await;
    let applied = d.recompute(ticket.id, d.clock.now()).await;
    assert_eq!(
        applied.map(|s| s.sla.policy_name),
        Some("Their domain".to_owned())
    );
}
