//! Domain events: written to the outbox in the same transaction as the
//! change they describe, and consumed downstream from the table's stream.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids::{EventId, TenantId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    #[serde(rename = "tenant.created")]
    TenantCreated,
    #[serde(rename = "tenant.updated")]
    TenantUpdated,
    #[serde(rename = "tenant.suspended")]
    TenantSuspended,
    #[serde(rename = "tenant.reactivated")]
    TenantReactivated,
    #[serde(rename = "user.created")]
    UserCreated,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::TenantCreated => "tenant.created",
            EventType::TenantUpdated => "tenant.updated",
            EventType::TenantSuspended => "tenant.suspended",
            EventType::TenantReactivated => "tenant.reactivated",
            EventType::UserCreated => "user.created",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorType {
    User,
    ApiKey,
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

    pub fn operator() -> Self {
        Self {
            kind: ActorType::Operator,
            id: None,
        }
    }
}

/// What the event is about; fields are set as they apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
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

impl DomainEvent {
    pub fn new(
        kind: EventType,
        tenant_id: TenantId,
        occurred_at: Timestamp,
        actor: Actor,
        subject: Subject,
        data: Value,
    ) -> Self {
        Self {
            id: EventId::new(),
            kind,
            tenant_id,
            occurred_at,
            actor,
            subject,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_envelope_has_the_published_shape() {
        let e = DomainEvent::new(
            EventType::UserCreated,
            TenantId::new(),
            Timestamp::UNIX_EPOCH,
            Actor::operator(),
            Subject::default(),
            serde_json::json!({"role": "owner"}),
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "user.created");
        assert_eq!(v["actor"], serde_json::json!({"type": "operator"}));
        assert_eq!(v["occurredAt"], "1970-01-01T00:00:00Z");
        for key in ["id", "tenantId", "subject", "data"] {
            assert!(v.get(key).is_some(), "{key} missing");
        }
        assert_eq!(EventType::UserCreated.as_str(), v["type"]);
    }
}
