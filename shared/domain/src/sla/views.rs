//! What staff see of SLAs on tickets: a ticket's clocks beside the ticket,
//! and the `breached` and `at_risk` lists.

use jiff::Timestamp;

use crate::accounts::permissions::{Action, Principal};
use crate::kernel::error::DomainError;
use crate::kernel::pagination::{Page, PageRequest};
use crate::sla::evaluate::{SlaView, TicketSla};
use crate::sla::ports::TicketSlaStore;
use crate::tickets::ticket::Ticket;

pub struct SlaViews<S> {
    store: S,
}

impl<S: TicketSlaStore> SlaViews<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    /// The clocks of a ticket the caller has been shown, as of `now`:
    /// staff only (`None` for customers, and when no policy applies).
    pub async fn clocks(
        &self,
        principal: &Principal,
        ticket: &Ticket,
        now: Timestamp,
    ) -> Result<Option<TicketSla>, DomainError> {
        if principal.is_customer() || ticket.tenant_id != principal.tenant_id() {
            return Ok(None);
        }
        Ok(self
            .store
            .ticket_sla(ticket.tenant_id, ticket.id)
            .await?
            .map(|s| s.sla.as_of(now)))
    }

    /// The tickets in view `raw` (`breached` or `at_risk`), soonest due
    /// first.
    pub async fn list(
        &self,
        principal: &Principal,
        raw: &str,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, DomainError> {
        principal.require(Action::ReadTickets)?;
        let Some(view) = SlaView::parse(raw) else {
            return Err(DomainError::field(
                "sla",
                "invalid_value",
                "must be `breached` or `at_risk`",
            ));
        };
        principal.require(Action::ReadSla)?;
        Ok(self
            .store
            .sla_view(principal.tenant_id(), view, page)
            .await?)
    }
}
