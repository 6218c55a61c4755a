//! The tables of the in-memory store: one map per kind of item, keyed as
//! the single table keys it (tenant first), holding the domain's values.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use switchboard_domain::accounts::api_key::ApiKey;
use switchboard_domain::accounts::organization::Organization;
use switchboard_domain::accounts::password_link::PasswordLink;
use switchboard_domain::accounts::session::{RefreshRecord, Session};
use switchboard_domain::accounts::team::Team;
use switchboard_domain::accounts::tenant::Tenant;
use switchboard_domain::accounts::user::User;
use switchboard_domain::attachments::attachment::{Attachment, Upload};
use switchboard_domain::email::Mailbox;
use switchboard_domain::email::message_record::MessageRecord;
use switchboard_domain::jobs::job::Job;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::idempotency::IdempotencyRecord;
use switchboard_domain::kernel::ids::{
    AttachmentId, CommentId, DeliveryId, EventId, HistoryId, JobId, MailboxId, NotificationId,
    OrganizationId, SessionId, TeamId, TenantId, TicketId, UploadId, UserId, ViewId, WebhookId,
};
use switchboard_domain::notifications::notification::{Notification, Preferences};
use switchboard_domain::realtime::model::{Connection, ConnectionTicket, Subscriber};
use switchboard_domain::search::view::SavedView;
use switchboard_domain::sla::evaluate::Threshold;
use switchboard_domain::sla::policy::{BusinessHours, SlaPolicies};
use switchboard_domain::sla::stored::StoredSla;
use switchboard_domain::tickets::comment::Comment;
use switchboard_domain::tickets::fields::FieldSchema;
use switchboard_domain::tickets::ticket::{HistoryEntry, Ticket};
use switchboard_domain::webhooks::webhook::{Delivery, Endpoint};

type Tenanted<K> = (TenantId, K);

/// A failed-login window as stored: the count and its end in epoch seconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Failures {
    pub failures: u32,
    pub window_ends: i64,
}

/// A subscription item: who listens, until when (epoch seconds).
#[derive(Debug, Clone)]
pub(super) struct Subscription {
    pub subscriber: Subscriber,
    pub ttl: i64,
}

/// A message record; `listed` is its sort key in the per-decision index
/// (`None` for an alias, which is found but not listed).
#[derive(Debug, Clone)]
pub(super) struct StoredMessage {
    pub record: MessageRecord,
    pub listed: Option<String>,
}

