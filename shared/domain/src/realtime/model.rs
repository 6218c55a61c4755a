//! Live updates: topics, who may listen to what, and what each listener is
//! shown. Pure rules; the WebSocket functions and the event router apply
//! them.

use crate::tickets::events::TicketUpdated;
use crate::tickets::events::is_public_comment;
use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::accounts::user::Role;
use crate::kernel::events::{DomainEvent, EventType};
use crate::kernel::ids::{SessionId, TenantId, TicketId, UserId};
use crate::notifications::notification::Notification;
use crate::tickets::fields::FieldSchema;
use crate::tickets::ticket::Ticket;

/// A connection ticket is good for one `$connect`, this soon.
pub const CONNECTION_TICKET_TTL: SignedDuration = SignedDuration::from_secs(30);
/// API Gateway closes WebSocket connections after two hours.
pub const CONNECTION_TTL: SignedDuration = SignedDuration::from_hours(2);
/// Topics one connection may hold (each is a stored subscription).
pub const MAX_TOPICS_PER_CONNECTION: usize = 50;

/// What a connection can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Everything that happens to one ticket.
    Ticket(TicketId),
    /// Every ticket event of the tenant (agents' queue view).
    Queue,
    /// One person's notifications.
    User(UserId),
    /// Every connection of one person, held from `$connect` so that the
    /// sockets of a session that ends can be found and closed. Never
    /// subscribed to by clients nor published to.
    Person(UserId),
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topic::Ticket(id) => write!(f, "ticket:{id}"),
            Topic::Queue => f.write_str("queue"),
            Topic::User(id) => write!(f, "user:{id}"),
            Topic::Person(id) => write!(f, "person:{id}"),
        }
    }
}

impl FromStr for Topic {
    type Err = Refusal;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            Refusal::new(
                "invalid_topic",
                "topics are ticket:{id}, queue or user:{id}",
            )
        };
        match s.split_once(':') {
            None if s == "queue" => Ok(Topic::Queue),
            Some(("ticket", id)) => id.parse().map(Topic::Ticket).map_err(|_| bad()),
            Some(("user", id)) => id.parse().map(Topic::User).map_err(|_| bad()),
            // Stored on connections; `authorize` refuses it to clients.
            Some(("person", id)) => id.parse().map(Topic::Person).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

/// Why the socket said no; sent back as an `error` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// Absent, another tenant's, or another customer's: the same answer.
    pub fn not_found() -> Self {
        Self::new("not_found", "no such ticket")
    }
}

/// Who a connection belongs to, from the ticket: the person, the role
/// they had and the session that asked. Checked again on `$connect`, on
/// each subscription and before each push; when the session has ended or
/// the role changed, the socket is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listener {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    /// Absent on connections from before sessions were bound: never live.
    #[serde(default)]
    pub session_id: Option<SessionId>,
}

impl Listener {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
}

/// A stored one-time connection ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionTicket {
    pub listener: Listener,
    pub expires_at: Timestamp,
}

/// An open WebSocket connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub id: String,
    pub listener: Listener,
    pub connected_at: Timestamp,
    pub expires_at: Timestamp,
    /// The topics it holds (`ticket:…`, `queue`, `user:…`).
    #[serde(default)]
    pub topics: std::collections::BTreeSet<String>,
}

/// One subscriber of a topic, as the fan-out reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub connection_id: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    pub session_id: Option<SessionId>,
}

impl Subscriber {
    /// Whom the connection stands for.
    pub fn listener(&self) -> Listener {
        Listener {
            tenant_id: self.tenant_id,
            user_id: self.user_id,
            role: self.role,
            session_id: self.session_id,
        }
    }
}

/// May `listener` subscribe to `topic`? `ticket` is the ticket a
/// `ticket:{id}` topic names, if it exists in the listener's tenant.
pub fn authorize(
    listener: &Listener,
    topic: Topic,
    ticket: Option<&Ticket>,
) -> Result<(), Refusal> {
    match topic {
        Topic::Queue if listener.is_staff() => Ok(()),
        Topic::Queue => Err(Refusal::new("forbidden", "the queue is for agents")),
        Topic::User(id) if id == listener.user_id => Ok(()),
        Topic::User(_) => Err(Refusal::new(
            "forbidden",
            "only your own notifications: user:{your id}",
        )),
        Topic::Person(_) => Err(Refusal::new(
            "invalid_topic",
            "topics are ticket:{id}, queue or user:{id}",
        )),
        Topic::Ticket(_) => match ticket {
            Some(t) if t.tenant_id == listener.tenant_id && !t.is_deleted() => {
                if listener.is_staff() || t.requester_id == listener.user_id {
                    Ok(())
                } else {
                    Err(Refusal::not_found())
                }
            }
            _ => Err(Refusal::not_found()),
        },
    }
}

