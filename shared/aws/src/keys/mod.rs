//! Every single-table key, built here and nowhere else.
//!
//! Every partition key that belongs to a tenant starts with `T#{tenant}`, so
//! no request can reach another tenant's items by construction. Ids appear
//! as bare ULIDs (the label before them says what they are). The golden
//! tests below pin the strings: changing one is a data migration.

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use switchboard_domain::accounts::tenant::Slug;
use switchboard_domain::accounts::user::{Email, Role};
use switchboard_domain::kernel::ids::{
    ApiKeyId, AttachmentId, CommentId, DeliveryId, EventId, HistoryId, JobId, MacroId, MailboxId,
    NotificationId, OrganizationId, SessionId, TeamId, TenantId, TicketId, UploadId, UserId,
    ViewId, WebhookId,
};
use switchboard_domain::limits::bucket::Scope;
use switchboard_domain::realtime::model::Topic;
use switchboard_domain::tickets::ports::{TicketDimension, TicketSort};

/// Attribute names of the table and its indexes.
pub mod attr {
    pub const PK: &str = "PK";
    pub const SK: &str = "SK";
    pub const GSI1PK: &str = "GSI1PK";
    pub const GSI1SK: &str = "GSI1SK";
    pub const GSI2PK: &str = "GSI2PK";
    pub const GSI2SK: &str = "GSI2SK";
    pub const TTL: &str = "ttl";
}

/// The index names of the table (declared in template.yaml).
pub mod index {
    pub const GSI1: &str = "GSI1";
    pub const GSI2: &str = "GSI2";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    fn new(pk: String, sk: impl Into<String>) -> Self {
        Self { pk, sk: sk.into() }
    }

    /// A key read back from an item.
    pub fn from_parts(pk: String, sk: String) -> Self {
        Self { pk, sk }
    }

    /// An item that is its own partition (uniqueness markers, lookups).
    fn single(pk: String) -> Self {
        Self { sk: pk.clone(), pk }
    }
}

fn t(tenant: TenantId) -> String {
    format!("T#{}", tenant.ulid())
}

pub fn tenant(tenant: TenantId) -> Key {
    Key::new(t(tenant), "TENANT")
}

/// GSI1 partition listing every tenant, for the operator.
pub const TENANTS_INDEX_PK: &str = "TENANTS";

pub fn tenants_index_sk(created_at: Timestamp, tenant: TenantId) -> String {
    format!("{}#{}", created_at.as_millisecond(), tenant.ulid())
}

/// Uniqueness of a tenant slug, and the login lookup by slug.
pub fn slug(slug: &Slug) -> Key {
    Key::single(format!("SLUG#{}", slug.as_str()))
}

pub fn user(tenant: TenantId, user: UserId) -> Key {
    Key::new(t(tenant), format!("USER#{}", user.ulid()))
}

/// GSI1 partition of a tenant's users, sorted by role then name.
pub fn users_index_pk(tenant: TenantId) -> String {
    format!("{}#USERS", t(tenant))
}

pub fn users_index_sk(role: Role, name: &str, user: UserId) -> String {
    format!("{}#{}#{}", role.as_str(), name.to_lowercase(), user.ulid())
}

/// Uniqueness of a login email within a tenant, and the login lookup.
pub fn login_email(tenant: TenantId, email: &Email) -> Key {
    Key::new(format!("{}#EMAIL#{}", t(tenant), email.as_str()), "EMAIL")
}

/// A user's partition of personal items (sessions; later notifications).
pub fn session(tenant: TenantId, user: UserId, session: SessionId) -> Key {
    Key::new(
        format!("{}#U#{}", t(tenant), user.ulid()),
        format!("SESSION#{}", session.ulid()),
    )
}

/// A refresh token, found by the digest of the token alone.
pub fn refresh_token(digest: &str) -> Key {
    Key::single(format!("REFRESH#{digest}"))
}

