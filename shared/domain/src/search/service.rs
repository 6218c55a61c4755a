//! Searching tickets as a principal, and keeping a ticket's document in
//! the index.

use jiff::{SignedDuration, Timestamp};

use crate::DomainError;
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{TeamStore, UserStore};
use crate::attachments::ports::AttachmentStore;
use crate::kernel::ids::{TicketId, UserId};
use crate::kernel::pagination::PageRequest;
use crate::search::document::TicketDocument;
use crate::search::ports::{Hits, IndexCondition, IndexFilter, IndexQuery, Scope, TicketIndex};
use crate::search::query::SearchSort;
use crate::search::query::{self, Condition, DateBound, Filter, Person, TeamRef};
use crate::tickets::ports::{FieldSchemaStore, TicketStore};
use crate::tickets::service::{copied_address, ensure_visible, owns_mail};
use crate::tickets::ticket::Ticket;

/// The most results a query pages through (as Zendesk's search caps at
/// 1,000: a query that needs more is a query to narrow).
pub const MAX_RESULTS: usize = 1_000;

/// A search as asked.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub q: String,
    pub sort: SearchSort,
    pub descending: bool,
    pub offset: usize,
    pub limit: usize,
}

/// A ticket found, as the caller may see it, and where it matched.
#[derive(Debug, Clone)]
pub struct Found {
    pub ticket: Ticket,
    pub score: f32,
    pub subject: Option<String>,
    pub snippet: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SearchResults {
    pub items: Vec<Found>,
    pub total: usize,
    /// Every match by status (as the index has them: a ticket changed in
    /// the last seconds may be counted under its former status).
    pub by_status: std::collections::BTreeMap<crate::tickets::ticket::Status, usize>,
    /// Where the next page starts, if there is one.
    pub next_offset: Option<usize>,
}

pub struct Search<S, I> {
    store: S,
    index: I,
}

impl<S, I> Search<S, I> {
    pub fn new(store: S, index: I) -> Self {
        Self { store, index }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn index(&self) -> &I {
        &self.index
    }
}

impl<S, I> Search<S, I>
where
    S: UserStore + TeamStore + TicketStore + FieldSchemaStore + AttachmentStore,
    I: TicketIndex,
{
    /// The tickets `principal` may read that match `request.q`.
    pub async fn tickets(
        &self,
        principal: &Principal,
        request: &SearchRequest,
        now: Timestamp,
    ) -> Result<SearchResults, DomainError> {
        self.tickets_with(principal, request, now, KeyMe::Refused)
            .await
    }

    /// [`Self::tickets`], with `me` for an API key as `key_me` says.
    pub(crate) async fn tickets_with(
        &self,
        principal: &Principal,
        request: &SearchRequest,
        now: Timestamp,
        key_me: KeyMe,
    ) -> Result<SearchResults, DomainError> {
        principal.require(Action::ReadTickets)?;
        let query = self.index_query(principal, request, now, key_me).await?;
        let (offset, limit) = (query.offset, query.limit);
        let hits: Hits = self.index.search(principal.tenant_id(), &query).await?;
        let schema = if principal.is_customer() {
            Some(self.store.field_schema(principal.tenant_id()).await?)
        } else {
            None
        };
        // The table has the last word: a ticket changed or deleted since it
        // was indexed is shown as it is, or not at all (one batch read).
        let ids: Vec<TicketId> = hits.hits.iter().map(|h| h.ticket_id).collect();
        let mut tickets: std::collections::HashMap<TicketId, Ticket> = self
            .store
            .tickets(principal.tenant_id(), &ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let mut items = Vec::with_capacity(hits.hits.len());
        for hit in hits.hits.iter().cloned() {
            let Some(ticket) = tickets.remove(&hit.ticket_id).filter(|t| !t.is_deleted()) else {
                continue;
            };
            if ensure_visible(principal, &ticket).is_err() {
                continue;
            }
            let ticket = match &schema {
                Some(schema) => ticket.as_seen_by_customer(schema),
                None => ticket,
            };
            items.push(Found {
                ticket,
                // Relevance weighs words by how many tickets hold them:
                // customers are not told.
                score: if schema.is_some() { 0.0 } else { hit.score },
                subject: hit.subject,
                snippet: hit.snippet,
            });
        }
        let total = hits.total.min(MAX_RESULTS);
        let next = offset + limit;
        Ok(SearchResults {
            items,
            total,
            by_status: hits.by_status,
            next_offset: (next < total).then_some(next),
        })
    }

    /// How many tickets `principal` may read match each of `queries` (a
    /// sidebar's saved views): the index's counts, on one opening of it,
    /// without reading the tickets. `me` for an API key is nobody; a query
    /// that no longer reads (a team or field since renamed does not make
    /// one) counts `None`.
    pub async fn counts(
        &self,
        principal: &Principal,
        queries: &[&str],
        now: Timestamp,
    ) -> Result<Vec<Option<usize>>, DomainError> {
        principal.require(Action::ReadTickets)?;
        let mut resolved = Vec::with_capacity(queries.len());
        let mut readable = Vec::with_capacity(queries.len());
        for q in queries {
            let request = SearchRequest {
                q: (*q).to_owned(),
                sort: SearchSort::Updated,
                descending: true,
                offset: 0,
                limit: 1,
            };
            match self
                .index_query(principal, &request, now, KeyMe::Nobody)
                .await
            {
                Ok(query) => {
                    resolved.push(query);
                    readable.push(true);
                }
                Err(DomainError::Invalid(_)) => readable.push(false),
                Err(e) => return Err(e),
            }
        }
        let mut counts = self
            .index
            .count_many(principal.tenant_id(), &resolved)
            .await?
            .into_iter();
        Ok(readable
            .into_iter()
            .map(|ok| if ok { counts.next() } else { None })
            .collect())
    }

    /// The request as the index takes it: parsed, its names resolved, in
    /// the principal's scope, its page within [`MAX_RESULTS`].
    async fn index_query(
        &self,
        principal: &Principal,
        request: &SearchRequest,
        now: Timestamp,
        key_me: KeyMe,
    ) -> Result<IndexQuery, DomainError> {
        let parsed =
            query::parse(&request.q).map_err(|e| DomainError::Invalid(vec![e.field_error("q")]))?;
        let mut filters = Vec::with_capacity(parsed.filters.len());
        for f in &parsed.filters {
            filters.push(self.resolve(principal, f, now, key_me).await?);
        }
        Ok(IndexQuery {
            text: parsed.text,
            excluded: parsed.excluded,
            filters,
            scope: scope_of(principal),
            sort: request.sort,
            descending: request.descending,
            offset: request.offset.min(MAX_RESULTS),
            limit: request.limit.clamp(1, PageRequest::MAX_LIMIT as usize),
        })
    }

    /// A ticket's document as the table has it now.
    pub(crate) async fn document(&self, ticket: &Ticket) -> Result<TicketDocument, DomainError> {
        let tenant = ticket.tenant_id;
        let mut comments = Vec::new();
        let mut page = PageRequest {
            limit: PageRequest::MAX_LIMIT,
            cursor: None,
        };
        loop {
            let found = self.store.comments(tenant, ticket.id, false, &page).await?;
            comments.extend(found.items);
            match found.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        let files = self.store.attachments(tenant, ticket.id).await?;
        Ok(TicketDocument::of(ticket, &comments, &files))
    }

    /// A filter with its names resolved; customers may filter only by what
    /// they can see of a ticket.
    async fn resolve(
        &self,
        principal: &Principal,
        filter: &Filter,
        now: Timestamp,
        key_me: KeyMe,
    ) -> Result<IndexFilter, DomainError> {
        let tenant = principal.tenant_id();
        let staff_only = || {
            DomainError::field(
                "q",
                "filter_not_allowed",
                "customers filter by status, priority, type, channel, number, attachments and dates",
            )
        };
        let me = || key_me.of(principal);
        let condition = match &filter.condition {
            Condition::Status(s) => IndexCondition::Status(*s),
            Condition::Priority(p) => IndexCondition::Priority(*p),
            Condition::Type(t) => IndexCondition::Type(*t),
            Condition::Channel(c) => IndexCondition::Channel(*c),
            Condition::HasAttachment => IndexCondition::HasAttachment,
            Condition::Number(n) => IndexCondition::Number(*n),
            Condition::Date {
                field,
                after,
                bound,
            } => IndexCondition::Date {
                field: *field,
                after: *after,
                at: match bound {
                    DateBound::DaysAgo(days) => {
                        now - SignedDuration::from_hours(24 * i64::from(*days))
                    }
                    DateBound::HoursAgo(hours) => {
                        now - SignedDuration::from_hours(i64::from(*hours))
                    }
                    DateBound::Day(day) => day
                        .to_zoned(jiff::tz::TimeZone::UTC)
                        .map(|z| z.timestamp())
                        .map_err(|_| DomainError::field("q", "invalid_value", "a date"))?,
                },
            },
            _ if principal.is_customer() => {
                // Their own tickets: `requester:me` says nothing more.
                if filter.condition == Condition::Requester(Person::Me) {
                    IndexCondition::Requester(me()?)
                } else {
                    return Err(staff_only());
                }
            }
            Condition::Assignee(p) => {
                IndexCondition::Assignee(self.person(principal, p, key_me).await?)
            }
            Condition::Requester(p) => IndexCondition::Requester(
                self.person(principal, p, key_me)
                    .await?
                    .unwrap_or_else(UserId::new),
            ),
            Condition::Team(TeamRef::Nobody) => IndexCondition::Team(None),
            Condition::Team(TeamRef::Id(id)) => IndexCondition::Team(Some(*id)),
            Condition::Team(TeamRef::Name(name)) => {
                let teams = self.store.list_teams(tenant).await?;
                let id = teams
                    .iter()
                    .find(|t| t.name.eq_ignore_ascii_case(name))
                    .map(|t| t.id)
                    // No such team: a team no ticket has.
                    .unwrap_or_else(crate::kernel::ids::TeamId::new);
                IndexCondition::Team(Some(id))
            }
            Condition::Tag(tag) => IndexCondition::Tag(tag.as_str().to_owned()),
            Condition::Field { key, value } => IndexCondition::Field {
                key: key.clone(),
                value: value.clone(),
            },
        };
        Ok(IndexFilter {
            condition,
            negated: filter.negated,
        })
    }

    /// Who a people filter names (`None`: nobody); an address no one has
    /// is an id no ticket has.
    async fn person(
        &self,
        principal: &Principal,
        person: &Person,
        key_me: KeyMe,
    ) -> Result<Option<UserId>, DomainError> {
        Ok(match person {
            Person::Me => Some(key_me.of(principal)?),
            Person::Nobody => None,
            Person::Id(id) => Some(*id),
            Person::Email(email) => Some(
                self.store
                    .user_by_email(principal.tenant_id(), email)
                    .await?
                    .map_or_else(UserId::new, |u| u.id),
            ),
        })
    }
}

/// What `me` is for a caller who is no one (an API key): refused in a
/// search typed for the moment, nobody in a saved view (which an admin may
/// share with keys as with people).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyMe {
    Refused,
    Nobody,
}

impl KeyMe {
    fn of(self, principal: &Principal) -> Result<UserId, DomainError> {
        match (principal.user_id(), self) {
            (Some(me), _) => Ok(me),
            (None, KeyMe::Nobody) => Ok(UserId::new()),
            (None, KeyMe::Refused) => Err(DomainError::field(
                "q",
                "invalid_value",
                "an API key is nobody's `me`",
            )),
        }
    }
}

/// What a principal's query may reach.
fn scope_of(principal: &Principal) -> Scope {
    if !principal.is_customer() {
        return Scope::Staff;
    }
    Scope::Customer {
        user: principal.user_id().unwrap_or_else(UserId::new),
        address: copied_address(principal),
        organization: principal
            .membership
            .filter(|m| m.shares(m.organization))
            .map(|m| m.organization),
        mail: owns_mail(principal),
    }
}
