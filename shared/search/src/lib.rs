//! [`TicketIndex`] on tantivy: one index per tenant (a query opens only
//! its own tenant's), public text and internal notes in separate fields,
//! so a customer's query cannot match, count or quote an internal note.
//!
//! `schema.rs` names the fields, `documents.rs` writes them, `queries.rs`
//! turns the domain's resolved query and scope into a tantivy query and
//! `searching.rs` runs it. Two homes for the indexes: [`TantivyIndexes`]
//! in memory or a directory (one process), [`SharedIndexes`] with the
//! immutable segment files on S3 and a manifest item per tenant in the
//! table, updated with a conditional write (any number of processes).

mod documents;
mod local;
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
