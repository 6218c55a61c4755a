//! Tickets, conversations, history and custom-field schemas in memory.

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::assignment::agent::Agent;
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{CommentId, TenantId, TicketId};
use switchboard_domain::kernel::pagination::{Page, PageRequest};
use switchboard_domain::tickets::comment::Comment;
use switchboard_domain::tickets::fields::FieldSchema;
use switchboard_domain::tickets::ports::{
    CommentWrite, FieldSchemaStore, TicketDimension, TicketListQuery, TicketSort, TicketStore,
    TicketWrite, TicketWriteMode,
};
use switchboard_domain::tickets::ticket::{HistoryEntry, Ticket, load_moves};

use super::kernel::expired;
use super::state::State;
use super::{MemoryStore, keys};

/// Whether `t` is listed under `dimension` (a deleted ticket is listed
/// nowhere: its index keys are removed).
fn in_dimension(t: &Ticket, dimension: &TicketDimension) -> bool {
    match dimension {
        TicketDimension::All => true,
        TicketDimension::Status(s) => t.status == *s,
        TicketDimension::Assignee(a) => t.assignee_id == *a,
        TicketDimension::Team(team) => t.team_id == *team,
        TicketDimension::Requester(r) => t.requester_id == *r,
        TicketDimension::Organization(o) => t.organization_id == Some(*o),
        TicketDimension::Deleted => t.is_deleted(),
    }
}

fn passes_filters(t: &Ticket, query: &TicketListQuery) -> bool {
    let f = &query.filters;
    f.status.is_none_or(|s| t.status == s)
        && f.assignee.is_none_or(|a| t.assignee_id == a)
        && f.team.is_none_or(|team| t.team_id == team)
        && f.priority.is_none_or(|p| t.priority == p)
        && f.tag.as_ref().is_none_or(|tag| t.tags.contains(tag))
}

impl State {
    /// The first failed condition of a ticket write, as `DynamoStore`
    /// reports it (the transaction's items in their order).
    fn ticket_write_fails(
        &self,
        w: &TicketWrite<'_>,
        now: Timestamp,
    ) -> StoreResult<Option<StoreError>> {
        let t = w.ticket;
        let stored = self.tickets.get(&(t.tenant_id, t.id));
        let ok = match w.mode {
            TicketWriteMode::Create => {
                if stored.is_some() || self.ticket_numbers.contains_key(&(t.tenant_id, t.number)) {
                    return Ok(Some(StoreError::ConditionFailed));
                }
                true
            }
            TicketWriteMode::Replace(v) => stored.is_some_and(|s| s.version == v),
            TicketWriteMode::Touch { status, .. } => {
                stored.is_some_and(|s| !s.is_deleted() && s.status == status)
            }
        };
        if !ok {
            return Ok(Some(StoreError::VersionMismatch));
        }
        match w.comment {
            Some(CommentWrite::New(c))
                if self
                    .comments
                    .contains_key(&(c.tenant_id, c.ticket_id, c.id)) =>
            {
                return Ok(Some(StoreError::ConditionFailed));
            }
            Some(CommentWrite::Update(c, v))
                if self
                    .comments
                    .get(&(c.tenant_id, c.ticket_id, c.id))
                    .map(|c| c.version)
                    != Some(v) =>
            {
                return Ok(Some(StoreError::VersionMismatch));
            }
            _ => {}
        }
        if let Some(user) = w.new_requester {
            if self.login_email_taken(user) {
                return Ok(Some(StoreError::Conflict(Conflict::EmailTaken)));
            }
            if self.users.contains_key(&(user.tenant_id, user.id)) {
                return Ok(Some(StoreError::ConditionFailed));
            }
        }
        if let Some(h) = w.history
            && self.history.contains_key(&(t.tenant_id, h.ticket_id, h.id))
        {
            return Ok(Some(StoreError::ConditionFailed));
        }
        if !self.events_fit(w.events)? {
            return Ok(Some(StoreError::ConditionFailed));
        }
        if let Some(r) = w.idempotency
            && self
                .idempotency
                .get(&(t.tenant_id, r.key.scope.clone()))
                .is_some_and(|held| !expired(held, now))
        {
            // A key is remembered for a day, as it is read back: an expired
            // record no longer holds it. (`DynamoStore` refuses it until
            // TTL deletes the item: see the contract it is excused from.)
            return Ok(Some(StoreError::IdempotencyKeyTaken));
        }
        if let Some(cap) = w.capacity {
            let full = load_moves(stored, t).into_iter().any(|(user, delta)| {
                delta > 0
                    && self
                        .agents
                        .get(&(t.tenant_id, user))
                        .is_some_and(|a| a.open >= i64::from(cap))
            });
            if full {
                return Ok(Some(StoreError::CapacityReached));
            }
        }
        Ok(None)
    }

