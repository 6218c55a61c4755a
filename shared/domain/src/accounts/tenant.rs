//! Tenants: the companies that run their helpdesk on Switchboard.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::kernel::ids::TenantId;
use crate::kernel::validation::{Invalid, bounded_text};

/// A tenant's public handle, used at login and in the portal's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Slugs that would collide with our own hosts, paths or support roles.
const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "administrator",
    "api",
    "app",
    "assets",
    "auth",
    "billing",
    "blog",
    "cdn",
    "dashboard",
    "docs",
    "help",
    "helpdesk",
    "login",
    "logout",
    "mail",
    "operator",
    "root",
    "security",
    "signup",
    "static",
    "status",
    "support",
    "switchboard",
    "system",
    "www",
];

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let slug = raw.trim();
        let len = slug.len();
        if !(3..=40).contains(&len) {
            return Err(Invalid::new("invalid_length", "must be 3 to 40 characters"));
        }
        if !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(Invalid::new(
                "invalid_format",
                "may contain only lowercase letters, digits and hyphens",
            ));
        }
        if RESERVED_SLUGS.contains(&slug) {
            return Err(Invalid::new("reserved", "is reserved"));
        }
        Ok(Self(slug.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s).map_err(|e| e.message)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

/// A tenant's display name.
pub fn parse_tenant_name(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, 120)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    Active,
    /// Set by the operator: every credential of the tenant stops working.
    Suspended,
}

/// What a tenant's admins configure about their helpdesk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantSettings {
    /// Whether customers may create their own portal account.
    pub allow_customer_signup: bool,
    /// What becomes of a mail whose sender is not proven (failing DMARC).
    #[serde(default)]
    pub unverified_mail: UnverifiedMail,
    /// Sizes the rate limits (set by the operator, not by the tenant).
    #[serde(default)]
    pub plan: Plan,
    /// Days audit entries are kept ([`AUDIT_RETENTION_DAYS`]).
    #[serde(default = "default_audit_retention")]
    pub audit_retention_days: u16,
    /// Satisfaction surveys of solved tickets.
    #[serde(default)]
    pub satisfaction: SatisfactionSettings,
}

/// Whether solved tickets' requesters are asked to rate them, and whether a
/// `bad` rating reopens the ticket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SatisfactionSettings {
    pub enabled: bool,
    pub reopen_on_bad: bool,
}

/// The range a tenant may keep its audit log for, in days.
pub const AUDIT_RETENTION_DAYS: std::ops::RangeInclusive<u16> = 30..=3650;

fn default_audit_retention() -> u16 {
    crate::kernel::audit::DEFAULT_RETENTION_DAYS
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            allow_customer_signup: false,
            unverified_mail: UnverifiedMail::default(),
            plan: Plan::default(),
            audit_retention_days: default_audit_retention(),
            satisfaction: SatisfactionSettings::default(),
        }
    }
}

/// Parses how long the audit log is kept.
pub fn parse_audit_retention(days: i64) -> Result<u16, Invalid> {
    u16::try_from(days)
        .ok()
        .filter(|d| AUDIT_RETENTION_DAYS.contains(d))
        .ok_or_else(|| Invalid::new("out_of_range", "must be from 30 to 3650 days"))
}

/// How many requests a minute a tenant's plan allows; each API key gets
/// half of its tenant's (an integration cannot starve the agents).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    #[default]
    Standard,
    Enterprise,
}

impl Plan {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "free" => Ok(Self::Free),
            "standard" => Ok(Self::Standard),
            "enterprise" => Ok(Self::Enterprise),
            _ => Err(Invalid::new(
                "invalid_value",
                "must be `free`, `standard` or `enterprise`",
            )),
        }
    }

    pub fn per_minute(self) -> u32 {
        match self {
            Plan::Free => 300,
            Plan::Standard => 1_200,
            Plan::Enterprise => 6_000,
        }
    }
}

/// A mail whose sender is not proven never threads as that person: it
/// opens a ticket tagged `unverified-sender`, or is held for admins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnverifiedMail {
    #[default]
    Open,
    Hold,
}

