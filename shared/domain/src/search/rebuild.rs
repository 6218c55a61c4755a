//! Rebuilding a tenant's index from the table: the operator's remedy for
//! a lost or damaged index, and how tickets written before search existed
//! become searchable. A job, so its progress can be followed; run by the
//! indexer in the tenant's turn, so no other write to the index races it.

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::ports::{TeamStore, TenantStore, UserStore};
use crate::attachments::ports::AttachmentStore;
use crate::jobs::job::{Job, JobStatus, Progress, Work};
use crate::jobs::ports::JobStore;
use crate::kernel::error::StoreError;
use crate::kernel::events::Actor;
use crate::kernel::ids::{JobId, TenantId};
use crate::kernel::pagination::PageRequest;
use crate::search::person::PersonDocument;
use crate::search::ports::{PeopleIndex, TicketIndex};
use crate::search::service::Search;
use crate::tickets::ports::{
    FieldSchemaStore, TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore,
};

/// Records a rebuild of `tenant`'s index, asked by the operator. Writing
/// the job starts it (the jobs worker hands it to the indexer).
pub async fn request_rebuild<S: TenantStore + JobStore>(
    store: &S,
    tenant: TenantId,
    now: Timestamp,
) -> Result<Job, DomainError> {
    store.tenant(tenant).await?.ok_or(DomainError::NotFound)?;
    let job = Job::new(
        JobId::new(),
        tenant,
        Work::SearchRebuild,
        Actor::operator(),
        now,
    );
    store.create_job(&job, &[]).await?;
    Ok(job)
}

/// A rebuild job of `tenant`, if `id` is one.
pub async fn rebuild_job<S: JobStore>(
    store: &S,
    tenant: TenantId,
    id: JobId,
) -> Result<Job, DomainError> {
    store
        .job(tenant, id)
        .await?
        .filter(|j| j.work == Work::SearchRebuild)
        .ok_or(DomainError::NotFound)
}

impl<S, I> Search<S, I>
where
    S: UserStore + TeamStore + TicketStore + FieldSchemaStore + AttachmentStore + JobStore,
    I: TicketIndex + PeopleIndex,
{
    /// Runs rebuild job `job`: empties the indexes, then writes every
    /// ticket's document and every person's, a page (one commit) at a
    /// time, saving the progress (documents written). Run again after an
    /// interruption, it starts over (each start is an attempt).
    pub async fn rebuild(
        &self,
        tenant: TenantId,
        job: JobId,
        now: impl Fn() -> Timestamp,
    ) -> Result<(), DomainError> {
        let Some(mut job) = self.store().job(tenant, job).await? else {
            return Ok(());
        };
        let expected = job.version;
        if !job.start(now()) {
            return Ok(());
        }
        self.store().save_job(&job, expected).await?;
        if job.status == JobStatus::Failed {
            return Ok(());
        }
        self.index().clear(tenant).await?;
        self.index().clear_people(tenant).await?;
        let query = TicketListQuery {
            dimension: TicketDimension::All,
            copied: None,
            filters: TicketFilters::default(),
            sort: TicketSort::CreatedAt,
            descending: false,
        };
        let mut page = PageRequest {
            limit: PageRequest::MAX_LIMIT,
            cursor: None,
        };
        let mut done = 0;
        loop {
            let found = self.store().list_tickets(tenant, &query, &page).await?;
            let mut documents = Vec::with_capacity(found.items.len());
            for ticket in &found.items {
                documents.push(self.document(ticket).await?);
            }
            // One commit a page.
            self.index().put(tenant, &documents).await?;
            done += documents.len() as u64;
            let expected = job.version;
            job.advance(Progress { done, total: None });
            self.store().save_job(&job, expected).await?;
            match found.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        let mut page = PageRequest {
            limit: PageRequest::MAX_LIMIT,
            cursor: None,
        };
        loop {
            let found = self.store().list_users(tenant, None, &page).await?;
            let people: Vec<PersonDocument> =
                found.items.iter().filter_map(PersonDocument::of).collect();
            self.index().put_people(tenant, &people).await?;
            done += found.items.len() as u64;
            let expected = job.version;
            job.advance(Progress { done, total: None });
            self.store().save_job(&job, expected).await?;
            match found.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        let expected = job.version;
        job.progress.total = Some(done);
        job.finish(None, now());
        match self.store().save_job(&job, expected).await {
            Ok(()) | Err(StoreError::VersionMismatch) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
