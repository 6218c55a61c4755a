//! Ticket use cases: open, read, change, delete, list, converse, bulk, and
//! the custom-field schema. Visibility rules live here: customers reach only
//! their own tickets, only public comments and customer-visible fields, and
//! anything else is `NotFound`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::accounts::user_created;
use crate::comment::{Comment, mentions, parse_body};
use crate::error::{Conflict, DomainError, StoreError};
use crate::events::{DomainEvent, EventType, Subject};
use crate::fields::{FieldDef, FieldSchema};
use crate::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::ids::{CommentId, HistoryId, TeamId, TicketId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::permissions::{Action, Principal};
use crate::ports::{
    CommentWrite, SlaStore, TicketDimension, TicketFilters, TicketListQuery, TicketSort,
    TicketStore, TicketWrite, TicketWriteMode,
};
use crate::ticket::{
    Change, Channel, HistoryEntry, Priority, RESTORE_WINDOW, Status, Tag, Ticket, TicketType,
    parse_subject, parse_tags,
};
use crate::user::{Email, Role, User, parse_person_name};
use crate::validation::{FieldError, Invalid, Validator, parse_id};

/// Comments returned with a ticket; more are paged through the comments list.
pub const CONVERSATION_PAGE: u32 = 100;
pub const MAX_BULK: usize = 100;
/// Tries of a read-modify-write that lost an optimistic-locking race.
const WRITE_ATTEMPTS: usize = 6;

/// A short random pause, so that writers racing for one ticket spread out.
async fn backoff() {
    use rand::Rng;
    let ms = rand::rng().random_range(5..40);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

#[derive(Debug, Clone)]
pub enum RequesterInput {
    Id(String),
    Email { email: String, name: Option<String> },
}

#[derive(Debug, Clone, Default)]
pub struct NewTicketInput {
    pub subject: String,
    pub description: String,
    pub priority: Option<String>,
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub requester: Option<RequesterInput>,
    pub assignee_id: Option<String>,
    pub team_id: Option<String>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<BTreeMap<String, Value>>,
    /// Set by a channel (a mailbox's defaults), never from a request: it
    /// applies whoever the requester is, where nothing else was chosen.
    pub routing: ChannelRouting,
    /// Set by the email channel: the other addresses on the opening mail.
    pub cc: BTreeSet<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChannelRouting {
    pub team_id: Option<TeamId>,
    pub priority: Option<Priority>,
}

/// A partial change; `Some(None)` clears a nullable field.
#[derive(Debug, Clone, Default)]
pub struct TicketPatchInput {
    pub subject: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub kind: Option<String>,
    pub assignee_id: Option<Option<String>>,
    pub team_id: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub add_tags: Option<Vec<String>>,
    pub remove_tags: Option<Vec<String>>,
    pub custom_fields: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Clone, Default)]
pub struct TicketListInput {
    pub status: Option<String>,
    pub assignee: Option<String>,
    pub team: Option<String>,
    pub requester: Option<String>,
    pub priority: Option<String>,
    pub tag: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    /// `breached` or `at_risk`: the SLA views (staff only).
    pub sla: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewCommentInput {
    pub body: String,
    /// Default: public.
    pub public: Option<bool>,
    /// Files recorded on the comment right after it (by the attachments
    /// use case): named on its event, so a consumer knows to wait for them.
    pub files: usize,
}

/// A ticket as the caller may see it, with the start of its conversation.
#[derive(Debug, Clone)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub comments: Vec<Comment>,
    pub more_comments: bool,
    /// The SLA clocks (staff only; `None` when no policy applies).
    pub sla: Option<crate::sla::evaluate::TicketSla>,
}

/// The result of a create that may be a replay of an earlier one.
#[derive(Debug, Clone)]
pub enum Created<T> {
    New(T),
    /// The same `Idempotency-Key` and request were seen before: this is
    /// what the first request created, as it is now.
    Replayed(T),
}

impl<T> Created<T> {
    pub fn into_inner(self) -> (T, bool) {
        match self {
            Created::New(t) => (t, false),
            Created::Replayed(t) => (t, true),
        }
    }
}

/// One ticket's outcome in a bulk update.
#[derive(Debug)]
pub struct BulkOutcome {
    pub id: String,
    pub result: Result<Ticket, DomainError>,
}

pub struct Ticketing<S> {
    store: S,
}

impl<S: TicketStore + SlaStore> Ticketing<S> {
    pub fn new(store: S) -> Self {
        Self { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    // ----- reading -------------------------------------------------------

    /// The ticket if the caller may see it; otherwise `NotFound`.
    async fn visible(&self, principal: &Principal, id: TicketId) -> Result<Ticket, DomainError> {
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

    pub async fn get(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<TicketDetail, DomainError> {
        principal
            .require(Action::ReadTickets)
            .map_err(|_| DomainError::NotFound)?;
        let (ticket, comments, more) = self
            .store
            .conversation(
                principal.tenant_id(),
                id,
                CONVERSATION_PAGE,
                principal.is_customer(),
            )
            .await?
            .filter(|(t, _, _)| !t.is_deleted())
            .ok_or(DomainError::NotFound)?;
        ensure_visible(principal, &ticket)?;
        self.shape(principal, ticket, comments, more).await
    }

    pub async fn get_by_number(
        &self,
        principal: &Principal,
        number: u64,
    ) -> Result<TicketDetail, DomainError> {
        principal
            .require(Action::ReadTickets)
            .map_err(|_| DomainError::NotFound)?;
        let id = self
            .store
            .ticket_id_by_number(principal.tenant_id(), number)
            .await?
            .ok_or(DomainError::NotFound)?;
        self.get(principal, id).await
    }

    pub async fn history(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<Vec<HistoryEntry>, DomainError> {
        let ticket = self.visible(principal, id).await?;
        // History shows internal work (assignments, tags): staff only.
        principal.require(Action::UpdateTicket)?;
        Ok(self.store.history(principal.tenant_id(), ticket.id).await?)
    }

    pub async fn list(
        &self,
        principal: &Principal,
        input: TicketListInput,
        page: &PageRequest,
    ) -> Result<Page<Ticket>, DomainError> {
        principal.require(Action::ReadTickets)?;
        if let Some(raw) = &input.sla {
            let Some(view) = crate::sla::evaluate::SlaView::parse(raw) else {
                return Err(DomainError::field(
                    "sla",
                    "invalid_value",
                    "must be `breached` or `at_risk`",
                ));
            };
            principal.require(Action::ReadSla)?;
            return Ok(self
                .store
                .sla_view(principal.tenant_id(), view, page)
                .await?);
        }
        let mut v = Validator::new();
        let status = v.optional("status", input.status, |s| Status::parse(&s));
        let priority = v.optional("priority", input.priority, |s| Priority::parse(&s));
        let tag = v.optional("tag", input.tag, |t| Tag::parse(&t));
        let assignee = v.optional("assignee", input.assignee, |a| match a.as_str() {
            "none" => Ok(None),
            "me" => principal
                .user_id()
                .map(Some)
                .ok_or_else(|| Invalid::new("invalid_value", "an API key is nobody's `me`")),
            id => parse_id::<UserId>(id).map(Some),
        });
        let team = v.optional("team", input.team, |t| match t.as_str() {
            "none" => Ok(None),
            id => parse_id::<TeamId>(id).map(Some),
        });
        let requester = v.optional("requester", input.requester, |r| match r.as_str() {
            "me" => principal
                .user_id()
                .ok_or_else(|| Invalid::new("invalid_value", "an API key is nobody's `me`")),
            id => parse_id::<UserId>(id),
        });
        let sort = v.optional("sort", input.sort, |s| match s.as_str() {
            "updatedAt" => Ok(TicketSort::UpdatedAt),
            "createdAt" => Ok(TicketSort::CreatedAt),
            _ => Err(Invalid::new(
                "invalid_value",
                "must be `updatedAt` or `createdAt`",
            )),
        });
        let order = v.optional("order", input.order, |o| match o.as_str() {
            "asc" => Ok(false),
            "desc" => Ok(true),
            _ => Err(Invalid::new("invalid_value", "must be `asc` or `desc`")),
        });
        v.finish()?;
        let (status, priority, tag) = (status.flatten(), priority.flatten(), tag.flatten());
        let (mut assignee, mut team, mut requester) =
            (assignee.flatten(), team.flatten(), requester.flatten());
        if principal.is_customer() {
            // A customer's view is always their own tickets.
            requester = principal.user_id();
            if requester.is_none() {
                return Err(DomainError::Forbidden);
            }
        }
        // The most selective dimension reads an index; the rest filter.
        let dimension = if let Some(r) = requester {
            TicketDimension::Requester(r)
        } else if let Some(a) = assignee.take() {
            TicketDimension::Assignee(a)
        } else if let Some(t) = team.take() {
            TicketDimension::Team(t)
        } else if let Some(s) = status {
            TicketDimension::Status(s)
        } else {
            TicketDimension::All
        };
        let filters = TicketFilters {
            status: status.filter(|_| !matches!(dimension, TicketDimension::Status(_))),
            assignee,
            team,
            priority,
            tag,
        };
        let query = TicketListQuery {
            dimension,
            filters,
            sort: sort.flatten().unwrap_or(TicketSort::UpdatedAt),
            descending: order.flatten().unwrap_or(true),
        };
        let mut tickets = self
            .store
            .list_tickets(principal.tenant_id(), &query, page)
            .await?;
        if principal.is_customer() {
            let schema = self.store.field_schema(principal.tenant_id()).await?;
            for t in &mut tickets.items {
                t.custom_fields = schema.customer_view(&t.custom_fields);
            }
        }
        Ok(tickets)
    }

    // ----- creating ------------------------------------------------------

    pub async fn create(
        &self,
        principal: &Principal,
        input: NewTicketInput,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<TicketDetail>, DomainError> {
        principal.require(Action::CreateTicket)?;
        if let Some(replayed) = self.replay(principal, idempotency.as_ref()).await? {
            let id = parse_id::<TicketId>(&replayed)
                .map_err(|_| DomainError::Internal("bad idempotency record".into()))?;
            return Ok(Created::Replayed(self.get(principal, id).await?));
        }
        // One retry: a requester created by a concurrent request is found
        // by email the second time.
        for attempt in 0..2 {
            match self
                .try_create(principal, input.clone(), idempotency.as_ref(), now)
                .await
            {
                Err(DomainError::Conflict(Conflict::EmailTaken)) if attempt == 0 => continue,
                Err(DomainError::Store(StoreError::IdempotencyKeyTaken)) => {
                    let id = self
                        .replay(principal, idempotency.as_ref())
                        .await?
                        .ok_or_else(|| {
                            DomainError::Internal("idempotency record vanished".into())
                        })?;
                    let id = parse_id::<TicketId>(&id)
                        .map_err(|_| DomainError::Internal("bad idempotency record".into()))?;
                    return Ok(Created::Replayed(self.get(principal, id).await?));
                }
                other => return other.map(Created::New),
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    async fn try_create(
        &self,
        principal: &Principal,
        input: NewTicketInput,
        idempotency: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<TicketDetail, DomainError> {
        let staff = principal.role().is_staff();
        let tenant = principal.tenant_id();
        let mut v = Validator::new();
        let subject = v.field("subject", parse_subject(&input.subject));
        let body = v.field("description", parse_body(&input.description));
        let priority = v.optional("priority", input.priority, |p| Priority::parse(&p));
        let kind = v.optional("type", input.kind, |k| TicketType::parse(&k));
        let channel = v.optional("channel", input.channel, |c| Channel::parse(&c));
        let tags = v.optional("tags", input.tags, |t| parse_tags(&t));
        let assignee = v.optional("assigneeId", input.assignee_id, |a| parse_id::<UserId>(&a));
        let team = v.optional("teamId", input.team_id, |t| parse_id::<TeamId>(&t));
        if !staff {
            for (field, given) in [
                ("assigneeId", matches!(assignee, Some(Some(_)))),
                ("teamId", matches!(team, Some(Some(_)))),
                ("tags", matches!(&tags, Some(Some(t)) if !t.is_empty())),
                ("requester", input.requester.is_some()),
            ] {
                if given {
                    v.push(FieldError::new(
                        field,
                        "not_allowed",
                        "customers cannot set this",
                    ));
                }
            }
        }
        let schema = self.store.field_schema(tenant).await?;
        let custom = input.custom_fields.unwrap_or_default();
        if !staff {
            for key in custom.keys() {
                if !schema.def(key).is_some_and(|d| d.customer_visible) {
                    v.push(FieldError::new(
                        format!("customFields.{key}"),
                        "unknown_field",
                        "is not a field of this helpdesk",
                    ));
                }
            }
        }
        let custom_fields = match schema.check(&BTreeMap::new(), &custom, true) {
            Ok(c) => Some(c),
            Err(errors) => {
                for e in errors.into_iter().filter(|e| {
                    staff
                        || e.code != "required"
                        || schema
                            .def(e.field.trim_start_matches("customFields."))
                            .is_some_and(|d| d.customer_visible)
                }) {
                    v.push(e);
                }
                None
            }
        };
        let (requester, new_requester) = self
            .resolve_requester(principal, input.requester, &mut v, now)
            .await?;
        let assignee = assignee.flatten();
        let team = team.flatten();
        self.check_assignment(principal, assignee, team, &mut v)
            .await?;
        // A channel's team is used only while it exists.
        let team = match (team, input.routing.team_id) {
            (Some(t), _) => Some(t),
            (None, Some(t)) => self.store.team(tenant, t).await?.map(|_| t),
            (None, None) => None,
        };
        v.finish()?;
        let (Some(subject), Some(body), Some(requester)) = (subject, body, requester) else {
            return Err(DomainError::Internal(
                "validated ticket is incomplete".into(),
            ));
        };

        let number = self.store.next_ticket_number(tenant).await?;
        let default_channel = match principal.caller {
            crate::permissions::Caller::ApiKey(_) => Channel::Api,
            crate::permissions::Caller::User { .. } | crate::permissions::Caller::System => {
                Channel::Web
            }
        };
        let mut ticket = Ticket {
            id: TicketId::new(),
            tenant_id: tenant,
            number,
            subject,
            status: Status::New,
            priority: priority
                .flatten()
                .or(input.routing.priority)
                .unwrap_or(Priority::Normal),
            kind: kind.flatten().unwrap_or(TicketType::Question),
            channel: channel.flatten().unwrap_or(default_channel),
            requester_id: requester,
            assignee_id: assignee,
            team_id: team,
            tags: tags.flatten().unwrap_or_default(),
            custom_fields: custom_fields.unwrap_or_default(),
            cc: input.cc,
            created_by: principal.actor(),
            created_at: now,
            updated_at: now,
            first_response_at: None,
            solved_at: None,
            closed_at: None,
            deleted_at: None,
            version: 1,
        };
        // The description is the requester's first message.
        let comment = Comment {
            id: CommentId::new(),
            tenant_id: tenant,
            ticket_id: ticket.id,
            author: crate::events::Actor::user(requester),
            author_id: Some(requester),
            public: true,
            body,
            mentions: BTreeSet::new(),
            created_at: now,
            edited_at: None,
            deleted_at: None,
            revisions: Vec::new(),
            version: 1,
        };
        let mut events = vec![
            ticket_event(
                EventType::TicketCreated,
                &ticket,
                principal,
                now,
                json!({
                    "number": ticket.number,
                    "subject": ticket.subject,
                    "status": ticket.status,
                    "priority": ticket.priority,
                    "channel": ticket.channel,
                    "requesterId": ticket.requester_id,
                    "assigneeId": ticket.assignee_id,
                    "teamId": ticket.team_id,
                }),
            ),
            opening_comment_event(&comment, principal, now),
        ];
        if let Some(user) = &new_requester {
            events.push(user_created(user, principal.actor(), false, now));
        }
        let record = idempotency.map(|key| IdempotencyRecord {
            key: key.clone(),
            resource_id: ticket.id.to_string(),
            created_at: now,
        });
        self.store
            .write_ticket(TicketWrite {
                ticket: &ticket,
                mode: TicketWriteMode::Create,
                comment: Some(CommentWrite::New(&comment)),
                new_requester: new_requester.as_ref(),
                history: None,
                events: &events,
                idempotency: record.as_ref(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(Conflict::EmailTaken) => {
                    DomainError::Conflict(Conflict::EmailTaken)
                }
                other => other.into(),
            })?;
        if principal.is_customer() {
            ticket.custom_fields = schema.customer_view(&ticket.custom_fields);
        }
        Ok(TicketDetail {
            ticket,
            comments: vec![comment],
            more_comments: false,
            sla: None,
        })
    }

    /// Who the ticket is for: a customer for themselves; staff for an
    /// existing user, an email (creating the customer if new), or themselves.
    async fn resolve_requester(
        &self,
        principal: &Principal,
        input: Option<RequesterInput>,
        v: &mut Validator,
        now: Timestamp,
    ) -> Result<(Option<UserId>, Option<User>), DomainError> {
        let tenant = principal.tenant_id();
        match input {
            None => match principal.user_id() {
                Some(me) => Ok((Some(me), None)),
                None => {
                    v.push(FieldError::new(
                        "requester",
                        "required",
                        "an API key must name the requester",
                    ));
                    Ok((None, None))
                }
            },
            Some(_) if !principal.role().is_staff() => Ok((principal.user_id(), None)),
            Some(RequesterInput::Id(raw)) => {
                let Some(id) = v.field("requester.id", parse_id::<UserId>(&raw)) else {
                    return Ok((None, None));
                };
                match self.store.user(tenant, id).await? {
                    Some(u) if u.is_active() => Ok((Some(u.id), None)),
                    _ => {
                        v.push(FieldError::new(
                            "requester.id",
                            "unknown_user",
                            "no such active user",
                        ));
                        Ok((None, None))
                    }
                }
            }
            Some(RequesterInput::Email { email, name }) => {
                let email = v.field("requester.email", Email::parse(&email));
                let name = v.optional("requester.name", name, |n| parse_person_name(&n));
                let Some(email) = email else {
                    return Ok((None, None));
                };
                if let Some(existing) = self.store.user_by_email(tenant, &email).await? {
                    if !existing.is_active() {
                        v.push(FieldError::new(
                            "requester.email",
                            "deactivated",
                            "this user is deactivated",
                        ));
                    }
                    return Ok((Some(existing.id), None));
                }
                let display = name
                    .flatten()
                    .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("").to_owned());
                let user = User::new(tenant, email, display, Role::Customer, None, now);
                Ok((Some(user.id), Some(user)))
            }
        }
    }

    /// An assignee must be active staff; a team must exist.
    async fn check_assignment(
        &self,
        principal: &Principal,
        assignee: Option<UserId>,
        team: Option<TeamId>,
        v: &mut Validator,
    ) -> Result<(), DomainError> {
        let tenant = principal.tenant_id();
        if let Some(a) = assignee {
            let ok = self
                .store
                .user(tenant, a)
                .await?
                .is_some_and(|u| u.role.is_staff() && u.is_active());
            if !ok {
                v.push(FieldError::new(
                    "assigneeId",
                    "invalid_assignee",
                    "must be an active agent of this helpdesk",
                ));
            }
        }
        if let Some(t) = team
            && self.store.team(tenant, t).await?.is_none()
        {
            v.push(FieldError::new("teamId", "unknown_team", "no such team"));
        }
        Ok(())
    }

    // ----- changing ------------------------------------------------------

    pub async fn update(
        &self,
        principal: &Principal,
        id: TicketId,
        input: TicketPatchInput,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let ticket = self.visible(principal, id).await?;
        principal.require(Action::UpdateTicket)?;
        if if_match.is_some_and(|v| v != ticket.version) {
            return Err(DomainError::PreconditionFailed);
        }
        self.apply_patch(principal, ticket, input, now).await
    }

    /// Applies a patch to a ticket read at its current version.
    async fn apply_patch(
        &self,
        principal: &Principal,
        mut ticket: Ticket,
        input: TicketPatchInput,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let mut v = Validator::new();
        let subject = v.optional("subject", input.subject, |s| parse_subject(&s));
        let status = v.optional("status", input.status, |s| Status::parse(&s));
        let priority = v.optional("priority", input.priority, |p| Priority::parse(&p));
        let kind = v.optional("type", input.kind, |k| TicketType::parse(&k));
        let assignee = v.optional("assigneeId", input.assignee_id, |a| {
            a.map(|a| parse_id::<UserId>(&a)).transpose()
        });
        let team = v.optional("teamId", input.team_id, |t| {
            t.map(|t| parse_id::<TeamId>(&t)).transpose()
        });
        let tags = v.optional("tags", input.tags, |t| parse_tags(&t));
        let add = v.optional("addTags", input.add_tags, |t| parse_tags(&t));
        let remove = v.optional("removeTags", input.remove_tags, |t| parse_tags(&t));
        let (assignee, team) = (assignee.flatten(), team.flatten());
        if let Some(Some(a)) = assignee {
            self.check_assignment(principal, Some(a), None, &mut v)
                .await?;
        }
        if let Some(Some(t)) = team {
            self.check_assignment(principal, None, Some(t), &mut v)
                .await?;
        }
        let custom = match input.custom_fields {
            Some(values) => {
                let schema = self.store.field_schema(ticket.tenant_id).await?;
                match schema.check(&ticket.custom_fields, &values, false) {
                    Ok(c) => Some(c),
                    Err(errors) => {
                        errors.into_iter().for_each(|e| v.push(e));
                        None
                    }
                }
            }
            None => None,
        };
        v.finish()?;

        let before = ticket.clone();
        let mut changes: Vec<Change> = Vec::new();
        let mut change = |field: &str, b: Value, a: Value| {
            if b != a {
                changes.push(Change {
                    field: field.to_owned(),
                    before: b,
                    after: a,
                });
            }
        };
        if let Some(Some(s)) = subject {
            change("subject", json!(ticket.subject), json!(s));
            ticket.subject = s;
        }
        if let Some(Some(s)) = status {
            ticket
                .set_status(s, now)
                .map_err(|e| DomainError::field("status", e.code, e.message))?;
            change("status", json!(before.status), json!(ticket.status));
        }
        if let Some(Some(p)) = priority {
            change("priority", json!(ticket.priority), json!(p));
            ticket.priority = p;
        }
        if let Some(Some(k)) = kind {
            change("type", json!(ticket.kind), json!(k));
            ticket.kind = k;
        }
        if let Some(a) = assignee {
            change("assigneeId", json!(ticket.assignee_id), json!(a));
            ticket.assignee_id = a;
        }
        if let Some(t) = team {
            change("teamId", json!(ticket.team_id), json!(t));
            ticket.team_id = t;
        }
        let mut new_tags = ticket.tags.clone();
        if let Some(Some(t)) = tags {
            new_tags = t;
        }
        if let Some(Some(a)) = add {
            new_tags.extend(a);
        }
        if let Some(Some(r)) = remove {
            new_tags.retain(|t| !r.contains(t));
        }
        if new_tags.len() > crate::ticket::MAX_TAGS {
            return Err(DomainError::field("tags", "too_many", "at most 30 tags"));
        }
        change("tags", json!(ticket.tags), json!(new_tags));
        ticket.tags = new_tags;
        if let Some(c) = custom {
            for key in c
                .keys()
                .chain(ticket.custom_fields.keys())
                .collect::<BTreeSet<_>>()
            {
                change(
                    &format!("customFields.{key}"),
                    ticket
                        .custom_fields
                        .get(key)
                        .cloned()
                        .unwrap_or(Value::Null),
                    c.get(key).cloned().unwrap_or(Value::Null),
                );
            }
            ticket.custom_fields = c;
        }
        if changes.is_empty() {
            return Ok(ticket);
        }
        ticket.version += 1;
        ticket.updated_at = now;
        let history = HistoryEntry {
            id: HistoryId::new(),
            ticket_id: ticket.id,
            at: now,
            actor: principal.actor(),
            changes: changes.clone(),
        };
        let events = change_events(&before, &ticket, &changes, principal, now);
        self.store
            .write_ticket(TicketWrite {
                ticket: &ticket,
                mode: TicketWriteMode::Replace(before.version),
                comment: None,
                new_requester: None,
                history: Some(&history),
                events: &events,
                idempotency: None,
            })
            .await
            .map_err(version_conflict)?;
        Ok(ticket)
    }

    pub async fn bulk(
        &self,
        principal: &Principal,
        ids: Vec<String>,
        op: TicketPatchInput,
        now: Timestamp,
    ) -> Result<Vec<BulkOutcome>, DomainError> {
        principal.require(Action::BulkUpdateTickets)?;
        if ids.is_empty() || ids.len() > MAX_BULK {
            return Err(DomainError::field(
                "ids",
                "invalid_length",
                format!("1 to {MAX_BULK} ids"),
            ));
        }
        let unique: BTreeSet<&String> = ids.iter().collect();
        if unique.len() != ids.len() {
            return Err(DomainError::field("ids", "duplicate", "ids must be unique"));
        }
        let mut outcomes = Vec::with_capacity(ids.len());
        for raw in ids {
            let result = match parse_id::<TicketId>(&raw) {
                Err(_) => Err(DomainError::NotFound),
                Ok(id) => self.bulk_one(principal, id, op.clone(), now).await,
            };
            outcomes.push(BulkOutcome { id: raw, result });
        }
        Ok(outcomes)
    }

    /// Read-modify-write with optimistic locking, retried when someone else
    /// changed the ticket in between.
    async fn bulk_one(
        &self,
        principal: &Principal,
        id: TicketId,
        op: TicketPatchInput,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                backoff().await;
            }
            let ticket = self.visible(principal, id).await?;
            match self.apply_patch(principal, ticket, op.clone(), now).await {
                Err(DomainError::PreconditionFailed) => continue,
                other => return other,
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    pub async fn delete(
        &self,
        principal: &Principal,
        id: TicketId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let ticket = self.visible(principal, id).await?;
        principal.require(Action::DeleteTicket)?;
        self.set_deleted(principal, ticket, Some(now), now)
            .await
            .map(|_| ())
    }

    /// Brings back a ticket deleted less than 30 days ago.
    pub async fn restore(
        &self,
        principal: &Principal,
        id: TicketId,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        principal
            .require(Action::DeleteTicket)
            .map_err(|_| DomainError::NotFound)?;
        let ticket = self
            .store
            .ticket(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let Some(deleted_at) = ticket.deleted_at else {
            return Ok(ticket);
        };
        if now.duration_since(deleted_at) > RESTORE_WINDOW {
            return Err(DomainError::NotFound);
        }
        self.set_deleted(principal, ticket, None, now).await
    }

    /// Deletes (`Some`) or restores (`None`) with its history entry and event.
    async fn set_deleted(
        &self,
        principal: &Principal,
        mut ticket: Ticket,
        deleted_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Ticket, DomainError> {
        let expected = ticket.version;
        let was_deleted = ticket.is_deleted();
        ticket.deleted_at = deleted_at;
        ticket.version += 1;
        ticket.updated_at = now;
        let kind = if deleted_at.is_some() {
            EventType::TicketDeleted
        } else {
            EventType::TicketRestored
        };
        let event = ticket_event(
            kind,
            &ticket,
            principal,
            now,
            json!({ "number": ticket.number }),
        );
        let history = HistoryEntry {
            id: HistoryId::new(),
            ticket_id: ticket.id,
            at: now,
            actor: principal.actor(),
            changes: vec![Change {
                field: "deleted".into(),
                before: json!(was_deleted),
                after: json!(ticket.is_deleted()),
            }],
        };
        self.store
            .write_ticket(TicketWrite {
                ticket: &ticket,
                mode: TicketWriteMode::Replace(expected),
                comment: None,
                new_requester: None,
                history: Some(&history),
                events: &[event],
                idempotency: None,
            })
            .await
            .map_err(version_conflict)?;
        Ok(ticket)
    }

    // ----- conversation --------------------------------------------------

    pub async fn add_comment(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        input: NewCommentInput,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<Comment>, DomainError> {
        let ticket = self.visible(principal, ticket_id).await?;
        let public = input.public.unwrap_or(true);
        principal.require(if public {
            Action::ReplyPublicly
        } else {
            Action::WriteInternalNote
        })?;
        if let Some(id) = self.replay(principal, idempotency.as_ref()).await? {
            return self.replayed_comment(principal, ticket_id, &id).await;
        }
        let body =
            parse_body(&input.body).map_err(|e| DomainError::field("body", e.code, e.message))?;
        let mut first = Some(ticket);
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                backoff().await;
            }
            // The first attempt uses the ticket just read; a retry re-reads it.
            let ticket = match first.take() {
                Some(t) => t,
                None => self.visible(principal, ticket_id).await?,
            };
            match self
                .try_comment(
                    principal,
                    ticket,
                    (body.clone(), public, input.files),
                    idempotency.as_ref(),
                    now,
                )
                .await
            {
                Err(DomainError::PreconditionFailed) => continue,
                Err(DomainError::Store(StoreError::IdempotencyKeyTaken)) => {
                    let id = self
                        .replay(principal, idempotency.as_ref())
                        .await?
                        .ok_or_else(|| {
                            DomainError::Internal("idempotency record vanished".into())
                        })?;
                    return self.replayed_comment(principal, ticket_id, &id).await;
                }
                other => return other.map(Created::New),
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    /// `(body, public, files)`: the comment as validated.
    async fn try_comment(
        &self,
        principal: &Principal,
        mut ticket: Ticket,
        (body, public, files): (String, bool, usize),
        idempotency: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Comment, DomainError> {
        if ticket.status == Status::Closed {
            return Err(DomainError::field(
                "ticket",
                "ticket_closed",
                "a closed ticket takes no more comments; open a follow-up",
            ));
        }
        let staff = principal.role().is_staff();
        // Mentions notify agents: keep only this tenant's active staff.
        let mut mentioned = BTreeSet::new();
        if staff {
            let ids: Vec<UserId> = mentions(&body).into_iter().collect();
            for u in self.store.users(ticket.tenant_id, &ids).await? {
                if u.role.is_staff() && u.is_active() {
                    mentioned.insert(u.id);
                }
            }
        }
        let comment = Comment {
            id: CommentId::new(),
            tenant_id: ticket.tenant_id,
            ticket_id: ticket.id,
            author: principal.actor(),
            author_id: principal.user_id(),
            public,
            body,
            mentions: mentioned,
            created_at: now,
            edited_at: None,
            deleted_at: None,
            revisions: Vec::new(),
            version: 1,
        };
        let before = ticket.clone();
        if public && staff {
            if ticket.first_response_at.is_none() {
                ticket.first_response_at = Some(now);
            }
            if ticket.status == Status::New {
                ticket.status = Status::Open;
            }
        }
        if public && !staff && matches!(ticket.status, Status::Pending | Status::Solved) {
            // The customer answered: the ball is back with the agents.
            ticket
                .set_status(Status::Open, now)
                .map_err(|e| DomainError::field("status", e.code, e.message))?;
        }
        ticket.version += 1;
        ticket.updated_at = now;
        let mut created = comment_event(EventType::CommentCreated, &comment, principal, now);
        if files > 0
            && let Some(data) = created.data.as_object_mut()
        {
            data.insert("files".into(), json!(files));
        }
        let mut events = vec![created];
        let mut history = None;
        if ticket.status != before.status {
            let change = Change {
                field: "status".into(),
                before: json!(before.status),
                after: json!(ticket.status),
            };
            events.extend(change_events(
                &before,
                &ticket,
                std::slice::from_ref(&change),
                principal,
                now,
            ));
            history = Some(HistoryEntry {
                id: HistoryId::new(),
                ticket_id: ticket.id,
                at: now,
                actor: principal.actor(),
                changes: vec![change],
            });
        }
        let record = idempotency.map(|key| IdempotencyRecord {
            key: key.clone(),
            resource_id: comment.id.to_string(),
            created_at: now,
        });
        let changes_ticket =
            ticket.status != before.status || ticket.first_response_at != before.first_response_at;
        let mode = if changes_ticket {
            TicketWriteMode::Replace(before.version)
        } else {
            TicketWriteMode::Touch {
                status: before.status,
            }
        };
        self.store
            .write_ticket(TicketWrite {
                ticket: &ticket,
                mode,
                comment: Some(CommentWrite::New(&comment)),
                new_requester: None,
                history: history.as_ref(),
                events: &events,
                idempotency: record.as_ref(),
            })
            .await
            .map_err(version_conflict)?;
        Ok(comment)
    }

    async fn replayed_comment(
        &self,
        principal: &Principal,
        ticket: TicketId,
        id: &str,
    ) -> Result<Created<Comment>, DomainError> {
        let id = parse_id::<CommentId>(id)
            .map_err(|_| DomainError::Internal("bad idempotency record".into()))?;
        let comment = self
            .store
            .comment(principal.tenant_id(), ticket, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(Created::Replayed(comment))
    }

    pub async fn list_comments(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        page: &PageRequest,
    ) -> Result<Page<Comment>, DomainError> {
        let ticket = self.visible(principal, ticket_id).await?;
        Ok(self
            .store
            .comments(
                principal.tenant_id(),
                ticket.id,
                principal.is_customer(),
                page,
            )
            .await?)
    }

    pub async fn edit_comment(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        comment_id: CommentId,
        body: String,
        now: Timestamp,
    ) -> Result<Comment, DomainError> {
        let mut comment = self.own_comment(principal, ticket_id, comment_id).await?;
        let body = parse_body(&body).map_err(|e| DomainError::field("body", e.code, e.message))?;
        let expected = comment.version;
        comment
            .edit(body, now)
            .map_err(|e| DomainError::field("body", e.code, e.message))?;
        let event = comment_event(EventType::CommentUpdated, &comment, principal, now);
        self.store
            .save_comment(&comment, expected, &[event])
            .await
            .map_err(version_conflict)?;
        Ok(comment)
    }

    pub async fn delete_comment(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        comment_id: CommentId,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let mut comment = self.own_comment(principal, ticket_id, comment_id).await?;
        if comment.deleted_at.is_some() {
            return Ok(());
        }
        let expected = comment.version;
        comment.redact(now);
        let event = comment_event(EventType::CommentDeleted, &comment, principal, now);
        self.store
            .save_comment(&comment, expected, &[event])
            .await
            .map_err(version_conflict)
    }

    /// A comment the caller wrote on a ticket they can see.
    async fn own_comment(
        &self,
        principal: &Principal,
        ticket_id: TicketId,
        comment_id: CommentId,
    ) -> Result<Comment, DomainError> {
        let ticket = self.visible(principal, ticket_id).await?;
        let comment = self
            .store
            .comment(principal.tenant_id(), ticket.id, comment_id)
            .await?
            .filter(|c| c.public || principal.role().is_staff())
            .ok_or(DomainError::NotFound)?;
        if comment.author != principal.actor() {
            return Err(DomainError::Forbidden);
        }
        Ok(comment)
    }

    // ----- custom fields -------------------------------------------------

    pub async fn fields(&self, principal: &Principal) -> Result<FieldSchema, DomainError> {
        principal.require(Action::ReadTicketFields)?;
        self.schema_for_view(principal).await
    }

    pub async fn put_fields(
        &self,
        principal: &Principal,
        defs: Vec<FieldDef>,
        if_match: Option<u64>,
    ) -> Result<FieldSchema, DomainError> {
        principal.require(Action::ManageTicketFields)?;
        FieldSchema::validate_defs(&defs).map_err(DomainError::Invalid)?;
        let current = self.store.field_schema(principal.tenant_id()).await?;
        if if_match.is_some_and(|v| v != current.version) {
            return Err(DomainError::PreconditionFailed);
        }
        let schema = FieldSchema {
            fields: defs,
            version: current.version + 1,
        };
        self.store
            .put_field_schema(principal.tenant_id(), &schema, current.version)
            .await
            .map_err(version_conflict)?;
        Ok(schema)
    }

    // ----- helpers -------------------------------------------------------

    /// The schema as the caller may see it.
    async fn schema_for_view(&self, principal: &Principal) -> Result<FieldSchema, DomainError> {
        let mut schema = self.store.field_schema(principal.tenant_id()).await?;
        if principal.is_customer() {
            schema.fields.retain(|d| d.customer_visible);
        }
        Ok(schema)
    }

    /// What a caller sees of a ticket: customers get public comments and
    /// their visible fields only (staff see all, so need no schema read).
    async fn shape(
        &self,
        principal: &Principal,
        mut ticket: Ticket,
        mut comments: Vec<Comment>,
        more: bool,
    ) -> Result<TicketDetail, DomainError> {
        let mut sla = None;
        if principal.is_customer() {
            comments.retain(|c| c.public);
            let schema = self.store.field_schema(principal.tenant_id()).await?;
            ticket.custom_fields = schema.customer_view(&ticket.custom_fields);
        } else {
            sla = self
                .store
                .ticket_sla(principal.tenant_id(), ticket.id)
                .await?
                .map(|s| s.sla.as_of(Timestamp::now()));
        }
        Ok(TicketDetail {
            ticket,
            comments,
            more_comments: more,
            sla,
        })
    }

    /// The resource an idempotency key already produced, or `None`; a key
    /// reused for a different request is refused.
    async fn replay(
        &self,
        principal: &Principal,
        key: Option<&IdempotencyKey>,
    ) -> Result<Option<String>, DomainError> {
        let Some(key) = key else { return Ok(None) };
        match self
            .store
            .idempotency_record(principal.tenant_id(), &key.scope)
            .await?
        {
            Some(record) if record.key.request == key.request => Ok(Some(record.resource_id)),
            Some(_) => Err(DomainError::IdempotencyKeyReused),
            None => Ok(None),
        }
    }
}

/// Customers see only tickets they requested.
/// Customers see only the tickets they requested; others are `NotFound`.
/// Customers reach the tickets they requested, and those they are copied
/// on (by the email they log in with).
pub(crate) fn ensure_visible(principal: &Principal, ticket: &Ticket) -> Result<(), DomainError> {
    let participant = || {
        principal
            .user()
            .is_some_and(|u| ticket.cc.contains(&u.email.as_str().to_lowercase()))
    };
    if principal.is_customer() && principal.user_id() != Some(ticket.requester_id) && !participant()
    {
        return Err(DomainError::NotFound);
    }
    Ok(())
}

fn version_conflict(e: StoreError) -> DomainError {
    match e {
        StoreError::VersionMismatch => DomainError::PreconditionFailed,
        other => other.into(),
    }
}

fn ticket_event(
    kind: EventType,
    ticket: &Ticket,
    principal: &Principal,
    now: Timestamp,
    data: Value,
) -> DomainEvent {
    DomainEvent::new(
        kind,
        ticket.tenant_id,
        now,
        principal.actor(),
        Subject {
            ticket_id: Some(ticket.id),
            ..Subject::default()
        },
        data,
    )
}

fn comment_event(
    kind: EventType,
    comment: &Comment,
    principal: &Principal,
    now: Timestamp,
) -> DomainEvent {
    DomainEvent::new(
        kind,
        comment.tenant_id,
        now,
        principal.actor(),
        Subject {
            ticket_id: Some(comment.ticket_id),
            comment_id: Some(comment.id),
            ..Subject::default()
        },
        json!({ "public": comment.public, "mentions": comment.mentions }),
    )
}

/// The requester's first message, which opens the ticket (not a reply).
fn opening_comment_event(comment: &Comment, principal: &Principal, now: Timestamp) -> DomainEvent {
    let mut event = comment_event(EventType::CommentCreated, comment, principal, now);
    if let Some(data) = event.data.as_object_mut() {
        data.insert("opening".into(), Value::Bool(true));
    }
    event
}

/// `ticket.updated` with every change, plus the specific events
/// integrations subscribe to.
fn change_events(
    before: &Ticket,
    after: &Ticket,
    changes: &[Change],
    principal: &Principal,
    now: Timestamp,
) -> Vec<DomainEvent> {
    let mut events = vec![ticket_event(
        EventType::TicketUpdated,
        after,
        principal,
        now,
        json!({ "changes": changes }),
    )];
    if before.status != after.status {
        events.push(ticket_event(
            EventType::TicketStatusChanged,
            after,
            principal,
            now,
            json!({ "from": before.status, "to": after.status }),
        ));
    }
    if before.assignee_id != after.assignee_id || before.team_id != after.team_id {
        events.push(ticket_event(
            EventType::TicketAssigned,
            after,
            principal,
            now,
            json!({
                "assigneeId": after.assignee_id, "previousAssigneeId": before.assignee_id,
                "teamId": after.team_id, "previousTeamId": before.team_id,
            }),
        ));
    }
    if before.priority != after.priority {
        events.push(ticket_event(
            EventType::TicketPriorityChanged,
            after,
            principal,
            now,
            json!({ "from": before.priority, "to": after.priority }),
        ));
    }
    events
}
