//! Stored shapes of mailboxes and their address markers.

use serde::{Deserialize, Serialize};
use switchboard_domain::email::Mailbox;
use switchboard_domain::kernel::ids::{MailboxId, TenantId};

use super::KeyAttrs;
use crate::keys;

pub const MAILBOX_ENTITY: &str = "mailbox";
pub const MAILBOX_ADDRESS_ENTITY: &str = "mailbox_address";

#[derive(Debug, Serialize, Deserialize)]
pub struct MailboxItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    #[serde(flatten)]
    pub mailbox: Mailbox,
}

impl From<&Mailbox> for MailboxItem {
    fn from(m: &Mailbox) -> Self {
        Self {
            key: keys::mailbox(m.tenant_id, m.id).into(),
            entity: MAILBOX_ENTITY.to_owned(),
            mailbox: m.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailboxAddressItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub tenant_id: TenantId,
    pub mailbox_id: MailboxId,
}

impl From<&Mailbox> for MailboxAddressItem {
    fn from(m: &Mailbox) -> Self {
        Self {
            key: keys::mailbox_address(&m.address).into(),
            entity: MAILBOX_ADDRESS_ENTITY.to_owned(),
            tenant_id: m.tenant_id,
            mailbox_id: m.id,
        }
    }
}

pub const MESSAGE_ENTITY: &str = "message";
pub const BOUNCING_ENTITY: &str = "bouncing_address";

/// A received message's record, listed per decision through GSI1.
#[derive(Debug, Serialize, Deserialize)]
pub struct MessageItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    /// Absent on aliases (another id of a listed message).
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    pub entity: String,
    #[serde(flatten)]
    pub record: switchboard_domain::email::message_record::MessageRecord,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BouncingItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub address: String,
    pub bounced_at: jiff::Timestamp,
}

/// A password link as stored (by digest), expiring by TTL.
#[derive(Debug, Serialize, Deserialize)]
pub struct PasswordLinkItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    #[serde(flatten)]
    pub link: switchboard_domain::accounts::password_link::PasswordLink,
    pub ttl: i64,
}

pub const PASSWORD_LINK_ENTITY: &str = "password_link";

impl From<&switchboard_domain::accounts::password_link::PasswordLink> for PasswordLinkItem {
    fn from(link: &switchboard_domain::accounts::password_link::PasswordLink) -> Self {
        Self {
            key: keys::password_link(&link.digest).into(),
            entity: PASSWORD_LINK_ENTITY.to_owned(),
            link: link.clone(),
            ttl: link.expires_at.as_second(),
        }
    }
}
