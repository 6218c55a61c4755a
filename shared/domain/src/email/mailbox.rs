//! Mailboxes: the inbound addresses that route mail to a tenant.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::accounts::user::Email;
use crate::kernel::ids::{MailboxId, TeamId, TenantId};
use crate::kernel::validation::{Invalid, bounded_text};
use crate::tickets::ticket::Priority;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mailbox {
    pub id: MailboxId,
    pub tenant_id: TenantId,
    /// Lower-cased; unique across all tenants.
    pub address: String,
    /// The name mail from this mailbox is sent under.
    pub from_name: String,
    /// Where new tickets from this mailbox go, and their priority.
    #[serde(default)]
    pub default_team_id: Option<TeamId>,
    #[serde(default)]
    pub default_priority: Option<Priority>,
    /// Whether the address's domain is verified: always for the shared
    /// mail domain; for a tenant's own domain, once SES has verified it.
    /// An unverified mailbox receives nothing (its mail is `held`).
    #[serde(default = "verified")]
    pub verified: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

/// Mailboxes stored before domains were verified were checked by hand.
fn verified() -> bool {
    true
}

/// An inbound address: a valid email address, lower-cased; not a reply
/// address (`reply+…` is Switchboard's own).
pub fn parse_address(raw: &str) -> Result<String, Invalid> {
    let email = Email::parse(raw)?;
    let address = email.as_str().to_lowercase();
    if address.starts_with("reply+") {
        return Err(Invalid::new(
            "reserved",
            "reply+… addresses are Switchboard's own",
        ));
    }
    Ok(address)
}

/// Local parts on the shared mail domain that belong to no helpdesk: mail
/// operations' role addresses (RFC 2142) and Switchboard's own senders.
const ROLE_ADDRESSES: &[&str] = &[
    "abuse",
    "hostmaster",
    "mailer-daemon",
    "no-reply",
    "noreply",
    "postmaster",
    "reply",
    "security",
    "webmaster",
];

/// Whether a helpdesk may receive and send as `address`. On the shared mail
/// domain every address is someone's: a helpdesk has `{its slug}@…` (where
/// its mail comes from while it has no mailbox there) and `{its slug}+…@…`
/// (slugs have no `+`, so these never collide), never another's and never a
/// role address. Addresses elsewhere are on the helpdesk's own domain.
pub fn check_owner(address: &str, slug: &str, mail_domain: &str) -> Result<(), Invalid> {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err(Invalid::new("invalid_email", "must be an email address"));
    };
    if !domain.eq_ignore_ascii_case(mail_domain) {
        return Ok(());
    }
    let local = local.to_ascii_lowercase();
    let base = local.split('+').next().unwrap_or_default();
    if ROLE_ADDRESSES.contains(&local.as_str()) || ROLE_ADDRESSES.contains(&base) {
        return Err(Invalid::new(
            "reserved",
            "role addresses on the mail domain belong to no helpdesk",
        ));
    }
    if base != slug {
        return Err(Invalid::new(
            "reserved",
            format!("on {mail_domain}, a helpdesk's addresses are `{slug}@` and `{slug}+…@`"),
        ));
    }
    Ok(())
}

pub fn parse_from_name(raw: &str) -> Result<String, Invalid> {
    let name = bounded_text(raw, 1, 120)?;
    if name.contains(['<', '>', '"', '\r', '\n']) {
        return Err(Invalid::new(
            "invalid",
            "no angle brackets, quotes or line breaks",
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_lower_cased_and_reply_addresses_reserved() {
        assert_eq!(
            parse_address("Support@Acme.Example").unwrap(),
            "support@acme.example"
        );
        assert!(parse_address("not an address").is_err());
        assert_eq!(
            parse_address("reply+x@acme.example").map_err(|e| e.code),
            Err("reserved")
        );
        assert!(parse_from_name("Acme Support").is_ok());
        assert!(parse_from_name("Evil <x@y>").is_err());
        assert!(parse_from_name("").is_err());
    }
}