/// Failed-login counter for (tenant, email). The email is hashed so the key
/// does not reveal which addresses were tried.
pub fn login_failures(tenant: TenantId, email: &Email) -> Key {
    let digest: String = Sha256::digest(email.as_str().as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    Key::new(format!("{}#LOGINFAIL#{digest}", t(tenant)), "LOGINFAIL")
}

/// An API key, found by the digest of its secret alone.
pub fn api_key(digest: &str) -> Key {
    Key::single(format!("APIKEY#{digest}"))
}

/// GSI1 partition of a tenant's API keys, oldest first.
pub fn api_keys_index_pk(tenant: TenantId) -> String {
    format!("{}#APIKEYS", t(tenant))
}

pub fn api_keys_index_sk(created_at: Timestamp, id: ApiKeyId) -> String {
    format!("{}#{}", created_at.as_millisecond(), id.ulid())
}

pub fn team(tenant: TenantId, team: TeamId) -> Key {
    Key::new(t(tenant), format!("TEAM#{}", team.ulid()))
}

/// Sort-key prefix of a tenant's teams in its partition.
pub const TEAM_PREFIX: &str = "TEAM#";

/// A ticket. Its comments share its partition and sort right after it, so
/// one Query returns a ticket with its conversation.
pub fn ticket(tenant: TenantId, ticket: TicketId) -> Key {
    Key::new(ticket_pk(tenant, ticket), TICKET_SK)
}

fn ticket_pk(tenant: TenantId, ticket: TicketId) -> String {
    format!("{}#TKT#{}", t(tenant), ticket.ulid())
}

pub const TICKET_SK: &str = "TICKET";
/// Sort-key prefix of a ticket's comments.
pub const COMMENT_PREFIX: &str = "TICKET#C#";
/// Sort-key prefix of a ticket's change history.
pub const HISTORY_PREFIX: &str = "H#";

pub fn comment(tenant: TenantId, ticket: TicketId, comment: CommentId) -> Key {
    Key::new(
        ticket_pk(tenant, ticket),
        format!("{COMMENT_PREFIX}{}", comment.ulid()),
    )
}

pub fn history(tenant: TenantId, ticket: TicketId, entry: HistoryId) -> Key {
    Key::new(
        ticket_pk(tenant, ticket),
        format!("{HISTORY_PREFIX}{}", entry.ulid()),
    )
}

/// What a ticket keeps for one address copied on it: it lists the ticket
/// in that person's [`copied_index_pk`] partition of the requester indexes.
pub fn ticket_copy(tenant: TenantId, ticket: TicketId, address: &str) -> Key {
    Key::new(ticket_pk(tenant, ticket), format!("{COPY_PREFIX}{address}"))
}

/// Sort-key prefix of a ticket's copies for the people copied on it.
pub const COPY_PREFIX: &str = "CC#";

/// What a ticket keeps for its organisation: it lists the ticket in the
/// organisation's partition of the requester indexes.
pub fn ticket_organization_entry(tenant: TenantId, ticket: TicketId) -> Key {
    Key::new(ticket_pk(tenant, ticket), "ORG")
}

/// The partition, in the requester indexes, of the tickets an address is
/// copied on (a customer's list reads it beside their requester partition).
pub fn copied_index_pk(tenant: TenantId, address: &str) -> String {
    format!("{}#TC#{address}", t(tenant))
}

/// Reserves a ticket number and points at its ticket.
pub fn ticket_number(tenant: TenantId, number: u64) -> Key {
    Key::new(format!("{}#NO#{number}", t(tenant)), "NO")
}

/// The tenant's ticket-number counter.
pub fn ticket_counter(tenant: TenantId) -> Key {
    Key::new(t(tenant), "COUNTER#TICKETS")
}

/// The tenant's custom ticket fields.
pub fn field_schema(tenant: TenantId) -> Key {
    Key::new(t(tenant), "FIELDS")
}

/// What an `Idempotency-Key` (already scoped and hashed) produced.
pub fn idempotency(tenant: TenantId, scope: &str) -> Key {
    Key::new(format!("{}#IDEM#{scope}", t(tenant)), "IDEM")
}

/// A customer organisation.
pub fn organization(tenant: TenantId, id: OrganizationId) -> Key {
    Key::new(format!("{}#ORG#{}", t(tenant), id.ulid()), "ORG")
}

/// GSI1 partition of a tenant's organisations, by name.
pub fn organizations_index_pk(tenant: TenantId) -> String {
    format!("{}#ORGS", t(tenant))
}

pub fn organizations_index_sk(name: &str, id: OrganizationId) -> String {
    format!("{}#{}", name.to_lowercase(), id.ulid())
}

/// An organisation's claim on a mail domain (one organisation a domain).
pub fn organization_domain(tenant: TenantId, domain: &str) -> Key {
    Key::single(format!("{}#ORGDOM#{domain}", t(tenant)))
}

/// The index partition of one ticket list dimension.
pub fn ticket_index_pk(tenant: TenantId, dimension: &TicketDimension) -> String {
    let t = t(tenant);
    match dimension {
        TicketDimension::All => format!("{t}#TK"),
        TicketDimension::Status(s) => format!("{t}#TS#{}", s.as_str()),
        TicketDimension::Assignee(Some(u)) => format!("{t}#TA#{}", u.ulid()),
        TicketDimension::Assignee(None) => format!("{t}#TA#none"),
        TicketDimension::Team(Some(team)) => format!("{t}#TT#{}", team.ulid()),
        TicketDimension::Team(None) => format!("{t}#TT#none"),
        TicketDimension::Requester(u) => format!("{t}#TR#{}", u.ulid()),
        TicketDimension::Organization(o) => format!("{t}#TO#{}", o.ulid()),
        TicketDimension::Deleted => format!("{t}#TD"),
    }
}

/// Index sort key: time (epoch ms, zero-padded so text order is time
/// order), then the id for ties.
pub fn ticket_index_sk(at: Timestamp, ticket: TicketId) -> String {
    format!("{:013}#{}", at.as_millisecond().max(0), ticket.ulid())
}

/// The index serving a dimension in a sort order: GSI1-5 by last update,
/// GSI6-10 by creation. An organisation's tickets are listed by entries in
/// the requester indexes (see [`ticket_organization_entry`]).
pub fn ticket_index(dimension: &TicketDimension, sort: TicketSort) -> &'static str {
    let by_update = matches!(sort, TicketSort::UpdatedAt);
    match (dimension, by_update) {
        (TicketDimension::Status(_), true) => "GSI1",
        (TicketDimension::Assignee(_), true) => "GSI2",
        (TicketDimension::Requester(_), true) => "GSI3",
        (TicketDimension::Team(_), true) => "GSI4",
        (TicketDimension::All, true) => "GSI5",
        (TicketDimension::Status(_), false) => "GSI6",
        (TicketDimension::Assignee(_), false) => "GSI7",
        (TicketDimension::Requester(_), false) => "GSI8",
        (TicketDimension::Team(_), false) => "GSI9",
        (TicketDimension::All, false) => "GSI10",
        (TicketDimension::Organization(_), true) => "GSI3",
        (TicketDimension::Organization(_), false) => "GSI8",
        // A deleted ticket is in no other list: the all-tickets indexes
        // hold it under the deleted partition.
        (TicketDimension::Deleted, true) => "GSI5",
        (TicketDimension::Deleted, false) => "GSI10",
    }
}

