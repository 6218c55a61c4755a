//! Login sessions and their rotating refresh tokens.
//!
//! A session is the family of refresh tokens descending from one login.
//! Each refresh spends the presented token and issues the next; presenting a
//! spent token again means it was copied, so the whole family is revoked.

use jiff::{SignedDuration, Timestamp};

use crate::kernel::ids::{SessionId, TenantId, UserId};
use crate::kernel::secrets::{random_token, token_digest};

/// How long a session lasts from login, however often it is refreshed.
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl Session {
    pub fn start(tenant_id: TenantId, user_id: UserId, now: Timestamp) -> Self {
        Self {
            id: SessionId::new(),
            tenant_id,
            user_id,
            created_at: now,
            expires_at: now.saturating_add(SESSION_LIFETIME).unwrap_or(now),
            revoked_at: None,
        }
    }

    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A refresh token as stored: only its digest, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    pub digest: String,
    pub session_id: SessionId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

impl RefreshRecord {
    /// A new refresh token for `session`: the token to hand out once, and
    /// the record to store.
    pub fn issue(session: &Session) -> (String, Self) {
        let token = random_token("rt");
        let record = Self {
            digest: token_digest(&token),
            session_id: session.id,
            tenant_id: session.tenant_id,
            user_id: session.user_id,
            expires_at: session.expires_at,
            used_at: None,
        };
        (token, record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_when_revoked_or_expired() {
        let now = Timestamp::UNIX_EPOCH;
        let mut s = Session::start(TenantId::new(), UserId::new(), now);
        assert!(s.is_live(now));
        assert!(!s.is_live(s.expires_at));
        s.revoked_at = Some(now);
        assert!(!s.is_live(now));
    }

    #[test]
    fn refresh_records_store_a_digest_of_the_token() {
        let s = Session::start(TenantId::new(), UserId::new(), Timestamp::UNIX_EPOCH);
        let (token, record) = RefreshRecord::issue(&s);
        assert_eq!(record.digest, token_digest(&token));
        assert!(!record.digest.contains(&token));
        assert_eq!(record.session_id, s.id);
    }
}
