//! Domain events: written to the outbox in the same transaction as the
//! change they describe, and consumed downstream from the table's stream.

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kernel::ids::{EventId, TenantId, UserId};

macro_rules! event_types {
    ($($variant:ident => $name:literal: $doc:literal,)*) => {
        /// The event catalogue. Names are stable: integrators subscribe to them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventType {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
        }

        impl EventType {
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $name,)* }
            }

            pub fn describe(self) -> &'static str {
                match self { $(EventType::$variant => $doc,)* }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw { $($name => Some(EventType::$variant),)* _ => None }
            }
        }
    };
}

event_types! {
    TenantCreated => "tenant.created": "A tenant signed up.",
    TenantUpdated => "tenant.updated": "The tenant's name or settings changed (`data.changed`).",
    TenantSuspended => "tenant.suspended": "The operator suspended the tenant.",
    TenantReactivated => "tenant.reactivated": "The operator lifted a suspension.",
    UserCreated => "user.created": "A user was created (sign-up, registration, by an admin, or as a ticket's requester).",
    UserUpdated => "user.updated": "A user's name, email, role or status changed (`data.changed`).",
    UserDeactivated => "user.deactivated": "A user was deactivated; their credentials stopped working.",
    UserExportRequested => "user.export_requested": "Someone asked for a copy of a person's data (`data.jobId`); the export is prepared in the background.",
    UserErased => "user.erased": "A customer's personal data was erased at an admin's request (`data.jobId`): their name and address are gone, their comments and files follow in the background. Systems that copied the person should erase them too.",
    ApiKeyCreated => "api_key.created": "An API key was created.",
    ApiKeyRevoked => "api_key.revoked": "An API key was revoked.",
    TeamCreated => "team.created": "A team was created.",
    TeamUpdated => "team.updated": "A team's name, description or members changed.",
    TeamDeleted => "team.deleted": "A team was deleted.",
    OrganizationCreated => "organization.created": "A customer organisation was created.",
    OrganizationUpdated => "organization.updated": "An organisation's name, domains, notes or sharing changed (`data.changed`).",
    OrganizationDeleted => "organization.deleted": "An organisation was deleted (its people keep their tickets).",
    TicketCreated => "ticket.created": "A ticket was opened.",
    TicketUpdated => "ticket.updated": "A ticket changed (`data.changes`: field, before, after).",
    TicketStatusChanged => "ticket.status_changed": "A ticket's status changed (`data.from`, `data.to`).",
    TicketAssigned => "ticket.assigned": "A ticket's assignee or team changed.",
    TicketPriorityChanged => "ticket.priority_changed": "A ticket's priority changed.",
    TicketDeleted => "ticket.deleted": "A ticket was deleted (recoverable for 30 days).",
    TicketRestored => "ticket.restored": "A deleted ticket was restored.",
    TicketMerged => "ticket.merged": "A ticket was merged into this one (`data.sourceId`, `data.sourceNumber`): its conversation was copied here and it was closed.",
    CommentCreated => "comment.created": "A public reply or internal note was added (`data.public`).",
    CommentUpdated => "comment.updated": "A comment was edited.",
    CommentDeleted => "comment.deleted": "A comment was redacted.",
    SatisfactionRated => "satisfaction.rated": "The requester rated their solved ticket `good` or `bad` (`data.score`, `data.comment`; `data.previous` when they changed their rating; `data.reopened` when a bad rating reopened it).",
    SlaWarning => "sla.warning": "A ticket's SLA target reached its warning threshold (`data.target`, `data.dueAt`); once per target.",
    SlaBreached => "sla.breached": "A ticket's SLA target passed its due time (`data.target`, `data.dueAt`); once per target.",
    ArticlePublished => "article.published": "A knowledge base article became public (`data.locales`), or a published article's draft replaced what readers see.",
    ArticleUpdated => "article.updated": "A knowledge base article's text, place, visibility or tags changed (`data.changed`, `data.locale`).",
    ArticleArchived => "article.archived": "A knowledge base article was archived or deleted (`data.deleted`): readers no longer see it.",
    TeamAssignmentChanged => "team.assignment_changed": "How a team hands out its tickets changed (`data.assignment`: strategy, maxOpenPerAgent, onlyAvailable, requireSkills).",
    AgentAvailabilityChanged => "agent.availability_changed": "An agent became `online`, `away` or `offline` (`data.availability`; `subject.userId`).",
    ConfigurationChanged => "configuration.changed": "An admin changed a webhook, a mailbox, business hours, SLA policies, triggers, automations, a macro, the ticket fields or the knowledge base's settings (`data.object`, `data.change`, `data.id`, `data.name`, `data.changed`); never carries secrets.",
    TriggerNotified => "trigger.notified": "A trigger's `notifyWebhook` action: delivered only to the endpoint it names (`data.webhookId`), whatever events that endpoint subscribes to, with the trigger (`data.trigger`) and the ticket (`data.ticket`).",
    WebhookTest => "webhook.test": "Sent by `POST /v1/webhooks/{id}/test` to that endpoint only.",
    RuleMailRequested => "rule.mail_requested": "Internal: a trigger's or automation's `sendEmail` action, rendered and addressed (mailed by the email worker, never delivered to webhooks or sockets).",
    PasswordResetRequested => "user.password_reset_requested": "Internal: someone asked for a password reset link (mailed, never delivered to webhooks or sockets).",
    SessionEnded => "user.session_ended": "Internal: a person logged out; the router closes that session's sockets (never delivered to webhooks or sockets).",
}

