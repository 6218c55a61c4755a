//! SLA attainment: each solved ticket counts its SLA's targets met or
//! breached under its policy, once per solve, as the router routes the
//! solve; the report gives each policy's targets their share met.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod channels_support;

use channels_support::sla::{Desk, minutes, policy};
use jiff::SignedDuration;
use jiff::ToSpan;
use jiff::tz::TimeZone;
use switchboard_domain::DomainError;
use switchboard_domain::analytics::report::{Analytics, Period};
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::routing::router::EventRouter;
use switchboard_domain::sla::policy::Targets;
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::ticket::{Status, Ticket};
use switchboard_testkit::{MemoryPusher, MemoryQueues};

type Router = EventRouter<
    switchboard_testkit::MemoryStore,
    MemoryPusher,
    MemoryQueues,
    MemoryQueues,
    MemoryQueues,
>;

async fn solve_and_route(d: &Desk, router: &Router, t: &Ticket) {
    d.ticketing
        .update(
            &d.acme.agent.principal,
            t.id,
            TicketPatch {
                status: Some(Status::Solved),
                ..TicketPatch::default()
            },
            None,
            d.clock.now(),
        )
        .await
        .unwrap();
    for e in d.store.take_events() {
        router.route(&e, d.clock.now()).await.unwrap();
        // Routed again (a redelivery), it counts nothing more.
        if e.kind == EventType::TicketStatusChanged {
            let again = router.route(&e, d.clock.now()).await.unwrap();
            assert!(!again.counted);
        }
    }
}

#[tokio::test]
async fn each_solve_counts_its_targets_met_or_breached_under_its_policy() {
    let d = Desk::new(policy(
        "Standard",
        Targets {
            resolution: minutes(60),
            ..Targets::default()
        },
    ))
    .await;
    let router: Router = EventRouter::new(
        d.store.clone(),
        MemoryPusher::new(),
        MemoryQueues::new(),
        MemoryQueues::new(),
        MemoryQueues::new(),
    );
    let first_day = d.clock.now().to_zoned(TimeZone::UTC).date();
    let quick = d.open("Quick").await;
    let slow = d.open("Slow").await;
    d.clock.advance(SignedDuration::from_mins(10));
    solve_and_route(&d, &router, &quick).await;
    d.clock.advance(SignedDuration::from_mins(110));
    solve_and_route(&d, &router, &slow).await;

    let period = Period::new(first_day, first_day.checked_add(1.day()).unwrap()).unwrap();
    let analytics = Analytics::new(d.store.clone());
    let report = analytics
        .sla(&d.acme.agent.principal, period)
        .await
        .unwrap();
    let [standard] = report.policies.as_slice() else {
        panic!("{report:?}")
    };
    assert_eq!(standard.policy_id, d.policy.id.to_string());
    assert_eq!(standard.name.as_deref(), Some("Standard"));
    let [resolution] = standard.targets.as_slice() else {
        panic!("{standard:?}")
    };
    assert_eq!(resolution.target, "resolution");
    assert_eq!((resolution.met, resolution.breached), (1, 1));
    assert_eq!(resolution.attainment, Some(0.5));

    assert!(matches!(
        analytics.sla(&d.acme.customer.principal, period).await,
        Err(DomainError::Forbidden)
    ));
}
