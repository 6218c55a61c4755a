//! What the tickets context needs from storage and the outside world. The
//! AWS adapters implement these; `switchboard-testkit` holds an in-memory
//! implementation with the same semantics for use-case tests.

use crate::accounts::user::User;
use crate::kernel::error::StoreResult;
use crate::kernel::events::DomainEvent;
use crate::kernel::idempotency::IdempotencyRecord;
use crate::kernel::ids::{CommentId, OrganizationId, TeamId, TenantId, TicketId, UserId};
use crate::kernel::pagination::{Page, PageRequest};
use crate::tickets::comment::Comment;
use crate::tickets::fields::FieldSchema;
use crate::tickets::ticket::{HistoryEntry, Priority, Status, Tag, Ticket};

/// Which index a ticket list reads: the list's main dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketDimension {
    All,
    Status(Status),
    /// `None`: unassigned.
    Assignee(Option<UserId>),
    /// `None`: no team.
    Team(Option<TeamId>),
    /// Ordered by the public clock (`public_updated_at`) when by update:
    /// the order the requester sees.
    Requester(UserId),
    /// The tickets of an organisation's people.
    Organization(OrganizationId),
    /// Deleted tickets (listed nowhere else until restored): what an
    /// erasure must reach too.
    Deleted,
}

/// Further conditions, applied while reading (pages stay full: the store
/// reads on until the page is full or returns a cursor).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilters {
    pub status: Option<Status>,
    pub assignee: Option<Option<UserId>>,
    pub team: Option<Option<TeamId>>,
    pub priority: Option<Priority>,
    pub tag: Option<Tag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSort {
    UpdatedAt,
    CreatedAt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketListQuery {
    pub dimension: TicketDimension,
    /// Also the tickets this (lower-cased) address is copied on, merged in
    /// the same order: a customer's own list. Only with `Requester`.
    pub copied: Option<String>,
    pub filters: TicketFilters,
    pub sort: TicketSort,
    pub descending: bool,
}

/// A comment written in the same transaction as its ticket.
#[derive(Debug, Clone, Copy)]
pub enum CommentWrite<'a> {
    New(&'a Comment),
    /// Replaces a comment still at `expected_version`.
    Update(&'a Comment, u64),
}

/// How a ticket write guards against concurrent changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketWriteMode {
    /// A new ticket, which must not exist yet.
    Create,
    /// Replaces the ticket if it is still at this version.
    Replace(u64),
    /// Only marks the ticket updated now (and bumps its version), if it is
    /// still in `status`: a comment that changes nothing else on the ticket
    /// does not collide with concurrent comments, while a concurrent status
    /// change still makes the writer re-read and decide again. `public`:
    /// the public clock moves too (`public_updated_at` as given, the public
    /// version counts up). The reply clocks the ticket has move to it.
    Touch { status: Status, public: bool },
}

/// Everything one ticket change writes, atomically.
#[derive(Debug, Clone, Copy)]
pub struct TicketWrite<'a> {
    pub ticket: &'a Ticket,
    pub mode: TicketWriteMode,
    /// The ticket as read, for a `Replace`: the store drops what it kept
    /// for people no longer copied.
    pub before: Option<&'a Ticket>,
    pub comment: Option<CommentWrite<'a>>,
    /// A customer created on the fly as the requester.
    pub new_requester: Option<&'a User>,
    pub history: Option<&'a HistoryEntry>,
    pub events: &'a [DomainEvent],
    pub idempotency: Option<&'a IdempotencyRecord>,
    /// The ticket's new assignee may then hold at most this many unsolved
    /// tickets (`CapacityReached` otherwise). Every write keeps agents'
    /// load: see [`crate::tickets::ticket::load_moves`].
    pub capacity: Option<u32>,
}

/// Tickets, their conversations and history; every change one transaction.
#[trait_variant::make(Send)]
pub trait TicketStore: Send + Sync {
    /// The tenant's next ticket number (atomic counter; gaps are possible
    /// when a creation fails, duplicates are not).
    async fn next_ticket_number(&self, tenant: TenantId) -> StoreResult<u64>;

    /// Writes a ticket change. Errors: `VersionMismatch` (stale ticket or
    /// comment), `Conflict(EmailTaken)` (the new requester's email was taken
    /// meanwhile), `IdempotencyKeyTaken`.
    async fn write_ticket(&self, write: TicketWrite<'_>) -> StoreResult<()>;

    /// Writes several tickets' changes and comments copied onto them as one
    /// transaction (a merge): all or nothing, each part failing as in
    /// `write_ticket`; a copy whose id its ticket already has is
    /// `ConditionFailed`. At most 100 items in all (the domain keeps a
    /// merge within that).
    async fn write_tickets(
        &self,
        writes: &[TicketWrite<'_>],
        copies: &[Comment],
    ) -> StoreResult<()>;

    async fn ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>>;

    /// The tickets among `ids` that exist in the tenant, in the order of
    /// `ids` (one round trip per hundred).
    async fn tickets(&self, tenant: TenantId, ids: &[TicketId]) -> StoreResult<Vec<Ticket>>;

    async fn ticket_id_by_number(
        &self,
        tenant: TenantId,
        number: u64,
    ) -> StoreResult<Option<TicketId>>;

    /// The ticket and its first `limit` comments (only public ones when
    /// `public_only`) in one query; `true` when there may be more.
    async fn conversation(
        &self,
        tenant: TenantId,
        id: TicketId,
        limit: u32,
        public_only: bool,
    ) -> StoreResult<Option<(Ticket, Vec<Comment>, bool)>>;

    async fn comments(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        public_only: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<Comment>>;

    async fn comment(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        id: CommentId,
    ) -> StoreResult<Option<Comment>>;

    async fn save_comment(
        &self,
        comment: &Comment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()>;

    async fn history(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<HistoryEntry>>;

    async fn list_tickets(
        &self,
        tenant: TenantId,
        query: &TicketListQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Ticket>>;
}

/// The tenant's custom ticket fields.
#[trait_variant::make(Send)]
pub trait FieldSchemaStore: Send + Sync {
    async fn field_schema(&self, tenant: TenantId) -> StoreResult<FieldSchema>;

    async fn put_field_schema(
        &self,
        tenant: TenantId,
        schema: &FieldSchema,
        expected_version: u64,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;
}
