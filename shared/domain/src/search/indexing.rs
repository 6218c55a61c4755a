//! Keeping the indexes up to date from a batch of changes: each ticket and
//! person named is re-read from the table once, however often the batch
//! names them, and the batch lands in one commit per index (plus one for
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
    /// Brings the documents of `tickets` and `people` up to date, as the
    /// table has them now. Safe to repeat.
    pub async fn index_changes(
        &self,
        tenant: TenantId,
        tickets: &[TicketId],
        people: &[UserId],
    ) -> Result<(), DomainError> {
        let tickets: BTreeSet<TicketId> = tickets.iter().copied().collect();
        let mut documents = Vec::new();
        let mut gone = Vec::new();
        for id in tickets {
            match self
                .store()
                .ticket(tenant, id)
                .await?
                .filter(|t| !t.is_deleted())
            {
                Some(ticket) => documents.push(self.document(&ticket).await?),
                None => gone.push(id),
            }
        }
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
