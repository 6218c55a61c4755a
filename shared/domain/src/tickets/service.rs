//! Ticket use cases: open, read, change, delete, list, converse, bulk, and
//! the custom-field schema, one file each (`create`, `changes`,
//! `conversation`, `listing`, `custom_fields`); reading and the shared
//! helpers are here. Visibility rules: customers reach only their own
//! tickets (and those they are copied on), only public comments and
//! customer-visible fields, and anything else is `NotFound`.

use crate::accounts::organization::SharedTickets;
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::kernel::error::DomainError;
use crate::kernel::idempotency::IdempotencyKey;
use crate::kernel::ids::TicketId;
use crate::kernel::ports::IdempotencyStore;
use crate::tickets::comment::Comment;
use crate::tickets::fields::FieldSchema;
use crate::tickets::ports::{FieldSchemaStore, TicketStore};
use crate::tickets::ticket::{Channel, HistoryEntry, Ticket};

/// Comments returned with a ticket; more are paged through the comments list.
pub const CONVERSATION_PAGE: u32 = 100;
pub const MAX_BULK: usize = 100;
/// Tries of a read-modify-write that lost an optimistic-locking race.
pub(crate) const WRITE_ATTEMPTS: usize = 6;

/// A short random pause, so that writers racing for one ticket spread out.
pub(crate) async fn backoff() {
    use rand::Rng;
    let ms = rand::rng().random_range(5..40);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

/// A ticket as the caller may see it, with the start of its conversation.
#[derive(Debug, Clone)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub comments: Vec<Comment>,
    pub more_comments: bool,
    /// The number asked for, when it led here through a merge.
    pub reached_from: Option<u64>,
}