#[derive(Default)]
pub(super) struct State {
    // kernel
    pub outbox: Vec<DomainEvent>,
    /// How many of `outbox` `take_events` has handed out.
    pub taken: usize,
    pub event_ids: BTreeSet<(TenantId, EventId)>,
    pub idempotency: BTreeMap<Tenanted<String>, IdempotencyRecord>,
    /// The audit log, by tenant and entry id (time-ordered).
    pub audit: BTreeMap<(TenantId, String), switchboard_domain::kernel::audit::AuditEntry>,
    // accounts
    pub tenants: BTreeMap<TenantId, Tenant>,
    /// Slug → its tenant (the uniqueness marker).
    pub slugs: BTreeMap<String, TenantId>,
    pub users: BTreeMap<Tenanted<UserId>, User>,
    /// (tenant, login email) → its user (the uniqueness marker).
    pub login_emails: BTreeMap<Tenanted<String>, UserId>,
    pub sessions: BTreeMap<(TenantId, UserId, SessionId), Session>,
    pub refresh: BTreeMap<String, RefreshRecord>,
    pub login_failures: BTreeMap<Tenanted<String>, Failures>,
    pub api_keys: BTreeMap<String, ApiKey>,
    pub teams: BTreeMap<Tenanted<TeamId>, Team>,
    pub organizations: BTreeMap<Tenanted<OrganizationId>, Organization>,
    /// Domain claims: (tenant, domain) → organisation.
    pub organization_domains: BTreeMap<(TenantId, String), OrganizationId>,
    /// Reset requests noted, until (epoch seconds).
    pub reset_requests: BTreeMap<Tenanted<UserId>, i64>,
    pub password_links: BTreeMap<String, PasswordLink>,
    // limits: a bucket by its scope's name
    pub buckets: BTreeMap<String, switchboard_domain::limits::bucket::Bucket>,
    // tickets
    pub counters: BTreeMap<TenantId, u64>,
    pub tickets: BTreeMap<Tenanted<TicketId>, Ticket>,
    pub ticket_numbers: BTreeMap<Tenanted<u64>, TicketId>,
    pub comments: BTreeMap<(TenantId, TicketId, CommentId), Comment>,
    pub history: BTreeMap<(TenantId, TicketId, HistoryId), HistoryEntry>,
    pub field_schemas: BTreeMap<TenantId, FieldSchema>,
    // notifications
    pub notifications: BTreeMap<(TenantId, UserId, NotificationId), Notification>,
    pub unread: BTreeMap<Tenanted<UserId>, i64>,
    pub preferences: BTreeMap<Tenanted<UserId>, Preferences>,
    // realtime
    pub connection_tickets: BTreeMap<String, ConnectionTicket>,
    pub connections: BTreeMap<String, Connection>,
    /// (tenant, topic, connection id) → subscription.
    pub subscriptions: BTreeMap<(TenantId, String, String), Subscription>,
    // webhooks
    pub endpoints: BTreeMap<Tenanted<WebhookId>, Endpoint>,
    pub deliveries: BTreeMap<(TenantId, WebhookId, DeliveryId), Delivery>,
    // attachments
    pub uploads: BTreeMap<Tenanted<UploadId>, Upload>,
    pub attachments: BTreeMap<Tenanted<AttachmentId>, Attachment>,
    // email
    pub mailboxes: BTreeMap<Tenanted<MailboxId>, Mailbox>,
    /// Lower-cased address → its mailbox, across tenants.
    pub mailbox_addresses: BTreeMap<String, Tenanted<MailboxId>>,
    /// By the digest of the Message-ID.
    pub messages: BTreeMap<Tenanted<String>, StoredMessage>,
    pub bounces: BTreeMap<Tenanted<String>, Timestamp>,
    pub mail_claims: BTreeSet<(TenantId, EventId, String)>,
    // routing
    pub steps: BTreeSet<(TenantId, EventId, String)>,
    // sla
    pub sla_policies: BTreeMap<TenantId, SlaPolicies>,
    pub business_hours: BTreeMap<TenantId, BusinessHours>,
    pub triggers: BTreeMap<TenantId, switchboard_domain::automation::trigger::TriggerSet>,
    pub automations: BTreeMap<TenantId, switchboard_domain::automation::timed::AutomationSet>,
    /// Agents' availability, skills and load (kept by ticket writes).
    pub agents: BTreeMap<(TenantId, UserId), switchboard_domain::assignment::agent::Agent>,
    pub team_assignments: BTreeMap<
        (TenantId, switchboard_domain::kernel::ids::TeamId),
        switchboard_domain::assignment::settings::TeamAssignment,
    >,
    pub macros: BTreeMap<
        (TenantId, switchboard_domain::kernel::ids::MacroId),
        switchboard_domain::automation::macros::Macro,
    >,
    pub ticket_slas: BTreeMap<Tenanted<TicketId>, StoredSla>,
    pub sla_marks: BTreeSet<(TenantId, TicketId, String, Threshold)>,
    pub scheduler_cursor: Option<Timestamp>,
    // jobs
    pub jobs: BTreeMap<Tenanted<JobId>, Job>,
    // search
    pub views: BTreeMap<Tenanted<ViewId>, SavedView>,
    // knowledge base
    pub kb: super::kb::KbState,
    // analytics
    pub analytics: super::analytics::AnalyticsState,
}

impl State {
    /// Checks that `events` can be added to the outbox (none is there yet;
    /// `None` if one is: the caller names the failure).
    pub fn events_fit(
        &self,
        events: &[DomainEvent],
    ) -> Result<bool, switchboard_domain::StoreError> {
        super::distinct(events.iter().map(|e| (e.tenant_id, e.id)))?;
        Ok(events
            .iter()
            .all(|e| !self.event_ids.contains(&(e.tenant_id, e.id))))
    }

    /// Writes events to the outbox with the audit entries of those that
    /// are audited, as `DynamoStore::put_events` does.
    pub fn add_events(&mut self, events: &[DomainEvent]) {
        for e in events {
            self.event_ids.insert((e.tenant_id, e.id));
            self.outbox.push(e.clone());
            if let Some(entry) = switchboard_domain::kernel::audit::AuditEntry::for_event(e) {
                self.add_audit(entry);
            }
        }
    }

    pub fn add_audit(&mut self, entry: switchboard_domain::kernel::audit::AuditEntry) {
        self.audit
            .insert((entry.tenant_id, entry.id.clone()), entry);
    }
}
