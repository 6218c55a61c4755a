//! The event router's analytics step: what an event adds, written once.

use crate::analytics::attainment::outcomes;
use crate::analytics::ports::AnalyticsStore;
use crate::analytics::tally::{counts, tally};
use crate::kernel::error::StoreResult;
use crate::kernel::events::DomainEvent;
use crate::sla::evaluate::TicketSla;
use crate::tickets::ticket::Ticket;

/// The router's step an event's count is marked as (with the count, in
/// one transaction).
pub const STEP: &str = "analytics";

/// Adds what `event` counts to the day's rows, at most once per event
/// (`true` when this call added it). `sla`: the ticket's SLA as the router
/// just recomputed it (a solve counts its targets' outcomes).
pub async fn record<S>(
    store: &S,
    event: &DomainEvent,
    ticket: Option<&Ticket>,
    sla: Option<&TicketSla>,
) -> StoreResult<bool>
where
    S: AnalyticsStore,
{
    let Some(ticket) = ticket.filter(|_| counts(event.kind)) else {
        return Ok(false);
    };
    match tally(event, ticket) {
        Some(mut t) => {
            t.amounts.extend(outcomes(event, sla));
            store.add_tally(event.tenant_id, event.id, &t).await
        }
        None => Ok(false),
    }
}
