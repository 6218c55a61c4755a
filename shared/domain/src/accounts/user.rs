//! People in a tenant and what they may be.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::{JobId, OrganizationId, TenantId, UserId};
use crate::kernel::validation::{Invalid, bounded_text};

/// An email address, trimmed and lower-cased so that one mailbox is one
/// account however it is typed. Checked for shape, not deliverability.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = raw.trim().to_lowercase();
        let invalid = || Invalid::new("invalid_email", "must be an email address");
        if email.len() > 254 {
            return Err(Invalid::new("too_long", "must be at most 254 characters"));
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(email))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s).map_err(|e| e.message)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// A person's display name.
pub fn parse_person_name(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, 120)
}

/// A password as typed. Follows NIST SP 800-63B / OWASP: length matters,
/// composition rules do not. Never logged: `Debug` is redacted.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    /// Bounded so that hashing cost cannot be driven up by the caller.
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: String) -> Result<Self, Invalid> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(Invalid::new(
                "too_short",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(Invalid::new(
                "too_long",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw))
    }

    /// For login, where any length is checked against the hash: a policy
    /// change must not lock out people with older, shorter passwords.
    pub fn for_login(raw: String) -> Self {
        Self(raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the tenant; everything an admin can do, and cannot be demoted
    /// by an admin.
    Owner,
    Admin,
    Agent,
    Customer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::Customer => "customer",
        }
    }

    /// Owners, admins and agents work tickets; customers raise them.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }

    /// How much a role may do: a change to a lower rank is a demotion.
    pub fn rank(self) -> u8 {
        match self {
            Role::Customer => 0,
            Role::Agent => 1,
            Role::Admin => 2,
            Role::Owner => 3,
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    /// Cannot log in; existing tokens stop working.
    Deactivated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    /// Argon2id PHC string; `None` for people who never set a password
    /// (e.g. customers known only by email).
    pub password_hash: Option<String>,
    /// When the password was last set through a link: sessions started
    /// before then are over.
    pub password_changed_at: Option<Timestamp>,
    /// When the person was deactivated or demoted: sessions started before
    /// then are over, even once they are active again.
    pub sessions_ended_at: Option<Timestamp>,
    /// Whether the address is proven to be this person's. Only a customer
    /// who registered themselves starts unproven, until they follow the
    /// link mailed to them; such an account owns nothing that arrives by
    /// mail (see the email intake).
    pub email_verified: bool,
    /// The organisation a customer belongs to.
    pub organization_id: Option<OrganizationId>,
    /// Staff's private notes about the person (never shown to them).
    pub notes: String,
    /// Set once the person's personal data was erased: what is left of
    /// them is a tombstone.
    pub erasure: Option<Erasure>,
    /// The person asked for no more satisfaction surveys.
    pub surveys_declined: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl User {
    /// Whether a session started at `started` still speaks for this person.
    pub fn accepts_session_from(&self, started: Timestamp) -> bool {
        [self.password_changed_at, self.sessions_ended_at]
            .into_iter()
            .flatten()
            .all(|ended| started >= ended)
    }

    pub fn new(
        tenant_id: TenantId,
        email: Email,
        name: String,
        role: Role,
        password_hash: Option<String>,
        now: Timestamp,
    ) -> Self {
        Self {
            id: UserId::new(),
            tenant_id,
            email,
            name,
            role,
            status: UserStatus::Active,
            password_hash,
            password_changed_at: None,
            sessions_ended_at: None,
            email_verified: true,
            organization_id: None,
            notes: String::new(),
            erasure: None,
            surveys_declined: false,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }

    pub fn is_erased(&self) -> bool {
        self.erasure.is_some()
    }
}

/// When a person was erased, and the job that erases what they wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Erasure {
    pub at: Timestamp,
    pub job_id: JobId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked_for_shape() {
        assert_eq!(
            Email::parse("  Ana.Lima+help@Example.COM ").map(|e| e.0),
            Ok("ana.lima+help@example.com".to_owned())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "a..b@example.com",
            "ana@-example.com",
            "ana lima@example.com",
            "ana@exa mple.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_are_judged_by_length_only() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("correct horse".into()).is_ok());
        assert!(Password::parse("x".repeat(257)).is_err());
        assert_eq!(
            format!("{:?}", Password::for_login("secret".into())),
            "Password(<redacted>)"
        );
    }

    #[test]
    fn roles_know_who_is_staff() {
        assert!(Role::Agent.is_staff());
        assert!(!Role::Customer.is_staff());
        assert!(Role::Owner.is_admin() && Role::Admin.is_admin());
        assert!(!Role::Agent.is_admin());
    }
}
