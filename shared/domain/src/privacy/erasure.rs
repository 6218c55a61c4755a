//! The long part of an erasure: what the person wrote, uploaded and sent,
//! wherever it is kept. Every step is safe to repeat (a redacted comment
//! stays redacted, a deleted file deleted), so a worker that stops half
//! way is simply run again.

use std::collections::BTreeSet;

use crate::DomainError;
use crate::accounts::user::Email;
use crate::attachments::ports::ObjectStore;
use crate::email::mailboxes::DECISIONS;
use crate::email::message_record::MessageRecord;
use crate::email::thread_id;
use crate::kernel::error::StoreError;
use crate::kernel::events::{Actor, DomainEvent, EventType, Subject};
use crate::kernel::ids::{OrganizationId, TenantId, UserId};
use crate::kernel::pagination::PageRequest;
use crate::privacy::export::all_comments;
use crate::privacy::ports::{ExportFiles, MailArchive};
use crate::privacy::runner::{JobRunner, RunnerStore, Tracker, all_tickets};
use crate::privacy::tombstone::scrub;
use crate::search::ports::IndexTask;
use crate::tickets::events::CommentChanged;
use crate::tickets::ports::{
    TicketDimension, TicketFilters, TicketListQuery, TicketSort, TicketWrite, TicketWriteMode,
};
use crate::tickets::ticket::Ticket;

