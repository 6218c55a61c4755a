//! Organisations: the companies a helpdesk's customers belong to. A
//! customer joins one by `organization_id`, set by staff or found from the
//! domain of their address when they are created; an organisation may let
//! its people read (or also answer) each other's tickets.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::accounts::user::Email;
use crate::kernel::ids::{OrganizationId, TenantId};
use crate::kernel::validation::{Invalid, bounded_text};

/// Domains per organisation: each is a claim checked on write.
pub const MAX_DOMAINS: usize = 20;

/// What an organisation's people see of each other's tickets (the public
/// parts only, ever).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharedTickets {
    #[default]
    None,
    Read,
    /// Read, and answer publicly.
    Comment,
}

impl SharedTickets {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        match raw {
            "none" => Ok(Self::None),
            "read" => Ok(Self::Read),
            "comment" => Ok(Self::Comment),
            _ => Err(Invalid::new(
                "invalid_value",
                "must be `none`, `read` or `comment`",
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub tenant_id: TenantId,
    pub name: String,
    /// Lower-cased email domains whose new customers join it.
    pub domains: BTreeSet<String>,
    /// Staff's notes about the company (never shown to customers).
    pub notes: String,
    pub shared_tickets: SharedTickets,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

/// A person's place in an organisation, as their credentials carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub organization: OrganizationId,
    pub shared_tickets: SharedTickets,
}

impl Membership {
    /// Whether it lets its holder into `organization`'s tickets.
    pub fn shares(&self, organization: OrganizationId) -> bool {
        self.organization == organization && self.shared_tickets != SharedTickets::None
    }
}

pub fn parse_organization_name(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 1, 120)
}

pub fn parse_notes(raw: &str) -> Result<String, Invalid> {
    bounded_text(raw, 0, 10_000)
}

/// A mail domain as people type it: lower-cased, dot-separated labels of
/// letters, digits and hyphens, at least two labels.
pub fn parse_domain(raw: &str) -> Result<String, Invalid> {
    let domain = raw.trim().trim_end_matches('.').to_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let fits = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if fits {
        Ok(domain)
    } else {
        Err(Invalid::new(
            "invalid_domain",
            format!("`{raw}` is not a mail domain"),
        ))
    }
}

/// Domains as typed, each checked (errors name `domains.{i}`), at most
/// [`MAX_DOMAINS`].
pub fn parse_domains(raw: &[String]) -> Result<BTreeSet<String>, Vec<(String, Invalid)>> {
    let mut errors = Vec::new();
    let mut domains = BTreeSet::new();
    for (i, d) in raw.iter().enumerate() {
        match parse_domain(d) {
            Ok(d) => {
                domains.insert(d);
            }
            Err(e) => errors.push((format!("domains.{i}"), e)),
        }
    }
    if domains.len() > MAX_DOMAINS {
        errors.push((
            "domains".into(),
            Invalid::new("too_many", format!("at most {MAX_DOMAINS} domains")),
        ));
    }
    if errors.is_empty() {
        Ok(domains)
    } else {
        Err(errors)
    }
}

/// The domain of an address, lower-cased.
pub fn domain_of(email: &Email) -> String {
    email
        .as_str()
        .rsplit_once('@')
        .map(|(_, d)| d.to_lowercase())
        .unwrap_or_default()
}

/// A new organisation, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    pub name: String,
    pub domains: BTreeSet<String>,
    pub notes: String,
    pub shared_tickets: SharedTickets,
}

/// A partial change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationPatch {
    pub name: Option<String>,
    pub domains: Option<BTreeSet<String>>,
    pub notes: Option<String>,
    pub shared_tickets: Option<SharedTickets>,
}

impl OrganizationPatch {
    /// Applies the patch; the names of the fields that changed.
    pub fn apply(self, org: &mut Organization) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if let Some(name) = self.name.filter(|n| *n != org.name) {
            org.name = name;
            changed.push("name");
        }
        if let Some(domains) = self.domains.filter(|d| *d != org.domains) {
            org.domains = domains;
            changed.push("domains");
        }
        if let Some(notes) = self.notes.filter(|n| *n != org.notes) {
            org.notes = notes;
            changed.push("notes");
        }
        if let Some(shared) = self.shared_tickets.filter(|s| *s != org.shared_tickets) {
            org.shared_tickets = shared;
            changed.push("sharedTickets");
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_lower_cased_and_checked() {
        assert_eq!(parse_domain(" Acme.Example. "), Ok("acme.example".into()));
        for bad in [
            "acme",
            "-acme.example",
            "ac me.example",
            "acme..example",
            "a@b.example",
        ] {
            assert!(parse_domain(bad).is_err(), "{bad}");
        }
        let errors = parse_domains(&["acme.example".into(), "nope".into()]).unwrap_err();
        assert_eq!(errors[0].0, "domains.1");
        assert_eq!(
            domain_of(&Email::parse("Ana@Sub.Acme.Example").unwrap()),
            "sub.acme.example"
        );
    }
}
