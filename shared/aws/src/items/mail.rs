//! Stored shapes of mailboxes and their address markers.

use serde::{Deserialize, Serialize};
use switchboard_domain::email::Mailbox;
use switchboard_domain::ids::{MailboxId, TenantId};

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
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub record: switchboard_domain::intake::MessageRecord,
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