/// An outbox event; the table stream carries it downstream.
pub fn event(tenant: TenantId, event: EventId) -> Key {
    Key::new(format!("{}#EVT#{}", t(tenant), event.ulid()), "EVT")
}

/// Marks that the event router finished `step` for an event.
pub fn event_step(tenant: TenantId, event: EventId, step: &str) -> Key {
    Key::new(
        format!("{}#EVT#{}", t(tenant), event.ulid()),
        format!("{EVENT_STEP_PREFIX}{step}"),
    )
}

/// Sort-key prefix of an event's step marks (read together).
pub const EVENT_STEP_PREFIX: &str = "STEP#";

/// The email worker's claim on mail `key` of an event (sent once).
pub fn mail_claim(tenant: TenantId, event: EventId, key: &str) -> Key {
    Key::new(
        format!("{}#EVT#{}", t(tenant), event.ulid()),
        format!("MAIL#{key}"),
    )
}

/// That a person asked for a reset link lately (one mail per window).
pub fn reset_requested(tenant: TenantId, user: UserId) -> Key {
    Key::new(t(tenant), format!("RESET#{}", user.ulid()))
}

/// A password link (invitation or reset), by the digest of its token.
pub fn password_link(digest: &str) -> Key {
    Key::single(format!("PWLINK#{digest}"))
}

fn inbox_pk(tenant: TenantId, user: UserId) -> String {
    format!("{}#U#{}", t(tenant), user.ulid())
}

/// A person's notifications share a partition, newest last by sort key.
pub fn notification(tenant: TenantId, user: UserId, id: NotificationId) -> Key {
    Key::new(
        inbox_pk(tenant, user),
        format!("{NOTIFICATION_PREFIX}{}", id.ulid()),
    )
}

pub const NOTIFICATION_PREFIX: &str = "N#";

pub fn notifications_pk(tenant: TenantId, user: UserId) -> String {
    inbox_pk(tenant, user)
}

