//! What staff see of SLAs (`SlaViews::clocks`, `SlaViews::list`) and the
//! per-minute scan of the timer index (`sla::scheduler::scan`): buckets
//! since the last run up to two minutes ahead, missed minutes caught up at
//! most two hours a run, each deadline handed over once, delayed to its
//! second.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::sla::{Desk, after, minutes, policy, target};
use channels_support::{fields, page};
use jiff::{SignedDuration, Timestamp};
use switchboard_domain::DomainError;
use switchboard_domain::StoreError;
use switchboard_domain::kernel::pagination::PageRequest;
use switchboard_domain::sla::evaluate::{State, TargetKind};
use switchboard_domain::sla::policy::Targets;
use switchboard_domain::sla::ports::SlaTimers;
use switchboard_domain::sla::scheduler::{MAX_BUCKETS_PER_RUN, Scanned, minute_of, scan};
use switchboard_domain::sla::settings::PolicyInput;
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::sla::views::SlaViews;
use switchboard_domain::tickets::ticket::Ticket;
use switchboard_testkit::MemoryQueues;

/// First response in 4 minutes, warned at half.
fn four_minutes() -> PolicyInput {
    PolicyInput {
        warn_at: Some(0.5),
        ..policy(
            "Four minutes",
            Targets {
                first_response: minutes(4),
                ..Targets::default()
            },
        )
    }
}

/// A ticket opened at `at` whose SLA is computed then.
async fn opened_at(d: &Desk, subject: &str, at: Timestamp) -> Ticket {
    d.clock.set(at);
    let t = d.open(subject).await;
    d.recompute(t.id, at).await.unwrap();
    t
}

fn check(d: &Desk, t: &Ticket) -> SlaCheck {
    SlaCheck {
        tenant_id: d.acme.id(),
        ticket_id: t.id,
    }
}

#[tokio::test]
async fn staff_see_a_tickets_clocks_as_of_now() {
    let d = Desk::new(four_minutes()).await;
    let t0 = d.clock.now();
    let ticket = opened_at(&d, "Late", t0).await;
    let views = SlaViews::new(d.store.clone());
    for who in [&d.acme.agent.principal, &d.acme.owner.principal] {
        let early = views
            .clocks(who, &ticket, after(t0, 60))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(early.policy_name, "Four minutes");
        assert_eq!(
            target(&early, TargetKind::FirstResponse).state,
            State::Active
        );
        // Stored before the deadline, read after it: shown breached.
        let later = views
            .clocks(who, &ticket, after(t0, 300))
            .await
            .unwrap()
            .unwrap();
        let first = target(&later, TargetKind::FirstResponse);
        assert_eq!(
            (first.state, first.breached_at),
            (State::Breached, Some(after(t0, 240)))
        );
    }
}

