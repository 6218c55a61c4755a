//! The `data` of the events the accounts context emits, one struct per
//! event type (twins share one).

use serde::{Deserialize, Serialize};

use crate::accounts::user::Role;
use crate::kernel::events::{EventType, Payload};
use crate::kernel::ids::{ApiKeyId, JobId};

/// `tenant.created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantCreated {
    pub slug: String,
    pub name: String,
}

impl Payload for TenantCreated {
    const TYPES: &'static [EventType] = &[EventType::TenantCreated];
}

/// `tenant.updated`: the names of the settings that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantUpdated {
    pub changed: Vec<String>,
}

impl Payload for TenantUpdated {
    const TYPES: &'static [EventType] = &[EventType::TenantUpdated];
}

/// `user.created`. `invited`: created by someone else without a password,
/// so the person gets a mail to choose one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserCreated {
    pub role: Role,
    #[serde(default)]
    pub name: String,
    pub invited: bool,
    /// The person registered themselves: their address is to be verified
    /// (the email worker mails the link).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub verify: bool,
}

impl Payload for UserCreated {
    const TYPES: &'static [EventType] = &[EventType::UserCreated];
}

/// `user.updated` and `user.deactivated`: the fields that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdated {
    pub changed: Vec<String>,
}

impl Payload for UserUpdated {
    const TYPES: &'static [EventType] = &[EventType::UserUpdated, EventType::UserDeactivated];
}

impl UserUpdated {
    /// `kind` (`user.updated` or `user.deactivated`) of `user`, naming the
    /// fields that changed.
    pub fn event(
        kind: EventType,
        user: &crate::accounts::user::User,
        actor: crate::kernel::events::Actor,
        changed: &[&str],
        now: jiff::Timestamp,
    ) -> crate::kernel::events::DomainEvent {
        crate::kernel::events::DomainEvent::new(
            kind,
            user.tenant_id,
            now,
            actor,
            crate::kernel::events::Subject {
                user_id: Some(user.id),
                ..crate::kernel::events::Subject::default()
            },
            &UserUpdated {
                changed: changed.iter().map(|c| (*c).to_owned()).collect(),
            },
        )
    }
}

/// `user.export_requested` and `user.erased`: the job doing the work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalDataJob {
    pub job_id: JobId,
}

impl Payload for PersonalDataJob {
    const TYPES: &'static [EventType] = &[EventType::UserExportRequested, EventType::UserErased];
}

/// `api_key.created`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreated {
    pub api_key_id: ApiKeyId,
    pub role: Role,
}

impl Payload for ApiKeyCreated {
    const TYPES: &'static [EventType] = &[EventType::ApiKeyCreated];
}

/// `api_key.revoked`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyRevoked {
    pub api_key_id: ApiKeyId,
}

impl Payload for ApiKeyRevoked {
    const TYPES: &'static [EventType] = &[EventType::ApiKeyRevoked];
}

/// `team.created`, `team.updated` and `team.deleted`: the team's name and
/// how many members it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChanged {
    pub name: String,
    pub members: usize,
}

impl Payload for TeamChanged {
    const TYPES: &'static [EventType] = &[
        EventType::TeamCreated,
        EventType::TeamUpdated,
        EventType::TeamDeleted,
    ];
}

/// `organization.created`, `organization.updated` (with what `changed`)
/// and `organization.deleted`. Staff notes are never in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationChanged {
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
}

impl Payload for OrganizationChanged {
    const TYPES: &'static [EventType] = &[
        EventType::OrganizationCreated,
        EventType::OrganizationUpdated,
        EventType::OrganizationDeleted,
    ];
}
