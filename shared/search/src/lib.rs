//! [`TicketIndex`] on tantivy: one index per tenant (a query opens only
//! its own tenant's), public text and internal notes in separate fields,
//! so a customer's query cannot match, count or quote an internal note.
//!
//! `schema.rs` names the fields, `documents.rs` writes them, `queries.rs`
//! turns the domain's resolved query and scope into a tantivy query and
//! `searching.rs` runs it. Each tenant also has a people index
//! ([`PeopleIndex`](switchboard_domain::search::ports::PeopleIndex),
//! `people.rs`), kept and shared the same way. Two homes for the indexes: [`TantivyIndexes`]
//! in memory or a directory (one process), [`SharedIndexes`] with the
//! immutable segment files on S3 and a manifest item per tenant in the
//! table, updated with a conditional write (any number of processes).

mod articles;
mod counting;
mod documents;
mod local;
mod people;
mod queries;
mod remote;
mod schema;
mod searching;

pub use local::TantivyIndexes;
pub use remote::SharedIndexes;

use switchboard_domain::StoreError;

fn engine(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("search index: {e}"))
}

/// Memory for one tenant's writer (tantivy's floor per thread is 15 MB).
const WRITER_BYTES: usize = 20_000_000;

/// What a process holds per tenant and index.
type PerIndex<T> = std::sync::Arc<
    std::sync::Mutex<
        std::collections::HashMap<(Kind, switchboard_domain::kernel::ids::TenantId), T>,
    >,
>;

/// A tenant's indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Tickets,
    People,
    Articles,
}

impl Kind {
    /// The index's name with the version of its fields. A change of the
    /// fields is a new name: the new index starts empty beside the old
    /// one (whose files tantivy could not open with the new fields), and
    /// the operator's reindex fills it.
    fn name(self) -> &'static str {
        match self {
            // 2: dates sort to the microsecond; the status is a fast
            // field (results count by it).
            Kind::Tickets => "tickets.2",
            Kind::People => "people.1",
            Kind::Articles => "articles.1",
        }
    }

    fn schema(self) -> tantivy::schema::Schema {
        match self {
            Kind::Tickets => schema::build().0,
            Kind::People => people::build().0,
            Kind::Articles => articles::build().0,
        }
    }

    /// The name of a tenant's local copy of this index.
    fn dir_name(self, tenant: switchboard_domain::kernel::ids::TenantId) -> String {
        format!(
            "{}-{}",
            tenant.ulid().to_string().to_lowercase(),
            self.name()
        )
    }
}
