//! Single-use links that set a password: invitations and resets. Only the
//! digest of a link's token is stored.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::accounts::user::User;
use crate::kernel::ids::{TenantId, UserId};
use crate::kernel::secrets::{random_token, token_digest};

pub const RESET_TTL: SignedDuration = SignedDuration::from_hours(1);
pub const INVITATION_TTL: SignedDuration = SignedDuration::from_hours(24 * 7);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    Invitation,
    Reset,
    /// Proves a self-registered customer's address; sets no password.
    Verification,
}

/// A password link as stored: its digest, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordLink {
    pub digest: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub purpose: LinkPurpose,
    pub expires_at: Timestamp,
}

impl PasswordLink {
    /// A new token for `user` and what to store of it.
    pub fn issue(user: &User, purpose: LinkPurpose, now: Timestamp) -> (String, PasswordLink) {
        let token = random_token("pwl");
        let ttl = match purpose {
            LinkPurpose::Invitation | LinkPurpose::Verification => INVITATION_TTL,
            LinkPurpose::Reset => RESET_TTL,
        };
        let link = PasswordLink {
            digest: token_digest(&token),
            tenant_id: user.tenant_id,
            user_id: user.id,
            purpose,
            expires_at: now + ttl,
        };
        (token, link)
    }
}