impl EventType {
    /// Events only Switchboard's own workers consume: not offered to
    /// webhooks, not pushed to sockets.
    pub fn is_internal(self) -> bool {
        matches!(
            self,
            EventType::PasswordResetRequested
                | EventType::SessionEnded
                | EventType::RuleMailRequested
        )
    }

    /// The catalogue integrators can subscribe to.
    pub fn public() -> impl Iterator<Item = EventType> {
        Self::ALL.iter().copied().filter(|t| !t.is_internal())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    User,
    ApiKey,
    /// Switchboard itself (automations, email intake, SLA escalation).
    Operator,
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    #[serde(rename = "type")]
    pub kind: ActorType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Actor {
    pub fn user(id: UserId) -> Self {
        Self {
            kind: ActorType::User,
            id: Some(id.to_string()),
        }
    }

    pub fn api_key(id: crate::kernel::ids::ApiKeyId) -> Self {
        Self {
            kind: ActorType::ApiKey,
            id: Some(id.to_string()),
        }
    }

    pub fn operator() -> Self {
        Self {
            kind: ActorType::Operator,
            id: None,
        }
    }

    /// Switchboard's own clocks (SLA announcements and escalations).
    pub fn system() -> Self {
        Self {
            kind: ActorType::System,
            id: None,
        }
    }
}

/// What the event is about; fields are set as they apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<crate::kernel::ids::TicketId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<crate::kernel::ids::CommentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<crate::kernel::ids::TeamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<crate::kernel::ids::OrganizationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<crate::kernel::ids::ArticleId>,
}

/// The one envelope every consumer downstream receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainEvent {
    pub id: EventId,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub tenant_id: TenantId,
    pub occurred_at: Timestamp,
    pub actor: Actor,
    pub subject: Subject,
    pub data: Value,
}

/// An event's `data`, typed: the producing context defines one struct per
/// event type (or per family of twins, such as `ticket.deleted` and
/// `ticket.restored`), and consumers read it back with
/// [`DomainEvent::payload`] instead of looking up keys in JSON.
pub trait Payload: Serialize + DeserializeOwned {
    /// The event types whose `data` this is.
    const TYPES: &'static [EventType];
}

/// The `data` of events that carry nothing beyond their envelope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoData {}

impl Payload for NoData {
    const TYPES: &'static [EventType] = &[
        EventType::TenantSuspended,
        EventType::TenantReactivated,
        EventType::PasswordResetRequested,
        EventType::SessionEnded,
    ];
}

/// What kind of configuration a `configuration.changed` event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigObject {
    Webhook,
    Mailbox,
    BusinessHours,
    SlaPolicy,
    Trigger,
    Automation,
    Macro,
    TicketFields,
    KbSettings,
}

