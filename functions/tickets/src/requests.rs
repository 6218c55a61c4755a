//! Request bodies and queries of the ticket routes, and their parsing into
//! the domain's inputs: every field error is collected in one `422`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::user::{Email, parse_person_name};
use switchboard_domain::kernel::ids::{MacroId, TeamId, UserId};
use switchboard_domain::kernel::validation::{FieldError, Validator, parse_id};
use switchboard_domain::tickets::input::{
    Body, NewComment, NewTicket, Participants, RequesterRef, Someone, SubjectLine,
    TicketListFilter, TicketPatch,
};
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, Tag, TicketType, parse_tags};
use switchboard_http::extract::nullable;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[serde(untagged)]
pub(crate) enum RequesterRequest {
    Id { id: String },
    Email { email: String, name: Option<String> },
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewTicketRequest {
    pub(crate) subject: String,
    pub(crate) description: String,
    pub(crate) priority: Option<String>,
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) channel: Option<String>,
    pub(crate) requester: Option<RequesterRequest>,
    pub(crate) assignee_id: Option<String>,
    pub(crate) team_id: Option<String>,
    pub(crate) tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub(crate) custom_fields: Option<BTreeMap<String, Value>>,
}
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    pub(crate) status: Option<String>,
    pub(crate) assignee: Option<String>,
    pub(crate) team: Option<String>,
    pub(crate) requester: Option<String>,
    pub(crate) priority: Option<String>,
    pub(crate) tag: Option<String>,
    pub(crate) sort: Option<String>,
    pub(crate) order: Option<String>,
    /// `breached` or `at_risk`: the tickets whose running SLA target is past
    /// its due time (or its warning), soonest due first (staff; other
    /// filters do not apply).
    pub(crate) sla: Option<String>,
    pub(crate) limit: Option<i64>,
    pub(crate) cursor: Option<String>,
}
#[derive(Deserialize, Clone, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TicketPatchRequest {
    pub(crate) subject: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) priority: Option<String>,
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub(crate) assignee_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub(crate) team_id: Option<Option<String>>,
    pub(crate) tags: Option<Vec<String>>,
    pub(crate) add_tags: Option<Vec<String>>,
    pub(crate) remove_tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub(crate) custom_fields: Option<BTreeMap<String, Value>>,
    /// Replaces the people copied on the ticket (addresses, at most 20).
    pub(crate) participants: Option<Vec<String>>,
    /// Replaces the agents who follow the ticket (user ids, at most 50):
    /// they are notified of its replies, notes and status changes.
    pub(crate) followers: Option<Vec<String>>,
}

/// `PUT /v1/tickets/{id}/participants`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ParticipantsRequest {
    /// Every address copied on the ticket (at most 20); `[]` clears them.
    pub(crate) participants: Vec<String>,
}

impl TryFrom<ParticipantsRequest> for TicketPatch {
    type Error = DomainError;

    fn try_from(r: ParticipantsRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let cc = participants(&r.participants, &mut v);
        v.finish()?;
        Ok(TicketPatch {
            cc,
            ..TicketPatch::default()
        })
    }
}

