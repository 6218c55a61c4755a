//! What search needs from an index: documents in, ranked ids out. The
//! index knows nothing of principals: the request it gets already says
//! which fields the text may match and which tickets are in scope.

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;

use crate::kernel::error::StoreResult;
use crate::kernel::ids::{
    ArticleId, JobId, OrganizationId, TeamId, TenantId, TicketId, UserId, ViewId,
};
use crate::search::document::TicketDocument;
use crate::search::person::{PeopleHits, PeopleQuery, PersonDocument};
use crate::search::query::{Clause, DateField, SearchSort, Term};
use crate::search::view::SavedView;
use crate::tickets::ticket::{Channel, Priority, Status, TicketType};

/// A query with every name resolved, and its scope.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexQuery {
    pub text: Vec<Clause>,
    pub excluded: Vec<Term>,
    pub filters: Vec<IndexFilter>,
    pub scope: Scope,
    pub sort: SearchSort,
    pub descending: bool,
    pub offset: usize,
    pub limit: usize,
}

/// Which tickets, and which of their text, a query may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every ticket, public text and internal notes.
    Staff,
    /// Public text of the tickets a customer may read: theirs, those their
    /// address is copied on, and their organisation's when it shares.
    Customer {
        user: UserId,
        address: Option<String>,
        organization: Option<OrganizationId>,
        /// Tickets that came by mail are not theirs until they proved
        /// their address.
        mail: bool,
    },
}

/// A filter, `negated` or not.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexFilter {
    pub condition: IndexCondition,
    pub negated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IndexCondition {
    Status(Status),
    Priority(Priority),
    Type(TicketType),
    Channel(Channel),
    /// `None`: unassigned. A name that matched nobody is an id no
    /// ticket has.
    Assignee(Option<UserId>),
    Requester(UserId),
    Team(Option<TeamId>),
    Tag(String),
    HasAttachment,
    Number(u64),
    Date {
        field: DateField,
        after: bool,
        at: Timestamp,
    },
    Field {
        key: String,
        value: String,
    },
}

/// What matched and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub ticket_id: TicketId,
    pub score: f32,
    /// The subject with the matched words in `<em>`, if they are in it.
    pub subject: Option<String>,
    /// A passage of the text the query may reach, likewise.
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hits {
    pub hits: Vec<Hit>,
    /// Every match, not only this page's.
    pub total: usize,
    /// Every match by status.
    pub by_status: std::collections::BTreeMap<Status, usize>,
}

/// What the indexer's queue carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub enum IndexTask {
    /// A ticket to bring up to date.
    Ticket {
        tenant_id: TenantId,
        ticket_id: TicketId,
    },
    /// The tenant's whole index, rebuilt from the table (a job's work).
    Rebuild { tenant_id: TenantId, job_id: JobId },
    /// A person to bring up to date in the people index.
    Person {
        tenant_id: TenantId,
        user_id: UserId,
    },
    /// A knowledge base article to bring up to date in the article index.
    Article {
        tenant_id: TenantId,
        article_id: ArticleId,
    },
}

impl IndexTask {
    pub fn tenant_id(&self) -> TenantId {
        match self {
            IndexTask::Ticket { tenant_id, .. }
            | IndexTask::Rebuild { tenant_id, .. }
            | IndexTask::Person { tenant_id, .. }
            | IndexTask::Article { tenant_id, .. } => *tenant_id,
        }
    }

    /// What tells a second hand-over of the same task from a new one: the
    /// change's event, or the job.
    pub fn ticket_change(tenant_id: TenantId, ticket_id: TicketId) -> Self {
        IndexTask::Ticket {
            tenant_id,
            ticket_id,
        }
    }
}

/// Hands work to the indexer, which writes one tenant's index at a time
/// (a queue with the tenant as its ordering group). `dedup` makes a second
/// hand-over of one change a no-op. Object-safe, so the event router and
/// the jobs worker hold it only when search is wired.
pub trait IndexQueue: Send + Sync {
    fn send<'a>(
        &'a self,
        task: IndexTask,
        dedup: String,
    ) -> Pin<Box<dyn Future<Output = StoreResult<()>> + Send + 'a>>;
}

/// One index per tenant.
#[trait_variant::make(Send)]
pub trait TicketIndex: Send + Sync {
    /// Adds or replaces documents (by ticket; an older version than the
    /// one indexed is ignored).
    async fn put(&self, tenant: TenantId, documents: &[TicketDocument]) -> StoreResult<()>;

    async fn remove(&self, tenant: TenantId, tickets: &[TicketId]) -> StoreResult<()>;

    /// Empties the tenant's index (a rebuild starts so).
    async fn clear(&self, tenant: TenantId) -> StoreResult<()>;

    async fn search(&self, tenant: TenantId, query: &IndexQuery) -> StoreResult<Hits>;

    /// How many documents each query matches, on one opening of the index
    /// (a sidebar's views).
    async fn count_many(&self, tenant: TenantId, queries: &[IndexQuery])
    -> StoreResult<Vec<usize>>;
}

/// Saved views.
#[trait_variant::make(Send)]
pub trait ViewStore: Send + Sync {
    async fn view(&self, tenant: TenantId, id: ViewId) -> StoreResult<Option<SavedView>>;

    /// `owner`'s personal views, by name.
    async fn personal_views(&self, tenant: TenantId, owner: UserId) -> StoreResult<Vec<SavedView>>;

    /// The views shared with a team or everyone, by name.
    async fn shared_views(&self, tenant: TenantId) -> StoreResult<Vec<SavedView>>;

    /// Creates `view` (`before: None`) or replaces `before`, still at its
    /// version (`VersionMismatch` otherwise).
    async fn put_view(&self, view: &SavedView, before: Option<&SavedView>) -> StoreResult<()>;

    /// Deletes `view`, still at its version (`VersionMismatch` otherwise).
    async fn delete_view(&self, view: &SavedView) -> StoreResult<()>;
}

/// One people index per tenant, beside its ticket index.
#[trait_variant::make(Send)]
pub trait PeopleIndex: Send + Sync {
    /// Adds or replaces people's documents.
    async fn put_people(&self, tenant: TenantId, people: &[PersonDocument]) -> StoreResult<()>;

    async fn remove_people(&self, tenant: TenantId, people: &[UserId]) -> StoreResult<()>;

    /// Empties the tenant's people index (a rebuild starts so).
    async fn clear_people(&self, tenant: TenantId) -> StoreResult<()>;

    async fn search_people(&self, tenant: TenantId, query: &PeopleQuery)
    -> StoreResult<PeopleHits>;
}
