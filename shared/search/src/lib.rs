//! [`TicketIndex`] on tantivy: one index per tenant (a query opens only
//! its own tenant's), public text and internal notes in separate fields,
//! so a customer's query cannot match, count or quote an internal note.
//!
//! `schema.rs` names the fields, `documents.rs` writes them, `queries.rs`
//! turns the domain's resolved query and scope into a tantivy query.

mod documents;
mod queries;
mod schema;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use switchboard_domain::StoreError;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{TenantId, TicketId};
use switchboard_domain::search::document::TicketDocument;
use switchboard_domain::search::ports::{Hit, Hits, IndexQuery, SearchSort, TicketIndex};
use tantivy::collector::{Count, TopDocs};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DateTime, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument};

use schema::Fields;

/// Memory for one tenant's writer (tantivy's floor per thread is 15 MB).
const WRITER_BYTES: usize = 20_000_000;

/// Where the tenants' indexes live.
#[derive(Clone)]
enum Storage {
    Memory,
    Directory(PathBuf),
}

/// The indexes of every tenant this process has opened.
#[derive(Clone)]
pub struct TantivyIndexes {
    storage: Storage,
    open: Arc<Mutex<HashMap<TenantId, Arc<TenantIndex>>>>,
}

struct TenantIndex {
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    fields: Fields,
}

fn engine(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("search index: {e}"))
}

impl TantivyIndexes {
    /// Indexes in memory (tests; a process's scratch).
    pub fn in_memory() -> Self {
        Self::with(Storage::Memory)
    }

    /// Indexes under `root`, a directory per tenant.
    pub fn in_directory(root: impl Into<PathBuf>) -> Self {
        Self::with(Storage::Directory(root.into()))
    }

    fn with(storage: Storage) -> Self {
        Self {
            storage,
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn tenant(&self, tenant: TenantId) -> StoreResult<Arc<TenantIndex>> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = open.get(&tenant) {
            return Ok(found.clone());
        }
        let (schema, fields) = schema::build();
        let index = match &self.storage {
            Storage::Memory => Index::create_in_ram(schema),
            Storage::Directory(root) => {
                let dir = root.join(tenant.ulid().to_string().to_lowercase());
                std::fs::create_dir_all(&dir).map_err(engine)?;
                let directory = tantivy::directory::MmapDirectory::open(&dir).map_err(engine)?;
                Index::open_or_create(directory, schema).map_err(engine)?
            }
        };
        let writer = index
            .writer_with_num_threads(1, WRITER_BYTES)
            .map_err(engine)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(engine)?;
        let opened = Arc::new(TenantIndex {
            writer: Mutex::new(writer),
            reader,
            fields,
        });
        open.insert(tenant, opened.clone());
        Ok(opened)
    }
}

impl TenantIndex {
    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn commit(&self, writer: &mut IndexWriter) -> StoreResult<()> {
        writer.commit().map_err(engine)?;
        self.reader.reload().map_err(engine)
    }
}

impl TicketIndex for TantivyIndexes {
    async fn put(&self, tenant: TenantId, documents: &[TicketDocument]) -> StoreResult<()> {
        let t = self.tenant(tenant)?;
        let searcher = t.reader.searcher();
        let mut writer = t.writer();
        for document in documents {
            let indexed = documents::indexed_version(&searcher, &t.fields, document.ticket_id)?;
            if indexed.is_some_and(|v| v > document.version) {
                continue;
            }
            writer.delete_term(documents::id_term(&t.fields, document.ticket_id));
            writer
                .add_document(documents::write(&t.fields, document))
                .map_err(engine)?;
        }
        t.commit(&mut writer)
    }

    async fn remove(&self, tenant: TenantId, tickets: &[TicketId]) -> StoreResult<()> {
        let t = self.tenant(tenant)?;
        let mut writer = t.writer();
        for id in tickets {
            writer.delete_term(documents::id_term(&t.fields, *id));
        }
        t.commit(&mut writer)
    }

    async fn search(&self, tenant: TenantId, query: &IndexQuery) -> StoreResult<Hits> {
        let t = self.tenant(tenant)?;
        let searcher = t.reader.searcher();
        let built = queries::build(&t.fields, query);
        let page = TopDocs::with_limit(query.limit.max(1)).and_offset(query.offset);
        let order = if query.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        let (found, total): (Vec<(f32, tantivy::DocAddress)>, usize) = match query.sort {
            SearchSort::Relevance => searcher
                .search(&built, &(page.order_by_score(), Count))
                .map_err(engine)?,
            SearchSort::Updated | SearchSort::Created => {
                let field = if query.sort == SearchSort::Updated {
                    schema::UPDATED
                } else {
                    schema::CREATED
                };
                let (docs, total) = searcher
                    .search(
                        &built,
                        &(page.order_by_fast_field::<DateTime>(field, order), Count),
                    )
                    .map_err(engine)?;
                (docs.into_iter().map(|(_, a)| (0.0, a)).collect(), total)
            }
        };
        // Snippets from the text the query may reach: its text part only.
        let text = queries::text_only(&t.fields, query);
        let generator = |field| -> StoreResult<Option<SnippetGenerator>> {
            match &text {
                Some(q) => SnippetGenerator::create(&searcher, q.as_ref(), field)
                    .map(Some)
                    .map_err(engine),
                None => Ok(None),
            }
        };
        let subjects = generator(t.fields.subject)?;
        let mut passages = vec![generator(t.fields.public)?];
        if query.scope == switchboard_domain::search::ports::Scope::Staff {
            passages.push(generator(t.fields.internal)?);
        }
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            let doc: TantivyDocument = searcher.doc(address).map_err(engine)?;
            let Some(ticket_id) = doc
                .get_first(t.fields.id)
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse::<TicketId>().ok())
            else {
                continue;
            };
            // HTML-escaped text with the matches in `<em>`.
            let highlight = |g: &Option<SnippetGenerator>| {
                g.as_ref()
                    .map(|g| g.snippet_from_doc(&doc))
                    .filter(|s| !s.is_empty())
                    .map(|mut s| {
                        s.set_snippet_prefix_postfix("<em>", "</em>");
                        s.to_html()
                    })
            };
            hits.push(Hit {
                ticket_id,
                score,
                subject: highlight(&subjects),
                snippet: passages.iter().find_map(highlight),
            });
        }
        Ok(Hits { hits, total })
    }
}