/// Parsed participants, each refused address a field error.
fn participants(raw: &[String], v: &mut Validator) -> Option<Participants> {
    match Participants::parse(raw) {
        Ok(p) => Some(p),
        Err(errors) => {
            for (field, e) in errors {
                v.push(FieldError::new(field, e.code, e.message));
            }
            None
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCommentRequest {
    pub(crate) body: String,
    pub(crate) public: Option<bool>,
    /// Upload ids (`upl_…`) to attach (at most 20); checked before the
    /// comment is written. Files on an internal note are staff-only.
    pub(crate) attachments: Option<Vec<String>>,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EditCommentRequest {
    pub(crate) body: String,
}
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkRequest {
    /// 1 to 100 ticket ids.
    pub(crate) ids: Vec<String>,
    /// The change to make to each (or `macroId`).
    pub(crate) update: Option<TicketPatchRequest>,
    /// A macro to apply to each (or `update`): its actions and its
    /// comment, rendered per ticket, one change per ticket.
    #[serde(rename = "macroId")]
    pub(crate) macro_id: Option<String>,
}

/// What a bulk request does to each ticket.
pub(crate) enum BulkOp {
    Update(Vec<String>, Box<TicketPatch>),
    Macro(Vec<String>, MacroId),
}

impl TryFrom<BulkRequest> for BulkOp {
    type Error = DomainError;

    fn try_from(r: BulkRequest) -> Result<Self, DomainError> {
        match (r.update, r.macro_id) {
            (Some(update), None) => Ok(BulkOp::Update(r.ids, Box::new(update.try_into()?))),
            (None, Some(m)) => match parse_id::<MacroId>(&m) {
                Ok(id) => Ok(BulkOp::Macro(r.ids, id)),
                Err(e) => Err(DomainError::field("macroId", e.code, e.message)),
            },
            _ => Err(DomainError::field(
                "update",
                "invalid_value",
                "give either `update` or `macroId`",
            )),
        }
    }
}

impl TryFrom<NewTicketRequest> for NewTicket {
    type Error = DomainError;

    fn try_from(r: NewTicketRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let subject = v.field("subject", SubjectLine::parse(&r.subject));
        let description = v.field("description", Body::parse(&r.description));
        let priority = v.optional("priority", r.priority, |p| Priority::parse(&p));
        let kind = v.optional("type", r.kind, |k| TicketType::parse(&k));
        let channel = v.optional("channel", r.channel, |c| Channel::parse(&c));
        let requester = r.requester.map(|q| requester(q, &mut v));
        let assignee = v.optional("assigneeId", r.assignee_id, |a| parse_id::<UserId>(&a));
        let team = v.optional("teamId", r.team_id, |t| parse_id::<TeamId>(&t));
        let tags = v.optional("tags", r.tags, |t| parse_tags(&t));
        v.finish()?;
        let (Some(subject), Some(description)) = (subject, description) else {
            return Err(DomainError::Internal(
                "validated ticket is incomplete".into(),
            ));
        };
        Ok(NewTicket {
            priority: priority.flatten(),
            kind: kind.flatten(),
            channel: channel.flatten(),
            requester: requester.flatten(),
            assignee: assignee.flatten(),
            team: team.flatten(),
            tags: tags.flatten(),
            custom_fields: r.custom_fields.unwrap_or_default(),
            ..NewTicket::new(subject, description)
        })
    }
}

/// A requester by id, or by email with an optional name.
fn requester(r: RequesterRequest, v: &mut Validator) -> Option<RequesterRef> {
    match r {
        RequesterRequest::Id { id } => v
            .field("requester.id", parse_id::<UserId>(&id))
            .map(RequesterRef::Id),
        RequesterRequest::Email { email, name } => {
            let email = v.field("requester.email", Email::parse(&email));
            let name = v.optional("requester.name", name, |n| parse_person_name(&n));
            Some(RequesterRef::Email {
                email: email?,
                name: name?,
            })
        }
    }
}

impl TryFrom<TicketPatchRequest> for TicketPatch {
    type Error = DomainError;

    fn try_from(r: TicketPatchRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let patch = TicketPatch {
            subject: v
                .optional("subject", r.subject, |s| SubjectLine::parse(&s))
                .flatten(),
            status: v
                .optional("status", r.status, |s| Status::parse(&s))
                .flatten(),
            priority: v
                .optional("priority", r.priority, |p| Priority::parse(&p))
                .flatten(),
            kind: v
                .optional("type", r.kind, |k| TicketType::parse(&k))
                .flatten(),
            assignee: v
                .optional("assigneeId", r.assignee_id, |a| {
                    a.map(|a| parse_id::<UserId>(&a)).transpose()
                })
                .flatten(),
            team: v
                .optional("teamId", r.team_id, |t| {
                    t.map(|t| parse_id::<TeamId>(&t)).transpose()
                })
                .flatten(),
            tags: v.optional("tags", r.tags, |t| parse_tags(&t)).flatten(),
            add_tags: v
                .optional("addTags", r.add_tags, |t| parse_tags(&t))
                .flatten(),
            remove_tags: v
                .optional("removeTags", r.remove_tags, |t| parse_tags(&t))
                .flatten(),
            custom_fields: r.custom_fields,
            cc: r
                .participants
                .as_deref()
                .and_then(|p| participants(p, &mut v)),
            followers: v
                .optional("followers", r.followers, |f| {
                    f.iter().map(|id| parse_id::<UserId>(id)).collect()
                })
                .flatten(),
        };
        v.finish()?;
        Ok(patch)
    }
}

impl TryFrom<&ListQuery> for TicketListFilter {
    type Error = DomainError;

    fn try_from(q: &ListQuery) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let some = |raw: &Option<String>| raw.clone();
        let filter = TicketListFilter {
            status: v
                .optional("status", some(&q.status), |s| Status::parse(&s))
                .flatten(),
            assignee: v
                .optional("assignee", some(&q.assignee), |a| {
                    TicketListFilter::parse_assignee(&a)
                })
                .flatten(),
            team: v
                .optional("team", some(&q.team), |t| TicketListFilter::parse_team(&t))
                .flatten(),
            requester: v
                .optional("requester", some(&q.requester), |r| Someone::parse(&r))
                .flatten(),
            priority: v
                .optional("priority", some(&q.priority), |p| Priority::parse(&p))
                .flatten(),
            tag: v
                .optional("tag", some(&q.tag), |t| Tag::parse(&t))
                .flatten(),
            sort: v
                .optional("sort", some(&q.sort), |s| TicketListFilter::parse_sort(&s))
                .flatten(),
            descending: v
                .optional("order", some(&q.order), |o| {
                    TicketListFilter::parse_order(&o)
                })
                .flatten(),
        };
        v.finish()?;
        Ok(filter)
    }
}

impl TryFrom<&NewCommentRequest> for NewComment {
    type Error = DomainError;

    fn try_from(r: &NewCommentRequest) -> Result<Self, DomainError> {
        let body =
            Body::parse(&r.body).map_err(|e| DomainError::field("body", e.code, e.message))?;
        Ok(NewComment {
            body,
            public: r.public.unwrap_or(true),
            files: 0,
            mail: None,
        })
    }
}