/// GSI1 partition of a person's unread notifications (sparse: the keys are
/// removed when one is read).
pub fn unread_index_pk(tenant: TenantId, user: UserId) -> String {
    format!("{}#UNREAD", inbox_pk(tenant, user))
}

/// The unread counter beside a person's notifications.
pub fn unread_counter(tenant: TenantId, user: UserId) -> Key {
    Key::new(inbox_pk(tenant, user), "UNREAD")
}

pub fn notification_preferences(tenant: TenantId, user: UserId) -> Key {
    Key::new(inbox_pk(tenant, user), "PREFS")
}

/// A one-time WebSocket connection ticket, by the digest of its secret.
pub fn connection_ticket(digest: &str) -> Key {
    Key::single(format!("WSTICKET#{digest}"))
}

/// A rate-limit bucket of a tenant, of one of its API keys, or of a client
/// address on the public routes.
pub fn rate_bucket(scope: &Scope) -> Key {
    match scope {
        Scope::Tenant(tenant) => Key::new(format!("{}#RATE", t(*tenant)), "TENANT"),
        Scope::ApiKey(tenant, key) => Key::new(
            format!("{}#RATE", t(*tenant)),
            format!("KEY#{}", key.ulid()),
        ),
        // Before any credential there is no tenant: like a slug lookup.
        Scope::Address(ip) => Key::new(format!("RATE#ADDR#{ip}"), "ADDR"),
        Scope::Reader(ip) => Key::new(format!("RATE#READER#{ip}"), "READER"),
    }
}

/// A WebSocket connection: found by id alone, as API Gateway names it.
pub fn connection(id: &str) -> Key {
    Key::new(format!("CONN#{id}"), "CONN")
}

pub fn topic_pk(tenant: TenantId, topic: &Topic) -> String {
    format!("{}#TOPIC#{topic}", t(tenant))
}

/// One connection's subscription to a topic.
pub fn subscription(tenant: TenantId, topic: &Topic, connection: &str) -> Key {
    Key::new(topic_pk(tenant, topic), format!("CONN#{connection}"))
}

pub const WEBHOOK_PREFIX: &str = "WH#";

/// A webhook endpoint sits with the tenant's other small collections.
pub fn webhook(tenant: TenantId, id: WebhookId) -> Key {
    Key::new(t(tenant), format!("{WEBHOOK_PREFIX}{}", id.ulid()))
}

pub fn deliveries_pk(tenant: TenantId, endpoint: WebhookId) -> String {
    format!("{}#WH#{}", t(tenant), endpoint.ulid())
}

pub const DELIVERY_PREFIX: &str = "D#";

/// An endpoint's delivery log: one partition, ordered by event time.
pub fn delivery(tenant: TenantId, endpoint: WebhookId, id: DeliveryId) -> Key {
    Key::new(
        deliveries_pk(tenant, endpoint),
        format!("{DELIVERY_PREFIX}{}", id.ulid()),
    )
}

/// A presigned upload not yet attached.
pub fn upload(tenant: TenantId, id: UploadId) -> Key {
    Key::new(format!("{}#UPL#{}", t(tenant), id.ulid()), "UPL")
}

/// An attachment, found by its id alone (downloads name only that).
pub fn attachment(tenant: TenantId, id: AttachmentId) -> Key {
    Key::new(format!("{}#ATT#{}", t(tenant), id.ulid()), "ATT")
}

/// GSI1 partition of a ticket's attachments.
pub fn ticket_attachments_pk(tenant: TenantId, ticket: TicketId) -> String {
    format!("{}#TKT#{}#ATTS", t(tenant), ticket.ulid())
}

pub fn ticket_attachments_sk(id: AttachmentId) -> String {
    format!("ATT#{}", id.ulid())
}

pub const MAILBOX_PREFIX: &str = "MBX#";

/// A tenant's mailbox.
pub fn mailbox(tenant: TenantId, id: MailboxId) -> Key {
    Key::new(t(tenant), format!("{MAILBOX_PREFIX}{}", id.ulid()))
}

/// The marker that makes an inbound address unique across tenants, and
/// finds its tenant when mail arrives.
pub fn mailbox_address(address: &str) -> Key {
    Key::single(format!("MAILBOX#{}", address.to_lowercase()))
}