/// The topics an event is published to.
pub fn topics_of(event: &DomainEvent) -> Vec<Topic> {
    match event.subject.ticket_id {
        Some(id) if is_ticket_event(event.kind) => vec![Topic::Ticket(id), Topic::Queue],
        // Who is online shows beside the queue (staff only follow it).
        _ if event.kind == EventType::AgentAvailabilityChanged => vec![Topic::Queue],
        _ => Vec::new(),
    }
}

fn is_ticket_event(kind: EventType) -> bool {
    ["ticket.", "comment.", "sla."]
        .iter()
        .any(|p| kind.as_str().starts_with(p))
}

/// Ticket fields only staff see; changes to them are dropped from the
/// customer's view.
const STAFF_ONLY_FIELDS: &[&str] = &["assigneeId", "teamId", "tags", "followers", "deleted"];

/// What a customer following a ticket may see of an event: internal notes
/// and their edits never, staff-only fields and hidden custom fields
/// removed. `None` when nothing is left to show.
pub fn customer_view(event: &DomainEvent, schema: &FieldSchema) -> Option<DomainEvent> {
    let mut view = event.clone();
    let data = &mut view.data;
    match event.kind {
        EventType::CommentCreated | EventType::CommentUpdated | EventType::CommentDeleted => {
            is_public_comment(event).then_some(())?;
            // Whom an agent mentioned is staff business; what the comment
            // changed reaches them as its own `ticket.updated`, filtered.
            if let Some(obj) = data.as_object_mut() {
                obj.remove("mentions");
                obj.remove("changes");
                obj.remove("byStaff");
            }
        }
        EventType::TicketAssigned | EventType::SlaWarning | EventType::SlaBreached => {
            return None;
        }
        EventType::TicketCreated => {
            if let Some(obj) = data.as_object_mut() {
                for f in STAFF_ONLY_FIELDS {
                    obj.remove(*f);
                }
            }
        }
        EventType::TicketUpdated => {
            let mut updated = event.payload::<TicketUpdated>()?;
            updated
                .changes
                .retain(|c| match c.field.strip_prefix("customFields.") {
                    Some(key) => schema.is_customer_visible(key),
                    None => !STAFF_ONLY_FIELDS.contains(&c.field.as_str()),
                });
            if updated.changes.is_empty() {
                return None;
            }
            // Which rule did it, and which (maybe internal) comment, is
            // staff business.
            updated.caused_by = None;
            updated.comment_id = None;
            *data = serde_json::to_value(&updated).ok()?;
        }
        EventType::TicketStatusChanged
        | EventType::TicketPriorityChanged
        | EventType::TicketDeleted
        | EventType::TicketRestored
        | EventType::TicketMerged => {}
        _ => return None,
    }
    Some(view)
}

/// What a client sends, routed by its `action`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "camelCase", deny_unknown_fields)]
pub enum ClientMessage {
    Subscribe {
        topic: String,
    },
    Unsubscribe {
        topic: String,
    },
    /// Someone is typing on a ticket; relayed, never stored. `internal`
    /// typing (a note) is shown to staff only.
    #[serde(rename_all = "camelCase")]
    Typing {
        ticket_id: String,
        #[serde(default)]
        internal: bool,
    },
    Ping,
}

