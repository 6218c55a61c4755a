//! What the domain needs from storage. `switchboard-aws` implements these on
//! DynamoDB; every method is one round trip or one transaction, so the cost
//! of a use case can be read off the calls it makes.

use std::collections::BTreeMap;
use std::future::Future;

use jiff::Timestamp;

use crate::api_key::ApiKey;
use crate::attachment::{Attachment, PresignedRequest, Upload};
use crate::auth::FailureRecord;
use crate::comment::Comment;
use crate::error::StoreError;
use crate::events::DomainEvent;
use crate::fields::FieldSchema;
use crate::idempotency::IdempotencyRecord;
use crate::ids::{
    ApiKeyId, AttachmentId, CommentId, DeliveryId, EventId, MailboxId, NotificationId, SessionId,
    TeamId, TenantId, TicketId, UploadId, UserId, WebhookId,
};
use crate::notification::{Notification, Preferences};
use crate::pagination::{Page, PageRequest};
use crate::realtime::{Connection, ConnectionTicket, Subscriber, Topic};
use crate::session::{RefreshRecord, Session};
use crate::team::Team;
use crate::tenant::{Slug, Tenant};
use crate::ticket::{HistoryEntry, Priority, Status, Tag, Ticket};
use crate::user::{Email, Role, User};
use crate::webhook::{Delivery, Endpoint};

/// A session to start in the same transaction as another write.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub session: &'a Session,
    pub refresh: &'a RefreshRecord,
}

/// The live state behind an access token, read in one round trip.
#[derive(Debug, Clone, Default)]
pub struct PrincipalState {
    pub tenant: Option<Tenant>,
    pub user: Option<User>,
    pub session: Option<Session>,
}

