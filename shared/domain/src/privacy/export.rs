//! A person's export: who they are to the helpdesk, their tickets' public
//! conversations, and links to the files on them, as one JSON document.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;

use crate::DomainError;
use crate::accounts::user::User;
use crate::attachments::ports::ObjectStore;
use crate::kernel::ids::{AttachmentId, CommentId, TenantId, TicketId, UserId};
use crate::kernel::pagination::PageRequest;
use crate::privacy::ports::{ExportFiles, MailArchive};
use crate::privacy::runner::{JobRunner, RunnerStore, Tracker, all_tickets};
use crate::tickets::comment::Comment;
use crate::tickets::ports::{
    TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketStore,
};
use crate::tickets::ticket::{Status, Ticket};

/// The document, as the person receives it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonExport {
    pub exported_at: Timestamp,
    pub person: PersonRecord,
    pub tickets: Vec<TicketRecord>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonRecord {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub email_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketRecord {
    pub id: TicketId,
    pub number: u64,
    pub subject: String,
    pub status: Status,
    /// `requester`, or `copied` for a ticket they were copied on.
    pub relation: &'static str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub comments: Vec<CommentRecord>,
    pub files: Vec<FileRecord>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentRecord {
    pub id: CommentId,
    pub created_at: Timestamp,
    /// Who wrote it, by name (`null`: Switchboard itself).
    pub author: Option<String>,
    /// Whether the person wrote it.
    pub by_them: bool,
    pub body: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRecord {
    pub id: AttachmentId,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub created_at: Timestamp,
    /// Where the file is downloaded (signed in, with the same permission
    /// check as the ticket).
    pub download: String,
}

impl<S, O, F, A> JobRunner<S, O, F, A>
where
    S: RunnerStore,
    O: ObjectStore,
    F: ExportFiles,
    A: MailArchive,
{
    /// Writes person `id`'s export; the file's key.
    pub(crate) async fn export(
        &self,
        tracker: &mut Tracker<'_, S>,
        tenant: TenantId,
        id: UserId,
    ) -> Result<String, DomainError> {
        let person = self
            .store
            .user(tenant, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let organization = match person.organization_id {
            Some(org) => self.store.organization(tenant, org).await?.map(|o| o.name),
            None => None,
        };
        let tickets = tickets_of(&self.store, &person).await?;
        let total = tickets.len() as u64;
        tracker.step(0, total).await?;
        let mut records = Vec::with_capacity(tickets.len());
        let mut names: BTreeMap<UserId, String> = BTreeMap::from([(id, person.name.clone())]);
        for (i, ticket) in tickets.iter().enumerate() {
            records.push(self.ticket_record(ticket, &person, &mut names).await?);
            tracker.step(i as u64 + 1, total).await?;
        }
        let document = PersonExport {
            exported_at: (self.now)(),
            person: PersonRecord {
                id: person.id,
                name: person.name.clone(),
                email: person.email.as_str().to_owned(),
                role: person.role.as_str(),
                email_verified: person.email_verified,
                organization,
                created_at: person.created_at,
                updated_at: person.updated_at,
            },
            tickets: records,
        };
        let body = serde_json::to_vec_pretty(&document)
            .map_err(|e| DomainError::Internal(format!("encoding an export: {e}")))?;
        Ok(self
            .files
            .put_export(tenant, id, tracker.job.id, body)
            .await?)
    }

    async fn ticket_record(
        &self,
        ticket: &Ticket,
        person: &User,
        names: &mut BTreeMap<UserId, String>,
    ) -> Result<TicketRecord, DomainError> {
        let tenant = ticket.tenant_id;
        let comments = all_comments(&self.store, tenant, ticket.id, true).await?;
        let unknown: Vec<UserId> = comments
            .iter()
            .filter_map(|c| c.author_id)
            .filter(|a| !names.contains_key(a))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !unknown.is_empty() {
            for u in self.store.users(tenant, &unknown).await? {
                names.insert(u.id, u.name);
            }
        }
        let files = self
            .store
            .attachments(tenant, ticket.id)
            .await?
            .into_iter()
            .filter(|a| a.public)
            .map(|a| FileRecord {
                download: format!("/v1/attachments/{}/download", a.id),
                id: a.id,
                filename: a.filename,
                content_type: a.content_type,
                size: a.size,
                created_at: a.created_at,
            })
            .collect();
        Ok(TicketRecord {
            id: ticket.id,
            number: ticket.number,
            subject: ticket.subject.clone(),
            status: ticket.status,
            relation: if ticket.requester_id == person.id {
                "requester"
            } else {
                "copied"
            },
            created_at: ticket.created_at,
            updated_at: ticket.public_updated_at,
            comments: comments
                .into_iter()
                .filter(|c| c.deleted_at.is_none())
                .map(|c| CommentRecord {
                    id: c.id,
                    created_at: c.created_at,
                    author: c.author_id.and_then(|a| names.get(&a).cloned()),
                    by_them: c.author_id == Some(person.id),
                    body: c.body,
                })
                .collect(),
            files,
        })
    }
}

/// The tickets a person requested or is copied on, oldest first.
async fn tickets_of<S: TicketStore>(store: &S, person: &User) -> Result<Vec<Ticket>, DomainError> {
    let query = TicketListQuery {
        dimension: TicketDimension::Requester(person.id),
        copied: Some(person.email.as_str().to_owned()),
        filters: TicketFilters::default(),
        sort: TicketSort::CreatedAt,
        descending: false,
    };
    let mut tickets = Vec::new();
    all_tickets(
        store,
        person.tenant_id,
        &query,
        |_| true,
        &mut tickets,
        &mut BTreeSet::new(),
    )
    .await?;
    Ok(tickets)
}

/// Every comment of a ticket (only public ones when `public_only`).
pub(crate) async fn all_comments<S: TicketStore>(
    store: &S,
    tenant: TenantId,
    ticket: TicketId,
    public_only: bool,
) -> Result<Vec<Comment>, DomainError> {
    let mut page = PageRequest {
        limit: PageRequest::MAX_LIMIT,
        cursor: None,
    };
    let mut comments = Vec::new();
    loop {
        let found = store.comments(tenant, ticket, public_only, &page).await?;
        comments.extend(found.items);
        match found.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => return Ok(comments),
        }
    }
}