impl ConfigObject {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigObject::Webhook => "webhook",
            ConfigObject::Mailbox => "mailbox",
            ConfigObject::BusinessHours => "business_hours",
            ConfigObject::SlaPolicy => "sla_policy",
            ConfigObject::Trigger => "trigger",
            ConfigObject::Automation => "automation",
            ConfigObject::Macro => "macro",
            ConfigObject::TicketFields => "ticket_fields",
            ConfigObject::KbSettings => "kb_settings",
        }
    }
}

/// How it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigChange {
    Created,
    Updated,
    Deleted,
    /// A webhook's signing secret was replaced (the secret is never sent).
    SecretRotated,
    /// Switchboard turned it off by itself (a webhook failing for days).
    Disabled,
}

impl ConfigChange {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigChange::Created => "created",
            ConfigChange::Updated => "updated",
            ConfigChange::Deleted => "deleted",
            ConfigChange::SecretRotated => "secret_rotated",
            ConfigChange::Disabled => "disabled",
        }
    }
}

/// `configuration.changed`: written by each context that owns the object,
/// in the transaction that changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationChanged {
    pub object: ConfigObject,
    pub change: ConfigChange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The fields an update touched, by name (never their secret values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
}

impl Payload for ConfigurationChanged {
    const TYPES: &'static [EventType] = &[EventType::ConfigurationChanged];
}

impl ConfigurationChanged {
    pub fn new(object: ConfigObject, change: ConfigChange) -> Self {
        Self {
            object,
            change,
            id: None,
            name: None,
            changed: Vec::new(),
        }
    }

    /// Names the object changed.
    pub fn of(mut self, id: impl ToString, name: &str) -> Self {
        self.id = Some(id.to_string());
        self.name = Some(name.to_owned());
        self
    }

    /// Names the fields an update touched.
    pub fn touching(mut self, fields: &[&str]) -> Self {
        self.changed = fields.iter().map(|f| (*f).to_owned()).collect();
        self
    }

    /// Names the fields of `fields` whose flag says the update touched them.
    pub fn touching_given(mut self, fields: &[(&str, bool)]) -> Self {
        self.changed = fields
            .iter()
            .filter(|(_, touched)| *touched)
            .map(|(name, _)| (*name).to_owned())
            .collect();
        self
    }

    /// The event, by `actor`, in `tenant`.
    pub fn event(self, tenant: TenantId, actor: Actor, now: Timestamp) -> DomainEvent {
        DomainEvent::new(
            EventType::ConfigurationChanged,
            tenant,
            now,
            actor,
            Subject::default(),
            &self,
        )
    }
}

impl DomainEvent {
    pub fn new<P: Payload>(
        kind: EventType,
        tenant_id: TenantId,
        occurred_at: Timestamp,
        actor: Actor,
        subject: Subject,
        payload: &P,
    ) -> Self {
        debug_assert!(
            P::TYPES.contains(&kind),
            "{kind:?} does not carry this payload"
        );
        Self {
            id: EventId::new(),
            kind,
            tenant_id,
            occurred_at,
            actor,
            subject,
            // Payloads are plain structs with string keys: serializing them
            // cannot fail.
            data: serde_json::to_value(payload).unwrap_or_default(),
        }
    }

    /// The event's `data` as the payload of its type; `None` when the event
    /// is of another type (or was written by a version that had other
    /// fields and cannot be read as this one).
    pub fn payload<P: Payload>(&self) -> Option<P> {
        if !P::TYPES.contains(&self.kind) {
            return None;
        }
        P::deserialize(&self.data).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_has_the_published_shape() {
        let e = DomainEvent::new(
            EventType::TenantSuspended,
            TenantId::new(),
            Timestamp::UNIX_EPOCH,
            Actor::operator(),
            Subject::default(),
            &NoData {},
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "tenant.suspended");
        assert_eq!(v["actor"], serde_json::json!({"type": "operator"}));
        assert_eq!(v["occurredAt"], "1970-01-01T00:00:00Z");
        for key in ["id", "tenantId", "subject", "data"] {
            assert!(v.get(key).is_some(), "{key} missing");
        }
        assert_eq!(EventType::TenantSuspended.as_str(), v["type"]);
        assert_eq!(e.payload::<NoData>(), Some(NoData {}));
    }

    #[test]
    fn every_event_type_round_trips_through_its_name() {
        for &t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
    }
}
