//! The jobs worker's side: takes a job up, runs its work with progress,
//! and records how it ended.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::ports::{OrganizationStore, UserStore};
use crate::attachments::ports::{AttachmentStore, ObjectStore};
use crate::email::ports::MessageLog;
use crate::jobs::job::{Job, JobStatus, Progress, Work};
use crate::jobs::ports::JobStore;
use crate::kernel::error::StoreError;
use crate::kernel::ids::{JobId, TenantId};
use crate::kernel::pagination::PageRequest;
use crate::privacy::ports::{ErasureStore, ExportFiles, MailArchive};
use crate::search::ports::{IndexQueue, IndexTask};
use crate::tickets::ports::{TicketListQuery, TicketStore};
use crate::tickets::ticket::Ticket;

/// How long an erasure job waits for its person's tombstone (written just
/// after the job) before it is taken for the leftover of a failed request.
pub const ORPHAN_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// The time, as the worker reads it (a test clock in tests).
pub type Now = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// What the runner reads and writes in the table: one name for the
/// bounds its work shares (every store that has them all has it).
pub trait RunnerStore:
    JobStore + UserStore + OrganizationStore + TicketStore + AttachmentStore + MessageLog + ErasureStore
{
}

impl<T> RunnerStore for T where
    T: JobStore
        + UserStore
        + OrganizationStore
        + TicketStore
        + AttachmentStore
        + MessageLog
        + ErasureStore
{
}

/// Runs personal-data jobs.
pub struct JobRunner<S, O, F, A> {
    pub(crate) store: S,
    pub(crate) objects: O,
    pub(crate) files: F,
    pub(crate) archive: A,
    pub(crate) now: Now,
    /// Where search rebuilds go (the indexer runs them), and the tickets
    /// an erasure changed, when wired.
    pub(crate) index_queue: Option<Arc<dyn IndexQueue>>,
}

/// What became of a job handed to the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    Done,
    Failed(String),
    /// Finished before (a redelivery), or taken up by another worker.
    Skipped,
    /// Handed to the worker that runs it (a search rebuild).
    HandedOver,
}