pub struct Ticketing<S> {
    pub(super) store: S,
}

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    // ----- reading -------------------------------------------------------

    /// The ticket if the caller may see it; otherwise `NotFound`.
    /// The ticket if the caller may see it (`NotFound` otherwise).
    pub async fn visible(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<Ticket, DomainError> {
        principal
            .require(Action::ReadTickets)
            .map_err(|_| DomainError::NotFound)?;
        let ticket = self
            .store
            .ticket(principal.tenant_id(), id)
            .await?
            .filter(|t| !t.is_deleted())
            .ok_or(DomainError::NotFound)?;
        ensure_visible(principal, &ticket)?;
        Ok(ticket)
    }

    pub async fn get(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<TicketDetail, DomainError> {
        principal
            .require(Action::ReadTickets)
            .map_err(|_| DomainError::NotFound)?;
        self.detail(principal, id).await
    }

    /// The ticket as the caller may see it, without the read permission
    /// (a replayed create answers what the first one answered).
    pub(super) async fn detail(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<TicketDetail, DomainError> {
        let (ticket, comments, more) = self
            .store
            .conversation(
                principal.tenant_id(),
                id,
                CONVERSATION_PAGE,
                principal.is_customer(),
            )
            .await?
            .filter(|(t, _, _)| !t.is_deleted())
            .ok_or(DomainError::NotFound)?;
        ensure_visible(principal, &ticket)?;
        self.shape(principal, ticket, comments, more).await
    }

    pub async fn get_by_number(
        &self,
        principal: &Principal,
        number: u64,
    ) -> Result<TicketDetail, DomainError> {
        principal
            .require(Action::ReadTickets)
            .map_err(|_| DomainError::NotFound)?;
        let id = self
            .store
            .ticket_id_by_number(principal.tenant_id(), number)
            .await?
            .ok_or(DomainError::NotFound)?;
        let detail = self.get(principal, id).await?;
        if detail.ticket.merged_into.is_none() {
            return Ok(detail);
        }
        // A merged ticket's number leads to the ticket it joined, when the
        // caller may see that one.
        let Some(end) = self.merge_end(detail.ticket.clone()).await? else {
            return Ok(detail);
        };
        match self.get(principal, end.id).await {
            Ok(joined) => Ok(TicketDetail {
                reached_from: Some(number),
                ..joined
            }),
            Err(DomainError::NotFound) => Ok(detail),
            Err(e) => Err(e),
        }
    }

    pub async fn history(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<Vec<HistoryEntry>, DomainError> {
        let ticket = self.visible(principal, id).await?;
        // History shows internal work (assignments, tags): staff only; the
        // read scope is enough for a key.
        if !principal.role().is_staff() {
            return Err(DomainError::Forbidden);
        }
        Ok(self.store.history(principal.tenant_id(), ticket.id).await?)
    }

    // ----- helpers -------------------------------------------------------

    /// The schema as the caller may see it.
    pub(super) async fn schema_for_view(
        &self,
        principal: &Principal,
    ) -> Result<FieldSchema, DomainError> {
        let mut schema = self.store.field_schema(principal.tenant_id()).await?;
        if principal.is_customer() {
            schema.fields.retain(|d| d.customer_visible);
        }
        Ok(schema)
    }

    /// What a caller sees of a ticket: customers get public comments, their
    /// visible fields and the public clock only (staff see all, so need no
    /// schema read).
    pub(super) async fn shape(
        &self,
        principal: &Principal,
        mut ticket: Ticket,
        mut comments: Vec<Comment>,
        more: bool,
    ) -> Result<TicketDetail, DomainError> {
        if principal.is_customer() {
            comments.retain(|c| c.public);
            let schema = self.store.field_schema(principal.tenant_id()).await?;
            ticket = ticket.as_seen_by_customer(&schema);
        }
        Ok(TicketDetail {
            ticket,
            comments,
            more_comments: more,
            reached_from: None,
        })
    }

    /// The resource an idempotency key already produced, or `None`; a key
    /// reused for a different request is refused.
    pub(super) async fn replay(
        &self,
        principal: &Principal,
        key: Option<&IdempotencyKey>,
    ) -> Result<Option<String>, DomainError> {
        let Some(key) = key else { return Ok(None) };
        match self
            .store
            .idempotency_record(principal.tenant_id(), &key.scope)
            .await?
        {
            Some(record) if record.key.request == key.request => Ok(Some(record.resource_id)),
            Some(_) => Err(DomainError::IdempotencyKeyReused),
            None => Ok(None),
        }
    }
}

/// Customers reach the tickets they requested, those they are copied on
/// (by the email they log in with), and their organisation's when it
/// shares them; anything else is `NotFound`.
pub(crate) fn ensure_visible(principal: &Principal, ticket: &Ticket) -> Result<(), DomainError> {
    if principal.is_customer() && customer_access(principal, ticket).is_none() {
        return Err(DomainError::NotFound);
    }
    if principal.is_customer() && !owns_mail(principal) && ticket.channel == Channel::Email {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

/// How a customer reaches a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// They asked it or are copied on it.
    Own,
    /// Through their organisation, which shares its tickets so.
    Shared(SharedTickets),
}

pub(crate) fn customer_access(principal: &Principal, ticket: &Ticket) -> Option<Access> {
    let copied = || copied_address(principal).is_some_and(|a| ticket.cc.contains(&a));
    if principal.user_id() == Some(ticket.requester_id) || copied() {
        return Some(Access::Own);
    }
    principal
        .membership
        .filter(|m| ticket.organization_id.is_some_and(|o| m.shares(o)))
        .map(|m| Access::Shared(m.shared_tickets))
}

/// The address a customer is copied on tickets by: the one they log in with.
pub(crate) fn copied_address(principal: &Principal) -> Option<String> {
    principal.user().map(|u| u.email.as_str().to_lowercase())
}

/// Whether what arrives by mail from the principal's address is theirs: not
/// for a self-registered customer who has not proven the address (anyone
/// can register someone else's).
pub(crate) fn owns_mail(principal: &Principal) -> bool {
    principal.user().is_none_or(|u| u.email_verified)
}
