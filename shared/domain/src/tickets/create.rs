//! Opening a ticket: its requester (created on the fly from an email when
//! new), assignment checks, custom fields, and the opening comment.

use crate::tickets::events::ticket_created;
use crate::tickets::input::NewTicket;
use crate::tickets::input::RequesterRef;
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::accounts::organizations::organization_for;
use crate::accounts::permissions::{Action, Principal};
use crate::accounts::ports::{OrganizationStore, TeamStore, UserStore};
use crate::accounts::service::user_created;
use crate::accounts::user::{Role, User};
use crate::kernel::error::{Conflict, DomainError, StoreError};
use crate::kernel::idempotency::Created;
use crate::kernel::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::kernel::ids::{CommentId, OrganizationId, TeamId, TicketId, UserId};
use crate::kernel::ports::IdempotencyStore;
use crate::kernel::validation::{FieldError, Validator, parse_id};
use crate::tickets::comment::Comment;
use crate::tickets::events::opening_comment_event;

use crate::tickets::input::UNVERIFIED_SENDER;
use crate::tickets::ports::{
    CommentWrite, FieldSchemaStore, TicketStore, TicketWrite, TicketWriteMode,
};
use crate::tickets::service::{TicketDetail, Ticketing};
use crate::tickets::ticket::{
    Channel, Clocks, MAX_FOLLOWERS, Priority, Status, Tag, Ticket, TicketType,
};

