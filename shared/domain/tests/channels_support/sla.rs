//! Calendars and policies as admins write them.

use std::collections::BTreeMap;

use switchboard_domain::sla::policy::{
    HolidayInput, HoursInterval, NamedCalendar, Target, Targets,
};
use switchboard_domain::sla::settings::PolicyInput;
use switchboard_domain::tickets::ticket::Priority;

/// `name` in `zone`, open `start`–`end` Monday to Friday, with `holidays`.
pub fn weekdays(
    name: &str,
    zone: &str,
    start: &str,
    end: &str,
    holidays: &[&str],
) -> NamedCalendar {
    let day = vec![HoursInterval {
        start: start.into(),
        end: end.into(),
    }];
    NamedCalendar {
        name: name.into(),
        time_zone: zone.into(),
        week: ["monday", "tuesday", "wednesday", "thursday", "friday"]
            .iter()
            .map(|d| ((*d).to_owned(), day.clone()))
            .collect(),
        holidays: holidays
            .iter()
            .map(|d| HolidayInput {
                date: (*d).into(),
                yearly: false,
            })
            .collect(),
    }
}

/// Around the clock.
pub fn minutes(m: u32) -> Option<Target> {
    Some(Target {
        minutes: m,
        business_hours: None,
    })
}

/// In the business hours of `calendar`.
pub fn business(m: u32, calendar: &str) -> Option<Target> {
    Some(Target {
        minutes: m,
        business_hours: Some(calendar.into()),
    })
}

/// The same targets for every priority.
pub fn every_priority(targets: Targets) -> BTreeMap<Priority, Targets> {
    Priority::ALL
        .iter()
        .map(|p| (*p, targets.clone()))
        .collect()
}

/// A policy named `name` with `targets` for every priority.
pub fn policy(name: &str, targets: Targets) -> PolicyInput {
    PolicyInput {
        name: Some(name.into()),
        targets: Some(every_priority(targets)),
        ..PolicyInput::default()
    }
}

/// A first-response target of `m` minutes around the clock.
pub fn first_response(m: u32) -> Targets {
    Targets {
        first_response: minutes(m),
        ..Targets::default()
    }
}

use jiff::{SignedDuration, Timestamp};
use switchboard_domain::kernel::ids::TicketId;
use switchboard_domain::sla::engine::{Announced, SlaEngine};
use switchboard_domain::sla::evaluate::{TargetClock, TargetKind, TicketSla};
use switchboard_domain::sla::policy::SlaPolicy;
use switchboard_domain::sla::settings::SlaSettings;
use switchboard_domain::sla::stored::StoredSla;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::tickets::ticket::Ticket;
use switchboard_testkit::{MemoryQueues, MemoryStore, TestClock, TestTenant};

/// A helpdesk with one SLA policy, its engine and the worker's queue.
pub struct Desk {
    pub store: MemoryStore,
    pub clock: TestClock,
    pub acme: TestTenant,
    pub queues: MemoryQueues,
    pub engine: SlaEngine<MemoryStore, MemoryQueues>,
    pub ticketing: Ticketing<MemoryStore>,
    pub policy: SlaPolicy,
}

impl Desk {
    pub async fn new(input: PolicyInput) -> Self {
        let (store, clock, acme) = super::helpdesk().await;
        Self::on(store, clock, acme, input).await
    }

    pub async fn on(
        store: MemoryStore,
        clock: TestClock,
        acme: TestTenant,
        input: PolicyInput,
    ) -> Self {
        let policy = SlaSettings::new(store.clone())
            .create_policy(&acme.owner.principal, input, clock.now())
            .await
            .unwrap()
            .0;
        let queues = MemoryQueues::new();
        Self {
            engine: SlaEngine::new(store.clone(), queues.clone()),
            ticketing: Ticketing::new(store.clone()),
            store,
            clock,
            acme,
            queues,
            policy,
        }
    }

    /// A ticket the customer opens now; its events taken.
    pub async fn open(&self, subject: &str) -> Ticket {
        let t = super::open_ticket(
            &self.store,
            &self.acme.customer.principal,
            subject,
            self.clock.now(),
        )
        .await;
        self.store.take_events();
        t
    }

    pub async fn recompute(&self, ticket: TicketId, at: Timestamp) -> Option<StoredSla> {
        self.engine
            .recompute(self.acme.id(), ticket, at)
            .await
            .unwrap()
    }

    pub async fn check(&self, ticket: TicketId, at: Timestamp) -> Vec<Announced> {
        self.engine
            .check(&self.ticketing, self.acme.id(), ticket, at)
            .await
            .unwrap()
    }

    pub async fn ticket(&self, id: TicketId) -> Ticket {
        self.ticketing
            .get(&self.acme.owner.principal, id)
            .await
            .unwrap()
            .ticket
    }
}

/// `t` plus `secs` seconds.
pub fn after(t: Timestamp, secs: i64) -> Timestamp {
    t + SignedDuration::from_secs(secs)
}

/// The clock of target `kind`; panics if the SLA has none.
pub fn target(sla: &TicketSla, kind: TargetKind) -> TargetClock {
    sla.targets
        .iter()
        .find(|t| t.kind == kind)
        .cloned()
        .unwrap_or_else(|| panic!("no {kind:?} in {sla:?}"))
}
