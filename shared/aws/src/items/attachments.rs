//! Stored shapes of uploads and attachments.

use serde::{Deserialize, Serialize};
use switchboard_domain::attachments::attachment::{Attachment, Upload};

use super::KeyAttrs;
use crate::keys;

pub const UPLOAD_ENTITY: &str = "upload";
pub const ATTACHMENT_ENTITY: &str = "attachment";

/// A never-attached upload's record goes with its object (a day).
const UPLOAD_RETENTION_SECS: i64 = 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
pub struct UploadItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    #[serde(flatten)]
    pub upload: Upload,
    pub ttl: i64,
}

impl From<&Upload> for UploadItem {
    fn from(u: &Upload) -> Self {
        Self {
            key: keys::upload(u.tenant_id, u.id).into(),
            entity: UPLOAD_ENTITY.to_owned(),
            upload: u.clone(),
            ttl: u.expires_at.as_second() + UPLOAD_RETENTION_SECS,
        }
    }
}

/// An attachment, found by id, listed per ticket through GSI1.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttachmentItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub attachment: Attachment,
}

impl From<&Attachment> for AttachmentItem {
    fn from(a: &Attachment) -> Self {
        Self {
            key: keys::attachment(a.tenant_id, a.id).into(),
            gsi1pk: keys::ticket_attachments_pk(a.tenant_id, a.ticket_id),
            gsi1sk: keys::ticket_attachments_sk(a.id),
            entity: ATTACHMENT_ENTITY.to_owned(),
            attachment: a.clone(),
        }
    }
}
