//! A job and its progress.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::accounts::user::Email;
use crate::kernel::events::Actor;
use crate::kernel::ids::{JobId, OrganizationId, TenantId, UserId};

/// What a job does, with what it needs to do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Work {
    /// A copy of a person's data: their profile, their tickets' public
    /// conversation, links to their files.
    PersonExport { user_id: UserId },
    /// Erases what a person wrote and uploaded, after their account was
    /// made a tombstone. `address` and `organization_id` are what the
    /// person had (to find the tickets they were copied on or shared);
    /// the job forgets them when it is done.
    PersonErasure {
        user_id: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<Email>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        organization_id: Option<OrganizationId>,
    },
    /// A tenant's search index rebuilt from the table (the search indexer
    /// runs it, in the tenant's turn with its other index writes).
    SearchRebuild,
}

impl Work {
    pub fn name(&self) -> &'static str {
        match self {
            Work::PersonExport { .. } => "person_export",
            Work::PersonErasure { .. } => "person_erasure",
            Work::SearchRebuild => "search_rebuild",
        }
    }

    /// The person the job is about, if it is about one.
    pub fn person(&self) -> Option<UserId> {
        match self {
            Work::PersonExport { user_id } | Work::PersonErasure { user_id, .. } => Some(*user_id),
            Work::SearchRebuild => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Failed)
    }
}

/// How far a job is: `done` of `total` steps (`total` once known).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub done: u64,
    pub total: Option<u64>,
}

/// How many times a worker starts a job before it is failed for good.
pub const MAX_ATTEMPTS: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub tenant_id: TenantId,
    pub work: Work,
    /// Who asked for it (the audit trail keeps the job).
    pub requested_by: Actor,
    pub status: JobStatus,
    pub progress: Progress,
    /// Where the result is kept (an export's file), once done.
    pub file: Option<String>,
    /// Why it failed, in words for the caller.
    pub error: Option<String>,
    pub attempts: u32,
    /// Where a job that runs over several invocations stands (in its
    /// work's own terms: a search rebuild's list position).
    pub checkpoint: Option<String>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub version: u64,
}

impl Job {
    pub fn new(id: JobId, tenant_id: TenantId, work: Work, by: Actor, now: Timestamp) -> Self {
        Self {
            id,
            tenant_id,
            work,
            requested_by: by,
            status: JobStatus::Queued,
            progress: Progress::default(),
            file: None,
            error: None,
            attempts: 0,
            checkpoint: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            version: 1,
        }
    }

    /// A worker takes the job up (again, after a crash: the work is safe
    /// to repeat). `false` when it is finished or out of attempts.
    pub fn start(&mut self, now: Timestamp) -> bool {
        if self.status.is_finished() {
            return false;
        }
        if self.attempts >= MAX_ATTEMPTS {
            self.fail("it was interrupted too many times", now);
            return true;
        }
        self.attempts += 1;
        self.status = JobStatus::Running;
        self.started_at.get_or_insert(now);
        self.progress = Progress::default();
        self.version += 1;
        true
    }

    pub fn advance(&mut self, progress: Progress) {
        self.progress = progress;
        self.version += 1;
    }

    pub fn finish(&mut self, file: Option<String>, now: Timestamp) {
        self.status = JobStatus::Done;
        self.checkpoint = None;
        self.file = file;
        self.finished_at = Some(now);
        if let Some(total) = self.progress.total {
            self.progress.done = total;
        }
        self.forget_personal_data();
        self.version += 1;
    }

    /// Fails the job; its work stays, so that asking again retries it.
    pub fn fail(&mut self, reason: &str, now: Timestamp) {
        self.status = JobStatus::Failed;
        self.error = Some(reason.to_owned());
        self.finished_at = Some(now);
        self.version += 1;
    }

    /// Fails a job that will never run (its request did not happen), and
    /// forgets the personal data it held.
    pub fn abandon(&mut self, reason: &str, now: Timestamp) {
        self.fail(reason, now);
        self.forget_personal_data();
    }

    /// A new job doing this one's work again (a failed one, asked again).
    pub fn retry(&self, id: JobId, by: Actor, now: Timestamp) -> Job {
        Job::new(id, self.tenant_id, self.work.clone(), by, now)
    }

    /// An erasure keeps the address only while it needs it.
    fn forget_personal_data(&mut self) {
        if let Work::PersonErasure {
            address,
            organization_id,
            ..
        } = &mut self.work
        {
            *address = None;
            *organization_id = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn erasure() -> Job {
        Job::new(
            JobId::new(),
            TenantId::new(),
            Work::PersonErasure {
                user_id: UserId::new(),
                address: Email::parse("ana@example.com").ok(),
                organization_id: Some(OrganizationId::new()),
            },
            Actor::system(),
            Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn a_finished_erasure_forgets_the_address_and_cannot_start_again() {
        let mut job = erasure();
        assert!(job.start(Timestamp::UNIX_EPOCH));
        job.advance(Progress {
            done: 1,
            total: Some(4),
        });
        job.finish(None, Timestamp::UNIX_EPOCH);
        assert_eq!(job.status, JobStatus::Done);
        assert_eq!(job.progress.done, 4);
        assert!(matches!(
            job.work,
            Work::PersonErasure {
                address: None,
                organization_id: None,
                ..
            }
        ));
        assert!(!job.start(Timestamp::UNIX_EPOCH));
    }

    #[test]
    fn a_failed_job_keeps_its_work_for_a_retry_and_an_abandoned_one_forgets_it() {
        let mut failed = erasure();
        failed.fail("storage failed", Timestamp::UNIX_EPOCH);
        let again = failed.retry(JobId::new(), Actor::system(), Timestamp::UNIX_EPOCH);
        assert_eq!(
            (again.work.clone(), again.status),
            (failed.work.clone(), JobStatus::Queued)
        );
        assert_ne!(again.id, failed.id);
        failed.abandon("never erased", Timestamp::UNIX_EPOCH);
        assert!(matches!(
            failed.work,
            Work::PersonErasure { address: None, .. }
        ));
    }

    #[test]
    fn a_job_interrupted_too_often_fails() {
        let mut job = erasure();
        for _ in 0..MAX_ATTEMPTS {
            assert!(job.start(Timestamp::UNIX_EPOCH));
            assert_eq!(job.status, JobStatus::Running);
        }
        assert!(job.start(Timestamp::UNIX_EPOCH));
        assert_eq!(job.status, JobStatus::Failed);
        assert!(!job.start(Timestamp::UNIX_EPOCH));
    }
}