impl<S> Ticketing<S>
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
{
    pub async fn create(
        &self,
        principal: &Principal,
        input: NewTicket,
        idempotency: Option<IdempotencyKey>,
        now: Timestamp,
    ) -> Result<Created<TicketDetail>, DomainError> {
        principal.require(Action::CreateTicket)?;
        if let Some(replayed) = self.replay(principal, idempotency.as_ref()).await? {
            let id = parse_id::<TicketId>(&replayed)
                .map_err(|_| DomainError::Internal("bad idempotency record".into()))?;
            return Ok(Created::Replayed(self.detail(principal, id).await?));
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
                    return Ok(Created::Replayed(self.detail(principal, id).await?));
                }
                other => return other.map(Created::New),
            }
        }
        Err(DomainError::Conflict(Conflict::Concurrent))
    }

    pub(super) async fn try_create(
        &self,
        principal: &Principal,
        input: NewTicket,
        idempotency: Option<&IdempotencyKey>,
        now: Timestamp,
    ) -> Result<TicketDetail, DomainError> {
        let staff = principal.role().is_staff();
        let tenant = principal.tenant_id();
        let mut v = Validator::new();
        let NewTicket {
            subject,
            description,
            priority,
            kind,
            channel,
            requester,
            assignee,
            team,
            tags,
            custom_fields: custom,
            routing,
            cc,
            mail,
        } = input;
        if !staff {
            for (field, given) in [
                ("assigneeId", assignee.is_some()),
                ("teamId", team.is_some()),
                ("tags", tags.as_ref().is_some_and(|t| !t.is_empty())),
                ("requester", requester.is_some()),
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
        // A customer answers the fields they can see; the hidden ones
        // (even required ones) are staff's to fill in later. A mail cannot
        // answer any: its ticket opens, and staff fill them in.
        let checked_against = if staff {
            schema.clone()
        } else {
            schema.customer_schema()
        };
        let complete = channel != Some(Channel::Email);
        let custom_fields = match checked_against.check(&BTreeMap::new(), &custom, complete) {
            Ok(c) => Some(c),
            Err(errors) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
        };
        let (requester, new_requester, organization) = self
            .resolve_requester(principal, requester, &mut v, now)
            .await?;
        self.check_assignment(principal, assignee, team, &mut v)
            .await?;
        // A channel's team is used only while it exists.
        let team = match (team, routing.team_id) {
            (Some(t), _) => Some(t),
            (None, Some(t)) => self.store.team(tenant, t).await?.map(|_| t),
            (None, None) => None,
        };
        v.finish()?;
        let Some(requester) = requester else {
            return Err(DomainError::Internal(
                "validated ticket is incomplete".into(),
            ));
        };

        let number = self.store.next_ticket_number(tenant).await?;
        let default_channel = match principal.caller {
            crate::accounts::permissions::Caller::ApiKey(_) => Channel::Api,
            crate::accounts::permissions::Caller::User { .. }
            | crate::accounts::permissions::Caller::System => Channel::Web,
        };
        let mut ticket = Ticket {
            id: TicketId::new(),
            tenant_id: tenant,
            number,
            subject: subject.into_string(),
            status: Status::New,
            priority: priority.or(routing.priority).unwrap_or(Priority::Normal),
            kind: kind.unwrap_or(TicketType::Question),
            channel: channel.unwrap_or(default_channel),
            requester_id: requester,
            organization_id: organization,
            assignee_id: assignee,
            team_id: team,
            tags: {
                let mut tags = tags.unwrap_or_default();
                if routing.unverified_sender {
                    tags.extend(Tag::parse(UNVERIFIED_SENDER).ok());
                }
                tags
            },
            custom_fields: custom_fields.unwrap_or_default(),
            cc,
            created_by: principal.actor(),
            created_at: now,
            updated_at: now,
            first_response_at: None,
            solved_at: None,
            closed_at: None,
            deleted_at: None,
            version: 1,
            public_version: 1,
            public_updated_at: now,
            merged_into: None,
            merged_from: BTreeSet::new(),
            followers: BTreeSet::new(),
            satisfaction: None,
            clocks: Clocks {
                status_changed_at: Some(now),
                assigned_at: assignee.map(|_| now),
                // A customer's description is their first message.
                requester_replied_at: (!principal.role().is_staff()).then_some(now),
                ..Clocks::default()
            },
        };
        // The description is the requester's first message.
        let comment = Comment {
            id: CommentId::new(),
            tenant_id: tenant,
            ticket_id: ticket.id,
            author: crate::kernel::events::Actor::user(requester),
            author_id: Some(requester),
            public: true,
            body: description.into_string(),
            mentions: BTreeSet::new(),
            created_at: now,
            edited_at: None,
            deleted_at: None,
            revisions: Vec::new(),
            mail,
            copied_from: None,
            version: 1,
        };
        let mut events = vec![
            ticket_created(&ticket, principal, now),
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
                before: None,
                comment: Some(CommentWrite::New(&comment)),
                new_requester: new_requester.as_ref(),
                history: None,
                events: &events,
                idempotency: record.as_ref(),
                capacity: None,
            })
            .await?;
        if principal.is_customer() {
            ticket = ticket.as_seen_by_customer(&schema);
        }
        Ok(TicketDetail {
            ticket,
            comments: vec![comment],
            more_comments: false,
            reached_from: None,
        })
    }

    /// Who the ticket is for: a customer for themselves; staff for an
    /// existing user, an email (creating the customer if new, in the
    /// organisation of its domain), or themselves. With the requester's
    /// organisation, which the ticket belongs to.
    pub(super) async fn resolve_requester(
        &self,
        principal: &Principal,
        input: Option<RequesterRef>,
        v: &mut Validator,
        now: Timestamp,
    ) -> Result<(Option<UserId>, Option<User>, Option<OrganizationId>), DomainError> {
        let tenant = principal.tenant_id();
        let mine = principal.user().and_then(|u| u.organization_id);
        match input {
            None => match principal.user_id() {
                Some(me) => Ok((Some(me), None, mine)),
                None => {
                    v.push(FieldError::new(
                        "requester",
                        "required",
                        "an API key must name the requester",
                    ));
                    Ok((None, None, None))
                }
            },
            Some(_) if !principal.role().is_staff() => Ok((principal.user_id(), None, mine)),
            Some(RequesterRef::Id(id)) => match self.store.user(tenant, id).await? {
                Some(u) if u.is_active() => Ok((Some(u.id), None, u.organization_id)),
                _ => {
                    v.push(FieldError::new(
                        "requester.id",
                        "unknown_user",
                        "no such active user",
                    ));
                    Ok((None, None, None))
                }
            },
            Some(RequesterRef::Email { email, name }) => {
                if let Some(existing) = self.store.user_by_email(tenant, &email).await? {
                    if !existing.is_active() {
                        v.push(FieldError::new(
                            "requester.email",
                            "deactivated",
                            "this user is deactivated",
                        ));
                    }
                    return Ok((Some(existing.id), None, existing.organization_id));
                }
                let display = name
                    .unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("").to_owned());
                let organization = organization_for(&self.store, tenant, &email).await?;
                let mut user = User::new(tenant, email, display, Role::Customer, None, now);
                user.organization_id = organization;
                Ok((Some(user.id), Some(user), organization))
            }
        }
    }

    /// An assignee must be active staff; a team must exist.
    pub(super) async fn check_assignment(
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

    /// Followers are at most [`MAX_FOLLOWERS`], and those joining are
    /// active agents (one who left may stay until removed).
    pub(super) async fn check_followers(
        &self,
        principal: &Principal,
        (now, wanted): (&BTreeSet<UserId>, &BTreeSet<UserId>),
        v: &mut Validator,
    ) -> Result<(), DomainError> {
        if wanted.len() > MAX_FOLLOWERS {
            v.push(FieldError::new(
                "followers",
                "too_many",
                format!("at most {MAX_FOLLOWERS} followers"),
            ));
            return Ok(());
        }
        let joining: Vec<UserId> = wanted.difference(now).copied().collect();
        if joining.is_empty() {
            return Ok(());
        }
        let agents: BTreeSet<UserId> = self
            .store
            .users(principal.tenant_id(), &joining)
            .await?
            .into_iter()
            .filter(|u| u.role.is_staff() && u.is_active())
            .map(|u| u.id)
            .collect();
        if joining.iter().any(|j| !agents.contains(j)) {
            v.push(FieldError::new(
                "followers",
                "invalid_follower",
                "each must be an active agent of this helpdesk",
            ));
        }
        Ok(())
    }
}
