//! SLA configuration, tickets' stored SLAs and their views, the timer
//! index, announcements and the scheduler's cursor.

use std::collections::{BTreeMap, BTreeSet};

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::{TenantStore, UserStore};
use switchboard_domain::kernel::ids::{SlaPolicyId, TenantId, TicketId};
use switchboard_domain::sla::evaluate::{
    SlaView, State, TargetClock, TargetKind, Threshold, TicketSla,
};
use switchboard_domain::sla::policy::{
    BusinessHours, HoursInterval, NamedCalendar, SlaPolicies, SlaPolicy, Target, Targets,
};
use switchboard_domain::sla::ports::{SlaConfigStore, SlaTimers, TicketSlaStore};
use switchboard_domain::sla::scheduler::minute_of;
use switchboard_domain::sla::stored::{SlaCheck, StoredSla};
use switchboard_domain::tickets::ports::{TicketStore, TicketWriteMode};
use switchboard_domain::tickets::ticket::{Priority, Ticket};

use super::support::*;
use super::tickets::{with_ticket, write};

fn hours(version: u64) -> BusinessHours {
    BusinessHours {
        calendars: vec![NamedCalendar {
            name: "office".into(),
            time_zone: "Europe/Berlin".into(),
            week: BTreeMap::from([(
                "monday".to_owned(),
                vec![HoursInterval {
                    start: "09:00".into(),
                    end: "17:00".into(),
                }],
            )]),
            holidays: Vec::new(),
        }],
        version,
        updated_at: Some(now()),
    }
}

pub(super) fn policies(version: u64) -> SlaPolicies {
    SlaPolicies {
        policies: vec![SlaPolicy {
            id: SlaPolicyId::new(),
            name: "Standard".into(),
            conditions: Default::default(),
            targets: BTreeMap::from([(
                Priority::Normal,
                Targets {
                    first_response: Some(Target {
                        minutes: 60,
                        business_hours: Some("office".into()),
                    }),
                    next_response: None,
                    resolution: Some(Target {
                        minutes: 480,
                        business_hours: None,
                    }),
                },
            )]),
            warn_at: 0.75,
            on_warning: Vec::new(),
            on_breach: Vec::new(),
            created_at: now(),
            updated_at: now(),
        }],
        version,
    }
}