/// Why a job cannot run yet: the worker tries again later.
#[derive(Debug, thiserror::Error)]
pub enum NotYet {
    #[error("the person is not erased yet")]
    NotErased,
    #[error(transparent)]
    Domain(#[from] DomainError),
}

impl<S, O, F, A> JobRunner<S, O, F, A>
where
    S: RunnerStore,
    O: ObjectStore,
    F: ExportFiles,
    A: MailArchive,
{
    pub fn new(store: S, objects: O, files: F, archive: A, now: Now) -> Self {
        Self {
            store,
            objects,
            files,
            archive,
            now,
            index_queue: None,
        }
    }

    /// Hands search rebuilds to the indexer's queue.
    pub fn with_index_queue(mut self, queue: Arc<dyn IndexQueue>) -> Self {
        self.index_queue = Some(queue);
        self
    }

    /// Runs job `id` to its end. A failure of storage is returned (the
    /// worker is retried; the work is safe to repeat); a failure of the
    /// work itself is recorded on the job.
    pub async fn run(&self, tenant: TenantId, id: JobId) -> Result<Ran, NotYet> {
        let Some(mut job) = self
            .store
            .job(tenant, id)
            .await
            .map_err(DomainError::from)?
        else {
            return Ok(Ran::Skipped);
        };
        if job.work == Work::SearchRebuild {
            return self.hand_over(job).await;
        }
        if let Work::PersonErasure { user_id, .. } = job.work
            && !job.status.is_finished()
        {
            let person = self
                .store
                .user(tenant, user_id)
                .await
                .map_err(DomainError::from)?;
            match person.and_then(|p| p.erasure) {
                Some(e) if e.job_id == job.id => {}
                // Another request's job erased them: this one is void.
                Some(_) => {
                    let expected = job.version;
                    job.abandon("the person was erased by another request", (self.now)());
                    self.save(&job, expected).await?;
                    return Ok(Ran::Failed("superseded".into()));
                }
                // Its request failed after recording it: once that is
                // certain, the job forgets the address and ends.
                None if job.created_at + ORPHAN_AFTER < (self.now)() => {
                    let expected = job.version;
                    job.abandon("the erasure was not written", (self.now)());
                    self.save(&job, expected).await?;
                    return Ok(Ran::Failed("not erased".into()));
                }
                None => return Err(NotYet::NotErased),
            }
        }
        let expected = job.version;
        if !job.start((self.now)()) {
            return Ok(Ran::Skipped);
        }
        if !self.save(&job, expected).await? {
            return Ok(Ran::Skipped);
        }
        if job.status == JobStatus::Failed {
            return Ok(Ran::Failed(job.error.clone().unwrap_or_default()));
        }
        let mut tracker = Tracker {
            store: &self.store,
            job,
        };
        let outcome = match tracker.job.work.clone() {
            Work::PersonExport { user_id } => {
                self.export(&mut tracker, tenant, user_id).await.map(Some)
            }
            Work::PersonErasure {
                user_id,
                address,
                organization_id,
            } => self
                .erase(&mut tracker, tenant, user_id, address, organization_id)
                .await
                .map(|()| None),
            // Handed over above.
            Work::SearchRebuild => Ok(None),
        };
        let mut job = tracker.job;
        let expected = job.version;
        let ran = match outcome {
            Ok(file) => {
                job.finish(file, (self.now)());
                Ran::Done
            }
            Err(e) if retryable(&e) => return Err(e.into()),
            Err(e) => {
                // The caller reads the job: a plain reason; the cause goes
                // to the worker's log.
                job.fail("the job could not finish; ask again to retry", (self.now)());
                Ran::Failed(e.to_string())
            }
        };
        self.save(&job, expected).await?;
        Ok(ran)
    }

    /// A rebuild runs in the indexer, in the tenant's turn with its other
    /// index writes; the job id deduplicates a second hand-over.
    async fn hand_over(&self, mut job: Job) -> Result<Ran, NotYet> {
        if job.status != JobStatus::Queued {
            return Ok(Ran::Skipped);
        }
        let Some(queue) = &self.index_queue else {
            let expected = job.version;
            job.fail("search is not set up here", (self.now)());
            self.save(&job, expected).await?;
            return Ok(Ran::Failed("no search queue".into()));
        };
        let task = IndexTask::Rebuild {
            tenant_id: job.tenant_id,
            job_id: job.id,
        };
        queue
            .send(task, job.id.to_string())
            .await
            .map_err(DomainError::from)?;
        Ok(Ran::HandedOver)
    }

    /// Saves the job; `false` when another worker changed it meanwhile.
    async fn save(&self, job: &Job, expected: u64) -> Result<bool, NotYet> {
        match self.store.save_job(job, expected).await {
            Ok(()) => Ok(true),
            Err(StoreError::VersionMismatch) => Ok(false),
            Err(e) => Err(DomainError::from(e).into()),
        }
    }
}

/// Failures another try may not repeat: storage being unavailable, or
/// an object changed under the job (a ticket edited as it was erased).
fn retryable(e: &DomainError) -> bool {
    matches!(
        e,
        DomainError::Store(StoreError::Unavailable(_)) | DomainError::PreconditionFailed
    )
}

/// A running job's progress, saved as it goes.
pub(crate) struct Tracker<'a, S> {
    store: &'a S,
    pub(crate) job: Job,
}

impl<S: JobStore> Tracker<'_, S> {
    /// Records `done` of `total` steps; saved every few steps and at the
    /// end. Another worker having taken the job over stops this one.
    pub(crate) async fn step(&mut self, done: u64, total: u64) -> Result<(), DomainError> {
        let expected = self.job.version;
        self.job.advance(Progress {
            done,
            total: Some(total),
        });
        if done == total || done.is_multiple_of(10) {
            self.store
                .save_job(&self.job, expected)
                .await
                .map_err(DomainError::from)?;
        } else {
            // Not saved: the stored version stays.
            self.job.version = expected;
        }
        Ok(())
    }
}

/// Every ticket a list query finds that `keep` keeps, across pages.
pub(crate) async fn all_tickets<S: TicketStore>(
    store: &S,
    tenant: TenantId,
    query: &TicketListQuery,
    keep: impl Fn(&Ticket) -> bool,
    into: &mut Vec<Ticket>,
    seen: &mut BTreeSet<crate::kernel::ids::TicketId>,
) -> Result<(), DomainError> {
    let mut page = PageRequest {
        limit: PageRequest::MAX_LIMIT,
        cursor: None,
    };
    loop {
        let found = store.list_tickets(tenant, query, &page).await?;
        for t in found.items {
            if keep(&t) && seen.insert(t.id) {
                into.push(t);
            }
        }
        match found.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => return Ok(()),
        }
    }
}
