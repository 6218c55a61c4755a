//! What the sla context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-harness` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::kernel::error::StoreError;
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::TenantId;
use crate::kernel::ids::TicketId;
use crate::kernel::pagination::Page;
use crate::kernel::pagination::PageRequest;
use jiff::Timestamp;
use std::future::Future;

/// The tenant's SLA policies and business-hours calendars.
pub trait SlaConfigStore: Send + Sync {
    /// The tenant's policies and calendars, read together (empty sets at
    /// version 0 when none were written).
    fn sla_config(
        &self,
        tenant: TenantId,
    ) -> impl Future<
        Output = Result<
            (
                crate::sla::policy::SlaPolicies,
                crate::sla::policy::BusinessHours,
            ),
            StoreError,
        >,
    > + Send;

    /// Replaces the calendars if still at `expected_version`
    /// (`VersionMismatch` otherwise).
    fn put_business_hours(
        &self,
        tenant: TenantId,
        hours: &crate::sla::policy::BusinessHours,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn put_sla_policies(
        &self,
        tenant: TenantId,
        policies: &crate::sla::policy::SlaPolicies,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Each ticket's stored SLA, its announcements and the SLA views.
pub trait TicketSlaStore: Send + Sync {
    fn ticket_sla(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<Output = Result<Option<crate::sla::stored::StoredSla>, StoreError>> + Send;

    /// Stores a ticket's SLA with its next deadline (the timer index) and
    /// view (the `breached`/`at_risk` lists).
    fn put_ticket_sla(
        &self,
        sla: &crate::sla::stored::StoredSla,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn delete_ticket_sla(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The (target cycle, threshold) pairs already announced.
    fn sla_announced(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<
        Output = Result<
            std::collections::BTreeSet<(String, crate::sla::evaluate::Threshold)>,
            StoreError,
        >,
    > + Send;

    /// Records an announcement with its event, once: `false` when it was
    /// made before.
    fn announce(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        cycle: &str,
        threshold: crate::sla::evaluate::Threshold,
        event: &DomainEvent,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Tickets in an SLA view, the soonest due first.
    fn sla_view(
        &self,
        tenant: TenantId,
        view: crate::sla::evaluate::SlaView,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<crate::tickets::ticket::Ticket>, StoreError>> + Send;
}

/// The timer index the scheduler reads minute by minute.
pub trait SlaTimers: Send + Sync {
    /// The tickets whose next deadline falls in the minute starting at
    /// `minute`, with that deadline.
    fn due_in(
        &self,
        minute: Timestamp,
    ) -> impl Future<Output = Result<Vec<(crate::sla::stored::SlaCheck, Timestamp)>, StoreError>> + Send;

    /// The last minute bucket the scheduler scanned.
    fn scheduler_cursor(
        &self,
    ) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;

    fn set_scheduler_cursor(
        &self,
        minute: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Hands tickets to the SLA worker, delayed (at most 900 s, SQS's limit).
pub trait SlaQueue: Send + Sync {
    fn enqueue_check(
        &self,
        check: &crate::sla::stored::SlaCheck,
        delay_seconds: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