/// Calendars and policies are empty at version 0 until written; each is
/// created at expected version 0 and replaced only at its stored version
/// (`VersionMismatch` otherwise, a first write expecting another version
/// included).
pub async fn sla_config_is_versioned<S: SlaConfigStore, O: Outbox>(store: &S, _: &O) {
    let tenant = TenantId::new();
    assert_eq!(
        store.sla_config(tenant).await.expect("read"),
        (SlaPolicies::default(), BusinessHours::default())
    );
    assert_error(
        store.put_business_hours(tenant, &hours(1), 3, &[]).await,
        &StoreError::VersionMismatch,
    );
    store
        .put_business_hours(tenant, &hours(1), 0, &[])
        .await
        .expect("the first calendars");
    assert_error(
        store.put_business_hours(tenant, &hours(2), 0, &[]).await,
        &StoreError::VersionMismatch,
    );
    assert_error(
        store.put_business_hours(tenant, &hours(2), 5, &[]).await,
        &StoreError::VersionMismatch,
    );
    let (h2, p1) = (hours(2), policies(1));
    store
        .put_business_hours(tenant, &h2, 1, &[])
        .await
        .expect("at the stored version");
    store
        .put_sla_policies(tenant, &p1, 0, &[])
        .await
        .expect("the first policies");
    assert_error(
        store.put_sla_policies(tenant, &policies(2), 2, &[]).await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(store.sla_config(tenant).await.expect("read"), (p1, h2));
}

fn clock(kind: TargetKind, due: Timestamp, met: bool) -> TargetClock {
    TargetClock {
        kind,
        started_at: due - SignedDuration::from_hours(1),
        due_at: Some(due),
        warn_at: Some(due - SignedDuration::from_mins(15)),
        state: if met { State::Met } else { State::Active },
        breached_at: None,
        met_at: met.then_some(due - SignedDuration::from_mins(30)),
        paused_for: 0,
    }
}

fn stored(t: &Ticket, view: Option<SlaView>, targets: Vec<TargetClock>) -> StoredSla {
    StoredSla {
        tenant_id: t.tenant_id,
        ticket_id: t.id,
        sla: TicketSla {
            policy_id: SlaPolicyId::new(),
            policy_name: "Standard".into(),
            targets,
        },
        next_deadline: None,
        view,
        computed_at: t.created_at,
    }
}

/// A view lists the tickets stored in it by the earliest due time of a
/// running target (else the time computed), soonest first, in pages of the
/// view's entries: a ticket deleted or gone since is left out of its page.
pub async fn sla_views_list_soonest_due_first<S, O>(store: &S, _: &O)
where
    S: TenantStore + UserStore + TicketStore + TicketSlaStore,
    O: Outbox,
{
    let (tenant, requester, first) = with_ticket(store).await;
    let t0 = now();
    let mut tickets = vec![first];
    for _ in 0..6 {
        let n = store.next_ticket_number(tenant).await.expect("a number");
        let t = ticket(tenant, requester.id, n, t0);
        store
            .write_ticket(write(&t, TicketWriteMode::Create))
            .await
            .expect("a ticket");
        tickets.push(t);
    }
    let h = SignedDuration::from_hours;
    let breached = Some(SlaView::Breached);
    let slas = [
        // Due at +3h (the met target does not count).
        stored(
            &tickets[0],
            breached,
            vec![
                clock(TargetKind::FirstResponse, t0 + h(1), true),
                clock(TargetKind::Resolution, t0 + h(3), false),
            ],
        ),
        stored(
            &tickets[1],
            breached,
            vec![clock(TargetKind::Resolution, t0 + h(1), false)],
        ),
        // No running target: listed at the time it was computed (t0).
        stored(
            &tickets[2],
            breached,
            vec![clock(TargetKind::Resolution, t0 + h(5), true)],
        ),
        stored(
            &tickets[3],
            breached,
            vec![clock(TargetKind::Resolution, t0 + h(2), false)],
        ),
        stored(
            &tickets[4],
            Some(SlaView::AtRisk),
            vec![clock(TargetKind::Resolution, t0, false)],
        ),
        stored(
            &tickets[5],
            None,
            vec![clock(TargetKind::Resolution, t0, false)],
        ),
        stored(
            &tickets[6],
            breached,
            vec![clock(TargetKind::Resolution, t0 + h(4), false)],
        ),
    ];
    for s in &slas {
        store.put_ticket_sla(s).await.expect("an SLA");
    }
    assert_eq!(
        store.ticket_sla(tenant, tickets[1].id).await.expect("read"),
        Some(slas[1].clone())
    );
    let ids = async |view| {
        all_pages(2, |p| async move { store.sla_view(tenant, view, &p).await })
            .await
            .into_iter()
            .map(|t| t.id)
            .collect::<Vec<_>>()
    };
    let by_due = |order: &[usize]| order.iter().map(|&i| tickets[i].id).collect::<Vec<_>>();
    assert_eq!(ids(SlaView::Breached).await, by_due(&[2, 1, 3, 0, 6]));
    assert_eq!(ids(SlaView::AtRisk).await, by_due(&[4]));

    // Leaving a view, and a deleted ticket: gone from the list.
    store
        .put_ticket_sla(&stored(&tickets[3], None, Vec::new()))
        .await
        .expect("an SLA");
    store
        .delete_ticket_sla(tenant, tickets[1].id)
        .await
        .expect("a deletion");
    store
        .delete_ticket_sla(tenant, tickets[1].id)
        .await
        .expect("deleting nothing");
    assert_eq!(
        store.ticket_sla(tenant, tickets[1].id).await.expect("read"),
        None
    );
    let mut deleted = tickets[0].clone();
    deleted.deleted_at = Some(t0);
    deleted.version += 1;
    store
        .write_ticket(write(
            &deleted,
            TicketWriteMode::Replace(tickets[0].version),
        ))
        .await
        .expect("a deletion");
    let listed = all_pages_short(1, |p| async move {
        store.sla_view(tenant, SlaView::Breached, &p).await
    })
    .await;
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<Vec<_>>(),
        by_due(&[2, 6])
    );
    assert_eq!(listed[0], tickets[2], "the tickets as stored");
}

