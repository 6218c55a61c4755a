//! Rebuilding a tenant's index from the table: the operator's remedy for
//! a lost or damaged index, and how tickets written before search existed
//! become searchable. A job, so its progress can be followed; run by the
//! indexer in the tenant's turn, so no other write to the index races it;
//! a large tenant's rebuild runs over several invocations, each continuing
//! from the position the last one saved.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::accounts::ports::{TeamStore, TenantStore, UserStore};
use crate::attachments::ports::AttachmentStore;
use crate::jobs::job::{Job, JobStatus, MAX_ATTEMPTS, Progress, Work};
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

/// How a rebuild's invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rebuilt {
    /// Finished (or failed, or was not to run): nothing more to do.
    Over,
    /// Out of time: hand the job to the indexer again, which continues
    /// from where it stands (`done` documents written so far).
    Continue { done: u64 },
}

/// Where a rebuild stands between invocations: the list it is writing
/// (tickets, then people) and the position in it, and how many times it
/// was resumed there without getting further.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Checkpoint {
    people: bool,
    cursor: Option<String>,
    done: u64,
    tries: u32,
}

impl<S, I> Search<S, I>
where
    S: UserStore + TeamStore + TicketStore + FieldSchemaStore + AttachmentStore + JobStore,
    I: TicketIndex + PeopleIndex,
{
    /// Runs rebuild job `job` for up to `budget`: a first run empties the
    /// indexes, then every ticket's document and every person's is written
    /// a page (one commit) at a time, each page saving the job's progress
    /// and position. Out of time, it stops after a page and says to
    /// continue; the next run (or a redelivery after a crash) resumes from
    /// the saved position, and one resumed there more than
    /// [`MAX_ATTEMPTS`] times without getting further fails the job.
    pub async fn rebuild(
        &self,
        tenant: TenantId,
        job: JobId,
        now: impl Fn() -> Timestamp,
        budget: SignedDuration,
    ) -> Result<Rebuilt, DomainError> {
        let Some(mut job) = self.store().job(tenant, job).await? else {
            return Ok(Rebuilt::Over);
        };
        if job.status.is_finished() {
            return Ok(Rebuilt::Over);
        }
        let started = now();
        let saved = job
            .checkpoint
            .as_deref()
            .and_then(|c| serde_json::from_str::<Checkpoint>(c).ok());
        let mut at = match saved {
            None => {
                let expected = job.version;
                if !job.start(started) {
                    return Ok(Rebuilt::Over);
                }
                self.store().save_job(&job, expected).await?;
                if job.status == JobStatus::Failed {
                    return Ok(Rebuilt::Over);
                }
                self.index().clear(tenant).await?;
                self.index().clear_people(tenant).await?;
                Checkpoint::default()
            }
            Some(mut at) => {
                at.tries += 1;
                let expected = job.version;
                if at.tries > MAX_ATTEMPTS {
                    job.fail("a page of the rebuild kept failing", started);
                } else {
                    job.checkpoint = Some(checkpoint(&at)?);
                    job.version += 1;
                }
                self.store().save_job(&job, expected).await?;
                if job.status == JobStatus::Failed {
                    return Ok(Rebuilt::Over);
                }
                at
            }
        };
        loop {
            let page = PageRequest {
                limit: PageRequest::MAX_LIMIT,
                cursor: at.cursor.clone(),
            };
            let (written, next) = if at.people {
                self.people_page(tenant, &page).await?
            } else {
                self.tickets_page(tenant, &page).await?
            };
            at.done += written;
            at.tries = 0;
            at.cursor = next;
            if at.cursor.is_none() {
                if at.people {
                    let expected = job.version;
                    job.progress.total = Some(at.done);
                    job.finish(None, now());
                    return match self.store().save_job(&job, expected).await {
                        Ok(()) | Err(StoreError::VersionMismatch) => Ok(Rebuilt::Over),
                        Err(e) => Err(e.into()),
                    };
                }
                at.people = true;
            }
            let expected = job.version;
            job.checkpoint = Some(checkpoint(&at)?);
            job.advance(Progress {
                done: at.done,
                total: None,
            });
            self.store().save_job(&job, expected).await?;
            if now().duration_since(started) >= budget {
                return Ok(Rebuilt::Continue { done: at.done });
            }
        }
    }

    /// Writes one page of tickets: how many, and where the next starts.
    async fn tickets_page(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> Result<(u64, Option<String>), DomainError> {
        let query = TicketListQuery {
            dimension: TicketDimension::All,
            copied: None,
            filters: TicketFilters::default(),
            sort: TicketSort::CreatedAt,
            descending: false,
        };
        let found = self.store().list_tickets(tenant, &query, page).await?;
        let mut documents = Vec::with_capacity(found.items.len());
        for ticket in &found.items {
            documents.push(self.document(ticket).await?);
        }
        self.index().put(tenant, &documents).await?;
        Ok((documents.len() as u64, found.next_cursor))
    }

    /// Writes one page of people: how many, and where the next starts.
    async fn people_page(
        &self,
        tenant: TenantId,
        page: &PageRequest,
    ) -> Result<(u64, Option<String>), DomainError> {
        let found = self.store().list_users(tenant, None, page).await?;
        let people: Vec<PersonDocument> =
            found.items.iter().filter_map(PersonDocument::of).collect();
        self.index().put_people(tenant, &people).await?;
        Ok((found.items.len() as u64, found.next_cursor))
    }
}

fn checkpoint(at: &Checkpoint) -> Result<String, DomainError> {
    serde_json::to_string(at).map_err(|e| DomainError::Internal(e.to_string()))
}
