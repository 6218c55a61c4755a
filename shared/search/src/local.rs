//! Indexes held by one process: in memory, or in a local directory.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::ids::{TenantId, TicketId, UserId};
use switchboard_domain::search::document::TicketDocument;
use switchboard_domain::search::person::{PeopleHits, PeopleQuery, PersonDocument};
use switchboard_domain::search::ports::{Hits, IndexQuery, PeopleIndex, TicketIndex};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy};

use crate::{Kind, PerIndex, WRITER_BYTES, documents, engine, people, schema, searching};

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
    open: PerIndex<Arc<TenantIndex>>,
}

pub(crate) struct TenantIndex {
    pub(crate) index: Index,
    /// Opened on the first write: a process that only searches holds no
    /// writer's lock.
    writer: Mutex<Option<IndexWriter>>,
    pub(crate) reader: IndexReader,
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

    pub(crate) fn tenant(&self, kind: Kind, tenant: TenantId) -> StoreResult<Arc<TenantIndex>> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = open.get(&(kind, tenant)) {
            return Ok(found.clone());
        }
        let schema = kind.schema();
        let index = match &self.storage {
            Storage::Memory => Index::create_in_ram(schema),
            Storage::Directory(root) => {
                let dir = root.join(kind.dir_name(tenant));
                std::fs::create_dir_all(&dir).map_err(engine)?;
                let directory = tantivy::directory::MmapDirectory::open(&dir).map_err(engine)?;
                Index::open_or_create(directory, schema).map_err(engine)?
            }
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(engine)?;
        let opened = Arc::new(TenantIndex {
            index,
            writer: Mutex::new(None),
            reader,
        });
        open.insert((kind, tenant), opened.clone());
        Ok(opened)
    }
}

impl TenantIndex {
    /// Runs `change` with the index's writer, then commits it.
    pub(crate) fn write(
        &self,
        change: impl FnOnce(&mut IndexWriter) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let mut slot = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(
                self.index
                    .writer_with_num_threads(1, WRITER_BYTES)
                    .map_err(engine)?,
            );
        }
        let Some(writer) = slot.as_mut() else {
            return Err(engine("no writer"));
        };
        change(writer)?;
        writer.commit().map_err(engine)?;
        self.reader.reload().map_err(engine)
    }

    pub(crate) fn clear(&self) -> StoreResult<()> {
        self.write(|writer| writer.delete_all_documents().map(|_| ()).map_err(engine))
    }
}

impl TicketIndex for TantivyIndexes {
    async fn put(&self, tenant: TenantId, documents: &[TicketDocument]) -> StoreResult<()> {
        let t = self.tenant(Kind::Tickets, tenant)?;
        let searcher = t.reader.searcher();
        let (_, fields) = schema::build();
        t.write(|writer| documents::apply(writer, &searcher, &fields, documents))
    }

    async fn remove(&self, tenant: TenantId, tickets: &[TicketId]) -> StoreResult<()> {
        let t = self.tenant(Kind::Tickets, tenant)?;
        let (_, fields) = schema::build();
        t.write(|writer| {
            for id in tickets {
                writer.delete_term(documents::id_term(&fields, *id));
            }
            Ok(())
        })
    }

    async fn clear(&self, tenant: TenantId) -> StoreResult<()> {
        self.tenant(Kind::Tickets, tenant)?.clear()
    }

    async fn search(&self, tenant: TenantId, query: &IndexQuery) -> StoreResult<Hits> {
        let t = self.tenant(Kind::Tickets, tenant)?;
        searching::search(&t.reader.searcher(), &schema::build().1, query)
    }

    async fn count_many(
        &self,
        tenant: TenantId,
        queries: &[IndexQuery],
    ) -> StoreResult<Vec<usize>> {
        let t = self.tenant(Kind::Tickets, tenant)?;
        let (searcher, fields) = (t.reader.searcher(), schema::build().1);
        queries
            .iter()
            .map(|q| searching::count(&searcher, &fields, q))
            .collect()
    }
}

impl PeopleIndex for TantivyIndexes {
    async fn put_people(&self, tenant: TenantId, found: &[PersonDocument]) -> StoreResult<()> {
        let t = self.tenant(Kind::People, tenant)?;
        t.write(|writer| people::apply(writer, found))
    }

    async fn remove_people(&self, tenant: TenantId, ids: &[UserId]) -> StoreResult<()> {
        let t = self.tenant(Kind::People, tenant)?;
        t.write(|writer| {
            people::remove(writer, ids);
            Ok(())
        })
    }

    async fn clear_people(&self, tenant: TenantId) -> StoreResult<()> {
        self.tenant(Kind::People, tenant)?.clear()
    }

    async fn search_people(
        &self,
        tenant: TenantId,
        query: &PeopleQuery,
    ) -> StoreResult<PeopleHits> {
        let t = self.tenant(Kind::People, tenant)?;
        people::search(&t.index, &t.reader.searcher(), query)
    }
}
