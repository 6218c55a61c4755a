//! Reports from the daily aggregates: 10,000 synthetic tickets counted
//! event by event give exactly the counts a direct computation gives, and
//! every percentile within the stated relative error; events delivered
//! twice count once; agents see their own row only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use support::*;
use switchboard_domain::analytics::record::record;
use switchboard_domain::analytics::report::{Analytics, Interval, Period};
use switchboard_domain::analytics::sketch::{RELATIVE_ACCURACY, Sketch};
use switchboard_domain::analytics::tally::Dimension;
use switchboard_domain::kernel::events::{Actor, DomainEvent, EventType, Subject};
use switchboard_domain::kernel::ids::{CommentId, TicketId, UserId};
use switchboard_domain::tickets::events::{CommentCreated, StatusChanged, TicketCreated};
use switchboard_domain::tickets::input::TicketPatch;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, Ticket, TicketType};
use switchboard_testkit::TestTenant;

/// A small deterministic generator (no seed to manage).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// Seconds spread over six orders of magnitude (a second to weeks).
    fn duration(&mut self) -> i64 {
        let exponent = (self.next() % 6_000) as f64 / 1_000.0;
        10f64.powf(exponent).round() as i64
    }
}

fn ticket(acme: &TestTenant, at: Timestamp, priority: Priority, agent: UserId) -> Ticket {
    Ticket {
        id: TicketId::new(),
        tenant_id: acme.id(),
        number: 1,
        subject: "Synthetic".into(),
        status: Status::New,
        priority,
        kind: TicketType::Question,
        channel: Channel::Email,
        requester_id: acme.customer.user.id,
        organization_id: None,
        assignee_id: Some(agent),
        team_id: None,
        tags: BTreeSet::new(),
        custom_fields: BTreeMap::new(),
        cc: BTreeSet::new(),
        created_by: Actor::user(acme.customer.user.id),
        created_at: at,
        updated_at: at,
        first_response_at: None,
        solved_at: None,
        closed_at: None,
        deleted_at: None,
        version: 1,
        public_version: 1,
        public_updated_at: at,
        merged_into: None,
        merged_from: BTreeSet::new(),
        followers: BTreeSet::new(),
        satisfaction: None,
        clocks: Default::default(),
    }
}

fn event<P: switchboard_domain::kernel::events::Payload>(
    t: &Ticket,
    kind: EventType,
    at: Timestamp,
    by: UserId,
    payload: &P,
) -> DomainEvent {
    DomainEvent::new(
        kind,
        t.tenant_id,
        at,
        Actor::user(by),
        Subject {
            ticket_id: Some(t.id),
            comment_id: (kind == EventType::CommentCreated).then(CommentId::new),
            ..Subject::default()
        },
        payload,
    )
}

/// The exact `q` quantile as sketches define it: rank `⌊q·(n−1)⌋`.
fn exact(sorted: &[i64], q: f64) -> f64 {
    sorted[(q * (sorted.len() - 1) as f64).floor() as usize] as f64
}

fn within(estimate: Option<f64>, exact: f64) -> bool {
    let e = estimate.unwrap();
    if exact == 0.0 {
        e == 0.0
    } else {
        (e - exact).abs() / exact <= RELATIVE_ACCURACY + 1e-9
    }
}

