//! Keeping the indexes up to date from a batch of changes: the tickets
//! and people named are re-read from the table once each (a batch read),
//! however often the batch names them, and the batch lands in one commit per index (plus one for
//! removals, when there are any), so a burst of changes costs a few
//! uploads and manifest writes rather than one each.

use std::collections::BTreeSet;

use crate::DomainError;
use crate::accounts::ports::{TeamStore, UserStore};
use crate::attachments::ports::AttachmentStore;
use crate::kernel::ids::{TenantId, TicketId, UserId};
use crate::search::person::PersonDocument;
use crate::search::ports::{PeopleIndex, TicketIndex};
use crate::search::service::Search;
use crate::tickets::ports::{FieldSchemaStore, TicketStore};

impl<S, I> Search<S, I>
where
    S: UserStore + TeamStore + TicketStore + FieldSchemaStore + AttachmentStore,
    I: TicketIndex + PeopleIndex,
{
    /// Brings ticket `id`'s document up to date: written from the table as
    /// it is now, or removed when the ticket is deleted or gone. Safe to
    /// repeat and to run for an old change.
    pub async fn index_ticket(&self, tenant: TenantId, id: TicketId) -> Result<(), DomainError> {
        self.index_changes(tenant, &[id], &[]).await
    }

    /// Brings person `id`'s document up to date: written, or removed when
    /// they are gone or erased. Safe to repeat.
    pub async fn index_person(&self, tenant: TenantId, id: UserId) -> Result<(), DomainError> {
        self.index_changes(tenant, &[], &[id]).await
    }

    /// Brings the documents of `tickets` and `people` up to date, as the
    /// table has them now (one batch read each). Safe to repeat.
    pub async fn index_changes(
        &self,
        tenant: TenantId,
        tickets: &[TicketId],
        people: &[UserId],
    ) -> Result<(), DomainError> {
        let tickets: Vec<TicketId> = tickets
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let found = self.store().tickets(tenant, &tickets).await?;
        let mut documents = Vec::with_capacity(found.len());
        for ticket in found.iter().filter(|t| !t.is_deleted()) {
            documents.push(self.document(ticket).await?);
        }
        let gone: Vec<TicketId> = tickets
            .into_iter()
            .filter(|id| !documents.iter().any(|d| d.ticket_id == *id))
            .collect();
        if !documents.is_empty() {
            self.index().put(tenant, &documents).await?;
        }
        if !gone.is_empty() {
            self.index().remove(tenant, &gone).await?;
        }

        let people: Vec<UserId> = people
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if people.is_empty() {
            return Ok(());
        }
        let found = self.store().users(tenant, &people).await?;
        let documents: Vec<PersonDocument> = found.iter().filter_map(PersonDocument::of).collect();
        let gone: Vec<UserId> = people
            .into_iter()
            .filter(|id| !documents.iter().any(|d| d.user_id == *id))
            .collect();
        if !documents.is_empty() {
            self.index().put_people(tenant, &documents).await?;
        }
        if !gone.is_empty() {
            self.index().remove_people(tenant, &gone).await?;
        }
        Ok(())
    }
}