impl UnverifiedMail {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "open" => Ok(Self::Open),
            "hold" => Ok(Self::Hold),
            _ => Err(Invalid::new("invalid_value", "must be `open` or `hold`")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: Slug,
    pub name: String,
    pub status: TenantStatus,
    pub settings: TenantSettings,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl Tenant {
    pub fn new(slug: Slug, name: String, now: Timestamp) -> Self {
        Self {
            id: TenantId::new(),
            slug,
            name,
            status: TenantStatus::Active,
            settings: TenantSettings::default(),
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == TenantStatus::Active
    }
}

/// A partial update of a tenant; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantPatch {
    pub name: Option<String>,
    pub allow_customer_signup: Option<bool>,
    pub unverified_mail: Option<UnverifiedMail>,
    /// The operator's alone (tenants' own requests cannot carry it).
    pub plan: Option<Plan>,
    pub audit_retention_days: Option<u16>,
    pub satisfaction: Option<SatisfactionSettings>,
}

impl TenantPatch {
    /// Applies the patch; returns the names of the fields that changed.
    pub fn apply(&self, tenant: &mut Tenant, now: Timestamp) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if let Some(name) = &self.name
            && *name != tenant.name
        {
            tenant.name = name.clone();
            changed.push("name");
        }
        if let Some(allow) = self.allow_customer_signup
            && allow != tenant.settings.allow_customer_signup
        {
            tenant.settings.allow_customer_signup = allow;
            changed.push("settings.allowCustomerSignup");
        }
        if let Some(mail) = self.unverified_mail
            && mail != tenant.settings.unverified_mail
        {
            tenant.settings.unverified_mail = mail;
            changed.push("settings.unverifiedMail");
        }
        if let Some(days) = self.audit_retention_days
            && days != tenant.settings.audit_retention_days
        {
            tenant.settings.audit_retention_days = days;
            changed.push("settings.auditRetentionDays");
        }
        if let Some(surveys) = self.satisfaction
            && surveys != tenant.settings.satisfaction
        {
            tenant.settings.satisfaction = surveys;
            changed.push("settings.satisfaction");
        }
        if let Some(plan) = self.plan
            && plan != tenant.settings.plan
        {
            tenant.settings.plan = plan;
            changed.push("settings.plan");
        }
        if !changed.is_empty() {
            tenant.updated_at = now;
            tenant.version += 1;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_the_published_pattern() {
        for ok in ["acme", "acme-support", "a1b", &"x".repeat(40)] {
            assert!(Slug::parse(ok).is_ok(), "{ok} should be accepted");
        }
        let refused = [
            ("ab", "invalid_length"),
            (&"x".repeat(41), "invalid_length"),
            ("Acme", "invalid_format"),
            ("acme_co", "invalid_format"),
            ("acmé", "invalid_format"),
            ("acme co", "invalid_format"),
            ("admin", "reserved"),
            ("api", "reserved"),
        ];
        for (raw, code) in refused {
            assert_eq!(Slug::parse(raw).map_err(|e| e.code), Err(code), "{raw}");
        }
    }

    #[test]
    fn a_patch_changes_only_what_differs_and_bumps_the_version_once() {
        let now = Timestamp::UNIX_EPOCH;
        let slug = Slug::parse("acme").unwrap();
        let mut tenant = Tenant::new(slug, "Acme".into(), now);
        let same = TenantPatch {
            name: Some("Acme".into()),
            allow_customer_signup: Some(false),
            unverified_mail: None,
            plan: None,
            audit_retention_days: None,
            satisfaction: None,
        };
        assert!(same.apply(&mut tenant, now).is_empty());
        assert_eq!(tenant.version, 1);

        let patch = TenantPatch {
            name: Some("Acme Inc".into()),
            allow_customer_signup: Some(true),
            unverified_mail: None,
            plan: None,
            audit_retention_days: None,
            satisfaction: None,
        };
        assert_eq!(
            patch.apply(&mut tenant, now),
            vec!["name", "settings.allowCustomerSignup"]
        );
        assert_eq!(tenant.version, 2);
        assert!(tenant.settings.allow_customer_signup);
    }
}
