//! The attachment use cases: presign an upload, verify and attach it (to a
//! comment or the ticket), list, download and delete, each behind the same
//! permission check as the ticket.

use crate::accounts::ports::UserStore;
use crate::accounts::ports::{OrganizationStore, TeamStore};
use crate::kernel::ports::IdempotencyStore;
use crate::tickets::ports::FieldSchemaStore;
use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::accounts::organization::SharedTickets;
use crate::accounts::permissions::{Action, Principal};
use crate::attachments::attachment::{
    Attachment, MAX_FILE_BYTES, MAX_FILES_PER_COMMENT, PresignedRequest, UPLOAD_TTL, Upload,
    check_allowed, check_size, content_disposition, parse_content_type, parse_filename,
};
use crate::attachments::ports::{AttachmentStore, ObjectStore};
use crate::kernel::error::DomainError;
use crate::kernel::idempotency::Created;
use crate::kernel::idempotency::IdempotencyKey;
use crate::kernel::ids::{AttachmentId, CommentId, TicketId, UploadId};
use crate::kernel::validation::{FieldError, Invalid, Validator};
use crate::tickets::comment::Comment;
use crate::tickets::input::NewComment;
use crate::tickets::merge::{MAX_MERGE_HOPS, merge_end};
use crate::tickets::ports::TicketStore;
use crate::tickets::service::{Access, Ticketing, customer_access, ensure_visible};
use crate::tickets::ticket::Ticket;

/// What a client declares before uploading.
#[derive(Debug, Clone, Default)]
pub struct UploadInput {
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<i64>,
}

/// A comment and the uploads to attach to it.
#[derive(Debug, Clone)]
pub struct CommentWithFiles {
    pub comment: NewComment,
    /// Upload ids (`upl_…`).
    pub uploads: Vec<String>,
}

pub struct Attachments<S, O> {
    store: S,
    objects: O,
}

