//! The API's JSON shapes of domain objects, shared by the functions that
//! return them. Secrets (password hashes) have no field here to leak into.

use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeSet;
use switchboard_domain::accounts::service::{SignedIn, TokenPair};

use std::collections::BTreeMap;

use serde_json::Value;

mod email;
mod jobs;
pub use email::{MailboxView, ReceivedMailView};
pub use jobs::{DownloadView, JobView};
use switchboard_domain::accounts::api_key::{ApiKey, Scope};
use switchboard_domain::accounts::team::Team;
use switchboard_domain::accounts::tenant::{Tenant, TenantSettings, TenantStatus};
use switchboard_domain::accounts::user::{Role, User, UserStatus};
use switchboard_domain::kernel::events::Actor;
use switchboard_domain::kernel::ids::{
    ApiKeyId, CommentId, OrganizationId, TeamId, TenantId, TicketId, UserId,
};
use switchboard_domain::kernel::pagination::Page;
use switchboard_domain::tickets::comment::{Comment, CopiedFrom, Revision};
use switchboard_domain::tickets::service::TicketDetail;
use switchboard_domain::tickets::ticket::{Channel, Priority, Status, Tag, Ticket, TicketType};

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantView {
    #[schema(value_type = String, example = "ten_01JD3Z4X8Q5N2M7K9V6B1C0A2E")]
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    #[schema(value_type = String, example = "active")]
    pub status: TenantStatus,
    #[schema(value_type = Object)]
    pub settings: TenantSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&Tenant> for TenantView {
    fn from(t: &Tenant) -> Self {
        Self {
            id: t.id,
            slug: t.slug.as_str().to_owned(),
            name: t.name.clone(),
            status: t.status,
            settings: t.settings.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    #[schema(value_type = String, example = "usr_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    pub id: UserId,
    #[schema(value_type = String)]
    pub tenant_id: TenantId,
    pub email: String,
    pub name: String,
    #[schema(value_type = String, example = "agent")]
    pub role: Role,
    #[schema(value_type = String, example = "active")]
    pub status: UserStatus,
    /// `false` only for a self-registered customer who has not followed
    /// the link mailed to them: mail from the address is not theirs yet.
    pub email_verified: bool,
    /// The customer's organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub organization_id: Option<OrganizationId>,
    /// When the person's personal data was erased (name and email are a
    /// tombstone since).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            tenant_id: u.tenant_id,
            email: u.email.as_str().to_owned(),
            name: u.name.clone(),
            role: u.role,
            status: u.status,
            email_verified: u.email_verified,
            organization_id: u.organization_id,
            erased_at: u.erasure.map(|e| e.at),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// OAuth-style token response fields.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokensView {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
}

impl From<TokenPair> for TokensView {
    fn from(t: TokenPair) -> Self {
        Self {
            access_token: t.access.token,
            token_type: "Bearer",
            expires_in: t.access.expires_in,
            refresh_token: t.refresh_token,
        }
    }
}

/// What sign-up, login and registration return.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    #[serde(flatten)]
    pub tokens: TokensView,
    pub user: UserView,
    pub tenant: TenantView,
}

impl From<SignedIn> for SessionView {
    fn from(s: SignedIn) -> Self {
        Self {
            user: UserView::from(&s.user),
            tenant: TenantView::from(&s.tenant),
            tokens: s.tokens.into(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageView<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> PageView<T> {
    pub fn from_page<U>(page: Page<U>, view: impl Fn(&U) -> T) -> Self {
        Self {
            items: page.items.iter().map(view).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// An API key as listed: never its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    #[schema(value_type = String)]
    pub id: ApiKeyId,
    pub name: String,
    #[schema(value_type = String, example = "agent")]
    pub role: Role,
    #[schema(value_type = Vec<String>, example = json!(["tickets:read"]))]
    pub scopes: BTreeSet<Scope>,
    /// The secret's first characters, to recognise it.
    pub prefix: String,
    #[schema(value_type = String)]
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

impl From<&ApiKey> for ApiKeyView {
    fn from(k: &ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name.clone(),
            role: k.role,
            scopes: k.scopes.clone(),
            prefix: k.prefix.clone(),
            created_by: k.created_by,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamView {
    #[schema(value_type = String)]
    pub id: TeamId,
    pub name: String,
    pub description: String,
    #[schema(value_type = Vec<String>)]
    pub members: BTreeSet<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&Team> for TeamView {
    fn from(t: &Team) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            description: t.description.clone(),
            members: t.members.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListView<T> {
    pub items: Vec<T>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    #[schema(value_type = String)]
    pub id: TicketId,
    pub number: u64,
    pub subject: String,
    #[schema(value_type = String, example = "open")]
    pub status: Status,
    #[schema(value_type = String, example = "normal")]
    pub priority: Priority,
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "question")]
    pub kind: TicketType,
    #[schema(value_type = String, example = "web")]
    pub channel: Channel,
    #[schema(value_type = String)]
    pub requester_id: UserId,
    /// The requester's organisation when the ticket was opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub organization_id: Option<OrganizationId>,
    /// Staff only (absent for customers), `null` when unassigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub assignee_id: Option<Option<UserId>>,
    /// Staff only (absent for customers), `null` without a team.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub team_id: Option<Option<TeamId>>,
    /// Staff only (absent for customers).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Option<BTreeSet<Tag>>,
    /// Staff only (absent for customers): agents who follow it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub followers: Option<BTreeSet<UserId>>,
    #[schema(value_type = Object)]
    pub custom_fields: BTreeMap<String, Value>,
    /// Others in the conversation by email (copied on replies).
    pub cc: BTreeSet<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub solved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    /// The ticket this one was merged into (it is closed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub merged_into: Option<TicketId>,
    /// The tickets merged into this one.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub merged_from: BTreeSet<TicketId>,
    /// The requester's rating (`score`, `comment`, `ratedAt`), once given.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub satisfaction: Option<switchboard_domain::tickets::ticket::Satisfaction>,
    pub version: u64,
}

impl TicketView {
    /// The ticket as the caller sees it: customers never see its routing
    /// (assignee, team, tags, followers), as their live updates never do.
    pub fn new(t: &Ticket, staff: bool) -> Self {
        let mut view = Self::from(t);
        if !staff {
            view.assignee_id = None;
            view.team_id = None;
            view.tags = None;
            view.followers = None;
        }
        view
    }
}

/// The staff view.
impl From<&Ticket> for TicketView {
    fn from(t: &Ticket) -> Self {
        Self {
            id: t.id,
            number: t.number,
            subject: t.subject.clone(),
            status: t.status,
            priority: t.priority,
            kind: t.kind,
            channel: t.channel,
            requester_id: t.requester_id,
            organization_id: t.organization_id,
            assignee_id: Some(t.assignee_id),
            team_id: Some(t.team_id),
            tags: Some(t.tags.clone()),
            followers: Some(t.followers.clone()),
            custom_fields: t.custom_fields.clone(),
            cc: t.cc.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            first_response_at: t.first_response_at,
            solved_at: t.solved_at,
            closed_at: t.closed_at,
            merged_into: t.merged_into,
            merged_from: t.merged_from.clone(),
            satisfaction: t.satisfaction.clone(),
            version: t.version,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    #[schema(value_type = String)]
    pub id: CommentId,
    #[schema(value_type = String)]
    pub ticket_id: TicketId,
    #[schema(value_type = Object)]
    pub author: Actor,
    pub public: bool,
    pub body: String,
    #[schema(value_type = Vec<String>)]
    pub mentions: BTreeSet<UserId>,
    pub created_at: Timestamp,
    pub edited_at: Option<Timestamp>,
    pub deleted: bool,
    /// Earlier texts of an edited comment (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub revisions: Option<Vec<Revision>>,
    /// What a mail quoted below its author's text (history, signature),
    /// for a "show quoted text" toggle; absent when it quoted nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quoted: Option<String>,
    /// On a copy made by a merge: `{ticketId, number}` of the ticket the
    /// comment was first written on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub copied_from: Option<CopiedFrom>,
    pub version: u64,
}

impl CommentView {
    pub fn new(c: &Comment, staff: bool) -> Self {
        Self {
            id: c.id,
            ticket_id: c.ticket_id,
            author: c.author.clone(),
            public: c.public,
            body: c.body.clone(),
            mentions: c.mentions.clone(),
            created_at: c.created_at,
            edited_at: c.edited_at,
            deleted: c.deleted_at.is_some(),
            revisions: staff.then(|| c.revisions.clone()),
            quoted: c
                .mail
                .as_ref()
                .map(|m| m.quoted.clone())
                .filter(|q| !q.is_empty()),
            copied_from: c.copied_from,
            version: c.version,
        }
    }
}

/// A ticket with the start of its conversation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketDetailView {
    #[serde(flatten)]
    pub ticket: TicketView,
    pub comments: Vec<CommentView>,
    /// More comments than shown: page through `GET …/comments`.
    pub more_comments: bool,
    /// The number asked for (`GET /v1/tickets/by-number/{n}`) when that
    /// ticket was merged into this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reached_from: Option<u64>,
    /// The SLA (staff): `{policyId, policyName, targets: [{kind, startedAt, dueAt, warnAt,
    /// state (active|paused|met|breached), breachedAt, metAt, pausedFor (seconds)}]}`;
    /// absent when no policy applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub sla: Option<switchboard_domain::sla::evaluate::TicketSla>,
}

impl TicketDetailView {
    /// `sla`: the ticket's clocks, shown to staff only.
    pub fn new(
        d: &TicketDetail,
        sla: Option<switchboard_domain::sla::evaluate::TicketSla>,
        staff: bool,
    ) -> Self {
        Self {
            ticket: TicketView::new(&d.ticket, staff),
            comments: d
                .comments
                .iter()
                .map(|c| CommentView::new(c, staff))
                .collect(),
            more_comments: d.more_comments,
            reached_from: d.reached_from,
            sla: sla.filter(|_| staff),
        }
    }
}

/// An in-app notification.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    #[schema(value_type = String)]
    pub id: switchboard_domain::kernel::ids::NotificationId,
    /// Why: `assigned`, `team_assigned`, `mentioned`, `customer_replied`, `status_changed`, `webhook_disabled`.
    #[schema(value_type = String, example = "assigned")]
    pub kind: switchboard_domain::notifications::notification::NotificationKind,
    pub title: String,
    #[schema(value_type = Option<String>)]
    pub ticket_id: Option<TicketId>,
    #[schema(value_type = Option<String>)]
    pub comment_id: Option<CommentId>,
    /// The event that caused it.
    #[schema(value_type = String)]
    pub event_id: switchboard_domain::kernel::ids::EventId,
    #[schema(value_type = Option<String>, example = "ticket.assigned")]
    pub event_type: Option<switchboard_domain::kernel::events::EventType>,
    #[schema(value_type = Object)]
    pub actor: Actor,
    pub created_at: Timestamp,
    pub read_at: Option<Timestamp>,
    pub read: bool,
}

impl From<&switchboard_domain::notifications::notification::Notification> for NotificationView {
    fn from(n: &switchboard_domain::notifications::notification::Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            title: n.title.clone(),
            ticket_id: n.ticket_id,
            comment_id: n.comment_id,
            event_id: n.event_id,
            event_type: n.event_type,
            actor: n.actor.clone(),
            created_at: n.created_at,
            read_at: n.read_at,
            read: n.read_at.is_some(),
        }
    }
}

/// What a person does not want to be notified of.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationPreferencesView {
    /// Muted kinds (the rest are on).
    #[schema(value_type = Vec<String>)]
    pub muted: Vec<switchboard_domain::notifications::notification::NotificationKind>,
    /// Kinds also sent by email.
    #[schema(value_type = Vec<String>)]
    pub emailed: Vec<switchboard_domain::notifications::notification::NotificationKind>,
    /// Every kind there is.
    #[schema(value_type = Vec<String>)]
    pub kinds: Vec<switchboard_domain::notifications::notification::NotificationKind>,
}

impl From<&switchboard_domain::notifications::notification::Preferences>
    for NotificationPreferencesView
{
    fn from(p: &switchboard_domain::notifications::notification::Preferences) -> Self {
        Self {
            muted: p.muted.iter().copied().collect(),
            emailed: p.emailed.iter().copied().collect(),
            kinds: switchboard_domain::notifications::notification::NotificationKind::ALL.to_vec(),
        }
    }
}

/// A webhook endpoint (its secret is shown only on creation and rotation).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    #[schema(value_type = String)]
    pub id: switchboard_domain::kernel::ids::WebhookId,
    pub url: String,
    pub description: String,
    /// Event types from the catalogue, or `["*"]`.
    pub events: Vec<String>,
    pub enabled: bool,
    /// Why Switchboard disabled it: `gone` (answered 410) or `failing` (5 days of failures).
    pub disabled_reason: Option<String>,
    /// Since when every delivery has failed, if they do.
    pub failing_since: Option<Timestamp>,
    /// A rotated-out secret still signs until this time.
    pub previous_secret_expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
    /// `whsec_…`: only in the answer to creation and rotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    pub fn new(
        e: &switchboard_domain::webhooks::webhook::Endpoint,
        secret: Option<&switchboard_domain::webhooks::webhook::Secret>,
    ) -> Self {
        Self {
            id: e.id,
            url: e.url.clone(),
            description: e.description.clone(),
            events: e.events.names(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.clone(),
            failing_since: e.failing_since,
            previous_secret_expires_at: e.keys.iter().skip(1).find_map(|k| k.retires_at),
            created_at: e.created_at,
            updated_at: e.updated_at,
            version: e.version,
            secret: secret.map(|s| s.expose().to_owned()),
        }
    }
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub at: Timestamp,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: u64,
    /// The first 1 KB of the response body.
    pub response: String,
}

/// A delivery of one event to one endpoint.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// The `webhook-id` header: stable across retries and redeliveries.
    #[schema(value_type = String)]
    pub id: switchboard_domain::kernel::ids::DeliveryId,
    #[schema(value_type = String)]
    pub event_id: switchboard_domain::kernel::ids::EventId,
    pub event_type: String,
    /// `pending`, `succeeded`, `failed` or `skipped`.
    #[schema(value_type = String, example = "succeeded")]
    pub status: switchboard_domain::webhooks::webhook::DeliveryStatus,
    pub attempts: Vec<AttemptView>,
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The body sent (only on a single delivery).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
}

impl DeliveryView {
    pub fn new(d: &switchboard_domain::webhooks::webhook::Delivery, with_payload: bool) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type.clone(),
            status: d.status,
            attempts: d
                .attempts
                .iter()
                .map(|a| AttemptView {
                    at: a.at,
                    status_code: a.status_code,
                    error: a.error.clone(),
                    latency_ms: a.latency_ms,
                    response: a.response.clone(),
                })
                .collect(),
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            payload: with_payload
                .then(|| serde_json::from_str(&d.payload).ok())
                .flatten(),
        }
    }
}

/// A file on a ticket.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    #[schema(value_type = String)]
    pub id: switchboard_domain::kernel::ids::AttachmentId,
    #[schema(value_type = String)]
    pub ticket_id: TicketId,
    #[schema(value_type = Option<String>)]
    pub comment_id: Option<CommentId>,
    /// Customers see it (it is not on an internal note).
    pub public: bool,
    /// The name as uploaded, for display.
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    #[schema(value_type = Object)]
    pub uploaded_by: Actor,
    pub created_at: Timestamp,
    /// `GET` it for a short-lived download link (a `302`).
    pub download_url: String,
}

impl From<&switchboard_domain::attachments::attachment::Attachment> for AttachmentView {
    fn from(a: &switchboard_domain::attachments::attachment::Attachment) -> Self {
        Self {
            id: a.id,
            ticket_id: a.ticket_id,
            comment_id: a.comment_id,
            public: a.public,
            filename: a.filename.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            uploaded_by: a.uploaded_by.clone(),
            created_at: a.created_at,
            download_url: format!("/v1/attachments/{}/download", a.id),
        }
    }
}

/// A presigned upload: send `method` to `url` with exactly `headers` and
/// the file as the body, then name `uploadId` in a comment's
/// `attachments` (or `POST /v1/tickets/{id}/attachments`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadView {
    #[schema(value_type = String)]
    pub upload_id: switchboard_domain::kernel::ids::UploadId,
    pub method: String,
    pub url: String,
    #[schema(value_type = Object)]
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_at: Timestamp,
}

impl UploadView {
    pub fn new(
        upload: &switchboard_domain::attachments::attachment::Upload,
        request: &switchboard_domain::attachments::attachment::PresignedRequest,
    ) -> Self {
        Self {
            upload_id: upload.id,
            method: request.method.clone(),
            url: request.url.clone(),
            headers: request.headers.iter().cloned().collect(),
            expires_at: request.expires_at,
        }
    }
}
