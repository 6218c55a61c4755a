//! Ticket lists: the most selective dimension reads an index, the other
//! filters apply while reading, and customers see only their own tickets.

use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::kernel::error::DomainError;
use crate::kernel::ids::OrganizationId;
use crate::kernel::pagination::{Page, PageRequest};
use crate::kernel::ports::IdempotencyStore;
use crate::tickets::input::Someone;
use crate::tickets::input::TicketListFilter;

use crate::tickets::ports::{
    FieldSchemaStore, TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore,
};
use crate::tickets::service::{Ticketing, copied_address, owns_mail};
use crate::tickets::ticket::{Channel, Ticket};

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    pub async fn list(
        &self,
        principal: &Principal,
        input: TicketListFilter,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, DomainError> {
        principal.require(Action::ReadTickets)?;
        let me = || {
            principal.user_id().ok_or_else(|| {
                DomainError::field("assignee", "invalid_value", "an API key is nobody's `me`")
            })
        };
        let TicketListFilter {
            status,
            assignee,
            team,
            requester,
            priority,
            tag,
            sort,
            descending,
        } = input;
        let mut assignee = match assignee {
            Some(Some(Someone::Me)) => Some(Some(me()?)),
            Some(Some(Someone::Id(id))) => Some(Some(id)),
            Some(None) => Some(None),
            None => None,
        };
        let mut team = team;
        let mut requester = match requester {
            Some(Someone::Me) => Some(principal.user_id().ok_or_else(|| {
                DomainError::field("requester", "invalid_value", "an API key is nobody's `me`")
            })?),
            Some(Someone::Id(id)) => Some(id),
            None => None,
        };
        let mut copied = None;
        if principal.is_customer() {
            // A customer's view is always their own tickets: those they
            // asked and those they are copied on.
            requester = principal.user_id();
            if requester.is_none() {
                return Err(DomainError::Forbidden);
            }
            copied = copied_address(principal);
        }
        // The most selective dimension reads an index; the rest filter.
        let dimension = if let Some(r) = requester {
            TicketDimension::Requester(r)
        } else if let Some(a) = assignee.take() {
            TicketDimension::Assignee(a)
        } else if let Some(t) = team.take() {
            TicketDimension::Team(t)
        } else if let Some(s) = status {
            TicketDimension::Status(s)
        } else {
            TicketDimension::All
        };
        let filters = TicketFilters {
            status: status.filter(|_| !matches!(dimension, TicketDimension::Status(_))),
            assignee,
            team,
            priority,
            // Tags are staff business: customers filter by none.
            tag: tag.filter(|_| !principal.is_customer()),
        };
        let query = TicketListQuery {
            dimension,
            copied,
            filters,
            sort: sort.unwrap_or(TicketSort::UpdatedAt),
            descending: descending.unwrap_or(true),
        };
        let tickets = self
            .store
            .list_tickets(principal.tenant_id(), &query, page)
            .await?;
        self.as_seen(principal, tickets).await
    }

    /// An organisation's tickets, by the list's filters and order: for
    /// staff, and for its people when it shares them (their view of each).
    pub async fn list_for_organization(
        &self,
        principal: &Principal,
        organization: OrganizationId,
        input: TicketListFilter,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, DomainError> {
        principal
            .require(Action::ReadTickets)
            .map_err(|_| DomainError::NotFound)?;
        let reaches = if principal.is_customer() {
            principal.membership.is_some_and(|m| m.shares(organization))
        } else {
            self.store
                .organization(principal.tenant_id(), organization)
                .await?
                .is_some()
        };
        if !reaches {
            return Err(DomainError::NotFound);
        }
        let query = TicketListQuery {
            dimension: TicketDimension::Organization(organization),
            copied: None,
            filters: TicketFilters {
                status: input.status,
                assignee: None,
                team: None,
                priority: input.priority,
                // Tags are staff business: customers filter by none.
                tag: input.tag.filter(|_| !principal.is_customer()),
            },
            sort: input.sort.unwrap_or(TicketSort::UpdatedAt),
            descending: input.descending.unwrap_or(true),
        };
        let tickets = self
            .store
            .list_tickets(principal.tenant_id(), &query, page)
            .await?;
        self.as_seen(principal, tickets).await
    }

    /// A page as the caller sees it: customers get their visible fields and
    /// the public clock, and no mail tickets before their address is proven.
    async fn as_seen(
        &self,
        principal: &Principal,
        mut tickets: Page<Ticket>,
    ) -> Result<Page<Ticket>, DomainError> {
        if principal.is_customer() {
            if !owns_mail(principal) {
                tickets.items.retain(|t| t.channel != Channel::Email);
            }
            let schema = self.store.field_schema(principal.tenant_id()).await?;
            tickets.items = std::mem::take(&mut tickets.items)
                .into_iter()
                .map(|t| t.as_seen_by_customer(&schema))
                .collect();
        }
        Ok(tickets)
    }
}

/// What staff see of a person's tickets on their profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequesterSummary {
    /// Unsolved tickets among those counted.
    pub open: usize,
    /// Tickets counted: their latest [`SUMMARY_LIMIT`] at most.
    pub counted: usize,
    /// Whether they have more than were counted.
    pub more: bool,
    /// When their latest ticket last changed in a way they could see.
    pub last_activity_at: Option<jiff::Timestamp>,
}

/// Tickets a profile's summary reads at most (two pages).
pub const SUMMARY_LIMIT: usize = 200;

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    /// A person's tickets in numbers (staff only): how many are open and
    /// when they last moved, from their latest tickets.
    pub async fn requester_summary(
        &self,
        principal: &Principal,
        person: crate::kernel::ids::UserId,
    ) -> Result<RequesterSummary, DomainError> {
        principal.require(Action::ReadTickets)?;
        if !principal.role().is_staff() {
            return Err(DomainError::Forbidden);
        }
        let query = TicketListQuery {
            dimension: TicketDimension::Requester(person),
            copied: None,
            filters: TicketFilters::default(),
            sort: TicketSort::UpdatedAt,
            descending: true,
        };
        let mut page = PageRequest {
            limit: 100,
            cursor: None,
        };
        let mut summary = RequesterSummary {
            open: 0,
            counted: 0,
            more: false,
            last_activity_at: None,
        };
        loop {
            let found = self
                .store
                .list_tickets(principal.tenant_id(), &query, &page)
                .await?;
            if summary.last_activity_at.is_none() {
                summary.last_activity_at = found.items.first().map(|t| t.public_updated_at);
            }
            summary.counted += found.items.len();
            summary.open += found
                .items
                .iter()
                .filter(|t| t.status.is_unsolved())
                .count();
            match found.next_cursor {
                Some(next) if summary.counted < SUMMARY_LIMIT => page.cursor = Some(next),
                Some(_) => {
                    summary.more = true;
                    return Ok(summary);
                }
                None => return Ok(summary),
            }
        }
    }
}