impl<S, O> Attachments<S, O>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore
        + AttachmentStore
        + Clone,
    O: ObjectStore,
{
    pub fn new(store: S, objects: O) -> Self {
        Self { store, objects }
    }

    /// The ticket, if the caller may see it.
    async fn ticket_for(&self, principal: &Principal, id: TicketId) -> Result<Ticket, DomainError> {
        principal
            .require(Action::ReadTickets)
            .map_err(|_| DomainError::NotFound)?;
        let ticket = self
            .store
            .ticket(principal.tenant_id(), id)
            .await?
            .filter(|t| !t.is_deleted())
            .ok_or(DomainError::NotFound)?;
        ensure_visible(principal, &ticket)?;
        Ok(ticket)
    }

    /// Presigns an upload for a file the caller declares.
    pub async fn start_upload(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        input: UploadInput,
        now: Timestamp,
    ) -> Result<(Upload, PresignedRequest), DomainError> {
        let ticket = self.ticket_for(principal, ticket_id).await?;
        principal.require(Action::ReplyPublicly)?;
        may_add_to(principal, &ticket)?;
        let mut v = Validator::new();
        let required = |what: &str| Invalid::new("required", format!("the file's {what}"));
        let name = v.field(
            "filename",
            input
                .filename
                .ok_or_else(|| required("name"))
                .and_then(|f| parse_filename(&f)),
        );
        let content_type = v.field(
            "contentType",
            input
                .content_type
                .ok_or_else(|| required("media type"))
                .and_then(|c| parse_content_type(&c)),
        );
        let size = v.field(
            "size",
            input
                .size
                .ok_or_else(|| required("size in bytes"))
                .and_then(|s| {
                    u64::try_from(s).map_err(|_| Invalid::new("invalid", "a size in bytes"))
                })
                .and_then(|s| check_size(s, MAX_FILE_BYTES)),
        );
        if let (Some(n), Some(t)) = (&name, &content_type) {
            v.field("filename", check_allowed(n, t));
        }
        v.finish()?;
        let (Some(name), Some(content_type), Some(size)) = (name, content_type, size) else {
            return Err(DomainError::Internal("validated input went missing".into()));
        };
        let upload = Upload {
            id: UploadId::new(),
            tenant_id: ticket.tenant_id,
            ticket_id: ticket.id,
            uploaded_by: principal.actor(),
            filename: name.display,
            content_type,
            size,
            expires_at: now + UPLOAD_TTL,
        };
        self.store.put_upload(&upload).await?;
        let presigned = self.objects.presign_upload(&upload).await?;
        Ok((upload, presigned))
    }

    /// Checks uploads before anything is written: the caller's, for this
    /// ticket, uploaded, and exactly as declared. A file that differs is
    /// deleted.
    async fn verify(
        &self,
        principal: &Principal,
        ticket: &Ticket,
        raw_ids: &[String],
    ) -> Result<Vec<Upload>, DomainError> {
        if raw_ids.len() > MAX_FILES_PER_COMMENT {
            return Err(DomainError::field(
                "attachments",
                "too_many",
                format!("at most {MAX_FILES_PER_COMMENT} files"),
            ));
        }
        let mut errors = Vec::new();
        let mut uploads = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, raw) in raw_ids.iter().enumerate() {
            let field = format!("attachments.{i}");
            let mut fail =
                |code, message: &str| errors.push(FieldError::new(field.clone(), code, message));
            let Ok(id) = raw.parse::<UploadId>() else {
                fail("invalid_id", "not an upload id");
                continue;
            };
            if !seen.insert(id) {
                fail("duplicate", "listed twice");
                continue;
            }
            let Some(upload) = self
                .store
                .upload(ticket.tenant_id, id)
                .await?
                .filter(|u| u.ticket_id == ticket.id && u.uploaded_by == principal.actor())
            else {
                fail("unknown_upload", "no such upload of yours on this ticket");
                continue;
            };
            match self.objects.uploaded(&upload).await? {
                None => fail("not_uploaded", "the file has not been uploaded"),
                Some(o) if o.size != upload.size || o.content_type != upload.content_type => {
                    self.objects.discard_upload(&upload).await?;
                    fail(
                        "upload_mismatch",
                        "the file uploaded is not the one declared (size or type); it was deleted",
                    );
                }
                Some(_) => uploads.push(upload),
            }
        }
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        Ok(uploads)
    }

    /// Moves verified uploads under the ticket and records them.
    async fn register(
        &self,
        uploads: &[Upload],
        comment: Option<&Comment>,
        now: Timestamp,
    ) -> Result<Vec<Attachment>, DomainError> {
        if uploads.is_empty() {
            return Ok(Vec::new());
        }
        let mut attachments = Vec::with_capacity(uploads.len());
        for upload in uploads {
            let attachment = Attachment {
                id: AttachmentId::new(),
                tenant_id: upload.tenant_id,
                ticket_id: upload.ticket_id,
                comment_id: comment.map(|c| c.id),
                public: comment.is_none_or(|c| c.public),
                filename: upload.filename.clone(),
                content_type: upload.content_type.clone(),
                size: upload.size,
                uploaded_by: upload.uploaded_by.clone(),
                created_at: now,
            };
            self.objects.keep(upload, &attachment).await?;
            attachments.push(attachment);
        }
        self.store.attach(&attachments, uploads).await?;
        // Recorded: the uploads' objects are copies now (and expire anyway).
        for upload in uploads {
            if let Err(e) = self.objects.discard_upload(upload).await {
                tracing::warn!(error = %e, "an attached upload's object was not discarded");
            }
        }
        Ok(attachments)
    }

    /// Attaches a file to the ticket itself (no comment).
    pub async fn attach(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        upload: &str,
        now: Timestamp,
    ) -> Result<Attachment, DomainError> {
        let ticket = self.ticket_for(principal, ticket_id).await?;
        principal.require(Action::ReplyPublicly)?;
        may_add_to(principal, &ticket)?;
        let uploads = self
            .verify(principal, &ticket, std::slice::from_ref(&upload.to_owned()))
            .await
            .map_err(|e| rename_field(e, "attachments.0", "uploadId"))?;
        let mut attached = self.register(&uploads, None, now).await?;
        attached
            .pop()
            .ok_or_else(|| DomainError::Internal("nothing attached".into()))
    }

    /// Adds a comment with files: the files are verified first, so a bad
    /// one refuses the whole comment.
    pub async fn comment(
        &self,
        ticketing: &Ticketing<S>,
        principal: &Principal,
        ticket_id: TicketId,
        input: CommentWithFiles,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<(Comment, Vec<Attachment>)>, DomainError> {
        // A retry of a comment already written is its replay: its uploads
        // are attachments by now.
        if let Some(comment) = ticketing
            .replayed_comment_for(principal, ticket_id, idempotency.as_ref())
            .await?
        {
            let attached = self.files_of(&comment).await?;
            return Ok(Created::Replayed((comment, attached)));
        }
        let verified = if input.uploads.is_empty() {
            Vec::new()
        } else {
            let ticket = self.ticket_for(principal, ticket_id).await?;
            self.verify(principal, &ticket, &input.uploads).await?
        };
        let mut comment = input.comment;
        comment.files = verified.len();
        match ticketing
            .add_comment(principal, ticket_id, comment, idempotency, now)
            .await?
        {
            Created::New(comment) => {
                let attached = self.register(&verified, Some(&comment), now).await?;
                Ok(Created::New((comment, attached)))
            }
            Created::Replayed(comment) => {
                let attached = self.files_of(&comment).await?;
                Ok(Created::Replayed((comment, attached)))
            }
        }
    }

    /// Deletes (redacts) a comment and removes its files with it: what
    /// someone takes back is not left downloadable. A retry after a
    /// failure finishes the files of an already redacted comment.
    pub async fn delete_comment(
        &self,
        ticketing: &Ticketing<S>,
        principal: &Principal,
        ticket_id: TicketId,
        comment_id: CommentId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        ticketing
            .delete_comment(principal, ticket_id, comment_id, now)
            .await?;
        let files = self
            .store
            .attachments(principal.tenant_id(), ticket_id)
            .await?
            .into_iter()
            .filter(|a| a.comment_id == Some(comment_id));
        for attachment in files {
            self.objects.delete(&attachment).await?;
            self.store.delete_attachment(&attachment).await?;
        }
        Ok(())
    }

    /// The files recorded on a comment.
    async fn files_of(&self, comment: &Comment) -> Result<Vec<Attachment>, DomainError> {
        Ok(self
            .store
            .attachments(comment.tenant_id, comment.ticket_id)
            .await?
            .into_iter()
            .filter(|a| a.comment_id == Some(comment.id))
            .collect())
    }

    pub async fn list(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
    ) -> Result<Vec<Attachment>, DomainError> {
        let ticket = self.ticket_for(principal, ticket_id).await?;
        let staff = principal.role().is_staff();
        // A merged ticket's files stay on it; the ticket it joined lists
        // them with its own, as it shows its conversation (and so on, for
        // tickets merged into those, as far as a merge is followed).
        let mut files = self.store.attachments(ticket.tenant_id, ticket.id).await?;
        let mut sources: Vec<TicketId> = ticket.merged_from.iter().copied().collect();
        let mut hops = 0;
        while !sources.is_empty() && hops < MAX_MERGE_HOPS {
            hops += 1;
            let mut next = Vec::new();
            for source in sources {
                files.extend(self.store.attachments(ticket.tenant_id, source).await?);
                if let Some(t) = self.store.ticket(ticket.tenant_id, source).await? {
                    next.extend(t.merged_from.iter().copied());
                }
            }
            sources = next;
        }
        Ok(files.into_iter().filter(|a| staff || a.public).collect())
    }

    /// The attachment, if the caller may see it (else `NotFound`).
    async fn visible(
        &self,
        principal: &Principal,
        id: AttachmentId,
    ) -> Result<Attachment, DomainError> {
        let attachment = self
            .store
            .attachment(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)?;
        self.reachable(principal, attachment.ticket_id).await?;
        if !attachment.public && !principal.role().is_staff() {
            return Err(DomainError::NotFound);
        }
        Ok(attachment)
    }

    /// Whether the caller reaches a file's ticket: they see it, or the
    /// ticket it was merged into (whose conversation holds its copy).
    async fn reachable(&self, principal: &Principal, id: TicketId) -> Result<(), DomainError> {
        match self.ticket_for(principal, id).await {
            Err(DomainError::NotFound) => {}
            other => return other.map(|_| ()),
        }
        let merged = match self.store.ticket(principal.tenant_id(), id).await? {
            Some(t) if t.merged_into.is_some() => merge_end(&self.store, t).await?,
            _ => None,
        };
        match merged {
            Some(end) => self.ticket_for(principal, end.id).await.map(|_| ()),
            None => Err(DomainError::NotFound),
        }
    }

    /// A presigned GET, valid minutes, that downloads under its name.
    pub async fn download(
        &self,
        principal: &Principal,
        id: AttachmentId,
    ) -> Result<PresignedRequest, DomainError> {
        let attachment = self.visible(principal, id).await?;
        let name = parse_filename(&attachment.filename).map_err(|e| {
            DomainError::Internal(format!("a stored name is invalid: {}", e.message))
        })?;
        Ok(self
            .objects
            .presign_download(&attachment, &content_disposition(&name))
            .await?)
    }

    /// Removes file and record: the uploader, or an admin.
    pub async fn delete(&self, principal: &Principal, id: AttachmentId) -> Result<(), DomainError> {
        let attachment = self.visible(principal, id).await?;
        if attachment.uploaded_by != principal.actor() && !principal.role().is_admin() {
            return Err(DomainError::Forbidden);
        }
        self.objects.delete(&attachment).await?;
        self.store.delete_attachment(&attachment).await?;
        Ok(())
    }
}

/// A customer who reads a colleague's ticket through an organisation that
/// shares only for reading adds nothing to it.
fn may_add_to(principal: &Principal, ticket: &Ticket) -> Result<(), DomainError> {
    match customer_access(principal, ticket) {
        Some(Access::Shared(SharedTickets::Read)) if principal.is_customer() => {
            Err(DomainError::Forbidden)
        }
        _ => Ok(()),
    }
}

fn rename_field(e: DomainError, from: &str, to: &str) -> DomainError {
    match e {
        DomainError::Invalid(errors) => DomainError::Invalid(
            errors
                .into_iter()
                .map(|mut f| {
                    if f.field == from {
                        f.field = to.to_owned();
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}