    fn apply_ticket_write(&mut self, w: &TicketWrite<'_>) {
        let t = w.ticket;
        let key = (t.tenant_id, t.id);
        if !matches!(w.mode, TicketWriteMode::Touch { .. }) {
            for (user, delta) in load_moves(self.tickets.get(&key), t) {
                let agent = self
                    .agents
                    .entry((t.tenant_id, user))
                    .or_insert_with(|| Agent::new(user));
                agent.open += delta;
                if delta > 0 {
                    agent.last_assigned_at = Some(t.updated_at);
                }
            }
        }
        match w.mode {
            TicketWriteMode::Create => {
                self.ticket_numbers.insert((t.tenant_id, t.number), t.id);
                self.tickets.insert(key, t.clone());
            }
            TicketWriteMode::Replace(_) => {
                self.tickets.insert(key, t.clone());
            }
            TicketWriteMode::Touch { public, .. } => {
                // Only the update time and reply clocks move and the version
                // counts up (the public ones too when `public`); the rest of
                // the stored ticket stays as it is.
                if let Some(stored) = self.tickets.get_mut(&key) {
                    stored.updated_at = t.updated_at;
                    stored.version += 1;
                    // A reply moves its side's clock.
                    let (mine, theirs) = (&mut stored.clocks, &t.clocks);
                    mine.requester_replied_at =
                        mine.requester_replied_at.max(theirs.requester_replied_at);
                    mine.agent_replied_at = mine.agent_replied_at.max(theirs.agent_replied_at);
                    if public {
                        stored.public_updated_at = t.public_updated_at;
                        stored.public_version += 1;
                    }
                }
            }
        }
        if let Some(CommentWrite::New(c) | CommentWrite::Update(c, _)) = w.comment {
            self.comments
                .insert((c.tenant_id, c.ticket_id, c.id), c.clone());
        }
        if let Some(user) = w.new_requester {
            self.add_user(user);
        }
        if let Some(h) = w.history {
            self.history
                .insert((t.tenant_id, h.ticket_id, h.id), h.clone());
        }
        self.add_events(w.events);
        if let Some(r) = w.idempotency {
            self.idempotency
                .insert((t.tenant_id, r.key.scope.clone()), r.clone());
        }
    }

    /// A ticket's comments, oldest first (their ids sort by time).
    fn comments_of(&self, tenant: TenantId, ticket: TicketId, public_only: bool) -> Vec<Comment> {
        self.comments
            .iter()
            .filter(|((t, k, _), c)| *t == tenant && *k == ticket && (c.public || !public_only))
            .map(|(_, c)| c.clone())
            .collect()
    }
}

impl TicketStore for MemoryStore {
    async fn next_ticket_number(&self, tenant: TenantId) -> StoreResult<u64> {
        self.enter("next_ticket_number")?;
        Ok(self.write(|s| {
            let n = s.counters.entry(tenant).or_insert(0);
            *n += 1;
            *n
        }))
    }

    async fn write_ticket(&self, w: TicketWrite<'_>) -> StoreResult<()> {
        self.enter("write_ticket")?;
        let now = self.wall_now();
        self.write(|s| {
            if let Some(e) = s.ticket_write_fails(&w, now)? {
                return Err(e);
            }
            s.apply_ticket_write(&w);
            Ok(())
        })
    }

    async fn write_tickets(
        &self,
        writes: &[TicketWrite<'_>],
        copies: &[Comment],
    ) -> StoreResult<()> {
        self.enter("write_tickets")?;
        let now = self.wall_now();
        self.write(|s| {
            for w in writes {
                if let Some(e) = s.ticket_write_fails(w, now)? {
                    return Err(e);
                }
            }
            if copies
                .iter()
                .any(|c| s.comments.contains_key(&(c.tenant_id, c.ticket_id, c.id)))
            {
                return Err(StoreError::ConditionFailed);
            }
            for w in writes {
                s.apply_ticket_write(w);
            }
            for c in copies {
                s.comments
                    .insert((c.tenant_id, c.ticket_id, c.id), c.clone());
            }
            Ok(())
        })
    }

    async fn ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.enter("ticket")?;
        Ok(self.read(|s| s.tickets.get(&(tenant, id)).cloned()))
    }

    async fn tickets(&self, tenant: TenantId, ids: &[TicketId]) -> StoreResult<Vec<Ticket>> {
        self.enter("tickets")?;
        Ok(self.read(|s| {
            ids.iter()
                .filter_map(|id| s.tickets.get(&(tenant, *id)).cloned())
                .collect()
        }))
    }

