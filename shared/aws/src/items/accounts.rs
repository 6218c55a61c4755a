//! Stored shapes of tenants, people, sessions, API keys and teams.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use switchboard_domain::accounts::api_key::{ApiKey, Scope};
use switchboard_domain::accounts::session::{RefreshRecord, Session};
use switchboard_domain::accounts::team::Team;
use switchboard_domain::accounts::tenant::{Slug, Tenant, TenantSettings, TenantStatus};
use switchboard_domain::accounts::user::{Email, Erasure, Role, User, UserStatus};
use switchboard_domain::kernel::ids::{
    ApiKeyId, OrganizationId, SessionId, TeamId, TenantId, UserId,
};

use super::{KeyAttrs, entity};
use crate::keys::{self};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    pub id: TenantId,
    pub slug: Slug,
    pub name: String,
    pub status: TenantStatus,
    pub settings: TenantSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&Tenant> for TenantItem {
    fn from(t: &Tenant) -> Self {
        Self {
            key: keys::tenant(t.id).into(),
            gsi1pk: keys::TENANTS_INDEX_PK.to_owned(),
            gsi1sk: keys::tenants_index_sk(t.created_at, t.id),
            entity: entity::TENANT.to_owned(),
            id: t.id,
            slug: t.slug.clone(),
            name: t.name.clone(),
            status: t.status,
            settings: t.settings.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version,
        }
    }
}

impl From<TenantItem> for Tenant {
    fn from(i: TenantItem) -> Self {
        Self {
            id: i.id,
            slug: i.slug,
            name: i.name,
            status: i.status,
            settings: i.settings,
            created_at: i.created_at,
            updated_at: i.updated_at,
            version: i.version,
        }
    }
}

/// Reserves a slug and points at its tenant.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlugItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub tenant_id: TenantId,
}