#[tokio::test]
async fn ten_thousand_tickets_give_exact_counts_and_percentiles_within_the_error() {
    let (_, store, acme) = world().await;
    let day = date(2026, 5, 4);
    let start = day.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp();
    let agents = [acme.agent.user.id, acme.owner.user.id];
    let mut rng = Lcg(42);
    let mut first: BTreeMap<Priority, Vec<i64>> = BTreeMap::new();
    let mut resolution: BTreeMap<Priority, Vec<i64>> = BTreeMap::new();
    let mut solved_by_agent: BTreeMap<UserId, i64> = BTreeMap::new();
    let mut replies = 0;
    for i in 0..10_000 {
        let priority = [Priority::Low, Priority::Normal, Priority::High][i % 3];
        let agent = agents[i % 2];
        // Created within the day; answered and solved up to weeks later
        // (counted on the day each happens).
        let created = start + SignedDuration::from_secs((rng.next() % 86_000) as i64);
        let mut t = ticket(&acme, created, priority, agent);
        let opened = TicketCreated {
            number: 1,
            subject: t.subject.clone(),
            status: Status::New,
            priority,
            channel: t.channel,
            requester_id: t.requester_id,
            assignee_id: Some(agent),
            team_id: None,
        };
        let e = event(
            &t,
            EventType::TicketCreated,
            created,
            t.requester_id,
            &opened,
        );
        assert!(record(&store, &e, Some(&t), None).await.unwrap());
        if i % 10 == 9 {
            continue; // still unanswered
        }
        let answer = rng.duration();
        let answered = created + SignedDuration::from_secs(answer);
        t.first_response_at = Some(answered);
        let reply = CommentCreated {
            public: true,
            body: "Done.".into(),
            author_id: Some(agent),
            mentions: BTreeSet::new(),
            opening: false,
            by_staff: true,
            files: 0,
            changes: Vec::new(),
        };
        let e = event(&t, EventType::CommentCreated, answered, agent, &reply);
        assert!(record(&store, &e, Some(&t), None).await.unwrap());
        // Redelivered: counted once.
        assert!(!record(&store, &e, Some(&t), None).await.unwrap());
        first.entry(priority).or_default().push(answer);
        replies += 1;
        if i % 4 == 0 {
            continue; // answered, not solved
        }
        let solve = answer + rng.duration();
        let solved = created + SignedDuration::from_secs(solve);
        let change = StatusChanged {
            from: Status::Open,
            to: Status::Solved,
        };
        let e = event(&t, EventType::TicketStatusChanged, solved, agent, &change);
        assert!(record(&store, &e, Some(&t), None).await.unwrap());
        resolution.entry(priority).or_default().push(solve);
        *solved_by_agent.entry(agent).or_default() += 1;
    }
    let analytics = Analytics::new(store.clone());
    // Everything happened in May (weeks at most after the 4th): one row a
    // priority.
    let everything = Period::new(day, day.checked_add(365.days()).unwrap()).unwrap();
    let report = analytics
        .tickets(
            &acme.owner.principal,
            everything,
            Interval::Month,
            Dimension::Priority,
        )
        .await
        .unwrap();
    assert_eq!(
        report.rows.len(),
        3,
        "{:?}",
        report
            .rows
            .iter()
            .map(|r| (&r.period, &r.group))
            .collect::<Vec<_>>()
    );
    assert_eq!(report.relative_error, RELATIVE_ACCURACY);
    assert_eq!(
        report.rows.iter().map(|r| r.figures.created).sum::<i64>(),
        10_000
    );
    for row in &report.rows {
        assert_eq!(row.period, date(2026, 5, 1));
        let priority = Priority::parse(row.group.as_deref().unwrap()).unwrap();
        let f = first.get_mut(&priority).unwrap();
        f.sort_unstable();
        let r = resolution.get_mut(&priority).unwrap();
        r.sort_unstable();
        let name = priority.as_str();
        assert_eq!(row.figures.replies, f.len() as i64, "{name}");
        assert_eq!(row.figures.solved, r.len() as i64, "{name}");
        assert_eq!(row.figures.first_response.count, f.len() as u64);
        assert_eq!(row.figures.resolution.count, r.len() as u64);
        let mean = f.iter().sum::<i64>() as f64 / f.len() as f64;
        let reported = row.figures.first_response.mean.unwrap();
        assert!(
            (reported - mean).abs() <= mean * 1e-12,
            "means are exact: {reported} vs {mean}"
        );
        for (q, estimate) in [
            (0.5, row.figures.first_response.p50),
            (0.9, row.figures.first_response.p90),
        ] {
            assert!(
                within(estimate, exact(f, q)),
                "{name} first response p{q}: {estimate:?} vs {}",
                exact(f, q)
            );
        }
        for (q, estimate) in [
            (0.5, row.figures.resolution.p50),
            (0.9, row.figures.resolution.p90),
        ] {
            assert!(
                within(estimate, exact(r, q)),
                "{name} resolution p{q}: {estimate:?} vs {}",
                exact(r, q)
            );
        }
        // Merged by the sketch itself, every other quantile holds too.
        let rows = store_rows(&store, &acme, Dimension::Priority, name, everything).await;
        let mut merged = Sketch::default();
        for day_row in &rows {
            merged.merge(&Sketch::from_counters("firstResponse", &day_row.counters));
        }
        // (Stored in milliseconds.)
        for q in [0.0, 0.1, 0.25, 0.75, 0.95, 0.99, 1.0] {
            assert!(
                within(merged.quantile(q), exact(f, q) * 1000.0),
                "{name} p{q}"
            );
        }
    }
    assert_eq!(replies, first.values().map(Vec::len).sum::<usize>() as i64);
    let agents_report = analytics
        .agents(&acme.owner.principal, everything)
        .await
        .unwrap();
    for row in &agents_report {
        assert_eq!(
            row.figures.solved,
            solved_by_agent.get(&row.agent_id).copied().unwrap_or(0),
            "{}",
            row.name
        );
    }
    assert_eq!(
        agents_report.iter().map(|r| r.figures.solved).sum::<i64>(),
        solved_by_agent.values().sum::<i64>()
    );
    // An agent sees their own row only.
    let own = analytics
        .agents(&acme.agent.principal, everything)
        .await
        .unwrap();
    assert_eq!(
        own.iter().map(|r| r.agent_id).collect::<Vec<_>>(),
        [acme.agent.user.id]
    );
    assert!(
        analytics
            .agents(&acme.customer.principal, everything)
            .await
            .is_err(),
        "customers read no reports"
    );
}

