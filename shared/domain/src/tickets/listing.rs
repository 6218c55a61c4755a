//! Ticket lists: the most selective dimension reads an index, the other
//! filters apply while reading, and customers see only their own tickets.

use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{TeamStore, UserStore};
use crate::kernel::error::DomainError;
use crate::kernel::ids::{TeamId, UserId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::kernel::ports::IdempotencyStore;
use crate::kernel::validation::{Invalid, Validator, parse_id};
use crate::tickets::input::*;
use crate::tickets::ports::{
    FieldSchemaStore, TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore,
};
use crate::tickets::service::Ticketing;
use crate::tickets::ticket::{Priority, Status, Tag, Ticket};

impl<S> Ticketing<S>
where
    S: TicketStore + FieldSchemaStore + IdempotencyStore + UserStore + TeamStore,
{
    pub async fn list(
        &self,
        principal: &Principal,
        input: TicketListInput,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, DomainError> {
        principal.require(Action::ReadTickets)?;
        let mut v = Validator::new();
        let status = v.optional("status", input.status, |s| Status::parse(&s));
        let priority = v.optional("priority", input.priority, |s| Priority::parse(&s));
        let tag = v.optional("tag", input.tag, |t| Tag::parse(&t));
        let assignee = v.optional("assignee", input.assignee, |a| match a.as_str() {
            "none" => Ok(None),
            "me" => principal
                .user_id()
                .map(Some)
                .ok_or_else(|| Invalid::new("invalid_value", "an API key is nobody's `me`")),
            id => parse_id::<UserId>(id).map(Some),
        });
        let team = v.optional("team", input.team, |t| match t.as_str() {
            "none" => Ok(None),
            id => parse_id::<TeamId>(id).map(Some),
        });
        let requester = v.optional("requester", input.requester, |r| match r.as_str() {
            "me" => principal
                .user_id()
                .ok_or_else(|| Invalid::new("invalid_value", "an API key is nobody's `me`")),
            id => parse_id::<UserId>(id),
        });
        let sort = v.optional("sort", input.sort, |s| match s.as_str() {
            "updatedAt" => Ok(TicketSort::UpdatedAt),
            "createdAt" => Ok(TicketSort::CreatedAt),
            _ => Err(Invalid::new(
                "invalid_value",
                "must be `updatedAt` or `createdAt`",
            )),
        });
        let order = v.optional("order", input.order, |o| match o.as_str() {
            "asc" => Ok(false),
            "desc" => Ok(true),
            _ => Err(Invalid::new("invalid_value", "must be `asc` or `desc`")),
        });
        v.finish()?;
        let (status, priority, tag) = (status.flatten(), priority.flatten(), tag.flatten());
        let (mut assignee, mut team, mut requester) =
            (assignee.flatten(), team.flatten(), requester.flatten());
        if principal.is_customer() {
            // A customer's view is always their own tickets.
            requester = principal.user_id();
            if requester.is_none() {
                return Err(DomainError::Forbidden);
            }
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
            tag,
        };
        let query = TicketListQuery {
            dimension,
            filters,
            sort: sort.flatten().unwrap_or(TicketSort::UpdatedAt),
            descending: order.flatten().unwrap_or(true),
        };
        let mut tickets = self
            .store
            .list_tickets(principal.tenant_id(), &query, page)
            .await?;
        if principal.is_customer() {
            let schema = self.store.field_schema(principal.tenant_id()).await?;
            for t in &mut tickets.items {
                t.custom_fields = schema.customer_view(&t.custom_fields);
            }
        }
        Ok(tickets)
    }
}
