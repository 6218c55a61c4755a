//! Asking for a person's export or erasure, and following the job.

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::events::PersonalDataJob;
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::UserStore;
use crate::accounts::user::User;
use crate::attachments::attachment::PresignedRequest;
use crate::jobs::job::{Job, JobStatus, Work};
use crate::jobs::ports::JobStore;
use crate::kernel::error::{FieldError, StoreError};
use crate::kernel::events::{DomainEvent, EventType, Subject};
use crate::kernel::ids::{JobId, UserId};
use crate::privacy::ports::ExportFiles;
use crate::privacy::tombstone;

/// Requests about personal data, as the API serves them.
pub struct PersonalData<S, F> {
    store: S,
    files: F,
}

impl<S: UserStore + JobStore, F: ExportFiles> PersonalData<S, F> {
    pub fn new(store: S, files: F) -> Self {
        Self { store, files }
    }

    /// Starts a copy of person `id`'s data. Admins may ask for anyone's;
    /// everyone else only for their own.
    pub async fn request_export(
        &self,
        principal: &Principal,
        id: UserId,
        now: Timestamp,
    ) -> Result<Job, DomainError> {
        principal.require(Action::ExportPersonalData)?;
        if !principal.role().is_admin() && principal.user_id() != Some(id) {
            // Customers cannot tell others from no one.
            return Err(if principal.role().is_staff() {
                DomainError::Forbidden
            } else {
                DomainError::NotFound
            });
        }
        let user = self.person(principal, id).await?;
        let job = Job::new(
            JobId::new(),
            user.tenant_id,
            Work::PersonExport { user_id: user.id },
            principal.actor(),
            now,
        );
        let event = announce(EventType::UserExportRequested, &user, &job, principal, now);
        self.store.create_job(&job, &[event]).await?;
        Ok(job)
    }

    /// Erases customer `id`'s personal data: their account becomes a
    /// tombstone now; a job erases what they wrote. `confirm` must be the
    /// person's address. Asking again once they are erased changes
    /// nothing and answers with the same job, unless that job failed: then
    /// a new one does its work again.
    pub async fn erase(
        &self,
        principal: &Principal,
        id: UserId,
        confirm: &str,
        now: Timestamp,
    ) -> Result<Job, DomainError> {
        principal.require(Action::ErasePersonalData)?;
        let mut user = self.person(principal, id).await?;
        if let Some(erasure) = user.erasure {
            return self
                .erased_before(principal, user, erasure.job_id, now)
                .await;
        }
        if user.role.is_staff() {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "id",
                "not_a_customer",
                "only customers' data is erased; staff accounts are deactivated, and their work stays with the helpdesk",
            )]));
        }
        if !confirm.trim().eq_ignore_ascii_case(user.email.as_str()) {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "confirm",
                "mismatch",
                "must be the person's email address, to confirm an erasure that cannot be undone",
            )]));
        }
        let job = Job::new(
            JobId::new(),
            user.tenant_id,
            Work::PersonErasure {
                user_id: user.id,
                address: Some(user.email.clone()),
                organization_id: user.organization_id,
            },
            principal.actor(),
            now,
        );
        // The job first: the worker starts only once the person is a
        // tombstone naming it, so a job whose erasure never happened does
        // nothing, and an erased person always has their job.
        self.store.create_job(&job, &[]).await?;
        let expected = user.version;
        let previous = user.email.clone();
        tombstone::erase(&mut user, job.id, now);
        let event = announce(EventType::UserErased, &user, &job, principal, now);
        let written = self
            .store
            .update_user(&user, expected, Some(&previous), &[event])
            .await;
        if let Err(e) = written {
            // The job will never run: it forgets the address now (if this
            // fails too, the worker abandons it once it is old).
            let mut void = job;
            let version = void.version;
            void.abandon("the erasure was not written", now);
            let _ = self.store.save_job(&void, version).await;
            return match e {
                // Erased meanwhile by another request: that one's job.
                StoreError::VersionMismatch => match self.person(principal, id).await?.erasure {
                    Some(e) => self.existing(principal, e.job_id).await,
                    None => Err(DomainError::PreconditionFailed),
                },
                e => Err(e.into()),
            };
        }
        Ok(job)
    }

    /// Asked to erase someone erased already: their job, or, if it failed,
    /// a new one doing its work again.
    async fn erased_before(
        &self,
        principal: &Principal,
        mut user: User,
        job_id: JobId,
        now: Timestamp,
    ) -> Result<Job, DomainError> {
        let job = self.existing(principal, job_id).await?;
        if job.status != JobStatus::Failed {
            return Ok(job);
        }
        let again = job.retry(JobId::new(), principal.actor(), now);
        self.store.create_job(&again, &[]).await?;
        let expected = user.version;
        if let Some(erasure) = &mut user.erasure {
            erasure.job_id = again.id;
        }
        user.version += 1;
        user.updated_at = now;
        self.store.update_user(&user, expected, None, &[]).await?;
        Ok(again)
    }

    /// A job, to the admins and to whoever asked for it.
    pub async fn job(&self, principal: &Principal, id: JobId) -> Result<Job, DomainError> {
        let job = self
            .store
            .job(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let admin = principal.require(Action::ErasePersonalData).is_ok();
        if admin || job.requested_by == principal.actor() {
            Ok(job)
        } else {
            Err(DomainError::NotFound)
        }
    }

    /// A short-lived link to a finished job's file; none once the person
    /// it is about was erased (the erasure deletes the file too).
    pub async fn download(&self, job: &Job) -> Result<Option<PresignedRequest>, DomainError> {
        match (&job.file, job.status) {
            (Some(key), JobStatus::Done) => {
                let Some(about) = job.work.person() else {
                    return Ok(None);
                };
                let person = self.store.user(job.tenant_id, about).await?;
                if person.is_none_or(|p| p.is_erased()) {
                    return Ok(None);
                }
                let name = format!("{}-{about}.json", job.work.name());
                Ok(Some(self.files.presign_export(key, &name).await?))
            }
            _ => Ok(None),
        }
    }

    async fn person(&self, principal: &Principal, id: UserId) -> Result<User, DomainError> {
        self.store
            .user(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    async fn existing(&self, principal: &Principal, id: JobId) -> Result<Job, DomainError> {
        self.store
            .job(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }
}

/// The audit event of a request about a person (it names the job, not
/// the person's data).
fn announce(
    kind: EventType,
    user: &User,
    job: &Job,
    principal: &Principal,
    now: Timestamp,
) -> DomainEvent {
    DomainEvent::new(
        kind,
        user.tenant_id,
        now,
        principal.actor(),
        Subject {
            user_id: Some(user.id),
            ..Subject::default()
        },
        &PersonalDataJob { job_id: job.id },
    )
}