async fn store_rows(
    store: &switchboard_testkit::MemoryStore,
    acme: &TestTenant,
    dimension: Dimension,
    group: &str,
    period: Period,
) -> Vec<switchboard_domain::analytics::ports::DayRow> {
    use switchboard_domain::analytics::ports::AnalyticsStore;
    store
        .day_rows(acme.id(), dimension, period.from, period.to)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.group == group)
        .collect()
}

#[tokio::test]
async fn worked_tickets_show_in_the_report_once_however_often_events_come() {
    let (clock, store, acme) = world().await;
    // Early in a UTC day, whatever the time now: the whole story is one day.
    let today = clock.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let start = today.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp()
        + SignedDuration::from_hours(1);
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "Printer", start).await;
    let answered_at = start + SignedDuration::from_mins(30);
    tickets
        .add_comment(
            &acme.agent.principal,
            t.id,
            reply("On it."),
            None,
            answered_at,
        )
        .await
        .unwrap();
    tickets
        .update(
            &acme.agent.principal,
            t.id,
            TicketPatch {
                status: Some(Status::Solved),
                ..TicketPatch::default()
            },
            None,
            start + SignedDuration::from_hours(2),
        )
        .await
        .unwrap();
    let events = store.take_events();
    for _ in 0..2 {
        for e in &events {
            let now = store_ticket(&store, &acme, t.id).await;
            record(&store, e, Some(&now), None).await.unwrap();
        }
    }
    let report = Analytics::new(store.clone())
        .tickets(
            &acme.agent.principal,
            Period::new(today, today).unwrap(),
            Interval::Day,
            Dimension::All,
        )
        .await
        .unwrap();
    let [row] = report.rows.as_slice() else {
        panic!("one day: {report:?}");
    };
    assert_eq!(row.group, None);
    assert_eq!(
        (row.figures.created, row.figures.replies, row.figures.solved),
        (1, 1, 1)
    );
    assert_eq!(row.figures.first_response.count, 1);
    let p50 = row.figures.first_response.p50.unwrap();
    assert!(
        (p50 - 1_800.0).abs() <= 1_800.0 * RELATIVE_ACCURACY,
        "{p50}"
    );
    assert_eq!(row.figures.resolution.mean, Some(7_200.0));
    assert!(
        Period::new(today, today.checked_add(400.days()).unwrap()).is_err(),
        "at most 366 days"
    );
}

async fn store_ticket(
    store: &switchboard_testkit::MemoryStore,
    acme: &TestTenant,
    id: TicketId,
) -> Ticket {
    use switchboard_domain::tickets::ports::TicketStore;
    store.ticket(acme.id(), id).await.unwrap().unwrap()
}
