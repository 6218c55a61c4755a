//! The event router's analytics step: what an event adds, written once.

use crate::accounts::ports::UserStore;
use crate::analytics::ports::AnalyticsStore;
use crate::analytics::tally::{counts, tally};
use crate::kernel::error::StoreResult;
use crate::kernel::events::{ActorType, DomainEvent, EventType};
use crate::tickets::events::CommentCreated;
use crate::tickets::ticket::Ticket;

/// The router's step an event's count is marked as (with the count, in
/// one transaction).
pub const STEP: &str = "analytics";

/// Adds what `event` counts to the day's rows, at most once per event
/// (`true` when this call added it).
pub async fn record<S>(store: &S, event: &DomainEvent, ticket: Option<&Ticket>) -> StoreResult<bool>
where
    S: AnalyticsStore + UserStore,
{
    let Some(ticket) = ticket.filter(|_| counts(event.kind)) else {
        return Ok(false);
    };
    let staff_author = match event.payload::<CommentCreated>() {
        Some(c) if event.kind == EventType::CommentCreated && c.public && !c.opening => {
            match c.author_id {
                Some(author) => store
                    .user(event.tenant_id, author)
                    .await?
                    .is_some_and(|u| u.role.is_staff()),
                // An integration's reply speaks for the helpdesk.
                None => event.actor.kind == ActorType::ApiKey,
            }
        }
        _ => false,
    };
    match tally(event, ticket, staff_author) {
        Some(t) => store.add_tally(event.tenant_id, event.id, &t).await,
        None => Ok(false),
    }
}