/// The timer index holds each stored SLA under the minute of its next
/// deadline, for all tenants; a minute's timers read soonest first, with
/// their deadline to the millisecond.
pub async fn sla_timers_are_found_by_minute<S: TicketSlaStore + SlaTimers, O: Outbox>(
    store: &S,
    _: &O,
) {
    let minute = far_future();
    let tenant = TenantId::new();
    let ms = SignedDuration::from_millis;
    let mut due = BTreeMap::new();
    for offset in [ms(10_000), ms(5_123), ms(59_999), ms(60_000), ms(-1)] {
        let t = ticket(
            tenant,
            switchboard_domain::kernel::ids::UserId::new(),
            1,
            now(),
        );
        let mut s = stored(&t, None, Vec::new());
        s.next_deadline = Some(minute + offset + SignedDuration::from_nanos(250));
        store.put_ticket_sla(&s).await.expect("an SLA");
        due.insert(t.id, offset);
    }
    let idle = ticket(
        tenant,
        switchboard_domain::kernel::ids::UserId::new(),
        1,
        now(),
    );
    store
        .put_ticket_sla(&stored(&idle, Some(SlaView::AtRisk), Vec::new()))
        .await
        .expect("an SLA without a deadline");
    let mine = async |at: Timestamp| {
        store
            .due_in(at)
            .await
            .expect("a minute")
            .into_iter()
            .filter(|(c, _)| c.tenant_id == tenant)
            .collect::<Vec<(SlaCheck, Timestamp)>>()
    };
    let mut expected: Vec<(TicketId, SignedDuration)> = due
        .iter()
        .filter(|(_, o)| (ms(0)..ms(60_000)).contains(*o))
        .map(|(id, o)| (*id, *o))
        .collect();
    expected.sort_by_key(|(_, o)| *o);
    let expected: Vec<(SlaCheck, Timestamp)> = expected
        .into_iter()
        .map(|(id, o)| {
            (
                SlaCheck {
                    tenant_id: tenant,
                    ticket_id: id,
                },
                minute + o,
            )
        })
        .collect();
    assert_eq!(mine(minute).await, expected);
    assert_eq!(
        mine(minute + ms(30_500)).await,
        expected,
        "any time of the minute"
    );
    assert_eq!(mine(minute + ms(60_000)).await.len(), 1);
    let ids: BTreeSet<_> = mine(minute - ms(1))
        .await
        .into_iter()
        .map(|(c, _)| c.ticket_id)
        .collect();
    assert_eq!(ids.len(), 1);
}

/// A target cycle's warning and breach are each announced once, with
/// their event; `false` when made before (or when the event is already in
/// the outbox, and then no mark is written).
pub async fn sla_announcements_are_made_once<S: TicketSlaStore, O: Outbox>(store: &S, outbox: &O) {
    let (tenant, ticket) = (TenantId::new(), TicketId::new());
    let cycle = "first_response@1700000000";
    let (e1, e2, e3) = (event(tenant), event(tenant), event(tenant));
    assert!(
        store
            .announce(tenant, ticket, cycle, Threshold::Warning, &e1)
            .await
            .expect("an announcement")
    );
    assert!(outbox.holds(tenant, e1.id).await);
    assert!(
        !store
            .announce(tenant, ticket, cycle, Threshold::Warning, &e2)
            .await
            .expect("again")
    );
    assert!(!outbox.holds(tenant, e2.id).await);
    assert!(
        store
            .announce(tenant, ticket, cycle, Threshold::Breach, &e3)
            .await
            .expect("the breach")
    );
    assert!(
        !store
            .announce(
                tenant,
                ticket,
                "resolution@1700000000",
                Threshold::Warning,
                &e1
            )
            .await
            .expect("a reused event")
    );
    assert_eq!(
        store.sla_announced(tenant, ticket).await.expect("read"),
        BTreeSet::from([
            (cycle.to_owned(), Threshold::Warning),
            (cycle.to_owned(), Threshold::Breach),
        ])
    );
    assert!(
        store
            .sla_announced(tenant, TicketId::new())
            .await
            .expect("read")
            .is_empty()
    );
}

/// The scheduler's cursor reads back what was set last. (It is one item
/// for the whole table: the contract puts back what it found, or where a
/// scan without a cursor starts, so a scheduler on the same table goes on.)
pub async fn scheduler_cursor_round_trips<S: SlaTimers, O: Outbox>(store: &S, _: &O) {
    let found = store.scheduler_cursor().await.expect("read");
    let this = minute_of(now());
    let minute = this - SignedDuration::from_mins(3);
    store.set_scheduler_cursor(minute).await.expect("a set");
    assert_eq!(store.scheduler_cursor().await.expect("read"), Some(minute));
    let next = minute + SignedDuration::from_mins(1);
    store.set_scheduler_cursor(next).await.expect("a set");
    assert_eq!(store.scheduler_cursor().await.expect("read"), Some(next));
    let back = found.unwrap_or(this - SignedDuration::from_mins(2));
    store.set_scheduler_cursor(back).await.expect("a set");
}