/// The Message-ID index: what became of a message (dedup, threading).
/// Message-IDs are long and client-made: stored by digest.
pub fn message(tenant: TenantId, message_id: &str) -> Key {
    Key::new(
        format!("{}#MSGID#{}", t(tenant), message_digest(message_id)),
        "MSGID",
    )
}

fn message_digest(message_id: &str) -> String {
    let digest = Sha256::digest(message_id.trim().trim_matches(['<', '>']).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// GSI1 partition of a tenant's received mail with one decision
/// (`quarantined`, `auto_reply`…), newest last by sort key.
pub fn messages_index_pk(tenant: TenantId, decision: &str) -> String {
    format!("{}#MAIL#{decision}", t(tenant))
}

pub fn messages_index_sk(received_at: Timestamp, message_id: &str) -> String {
    // Fixed width, so that sort order is time order within a second too.
    format!("{}#{}", sortable(received_at), message_digest(message_id))
}

/// An address that bounced.
pub fn bouncing(tenant: TenantId, address: &str) -> Key {
    Key::new(
        format!("{}#BOUNCE#{}", t(tenant), address.to_lowercase()),
        "BOUNCE",
    )
}

/// One of a tenant's search indexes (`index` names it with the version
/// of its fields, e.g. `tickets.2`): which segment files make it (the
/// files are on S3 under [`objects::search_file`]).
pub fn search_manifest(tenant: TenantId, index: &str) -> Key {
    Key::new(format!("{}#SEARCH", t(tenant)), format!("MANIFEST#{index}"))
}

/// A saved view.
pub fn view(tenant: TenantId, id: ViewId) -> Key {
    Key::new(format!("{}#VIEW#{}", t(tenant), id.ulid()), "VIEW")
}

/// GSI1 partition of one person's views, by name.
pub fn personal_views_index_pk(tenant: TenantId, owner: UserId) -> String {
    format!("{}#VIEWS#U#{}", t(tenant), owner.ulid())
}

/// GSI1 partition of the views shared with a team or everyone, by name.
pub fn shared_views_index_pk(tenant: TenantId) -> String {
    format!("{}#VIEWS#SHARED", t(tenant))
}

pub fn views_index_sk(name: &str, id: ViewId) -> String {
    format!("{}#{}", name.to_lowercase(), id.ulid())
}

/// A background job (an export, an erasure).
pub fn job(tenant: TenantId, id: JobId) -> Key {
    Key::new(format!("{}#JOB#{}", t(tenant), id.ulid()), "JOB")
}

/// A tenant's business-hours calendars (one item, versioned).
pub fn business_hours(tenant: TenantId) -> Key {
    Key::new(t(tenant), "BUSINESS_HOURS")
}

/// A tenant's SLA policies, in order (one item, versioned).
pub fn sla_policies(tenant: TenantId) -> Key {
    Key::new(t(tenant), "SLA_POLICIES")
}

/// A tenant's triggers, in order (one item, versioned).
pub fn triggers(tenant: TenantId) -> Key {
    Key::new(t(tenant), "TRIGGERS")
}

/// A tenant's automations, in order (one item, versioned).
pub fn automations(tenant: TenantId) -> Key {
    Key::new(t(tenant), "AUTOMATIONS")
}

/// The partition that lists tenants with an active automation.
pub const AUTOMATED_PK: &str = "AUTOMATED";

/// A tenant's mark in [`AUTOMATED_PK`].
pub fn automated_tenant(tenant: TenantId) -> Key {
    Key::new(AUTOMATED_PK.to_owned(), t(tenant))
}

/// The partition of a tenant's agents (availability, skills, load).
pub fn agents_pk(tenant: TenantId) -> String {
    format!("{}#AGENTS", t(tenant))
}

/// Sort keys of agents in their partition start with this.
pub const AGENT_PREFIX: &str = "AGENT#";

/// An agent's availability, skills and load.
pub fn agent(tenant: TenantId, user: UserId) -> Key {
    Key::new(agents_pk(tenant), format!("{AGENT_PREFIX}{}", user.ulid()))
}

/// How a team hands out its tickets.
pub fn team_assignment(tenant: TenantId, team: TeamId) -> Key {
    Key::new(t(tenant), format!("TEAMASSIGN#{}", team.ulid()))
}

/// The partition of a tenant's macros.
pub fn macros_pk(tenant: TenantId) -> String {
    format!("{}#MACROS", t(tenant))
}

/// Sort keys of macros in their partition start with this.
pub const MACRO_PREFIX: &str = "MACRO#";

/// A macro, in its tenant's macro partition.
pub fn macro_key(tenant: TenantId, id: MacroId) -> Key {
    Key::new(macros_pk(tenant), format!("{MACRO_PREFIX}{}", id.ulid()))
}

/// A ticket's stored SLA, beside the ticket.
pub fn ticket_sla(tenant: TenantId, ticket: TicketId) -> Key {
    Key::new(ticket_pk(tenant, ticket), "SLA")
}

pub const SLA_MARK_PREFIX: &str = "SLAMARK#";

/// That a target cycle's warning or breach was announced.
pub fn sla_mark(tenant: TenantId, ticket: TicketId, cycle: &str, threshold: &str) -> Key {
    Key::new(
        ticket_pk(tenant, ticket),
        format!("{SLA_MARK_PREFIX}{cycle}#{threshold}"),
    )
}

/// GSI2 partition of the timer index: the deadlines of one minute, all
/// tenants (the scheduler's scan).
pub fn sla_timer_pk(minute: Timestamp) -> String {
    format!("SLA#{}", minute.strftime("%Y-%m-%dT%H:%M"))
}

pub fn sla_timer_sk(deadline: Timestamp, tenant: TenantId, ticket: TicketId) -> String {
    format!("{}#{}#{}", sortable(deadline), tenant.ulid(), ticket.ulid())
}

/// The deadline, tenant and ticket a timer sort key names (the index
/// projects little: its key says it all).
pub fn parse_sla_timer_sk(sk: &str) -> Option<(Timestamp, TenantId, TicketId)> {
    let mut parts = sk.split('#');
    let deadline = parts.next()?.parse().ok()?;
    let tenant = TenantId::from_ulid(parts.next()?.parse().ok()?);
    let ticket = TicketId::from_ulid(parts.next()?.parse().ok()?);
    Some((deadline, tenant, ticket))
}

/// A fixed-width UTC time, so sort keys order as times do.
fn sortable(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// GSI1 partition of a tenant's tickets in an SLA view, soonest due first.
pub fn sla_view_pk(tenant: TenantId, view: &str) -> String {
    format!("{}#SLA#{view}", t(tenant))
}

pub fn sla_view_sk(due: Timestamp, ticket: TicketId) -> String {
    format!("{}#{}", sortable(due), ticket.ulid())
}

/// Where the SLA scheduler remembers the last minute it scanned.
pub fn sla_scheduler() -> Key {
    Key::single("SCHEDULER#SLA".to_owned())
}

/// Object keys in the attachments bucket: every one starts with the tenant.
pub mod objects {
    use switchboard_domain::kernel::ids::{
        AttachmentId, JobId, TenantId, TicketId, UploadId, UserId,
    };

    pub fn upload(tenant: TenantId, id: UploadId) -> String {
        format!("tenants/{}/uploads/{}", tenant.ulid(), id.ulid())
    }

    /// A knowledge base article's image or file.
    pub fn article_file(
        tenant: TenantId,
        article: switchboard_domain::kernel::ids::ArticleId,
        id: switchboard_domain::kernel::ids::ArticleFileId,
    ) -> String {
        format!(
            "tenants/{}/kb/{}/{}",
            tenant.ulid(),
            article.ulid(),
            id.ulid()
        )
    }

    pub fn attachment(tenant: TenantId, ticket: TicketId, id: AttachmentId) -> String {
        format!(
            "tenants/{}/tickets/{}/{}",
            tenant.ulid(),
            ticket.ulid(),
            id.ulid()
        )
    }

    /// A job's file about a person. Under its own prefix, which the
    /// bucket's lifecycle rule expires after a week.
    pub fn export(tenant: TenantId, person: UserId, job: JobId) -> String {
        format!("{}{}.json", exports_of(tenant, person), job.ulid())
    }

    /// A file of a tenant's search index, under the key its writer gave
    /// it (tantivy's name after the writer's own prefix: two writers may
    /// make files of one name).
    pub fn search_file(tenant: TenantId, key: &str) -> String {
        format!("search/{}/{key}", tenant.ulid())
    }

    /// Where every export about a person is.
    pub fn exports_of(tenant: TenantId, person: UserId) -> String {
        format!("exports/{}/{}/", tenant.ulid(), person.ulid())
    }
}

mod analytics;
mod audit;
mod kb;
pub use analytics::*;
pub use audit::*;
pub use kb::*;