impl<S, O, F, A> JobRunner<S, O, F, A>
where
    S: RunnerStore,
    O: ObjectStore,
    F: ExportFiles,
    A: MailArchive,
{
    /// Erases what person `id` (who had `address`, and was in
    /// `organization`) left on the tickets they requested, were copied on
    /// or shared, and in the mail records.
    pub(crate) async fn erase(
        &self,
        tracker: &mut Tracker<'_, S>,
        tenant: TenantId,
        id: UserId,
        address: Option<Email>,
        organization: Option<OrganizationId>,
    ) -> Result<(), DomainError> {
        let address = address.map(|a| a.as_str().to_owned());
        let mut tickets = Vec::new();
        let mut seen = BTreeSet::new();
        let query = |dimension, copied| TicketListQuery {
            dimension,
            copied,
            filters: TicketFilters::default(),
            sort: TicketSort::CreatedAt,
            descending: false,
        };
        let all = |_: &Ticket| true;
        let theirs = query(TicketDimension::Requester(id), address.clone());
        all_tickets(&self.store, tenant, &theirs, all, &mut tickets, &mut seen).await?;
        if let Some(org) = organization {
            // Where sharing let them answer a colleague's ticket.
            let shared = query(TicketDimension::Organization(org), None);
            all_tickets(&self.store, tenant, &shared, all, &mut tickets, &mut seen).await?;
        }
        // Deleted tickets are in no list of theirs, and may be restored.
        let involved = |t: &Ticket| {
            t.requester_id == id
                || address.as_ref().is_some_and(|a| t.cc.contains(a))
                || organization.is_some_and(|o| t.organization_id == Some(o))
        };
        let deleted = query(TicketDimension::Deleted, None);
        all_tickets(
            &self.store,
            tenant,
            &deleted,
            involved,
            &mut tickets,
            &mut seen,
        )
        .await?;
        let total = (tickets.len() + DECISIONS.len() + 1) as u64;
        let mut done = 0;
        tracker.step(done, total).await?;
        let by = tracker.job.requested_by.clone();
        let job = tracker.job.id;
        for ticket in tickets {
            let ticket_id = ticket.id;
            self.erase_on_ticket(ticket, id, address.as_deref(), &by)
                .await?;
            // The index forgets the address too (redactions tell it by
            // their events; a participant's removal does not).
            if let Some(queue) = &self.index_queue {
                queue
                    .send(
                        IndexTask::ticket_change(tenant, ticket_id),
                        format!("{job}-{ticket_id}"),
                    )
                    .await?;
            }
            done += 1;
            tracker.step(done, total).await?;
        }
        for decision in DECISIONS {
            if let Some(address) = &address {
                self.forget_mail(tenant, decision, address).await?;
            }
            done += 1;
            tracker.step(done, total).await?;
        }
        if let Some(address) = &address {
            self.store.forget_bounce(tenant, address).await?;
        }
        // Copies of their data made before.
        self.files.delete_exports(tenant, id).await?;
        tracker.step(total, total).await
    }

    async fn erase_on_ticket(
        &self,
        ticket: Ticket,
        id: UserId,
        address: Option<&str>,
        by: &Actor,
    ) -> Result<(), DomainError> {
        let tenant = ticket.tenant_id;
        for mut comment in all_comments(&self.store, tenant, ticket.id, false).await? {
            if comment.author_id != Some(id) {
                continue;
            }
            let expected = comment.version;
            let mut changed = false;
            let mut events = Vec::new();
            if comment.deleted_at.is_none() {
                comment.redact((self.now)());
                changed = true;
                // As any redaction: live views, webhooks and the search
                // index learn that the text is gone.
                events.push(DomainEvent::new(
                    EventType::CommentDeleted,
                    tenant,
                    (self.now)(),
                    by.clone(),
                    Subject {
                        ticket_id: Some(ticket.id),
                        comment_id: Some(comment.id),
                        ..Subject::default()
                    },
                    &CommentChanged {
                        public: comment.public,
                        body: String::new(),
                        mentions: Default::default(),
                    },
                ));
            }
            // Its Message-ID named their mail; the index entry goes too.
            if let Some(mail) = comment.mail.as_mut().filter(|m| m.message_id.is_some()) {
                mail.message_id = None;
                if !changed {
                    comment.version += 1;
                }
                changed = true;
            }
            if changed {
                self.store.save_comment(&comment, expected, &events).await?;
            }
        }
        let uploader = Actor::user(id);
        for file in self.store.attachments(tenant, ticket.id).await? {
            if file.uploaded_by == uploader {
                self.objects.delete(&file).await?;
                match self.store.delete_attachment(&file).await {
                    Ok(()) | Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let Some(address) = address else {
            return self.uncopy(ticket, id, "").await;
        };
        for mut entry in self.store.history(tenant, ticket.id).await? {
            let mut changed = false;
            for change in &mut entry.changes {
                changed |= scrub(&mut change.before, address);
                changed |= scrub(&mut change.after, address);
            }
            if changed {
                self.store.replace_history(tenant, &entry).await?;
            }
        }
        self.uncopy(ticket, id, address).await
    }

    /// Takes `address` off a ticket's participants, and the person's words
    /// off their rating of it, reading it again when it changed meanwhile
    /// (a busy ticket does not fail the erasure).
    async fn uncopy(
        &self,
        mut ticket: Ticket,
        person: UserId,
        address: &str,
    ) -> Result<(), DomainError> {
        for _ in 0..5 {
            let their_words = ticket.requester_id == person
                && ticket
                    .satisfaction
                    .as_ref()
                    .is_some_and(|s| s.comment.is_some());
            if !ticket.cc.contains(address) && !their_words {
                return Ok(());
            }
            let before = ticket.clone();
            let mut after = ticket.clone();
            after.cc.remove(address);
            if let Some(rating) = after.satisfaction.as_mut().filter(|_| their_words) {
                rating.comment = None;
            }
            after.record_change(&before, (self.now)(), false);
            let written = self
                .store
                .write_ticket(TicketWrite {
                    ticket: &after,
                    mode: TicketWriteMode::Replace(before.version),
                    before: Some(&before),
                    comment: None,
                    new_requester: None,
                    history: None,
                    events: &[],
                    idempotency: None,
                    capacity: None,
                })
                .await;
            match written {
                Ok(()) => return Ok(()),
                Err(StoreError::VersionMismatch) => {
                    match self.store.ticket(ticket.tenant_id, ticket.id).await? {
                        Some(now) => ticket = now,
                        None => return Ok(()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::PreconditionFailed)
    }

    /// Forgets the records of mail with one decision that came from or
    /// went to `address`, and the mail as received.
    async fn forget_mail(
        &self,
        tenant: TenantId,
        decision: &str,
        address: &str,
    ) -> Result<(), DomainError> {
        let mut page = PageRequest {
            limit: PageRequest::MAX_LIMIT,
            cursor: None,
        };
        loop {
            let found = self.store.messages(tenant, decision, &page).await?;
            for record in found.items.iter().filter(|r| concerns(r, address)) {
                match record.raw.strip_prefix("ses:") {
                    // A sent mail is also found by the id SES gave it.
                    Some(provider_id) => {
                        let alias = thread_id(&format!("{provider_id}@amazonses.com"));
                        self.store.forget_message(tenant, &alias).await?;
                    }
                    None if !record.raw.is_empty() => self.archive.delete_raw(&record.raw).await?,
                    None => {}
                }
                // Indexed as received, or under its threading form.
                let threaded = thread_id(&record.message_id);
                self.store.forget_message(tenant, &threaded).await?;
                if threaded != record.message_id {
                    self.store
                        .forget_message(tenant, &record.message_id)
                        .await?;
                }
            }
            match found.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(()),
            }
        }
    }
}

/// Whether a mail record is about `address`: it came from there, or was
/// sent there.
fn concerns(record: &MessageRecord, address: &str) -> bool {
    record
        .from
        .as_deref()
        .is_some_and(|f| f.trim().eq_ignore_ascii_case(address))
        || record
            .reason
            .to_lowercase()
            .ends_with(&format!(" to {address}"))
}
