//! API keys for integrators: a role (agent or admin) narrowed by scopes.

use std::collections::BTreeSet;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::accounts::user::Role;
use crate::kernel::ids::{ApiKeyId, TenantId, UserId};
use crate::kernel::validation::Invalid;

/// What an API key may touch. An action needs its scope *and* the key's
/// role to allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "tenant:read")]
    TenantRead,
    #[serde(rename = "tenant:write")]
    TenantWrite,
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "users:write")]
    UsersWrite,
    #[serde(rename = "teams:read")]
    TeamsRead,
    #[serde(rename = "teams:write")]
    TeamsWrite,
    #[serde(rename = "tickets:read")]
    TicketsRead,
    #[serde(rename = "tickets:write")]
    TicketsWrite,
    #[serde(rename = "webhooks:write")]
    WebhooksWrite,
    #[serde(rename = "kb:read")]
    KbRead,
    #[serde(rename = "kb:write")]
    KbWrite,
}

impl Scope {
    pub const ALL: [Scope; 11] = [
        Scope::TenantRead,
        Scope::TenantWrite,
        Scope::UsersRead,
        Scope::UsersWrite,
        Scope::TeamsRead,
        Scope::TeamsWrite,
        Scope::TicketsRead,
        Scope::TicketsWrite,
        Scope::WebhooksWrite,
        Scope::KbRead,
        Scope::KbWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::TenantRead => "tenant:read",
            Scope::TenantWrite => "tenant:write",
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::TeamsRead => "teams:read",
            Scope::TeamsWrite => "teams:write",
            Scope::TicketsRead => "tickets:read",
            Scope::TicketsWrite => "tickets:write",
            Scope::WebhooksWrite => "webhooks:write",
            Scope::KbRead => "kb:read",
            Scope::KbWrite => "kb:write",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Scope::ALL
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| Invalid::new("unknown_scope", format!("`{raw}` is not a scope")))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The roles a key can carry: keys act for integrations, never as owners
/// or customers.
pub fn parse_key_role(raw: &str) -> Result<Role, Invalid> {
    match raw {
        "agent" => Ok(Role::Agent),
        "admin" => Ok(Role::Admin),
        _ => Err(Invalid::new("invalid_role", "must be `agent` or `admin`")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    pub name: String,
    pub role: Role,
    pub scopes: BTreeSet<Scope>,
    /// The first characters of the secret, to tell keys apart in a list.
    pub prefix: String,
    pub digest: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

impl ApiKey {
    pub const SECRET_PREFIX: &'static str = "sbk";

    /// A new key: the secret to show once, and the record to store.
    pub fn issue(
        tenant_id: TenantId,
        name: String,
        role: Role,
        scopes: BTreeSet<Scope>,
        created_by: UserId,
        now: Timestamp,
    ) -> (String, Self) {
        let secret = crate::kernel::secrets::random_token(Self::SECRET_PREFIX);
        let key = Self {
            id: ApiKeyId::new(),
            tenant_id,
            name,
            role,
            scopes,
            prefix: secret.chars().take(12).collect(),
            digest: crate::kernel::secrets::token_digest(&secret),
            created_by,
            created_at: now,
            last_used_at: None,
        };
        (secret, key)
    }

    pub fn looks_like(bearer: &str) -> bool {
        bearer.starts_with("sbk_")
    }

    /// Last use is recorded at most this often, so a busy integration does
    /// not turn every read into a write.
    pub fn use_worth_recording(&self, now: Timestamp) -> bool {
        self.last_used_at
            .is_none_or(|last| now.duration_since(last) >= jiff::SignedDuration::from_mins(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_unknown_ones_are_refused() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert!(Scope::parse("tickets:delete").is_err());
    }

    #[test]
    fn keys_are_shown_once_and_stored_as_digests() {
        let (secret, key) = ApiKey::issue(
            TenantId::new(),
            "CRM sync".into(),
            Role::Agent,
            BTreeSet::from([Scope::TicketsRead]),
            UserId::new(),
            Timestamp::UNIX_EPOCH,
        );
        assert!(ApiKey::looks_like(&secret));
        assert!(secret.starts_with(&key.prefix));
        assert_eq!(key.digest, crate::kernel::secrets::token_digest(&secret));
        assert!(parse_key_role("owner").is_err() && parse_key_role("customer").is_err());
    }

    #[test]
    fn last_use_is_recorded_at_most_every_five_minutes() {
        let (_, mut key) = ApiKey::issue(
            TenantId::new(),
            "k".into(),
            Role::Agent,
            BTreeSet::new(),
            UserId::new(),
            Timestamp::UNIX_EPOCH,
        );
        let t0 = Timestamp::from_second(1_000_000).unwrap();
        assert!(key.use_worth_recording(t0));
        key.last_used_at = Some(t0);
        assert!(!key.use_worth_recording(t0 + jiff::SignedDuration::from_mins(4)));
        assert!(key.use_worth_recording(t0 + jiff::SignedDuration::from_mins(5)));
    }
}