    async fn ticket_id_by_number(
        &self,
        tenant: TenantId,
        number: u64,
    ) -> StoreResult<Option<TicketId>> {
        self.enter("ticket_id_by_number")?;
        Ok(self.read(|s| s.ticket_numbers.get(&(tenant, number)).copied()))
    }

    async fn conversation(
        &self,
        tenant: TenantId,
        id: TicketId,
        limit: u32,
        public_only: bool,
    ) -> StoreResult<Option<(Ticket, Vec<Comment>, bool)>> {
        self.enter("conversation")?;
        Ok(self.read(|s| {
            let ticket = s.tickets.get(&(tenant, id))?.clone();
            let mut comments = s.comments_of(tenant, id, public_only);
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let more = comments.len() > limit;
            comments.truncate(limit);
            Some((ticket, comments, more))
        }))
    }

    async fn comments(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        public_only: bool,
        page: &PageRequest,
    ) -> StoreResult<Page<Comment>> {
        self.enter("comments")?;
        let rows = self.read(|s| {
            s.comments_of(tenant, ticket, public_only)
                .into_iter()
                .map(|c| (c.id.to_string(), c))
                .collect()
        });
        let scope = format!("comments|{tenant}|{ticket}|{public_only}");
        self.cursors().page(&scope, rows, false, page)
    }

    async fn comment(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        id: CommentId,
    ) -> StoreResult<Option<Comment>> {
        self.enter("comment")?;
        Ok(self.read(|s| s.comments.get(&(tenant, ticket, id)).cloned()))
    }

    async fn save_comment(
        &self,
        comment: &Comment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("save_comment")?;
        self.write(|s| {
            let key = (comment.tenant_id, comment.ticket_id, comment.id);
            if s.comments.get(&key).map(|c| c.version) != Some(expected_version) {
                return Err(StoreError::VersionMismatch);
            }
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.comments.insert(key, comment.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn history(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<HistoryEntry>> {
        self.enter("history")?;
        Ok(self.read(|s| {
            s.history
                .iter()
                .filter(|((t, k, _), _)| *t == tenant && *k == ticket)
                .map(|(_, h)| h.clone())
                .collect()
        }))
    }

    async fn list_tickets(
        &self,
        tenant: TenantId,
        query: &TicketListQuery,
        page: &PageRequest,
    ) -> StoreResult<Page<Ticket>> {
        self.enter("list_tickets")?;
        let mut rows: Vec<(String, Ticket)> = self.read(|s| {
            s.tickets
                .iter()
                .filter(|((t, _), ticket)| {
                    *t == tenant
                        && ticket.is_deleted() == (query.dimension == TicketDimension::Deleted)
                        && (in_dimension(ticket, &query.dimension)
                            || query.copied.as_ref().is_some_and(|a| ticket.cc.contains(a)))
                        && passes_filters(ticket, query)
                })
                .map(|(_, t)| {
                    // The lists customers read (a requester's, with its
                    // copied tickets; an organisation's) order by what they
                    // see change.
                    let at = match (query.sort, &query.dimension) {
                        (
                            TicketSort::UpdatedAt,
                            TicketDimension::Requester(_) | TicketDimension::Organization(_),
                        ) => t.public_updated_at,
                        (TicketSort::UpdatedAt, _) => t.updated_at,
                        (TicketSort::CreatedAt, _) => t.created_at,
                    };
                    (keys::ticket_index(at, t.id), t.clone())
                })
                .collect()
        });
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let scope = format!(
            "tickets|{tenant}|{:?}|{:?}|{:?}|{}|{:?}",
            query.dimension, query.copied, query.sort, query.descending, query.filters
        );
        self.cursors().page(&scope, rows, query.descending, page)
    }
}

impl FieldSchemaStore for MemoryStore {
    async fn field_schema(&self, tenant: TenantId) -> StoreResult<FieldSchema> {
        self.enter("field_schema")?;
        Ok(self.read(|s| s.field_schemas.get(&tenant).cloned().unwrap_or_default()))
    }

    async fn put_field_schema(
        &self,
        tenant: TenantId,
        schema: &FieldSchema,
        expected_version: u64,
        events: &[switchboard_domain::kernel::events::DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_field_schema")?;
        self.write(|s| {
            // The first schema is written whatever version was expected.
            if s.field_schemas
                .get(&tenant)
                .is_some_and(|f| f.version != expected_version)
            {
                return Err(StoreError::VersionMismatch);
            }
            s.field_schemas.insert(tenant, schema.clone());
            s.add_events(events);
            Ok(())
        })
    }
}
