//! What the account use cases take: inputs parsed into domain types at the
//! edge (request bodies convert with `TryFrom`, collecting every field
//! error). Login credentials stay as typed: a malformed tenant or email
//! must look like any other wrong credential.

use std::collections::BTreeSet;

use crate::accounts::api_key::Scope;
use crate::accounts::tenant::Slug;
use crate::accounts::user::{Email, Password, Role, UserStatus};
use crate::kernel::error::Invalid;
use crate::kernel::ids::UserId;

/// Sign-up of a new tenant with its owner.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub name: String,
    pub slug: Slug,
    pub owner_name: String,
    pub owner_email: Email,
    pub owner_password: Password,
}

/// Login credentials. A tenant or email that does not parse is kept as
/// `None`: the login then fails like any other wrong credential.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub tenant: Option<Slug>,
    pub email: Option<Email>,
    pub password: Password,
}

impl Credentials {
    /// Credentials as a person typed them.
    pub fn typed(tenant: &str, email: &str, password: String) -> Self {
        Self {
            tenant: Slug::parse(tenant).ok(),
            email: Email::parse(email).ok(),
            password: Password::for_login(password),
        }
    }
}

/// Self-registration of a customer. `tenant` stays as typed: a helpdesk
/// that does not exist is `NotFound`, whatever its slug looks like.
#[derive(Debug, Clone)]
pub struct Registration {
    pub tenant: String,
    pub name: String,
    pub email: Email,
    pub password: Password,
}

/// A person added by an admin.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub email: Email,
    pub role: Role,
    /// An initial password; without one the person is invited to choose one.
    pub password: Option<Password>,
}

/// A partial change of a person; `None` leaves a field unchanged.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub email: Option<Email>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
    /// Staff's notes about the person.
    pub notes: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: String,
    pub role: Role,
    /// At least one.
    pub scopes: BTreeSet<Scope>,
}

#[derive(Debug, Clone)]
pub struct NewTeam {
    pub name: String,
    pub description: String,
    pub members: BTreeSet<UserId>,
}

/// A partial change of a team; `None` leaves a field unchanged.
#[derive(Debug, Clone, Default)]
pub struct TeamPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub members: Option<BTreeSet<UserId>>,
}

/// A request for a password reset link.
#[derive(Debug, Clone)]
pub struct ResetRequest {
    pub tenant: Slug,
    pub email: Email,
}

/// A new password set with a link's token.
#[derive(Debug, Clone)]
pub struct ResetConfirmation {
    /// Not empty.
    pub token: String,
    pub password: Password,
}

/// A role an admin may give a person: not `owner` (a tenant has one, set
/// at sign-up).
pub fn parse_role(raw: &str) -> Result<Role, Invalid> {
    match raw {
        "admin" => Ok(Role::Admin),
        "agent" => Ok(Role::Agent),
        "customer" => Ok(Role::Customer),
        "owner" => Err(Invalid::new(
            "invalid_role",
            "a tenant has one owner, set at sign-up",
        )),
        _ => Err(Invalid::new(
            "invalid_role",
            "must be `admin`, `agent` or `customer`",
        )),
    }
}

pub fn parse_status(raw: &str) -> Result<UserStatus, Invalid> {
    match raw {
        "active" => Ok(UserStatus::Active),
        "deactivated" => Ok(UserStatus::Deactivated),
        _ => Err(Invalid::new(
            "invalid_status",
            "must be `active` or `deactivated`",
        )),
    }
}

/// A reset link's token: whatever was pasted, trimmed, not empty.
pub fn parse_token(raw: &str) -> Result<String, Invalid> {
    let token = raw.trim();
    if token.is_empty() {
        return Err(Invalid::new("required", "is required"));
    }
    Ok(token.to_owned())
}

/// API key scopes, each parsed, at least one (errors name `scopes.{i}`).
pub fn parse_scopes(raw: &[String]) -> Result<BTreeSet<Scope>, Vec<(String, Invalid)>> {
    if raw.is_empty() {
        return Err(vec![(
            "scopes".into(),
            Invalid::new("required", "a key needs at least one scope"),
        )]);
    }
    let mut scopes = BTreeSet::new();
    let mut errors = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        match Scope::parse(s) {
            Ok(s) => {
                scopes.insert(s);
            }
            Err(e) => errors.push((format!("scopes.{i}"), e)),
        }
    }
    if errors.is_empty() {
        Ok(scopes)
    } else {
        Err(errors)
    }
}
