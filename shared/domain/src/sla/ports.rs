//! What the sla context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreResult;
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::{TenantId, TicketId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::sla::evaluate::Threshold;
use crate::sla::policy::{BusinessHours, SlaPolicies};
use jiff::Timestamp;
use std::collections::BTreeSet;

/// The tenant's SLA policies and business-hours calendars.

#[trait_variant::make(Send)]
pub trait SlaConfigStore: Send + Sync {
    /// The tenant's policies and calendars, read together (empty sets at
    /// version 0 when none were written).
    async fn sla_config(&self, tenant: TenantId) -> StoreResult<(SlaPolicies, BusinessHours)>;

    /// Replaces the calendars if still at `expected_version`
    /// (`VersionMismatch` otherwise).
    async fn put_business_hours(
        &self,
        tenant: TenantId,
        hours: &crate::sla::policy::BusinessHours,
        expected_version: u64,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;

    async fn put_sla_policies(
        &self,
        tenant: TenantId,
        policies: &crate::sla::policy::SlaPolicies,
        expected_version: u64,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;
}

/// Each ticket's stored SLA, its announcements and the SLA views.
#[trait_variant::make(Send)]
pub trait TicketSlaStore: Send + Sync {
    async fn ticket_sla(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<Option<crate::sla::stored::StoredSla>>;

    /// Stores a ticket's SLA with its next deadline (the timer index) and
    /// view (the `breached`/`at_risk` lists).
    async fn put_ticket_sla(&self, sla: &crate::sla::stored::StoredSla) -> StoreResult<()>;

    async fn delete_ticket_sla(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<()>;

    /// The (target cycle, threshold) pairs already announced.
    async fn sla_announced(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<BTreeSet<(String, Threshold)>>;

    /// Records an announcement with its event, once: `false` when it was
    /// made before.
    async fn announce(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        cycle: &str,
        threshold: crate::sla::evaluate::Threshold,
        event: &DomainEvent,
    ) -> StoreResult<bool>;

    /// Tickets in an SLA view, the soonest due first.
    async fn sla_view(
        &self,
        tenant: TenantId,
        view: crate::sla::evaluate::SlaView,
        page: &PageRequest,
    ) -> StoreResult<Page<crate::tickets::ticket::Ticket>>;
}

/// The timer index the scheduler reads minute by minute.
#[trait_variant::make(Send)]
pub trait SlaTimers: Send + Sync {
    /// The tickets whose next deadline falls in the minute starting at
    /// `minute`, with that deadline.
    async fn due_in(
        &self,
        minute: Timestamp,
    ) -> StoreResult<Vec<(crate::sla::stored::SlaCheck, Timestamp)>>;

    /// The last minute bucket the scheduler scanned.
    async fn scheduler_cursor(&self) -> StoreResult<Option<Timestamp>>;

    async fn set_scheduler_cursor(&self, minute: Timestamp) -> StoreResult<()>;
}

/// Hands tickets to the SLA worker, delayed (at most 900 s, SQS's limit).
#[trait_variant::make(Send)]
pub trait SlaQueue: Send + Sync {
    async fn enqueue_check(
        &self,
        check: &crate::sla::stored::SlaCheck,
        delay_seconds: u32,
    ) -> StoreResult<()>;
}
