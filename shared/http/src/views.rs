//! The API's JSON shapes of domain objects, shared by the functions that
//! return them. Secrets (password hashes) have no field here to leak into.

use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeSet;
use switchboard_domain::accounts::{SignedIn, TokenPair};

use switchboard_domain::api_key::{ApiKey, Scope};
use switchboard_domain::ids::{ApiKeyId, TeamId, TenantId, UserId};
use switchboard_domain::pagination::Page;
use switchboard_domain::team::Team;
use switchboard_domain::tenant::{Tenant, TenantSettings, TenantStatus};
use switchboard_domain::user::{Role, User, UserStatus};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantView {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
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
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// OAuth-style token response fields.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    pub id: ApiKeyId,
    pub name: String,
    pub role: Role,
    pub scopes: BTreeSet<Scope>,
    /// The secret's first characters, to recognise it.
    pub prefix: String,
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

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamView {
    pub id: TeamId,
    pub name: String,
    pub description: String,
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

#[derive(Debug, Serialize)]
pub struct ListView<T> {
    pub items: Vec<T>,
}