impl SlugItem {
    pub fn new(tenant: &Tenant) -> Self {
        Self {
            key: keys::slug(&tenant.slug).into(),
            entity: entity::SLUG.to_owned(),
            tenant_id: tenant.id,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_changed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions_ended_at: Option<Timestamp>,
    /// Absent on people stored before addresses were verified: proven.
    #[serde(default = "proven", skip_serializing_if = "is_proven")]
    pub email_verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erasure: Option<Erasure>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub surveys_declined: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

fn proven() -> bool {
    true
}

fn is_proven(verified: &bool) -> bool {
    *verified
}

impl From<&User> for UserItem {
    fn from(u: &User) -> Self {
        Self {
            key: keys::user(u.tenant_id, u.id).into(),
            gsi1pk: keys::users_index_pk(u.tenant_id),
            gsi1sk: keys::users_index_sk(u.role, &u.name, u.id),
            entity: entity::USER.to_owned(),
            id: u.id,
            tenant_id: u.tenant_id,
            email: u.email.clone(),
            name: u.name.clone(),
            role: u.role,
            status: u.status,
            password_hash: u.password_hash.clone(),
            password_changed_at: u.password_changed_at,
            sessions_ended_at: u.sessions_ended_at,
            email_verified: u.email_verified,
            organization_id: u.organization_id,
            notes: u.notes.clone(),
            erasure: u.erasure,
            surveys_declined: u.surveys_declined,
            created_at: u.created_at,
            updated_at: u.updated_at,
            version: u.version,
        }
    }
}

impl From<UserItem> for User {
    fn from(i: UserItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            email: i.email,
            name: i.name,
            role: i.role,
            status: i.status,
            password_hash: i.password_hash,
            password_changed_at: i.password_changed_at,
            sessions_ended_at: i.sessions_ended_at,
            email_verified: i.email_verified,
            organization_id: i.organization_id,
            notes: i.notes,
            erasure: i.erasure,
            surveys_declined: i.surveys_declined,
            created_at: i.created_at,
            updated_at: i.updated_at,
            version: i.version,
        }
    }
}

/// Reserves a login email in a tenant and points at its user.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginEmailItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub user_id: UserId,
}

impl LoginEmailItem {
    pub fn new(user: &User) -> Self {
        Self {
            key: keys::login_email(user.tenant_id, &user.email).into(),
            entity: entity::LOGIN_EMAIL.to_owned(),
            user_id: user.id,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: SessionId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
    pub ttl: i64,
}

impl From<&Session> for SessionItem {
    fn from(s: &Session) -> Self {
        Self {
            key: keys::session(s.tenant_id, s.user_id, s.id).into(),
            entity: entity::SESSION.to_owned(),
            id: s.id,
            tenant_id: s.tenant_id,
            user_id: s.user_id,
            created_at: s.created_at,
            expires_at: s.expires_at,
            revoked_at: s.revoked_at,
            ttl: s.expires_at.as_second(),
        }
    }
}

impl From<SessionItem> for Session {
    fn from(i: SessionItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            user_id: i.user_id,
            created_at: i.created_at,
            expires_at: i.expires_at,
            revoked_at: i.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub session_id: SessionId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub expires_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<Timestamp>,
    /// Kept until expiry even when spent: a spent token presented again is
    /// how theft is detected.
    pub ttl: i64,
}

impl From<&RefreshRecord> for RefreshItem {
    fn from(r: &RefreshRecord) -> Self {
        Self {
            key: keys::refresh_token(&r.digest).into(),
            entity: entity::REFRESH_TOKEN.to_owned(),
            session_id: r.session_id,
            tenant_id: r.tenant_id,
            user_id: r.user_id,
            expires_at: r.expires_at,
            used_at: r.used_at,
            ttl: r.expires_at.as_second(),
        }
    }
}

impl RefreshItem {
    pub fn into_record(self, digest: &str) -> RefreshRecord {
        RefreshRecord {
            digest: digest.to_owned(),
            session_id: self.session_id,
            tenant_id: self.tenant_id,
            user_id: self.user_id,
            expires_at: self.expires_at,
            used_at: self.used_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginFailuresItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub failures: u32,
    /// Epoch seconds; also the item's TTL.
    pub window_ends: i64,
}

/// One item per key, found by digest at authentication and listed per
/// tenant through GSI1.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    pub id: ApiKeyId,
    pub tenant_id: TenantId,
    pub name: String,
    pub role: Role,
    pub scopes: BTreeSet<Scope>,
    pub prefix: String,
    pub digest: String,
    pub created_by: UserId,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<Timestamp>,
}

impl From<&ApiKey> for ApiKeyItem {
    fn from(k: &ApiKey) -> Self {
        Self {
            key: keys::api_key(&k.digest).into(),
            gsi1pk: keys::api_keys_index_pk(k.tenant_id),
            gsi1sk: keys::api_keys_index_sk(k.created_at, k.id),
            entity: entity::API_KEY.to_owned(),
            id: k.id,
            tenant_id: k.tenant_id,
            name: k.name.clone(),
            role: k.role,
            scopes: k.scopes.clone(),
            prefix: k.prefix.clone(),
            digest: k.digest.clone(),
            created_by: k.created_by,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
        }
    }
}

impl From<ApiKeyItem> for ApiKey {
    fn from(i: ApiKeyItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            name: i.name,
            role: i.role,
            scopes: i.scopes,
            prefix: i.prefix,
            digest: i.digest,
            created_by: i.created_by,
            created_at: i.created_at,
            last_used_at: i.last_used_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: TeamId,
    pub tenant_id: TenantId,
    pub name: String,
    pub description: String,
    pub members: BTreeSet<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&Team> for TeamItem {
    fn from(t: &Team) -> Self {
        Self {
            key: keys::team(t.tenant_id, t.id).into(),
            entity: entity::TEAM.to_owned(),
            id: t.id,
            tenant_id: t.tenant_id,
            name: t.name.clone(),
            description: t.description.clone(),
            members: t.members.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version,
        }
    }
}

impl From<TeamItem> for Team {
    fn from(i: TeamItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            name: i.name,
            description: i.description,
            members: i.members,
            created_at: i.created_at,
            updated_at: i.updated_at,
            version: i.version,
        }
    }
}