impl ClientMessage {
    pub fn parse(body: &str) -> Result<Self, Refusal> {
        serde_json::from_str(body).map_err(|e| {
            Refusal::new(
                "invalid_message",
                format!(
                    "expected {{\"action\": \"subscribe\"|\"unsubscribe\"|\"typing\"|\"ping\", …}}: {e}"
                ),
            )
        })
    }
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ServerMessage {
    Subscribed {
        topic: String,
    },
    Unsubscribed {
        topic: String,
    },
    Event {
        topic: String,
        event: DomainEvent,
    },
    Notification {
        topic: String,
        notification: Notification,
    },
    #[serde(rename_all = "camelCase")]
    Typing {
        ticket_id: TicketId,
        user_id: UserId,
        internal: bool,
    },
    #[serde(rename_all = "camelCase")]
    Pong {
        connection_id: String,
        at: Timestamp,
    },
    Error {
        code: &'static str,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        action: Option<String>,
    },
}

impl ServerMessage {
    pub fn error(refusal: Refusal, action: Option<&str>) -> Self {
        ServerMessage::Error {
            code: refusal.code,
            message: refusal.message,
            action: action.map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::events::{Actor, Subject};
    use crate::kernel::ids::{CommentId, TeamId};
    use serde_json::{Value, json};

    fn listener(tenant: TenantId, role: Role) -> Listener {
        Listener {
            tenant_id: tenant,
            user_id: UserId::new(),
            role,
            session_id: None,
        }
    }

    #[test]
    fn topics_round_trip_and_junk_is_refused() {
        for t in [
            Topic::Queue,
            Topic::Ticket(TicketId::new()),
            Topic::User(UserId::new()),
        ] {
            assert_eq!(t.to_string().parse::<Topic>(), Ok(t));
        }
        for bad in [
            "",
            "queue:1",
            "ticket:",
            "ticket:usr_01J",
            "room:x",
            "user:tkt_x",
        ] {
            assert_eq!(
                bad.parse::<Topic>().map_err(|r| r.code),
                Err("invalid_topic")
            );
        }
    }

    #[test]
    fn agents_follow_any_ticket_of_their_tenant_customers_only_their_own() {
        let tenant = TenantId::new();
        let agent = listener(tenant, Role::Agent);
        let customer = listener(tenant, Role::Customer);
        let theirs = crate::tickets::ticket::sample(tenant, customer.user_id, None);
        let someone_elses = crate::tickets::ticket::sample(tenant, UserId::new(), None);
        let other_tenant = crate::tickets::ticket::sample(TenantId::new(), customer.user_id, None);
        let topic = |t: &Ticket| Topic::Ticket(t.id);
        assert_eq!(
            authorize(&agent, topic(&someone_elses), Some(&someone_elses)),
            Ok(())
        );
        assert_eq!(authorize(&customer, topic(&theirs), Some(&theirs)), Ok(()));
        assert_eq!(
            authorize(&customer, topic(&someone_elses), Some(&someone_elses)),
            Err(Refusal::not_found())
        );
        assert_eq!(
            authorize(&agent, topic(&other_tenant), Some(&other_tenant)),
            Err(Refusal::not_found())
        );
        assert_eq!(
            authorize(&agent, topic(&theirs), None),
            Err(Refusal::not_found())
        );
    }

    #[test]
    fn the_queue_is_for_staff_and_user_topics_for_their_owner() {
        let tenant = TenantId::new();
        let agent = listener(tenant, Role::Agent);
        let customer = listener(tenant, Role::Customer);
        assert!(authorize(&agent, Topic::Queue, None).is_ok());
        assert!(authorize(&customer, Topic::Queue, None).is_err());
        assert!(authorize(&customer, Topic::User(customer.user_id), None).is_ok());
        assert!(authorize(&agent, Topic::User(customer.user_id), None).is_err());
    }

    fn event(kind: EventType, data: Value) -> DomainEvent {
        DomainEvent {
            id: crate::kernel::ids::EventId::new(),
            kind,
            tenant_id: TenantId::new(),
            occurred_at: Timestamp::UNIX_EPOCH,
            actor: Actor::operator(),
            subject: Subject {
                ticket_id: Some(TicketId::new()),
                comment_id: Some(CommentId::new()),
                ..Subject::default()
            },
            data,
        }
    }

    #[test]
    fn customers_never_see_internal_notes_or_routing() {
        let schema = FieldSchema::default();
        let note = event(
            EventType::CommentCreated,
            json!({"public": false, "mentions": []}),
        );
        assert_eq!(customer_view(&note, &schema), None);
        let edit = event(EventType::CommentUpdated, json!({"public": false}));
        assert_eq!(customer_view(&edit, &schema), None);
        let reply = event(
            EventType::CommentCreated,
            json!({"public": true, "mentions": [UserId::new()]}),
        );
        assert_eq!(
            customer_view(&reply, &schema).map(|e| e.data),
            Some(json!({"public": true}))
        );
        let assigned = event(EventType::TicketAssigned, json!({"teamId": TeamId::new()}));
        assert_eq!(customer_view(&assigned, &schema), None);
    }

    #[test]
    fn customers_see_only_the_changes_meant_for_them() {
        let def = |key: &str, visible| crate::tickets::fields::FieldDef {
            key: key.into(),
            label: key.into(),
            kind: crate::tickets::fields::FieldKind::Text,
            options: Vec::new(),
            required: false,
            customer_visible: visible,
        };
        let schema = FieldSchema {
            fields: vec![def("order", true), def("vip", false)],
            version: 1,
        };
        let updated = event(
            EventType::TicketUpdated,
            json!({"changes": [
                {"field": "status", "before": "open", "after": "pending"},
                {"field": "assigneeId", "before": null, "after": "usr_x"},
                {"field": "customFields.vip", "before": null, "after": true},
                {"field": "customFields.order", "before": null, "after": "A-1"},
            ], "causedBy": {"type": "triggers", "triggers": [{"id": "trg_x", "title": "VIP routing"}]},
               "commentId": "cmt_01J9Z3Q4W5E6R7T8Y9V0A1B2C3"}),
        );
        let seen = customer_view(&updated, &schema)
            .map(|e| e.data)
            .unwrap_or_default();
        assert!(
            seen.get("causedBy").is_none() && seen.get("commentId").is_none(),
            "{seen}"
        );
        let fields: Vec<Value> = customer_view(&updated, &schema)
            .and_then(|e| e.data["changes"].as_array().cloned())
            .unwrap_or_default()
            .into_iter()
            .map(|c| c["field"].clone())
            .collect();
        assert_eq!(fields, vec![json!("status"), json!("customFields.order")]);
        let internal_only = event(
            EventType::TicketUpdated,
            json!({"changes": [{"field": "tags", "before": [], "after": ["vip"]}]}),
        );
        assert_eq!(customer_view(&internal_only, &schema), None);
        let created = event(
            EventType::TicketCreated,
            json!({"subject": "Hi", "assigneeId": "usr_x", "teamId": null}),
        );
        assert_eq!(
            customer_view(&created, &schema).map(|e| e.data),
            Some(json!({"subject": "Hi"}))
        );
    }

    #[test]
    fn ticket_events_go_to_the_ticket_room_and_the_queue_others_nowhere() {
        let e = event(EventType::CommentCreated, json!({}));
        let id = e.subject.ticket_id.unwrap();
        assert_eq!(topics_of(&e), vec![Topic::Ticket(id), Topic::Queue]);
        let team = event(EventType::TeamUpdated, json!({}));
        assert!(topics_of(&team).is_empty());
    }

    #[test]
    fn client_messages_parse_by_action_and_junk_is_refused() {
        assert_eq!(
            ClientMessage::parse(r#"{"action":"subscribe","topic":"queue"}"#),
            Ok(ClientMessage::Subscribe {
                topic: "queue".into()
            })
        );
        assert_eq!(
            ClientMessage::parse(r#"{"action":"typing","ticketId":"tkt_x"}"#),
            Ok(ClientMessage::Typing {
                ticket_id: "tkt_x".into(),
                internal: false
            })
        );
        assert_eq!(
            ClientMessage::parse(r#"{"action":"ping"}"#),
            Ok(ClientMessage::Ping)
        );
        for bad in [
            "",
            "{}",
            r#"{"action":"shout"}"#,
            r#"{"action":"subscribe"}"#,
            "[1]",
        ] {
            assert_eq!(
                ClientMessage::parse(bad).map_err(|r| r.code),
                Err("invalid_message"),
                "{bad}"
            );
        }
    }

    #[test]
    fn server_messages_have_a_type() {
        let m = ServerMessage::error(Refusal::not_found(), Some("subscribe"));
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            json!({"type": "error", "code": "not_found", "message": "no such ticket", "action": "subscribe"})
        );
    }
}