pub trait AccountStore: Send + Sync {
    /// Creates tenant, owner, session and events atomically. Fails with
    /// `Conflict(SlugTaken)` when the slug is in use.
    fn create_tenant(
        &self,
        tenant: &Tenant,
        owner: &User,
        session: NewSession<'_>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Creates a user (and optionally a first session) atomically. Fails with
    /// `Conflict(EmailTaken)` when the email has an account in the tenant.
    fn create_user(
        &self,
        user: &User,
        session: Option<NewSession<'_>>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn tenant(
        &self,
        id: TenantId,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send;

    fn tenant_by_slug(
        &self,
        slug: &Slug,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send;

    fn user_by_email(
        &self,
        tenant: TenantId,
        email: &Email,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    fn principal_state(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
    ) -> impl Future<Output = Result<PrincipalState, StoreError>> + Send;

    /// Writes the tenant if its stored version is still `expected_version`,
    /// with the events, in one transaction.
    fn update_tenant(
        &self,
        tenant: &Tenant,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// All tenants, newest first (operator use).
    fn list_tenants(
        &self,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Tenant>, StoreError>> + Send;

    fn start_session(
        &self,
        session: NewSession<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn refresh_record(
        &self,
        digest: &str,
    ) -> impl Future<Output = Result<Option<RefreshRecord>, StoreError>> + Send;

    /// Spends `old` and stores `next`, provided `old` is unspent and its
    /// session live; otherwise `ConditionFailed` and nothing is written.
    fn rotate_refresh(
        &self,
        old: &RefreshRecord,
        next: &RefreshRecord,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn revoke_session(
        &self,
        tenant: TenantId,
        user: UserId,
        session: SessionId,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn failed_logins(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<FailureRecord>, StoreError>> + Send;

    /// Counts one failure, starting a window ending at `window_ends` if none
    /// is running; returns the updated record.
    fn record_failed_login(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
        window_ends: Timestamp,
    ) -> impl Future<Output = Result<FailureRecord, StoreError>> + Send;

    fn clear_failed_logins(
        &self,
        tenant: TenantId,
        email: &Email,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// An API key by the digest of its secret (revoked keys are gone).
    fn api_key_by_digest(
        &self,
        digest: &str,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send;

    /// Notes that `key` was used now.
    fn record_api_key_use(
        &self,
        key: &ApiKey,
        now: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Whether storage answers at all (health checks).
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes events that accompany no state change (to the outbox).
    fn append_events(
        &self,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn put_password_link(
        &self,
        link: &crate::recovery::PasswordLink,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Notes a reset request of `user` until `until`; `false` when one is
    /// already noted for a time after `now` (no second mail meanwhile).
    fn note_reset_request(
        &self,
        tenant: TenantId,
        user: UserId,
        now: Timestamp,
        until: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Removes and returns the link with this digest (once: a second
    /// taker gets `None`).
    fn take_password_link(
        &self,
        digest: &str,
    ) -> impl Future<Output = Result<Option<crate::recovery::PasswordLink>, StoreError>> + Send;
}

/// People, API keys and teams of a tenant.
pub trait DirectoryStore: AccountStore {
    fn user(
        &self,
        tenant: TenantId,
        id: UserId,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;

    /// The users among `ids` that exist in the tenant (one round trip per
    /// hundred).
    fn users(
        &self,
        tenant: TenantId,
        ids: &[UserId],
    ) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;

    /// Users sorted by role then name; only `role` when given.
    fn list_users(
        &self,
        tenant: TenantId,
        role: Option<Role>,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<User>, StoreError>> + Send;

    /// Writes `user` if its stored version is `expected_version`; when its
    /// email changed from `previous_email`, moves the login email too
    /// (`Conflict(EmailTaken)` if the new one is in use).
    fn update_user(
        &self,
        user: &User,
        expected_version: u64,
        previous_email: Option<&Email>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn create_api_key(
        &self,
        key: &ApiKey,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn list_api_keys(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send;

    /// Deletes the key; `NotFound` if the tenant has no such key.
    fn revoke_api_key(
        &self,
        tenant: TenantId,
        id: ApiKeyId,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn team(
        &self,
        tenant: TenantId,
        id: TeamId,
    ) -> impl Future<Output = Result<Option<Team>, StoreError>> + Send;

    fn list_teams(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<Vec<Team>, StoreError>> + Send;

    /// Creates (`expected_version: None`) or replaces a team.
    fn put_team(
        &self,
        team: &Team,
        expected_version: Option<u64>,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn delete_team(
        &self,
        tenant: TenantId,
        id: TeamId,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Which index a ticket list reads: the list's main dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketDimension {
    All,
    Status(Status),
    /// `None`: unassigned.
    Assignee(Option<UserId>),
    /// `None`: no team.
    Team(Option<TeamId>),
    Requester(UserId),
}

/// Further conditions, applied while reading (pages stay full: the store
/// reads on until the page is full or returns a cursor).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilters {
    pub status: Option<Status>,
    pub assignee: Option<Option<UserId>>,
    pub team: Option<Option<TeamId>>,
    pub priority: Option<Priority>,
    pub tag: Option<Tag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketSort {
    UpdatedAt,
    CreatedAt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketListQuery {
    pub dimension: TicketDimension,
    pub filters: TicketFilters,
    pub sort: TicketSort,
    pub descending: bool,
}

/// A comment written in the same transaction as its ticket.
#[derive(Debug, Clone, Copy)]
pub enum CommentWrite<'a> {
    New(&'a Comment),
    /// Replaces a comment still at `expected_version`.
    Update(&'a Comment, u64),
}

/// How a ticket write guards against concurrent changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketWriteMode {
    /// A new ticket, which must not exist yet.
    Create,
    /// Replaces the ticket if it is still at this version.
    Replace(u64),
    /// Only marks the ticket updated now (and bumps its version), if it is
    /// still in `status`: a comment that changes nothing else on the ticket
    /// does not collide with concurrent comments, while a concurrent status
    /// change still makes the writer re-read and decide again.
    Touch { status: Status },
}

/// Everything one ticket change writes, atomically.
#[derive(Debug, Clone, Copy)]
pub struct TicketWrite<'a> {
    pub ticket: &'a Ticket,
    pub mode: TicketWriteMode,
    pub comment: Option<CommentWrite<'a>>,
    /// A customer created on the fly as the requester.
    pub new_requester: Option<&'a User>,
    pub history: Option<&'a HistoryEntry>,
    pub events: &'a [DomainEvent],
    pub idempotency: Option<&'a IdempotencyRecord>,
}

pub trait TicketStore: DirectoryStore {
    /// The tenant's next ticket number (atomic counter; gaps are possible
    /// when a creation fails, duplicates are not).
    fn next_ticket_number(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Writes a ticket change. Errors: `VersionMismatch` (stale ticket or
    /// comment), `Conflict(EmailTaken)` (the new requester's email was taken
    /// meanwhile), `IdempotencyKeyTaken`.
    fn write_ticket(
        &self,
        write: TicketWrite<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn ticket(
        &self,
        tenant: TenantId,
        id: TicketId,
    ) -> impl Future<Output = Result<Option<Ticket>, StoreError>> + Send;

    fn ticket_id_by_number(
        &self,
        tenant: TenantId,
        number: u64,
    ) -> impl Future<Output = Result<Option<TicketId>, StoreError>> + Send;

    /// The ticket and its first `limit` comments (only public ones when
    /// `public_only`) in one query; `true` when there may be more.
    fn conversation(
        &self,
        tenant: TenantId,
        id: TicketId,
        limit: u32,
        public_only: bool,
    ) -> impl Future<Output = Result<Option<(Ticket, Vec<Comment>, bool)>, StoreError>> + Send;

    fn comments(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        public_only: bool,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Comment>, StoreError>> + Send;

    fn comment(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        id: CommentId,
    ) -> impl Future<Output = Result<Option<Comment>, StoreError>> + Send;

    fn save_comment(
        &self,
        comment: &Comment,
        expected_version: u64,
        events: &[DomainEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn history(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<Output = Result<Vec<HistoryEntry>, StoreError>> + Send;

    fn list_tickets(
        &self,
        tenant: TenantId,
        query: &TicketListQuery,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Ticket>, StoreError>> + Send;

    fn idempotency_record(
        &self,
        tenant: TenantId,
        scope: &str,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>, StoreError>> + Send;

    fn field_schema(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<FieldSchema, StoreError>> + Send;

    fn put_field_schema(
        &self,
        tenant: TenantId,
        schema: &FieldSchema,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// In-app notifications and their preferences.
pub trait NotificationStore: Send + Sync {
    /// Records a notification and counts it unread, once: `false` when it
    /// was already there (a redelivered event).
    fn add_notification(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Newest first; only unread ones when `unread_only`.
    fn notifications(
        &self,
        tenant: TenantId,
        user: UserId,
        unread_only: bool,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Notification>, StoreError>> + Send;

    fn unread_count(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Marks one read (no change if it already was); `NotFound` if absent.
    fn mark_read(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
        at: Timestamp,
    ) -> impl Future<Output = Result<Notification, StoreError>> + Send;

    /// Marks every unread one read; returns how many.
    fn mark_all_read(
        &self,
        tenant: TenantId,
        user: UserId,
        at: Timestamp,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// `NotFound` if absent.
    fn delete_notification(
        &self,
        tenant: TenantId,
        user: UserId,
        id: NotificationId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn preferences(
        &self,
        tenant: TenantId,
        users: &[UserId],
    ) -> impl Future<Output = Result<BTreeMap<UserId, Preferences>, StoreError>> + Send;

    fn put_preferences(
        &self,
        tenant: TenantId,
        user: UserId,
        preferences: &Preferences,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// WebSocket connections, their subscriptions and connection tickets.
pub trait ConnectionStore: Send + Sync {
    /// Stores a ticket under the digest of its secret.
    fn put_connection_ticket(
        &self,
        digest: &str,
        ticket: &ConnectionTicket,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes and returns the ticket: a second call finds nothing.
    fn take_connection_ticket(
        &self,
        digest: &str,
    ) -> impl Future<Output = Result<Option<ConnectionTicket>, StoreError>> + Send;

    fn put_connection(
        &self,
        connection: &Connection,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn connection(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Connection>, StoreError>> + Send;

    /// Removes the connection and every subscription it holds.
    fn delete_connection(&self, id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds `topic` to the connection (idempotent).
    fn subscribe(
        &self,
        connection: &Connection,
        topic: &Topic,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn unsubscribe(
        &self,
        connection: &Connection,
        topic: &Topic,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Live (unexpired) subscribers of a topic.
    fn subscribers(
        &self,
        tenant: TenantId,
        topic: &Topic,
        now: Timestamp,
    ) -> impl Future<Output = Result<Vec<Subscriber>, StoreError>> + Send;

    /// Records that the router finished `step` for an event: `false` if it
    /// already had (a redelivery).
    fn complete_step(
        &self,
        tenant: TenantId,
        event: EventId,
        step: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The steps the router has finished for an event (one read for all).
    fn steps_completed(
        &self,
        tenant: TenantId,
        event: EventId,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}

/// How a push to a connection went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushResult {
    Delivered,
    /// The connection is closed (`410 Gone`): forget it.
    Gone,
}

/// Sends messages to WebSocket connections (the @connections API).
pub trait Pusher: Send + Sync {
    fn push(
        &self,
        connection_id: &str,
        message: &[u8],
    ) -> impl Future<Output = Result<PushResult, StoreError>> + Send;
}

/// Webhook endpoints and their delivery log.
pub trait WebhookStore: Send + Sync {
    /// Creates (`expected_version: None`) or replaces an endpoint;
    /// `VersionMismatch` if it changed meanwhile.
    fn put_endpoint(
        &self,
        endpoint: &Endpoint,
        expected_version: Option<u64>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn endpoint(
        &self,
        tenant: TenantId,
        id: WebhookId,
    ) -> impl Future<Output = Result<Option<Endpoint>, StoreError>> + Send;

    /// Every endpoint of the tenant (at most a few dozen).
    fn endpoints(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<Vec<Endpoint>, StoreError>> + Send;

    /// Removes the endpoint; `NotFound` if absent. Its log expires.
    fn delete_endpoint(
        &self,
        tenant: TenantId,
        id: WebhookId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a delivery once: `false` if it was already there.
    fn create_delivery(
        &self,
        delivery: &Delivery,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    fn delivery(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        id: DeliveryId,
    ) -> impl Future<Output = Result<Option<Delivery>, StoreError>> + Send;

    /// Replaces a delivery at `expected_version`.
    fn save_delivery(
        &self,
        delivery: &Delivery,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Newest first.
    fn deliveries(
        &self,
        tenant: TenantId,
        endpoint: WebhookId,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Delivery>, StoreError>> + Send;
}

/// Hands deliveries to the webhook worker (SQS).
pub trait DeliveryQueue: Send + Sync {
    fn enqueue(
        &self,
        delivery: &crate::webhook::DeliveryRef,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Sends one signed request and reports what happened; it never fails:
/// refusals and timeouts are attempts too.
pub trait WebhookSender: Send + Sync {
    fn send(
        &self,
        request: &crate::webhook::OutgoingRequest,
    ) -> impl Future<Output = crate::webhook::SendResult> + Send;
}

/// Uploads and attachments on the table.
pub trait AttachmentStore: Send + Sync {
    fn put_upload(&self, upload: &Upload) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn upload(
        &self,
        tenant: TenantId,
        id: UploadId,
    ) -> impl Future<Output = Result<Option<Upload>, StoreError>> + Send;

    /// Records the attachments and forgets their uploads, in one
    /// transaction (`NotFound` if an upload was attached meanwhile).
    fn attach(
        &self,
        attachments: &[Attachment],
        uploads: &[Upload],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn attachment(
        &self,
        tenant: TenantId,
        id: AttachmentId,
    ) -> impl Future<Output = Result<Option<Attachment>, StoreError>> + Send;

    /// A ticket's attachments, oldest first.
    fn attachments(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<Output = Result<Vec<Attachment>, StoreError>> + Send;

    fn delete_attachment(
        &self,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What S3 holds of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub content_type: String,
}

/// The attachments bucket: presigned requests and the few operations the
/// API itself makes.
pub trait ObjectStore: Send + Sync {
    /// A PUT bound to the upload's key, exact size and type, and expiry.
    fn presign_upload(
        &self,
        upload: &Upload,
    ) -> impl Future<Output = Result<PresignedRequest, StoreError>> + Send;

    /// What was uploaded, if anything.
    fn uploaded(
        &self,
        upload: &Upload,
    ) -> impl Future<Output = Result<Option<StoredObject>, StoreError>> + Send;

    fn discard_upload(
        &self,
        upload: &Upload,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The bytes of an attached file (to mail it).
    fn read(
        &self,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<Vec<u8>, StoreError>> + Send;

    /// Stores a file the API received itself (from inbound mail).
    fn put(
        &self,
        attachment: &Attachment,
        bytes: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Moves an upload under its ticket as `attachment`.
    fn keep(
        &self,
        upload: &Upload,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A short-lived GET that downloads under `disposition`.
    fn presign_download(
        &self,
        attachment: &Attachment,
        disposition: &str,
    ) -> impl Future<Output = Result<PresignedRequest, StoreError>> + Send;

    fn delete(
        &self,
        attachment: &Attachment,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Mailboxes (inbound addresses, unique across tenants).
pub trait MailStore: Send + Sync {
    /// Creates (`expected_version: None`) or replaces a mailbox; when its
    /// address changed from `previous_address`, moves the uniqueness
    /// marker too. `Conflict(AddressTaken)` if the address is in use.
    fn put_mailbox(
        &self,
        mailbox: &crate::email::Mailbox,
        expected_version: Option<u64>,
        previous_address: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn mailbox(
        &self,
        tenant: TenantId,
        id: MailboxId,
    ) -> impl Future<Output = Result<Option<crate::email::Mailbox>, StoreError>> + Send;

    fn mailboxes(
        &self,
        tenant: TenantId,
    ) -> impl Future<Output = Result<Vec<crate::email::Mailbox>, StoreError>> + Send;

    /// The mailbox an inbound address belongs to, in any tenant.
    fn mailbox_by_address(
        &self,
        address: &str,
    ) -> impl Future<Output = Result<Option<crate::email::Mailbox>, StoreError>> + Send;

    fn delete_mailbox(
        &self,
        mailbox: &crate::email::Mailbox,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// What became of a message, by its Message-ID (dedup and threading).
    fn message(
        &self,
        tenant: TenantId,
        message_id: &str,
    ) -> impl Future<Output = Result<Option<crate::intake::MessageRecord>, StoreError>> + Send;

    fn record_message(
        &self,
        tenant: TenantId,
        message_id: &str,
        record: &crate::intake::MessageRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Received mail with one decision, newest first.
    fn messages(
        &self,
        tenant: TenantId,
        decision: &str,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<crate::intake::MessageRecord>, StoreError>> + Send;

    /// Remembers that mail to `address` bounces.
    fn mark_bouncing(
        &self,
        tenant: TenantId,
        address: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn is_bouncing(
        &self,
        tenant: TenantId,
        address: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Another name of a recorded message (the id SES gave a sent mail),
    /// found by threading but not listed.
    fn alias_message(
        &self,
        tenant: TenantId,
        alias: &str,
        record: &crate::intake::MessageRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Claims the sending of mail `key` of `event`; `false` when it was
    /// claimed before (sent, or being sent), so nothing is sent twice.
    fn claim_mail(
        &self,
        tenant: TenantId,
        event: EventId,
        key: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Gives a claim back after a send that surely failed.
    fn release_mail(
        &self,
        tenant: TenantId,
        event: EventId,
        key: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Outbound mail (SESv2 in production).
pub trait MailSender: Send + Sync {
    /// Sends one raw MIME message to `recipients`; the provider's message id.
    fn send_raw(
        &self,
        from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
}

/// The email worker's queue.
pub trait MailQueue: Send + Sync {
    fn enqueue_mail(
        &self,
        job: &crate::mailing::MailJob,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// SLA configuration, each ticket's stored SLA, its announcements, and the
/// timer index the scheduler scans.
pub trait SlaStore: Send + Sync {
    /// The tenant's policies and calendars, read together (empty sets at
    /// version 0 when none were written).
    fn sla_config(
        &self,
        tenant: TenantId,
    ) -> impl Future<
        Output = Result<
            (
                crate::sla::policy::SlaPolicies,
                crate::sla::policy::BusinessHours,
            ),
            StoreError,
        >,
    > + Send;

    /// Replaces the calendars if still at `expected_version`
    /// (`VersionMismatch` otherwise).
    fn put_business_hours(
        &self,
        tenant: TenantId,
        hours: &crate::sla::policy::BusinessHours,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn put_sla_policies(
        &self,
        tenant: TenantId,
        policies: &crate::sla::policy::SlaPolicies,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn ticket_sla(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<Output = Result<Option<crate::sla::engine::StoredSla>, StoreError>> + Send;

    /// Stores a ticket's SLA with its next deadline (the timer index) and
    /// view (the `breached`/`at_risk` lists).
    fn put_ticket_sla(
        &self,
        sla: &crate::sla::engine::StoredSla,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn delete_ticket_sla(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The (target cycle, threshold) pairs already announced.
    fn sla_announced(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> impl Future<
        Output = Result<
            std::collections::BTreeSet<(String, crate::sla::evaluate::Threshold)>,
            StoreError,
        >,
    > + Send;

    /// Records an announcement with its event, once: `false` when it was
    /// made before.
    fn announce(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        cycle: &str,
        threshold: crate::sla::evaluate::Threshold,
        event: &DomainEvent,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The tickets whose next deadline falls in the minute starting at
    /// `minute`, with that deadline.
    fn due_in(
        &self,
        minute: Timestamp,
    ) -> impl Future<Output = Result<Vec<(crate::sla::engine::SlaCheck, Timestamp)>, StoreError>> + Send;

    /// The last minute bucket the scheduler scanned.
    fn scheduler_cursor(
        &self,
    ) -> impl Future<Output = Result<Option<Timestamp>, StoreError>> + Send;

    fn set_scheduler_cursor(
        &self,
        minute: Timestamp,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Tickets in an SLA view, the soonest due first.
    fn sla_view(
        &self,
        tenant: TenantId,
        view: crate::sla::evaluate::SlaView,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<crate::ticket::Ticket>, StoreError>> + Send;
}

/// Hands tickets to the SLA worker, delayed (at most 900 s, SQS's limit).
pub trait SlaQueue: Send + Sync {
    fn enqueue_check(
        &self,
        check: &crate::sla::engine::SlaCheck,
        delay_seconds: u32,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}