#[tokio::test]
async fn customers_and_other_helpdesks_see_no_clocks() {
    let d = Desk::new(four_minutes()).await;
    let ticket = opened_at(&d, "Private", d.clock.now()).await;
    let views = SlaViews::new(d.store.clone());
    let now = d.clock.now();
    assert_eq!(
        views
            .clocks(&d.acme.customer.principal, &ticket, now)
            .await
            .unwrap(),
        None
    );
    let other = channels_support::other_helpdesk(&d.store, &d.clock).await;
    assert_eq!(
        views
            .clocks(&other.owner.principal, &ticket, now)
            .await
            .unwrap(),
        None
    );
    assert!(
        views
            .clocks(&d.acme.agent.principal, &ticket, now)
            .await
            .unwrap()
            .is_some()
    );
    let never_computed = d.open("Not computed").await;
    assert_eq!(
        views
            .clocks(&d.acme.agent.principal, &never_computed, now)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn the_breached_and_at_risk_lists_hold_tickets_soonest_due_first() {
    let d = Desk::new(four_minutes()).await;
    let t0 = d.clock.now();
    let later = opened_at(&d, "Later", after(t0, 30)).await;
    let first = opened_at(&d, "First", t0).await;
    let risky = opened_at(&d, "Risky", after(t0, 480)).await;
    let fine = opened_at(&d, "Fine", after(t0, 600)).await;
    let now = after(t0, 601);
    for t in [&first, &later, &risky, &fine] {
        d.recompute(t.id, now).await;
    }
    let views = SlaViews::new(d.store.clone());
    let agent = &d.acme.agent.principal;
    let breached = views.list(agent, "breached", &page(10)).await.unwrap();
    let ids: Vec<_> = breached.items.iter().map(|t| t.id).collect();
    assert_eq!(ids, [first.id, later.id]);
    let at_risk = views.list(agent, "at_risk", &page(10)).await.unwrap();
    assert_eq!(
        at_risk.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [risky.id]
    );
    let one = views.list(agent, "breached", &page(1)).await.unwrap();
    assert_eq!(one.items[0].id, first.id);
    let next = PageRequest {
        limit: 1,
        cursor: one.next_cursor,
    };
    let rest = views.list(agent, "breached", &next).await.unwrap();
    assert_eq!(
        rest.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        [later.id]
    );
}

#[tokio::test]
async fn an_unknown_view_is_refused_and_customers_may_not_list_views() {
    let d = Desk::new(four_minutes()).await;
    let views = SlaViews::new(d.store.clone());
    let unknown = views.list(&d.acme.agent.principal, "late", &page(10)).await;
    assert_eq!(fields(unknown), [("sla".to_owned(), "invalid_value")]);
    let customer = views
        .list(&d.acme.customer.principal, "breached", &page(10))
        .await;
    assert!(
        matches!(customer, Err(DomainError::Forbidden)),
        "{customer:?}"
    );
}

#[tokio::test]
async fn another_helpdesks_breaches_are_not_listed() {
    let d = Desk::new(four_minutes()).await;
    let t0 = d.clock.now();
    let ticket = opened_at(&d, "Ours", t0).await;
    d.recompute(ticket.id, after(t0, 600)).await;
    let other = channels_support::other_helpdesk(&d.store, &d.clock).await;
    let views = SlaViews::new(d.store.clone());
    let theirs = views
        .list(&other.owner.principal, "breached", &page(10))
        .await
        .unwrap();
    assert!(theirs.items.is_empty());
    let ours = views
        .list(&d.acme.owner.principal, "breached", &page(10))
        .await
        .unwrap();
    assert_eq!(ours.items.len(), 1);
}

#[tokio::test]
async fn a_first_scan_covers_the_last_minute_and_two_ahead() {
    let d = Desk::new(PolicyInput {
        warn_at: Some(0.5),
        ..policy(
            "Resolve",
            Targets {
                resolution: minutes(3),
                ..Targets::default()
            },
        )
    })
    .await;
    let t0 = minute_of(d.clock.now()) + SignedDuration::from_secs(10);
    let soon = opened_at(&d, "Soon", t0).await;
    let much_later = t0 + SignedDuration::from_mins(4);
    opened_at(&d, "Later", much_later).await;
    let queue = MemoryQueues::new();
    let scanned = scan(&d.store, &queue, t0).await.unwrap();
    assert_eq!(
        scanned,
        Scanned {
            buckets: 4,
            checks: 1
        }
    );
    assert_eq!(
        queue.sla_checks(),
        [(check(&d, &soon), 90)],
        "its warning, to the second"
    );
    let cursor = d.store.scheduler_cursor().await.unwrap();
    assert_eq!(cursor, Some(minute_of(t0) + SignedDuration::from_mins(2)));
}

#[tokio::test]
async fn each_deadline_is_handed_over_once_across_runs() {
    let d = Desk::new(four_minutes()).await;
    let t0 = minute_of(d.clock.now());
    let ticket = opened_at(&d, "Once", t0).await;
    let queue = MemoryQueues::new();
    scan(&d.store, &queue, t0).await.unwrap();
    let next = scan(&d.store, &queue, after(t0, 60)).await.unwrap();
    assert_eq!(next.buckets, 1, "only the new minute ahead");
    let third = scan(&d.store, &queue, after(t0, 120)).await.unwrap();
    assert_eq!(third.buckets, 1);
    let handed: Vec<SlaCheck> = queue.sla_checks().into_iter().map(|(c, _)| c).collect();
    assert_eq!(handed, [check(&d, &ticket)], "the warning at +2 min, once");
}

#[tokio::test]
async fn a_scan_after_downtime_catches_up_on_the_missed_minutes() {
    let d = Desk::new(four_minutes()).await;
    let t0 = minute_of(d.clock.now());
    let ticket = opened_at(&d, "Missed", t0).await;
    d.store
        .set_scheduler_cursor(t0 - SignedDuration::from_mins(1))
        .await
        .unwrap();
    let now = after(t0, 600);
    let queue = MemoryQueues::new();
    let scanned = scan(&d.store, &queue, now).await.unwrap();
    assert_eq!(
        scanned,
        Scanned {
            buckets: 13,
            checks: 1
        }
    );
    assert_eq!(
        queue.sla_checks(),
        [(check(&d, &ticket), 0)],
        "overdue: at once"
    );
    assert_eq!(
        d.store.scheduler_cursor().await.unwrap(),
        Some(minute_of(now) + SignedDuration::from_mins(2))
    );
}

#[tokio::test]
async fn a_long_outage_is_caught_up_two_hours_per_run() {
    let d = Desk::new(four_minutes()).await;
    let now = minute_of(d.clock.now());
    let last = now - SignedDuration::from_hours(5);
    d.store.set_scheduler_cursor(last).await.unwrap();
    let queue = MemoryQueues::new();
    let mut runs = Vec::new();
    for _ in 0..3 {
        runs.push(scan(&d.store, &queue, now).await.unwrap().buckets);
    }
    assert_eq!(
        runs,
        [MAX_BUCKETS_PER_RUN, MAX_BUCKETS_PER_RUN, 5 * 60 + 2 - 240]
    );
    assert_eq!(
        d.store.scheduler_cursor().await.unwrap(),
        Some(now + SignedDuration::from_mins(2))
    );
}

#[tokio::test]
async fn a_failed_hand_over_fails_the_scan_and_leaves_the_cursor_where_it_was() {
    let d = Desk::new(four_minutes()).await;
    let t0 = minute_of(d.clock.now());
    let ticket = opened_at(&d, "Retry", t0).await;
    let queue = MemoryQueues::new();
    queue.fail_next(StoreError::Unavailable("injected".into()));
    let failed = scan(&d.store, &queue, t0).await;
    assert!(
        matches!(failed, Err(StoreError::Unavailable(_))),
        "{failed:?}"
    );
    assert_eq!(d.store.scheduler_cursor().await.unwrap(), None);
    scan(&d.store, &queue, t0).await.unwrap();
    let handed: Vec<SlaCheck> = queue.sla_checks().into_iter().map(|(c, _)| c).collect();
    assert_eq!(handed, [check(&d, &ticket)]);
}
