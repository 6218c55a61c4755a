//! Random secrets, their stored digests, and keys derived from the one
//! signing secret the deployment is configured with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::DomainError;

/// The deployment's signing secret (a template parameter). Each use gets its
/// own derived key, so a token key can never verify a cursor and vice versa.
#[derive(Clone)]
pub struct SigningSecret(Vec<u8>);

impl SigningSecret {
    pub const MIN_BYTES: usize = 32;

    pub fn new(secret: impl Into<Vec<u8>>) -> Result<Self, DomainError> {
        let secret = secret.into();
        if secret.len() < Self::MIN_BYTES {
            return Err(DomainError::Internal(format!(
                "the signing secret must be at least {} bytes",
                Self::MIN_BYTES
            )));
        }
        Ok(Self(secret))
    }

    /// HMAC-SHA256(secret, purpose): an independent key per purpose.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        hmac_sha256(&self.0, purpose.as_bytes())
    }
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0; 32],
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `{prefix}_` + 32 random bytes, base64url: for refresh tokens and API keys.
pub fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The digest under which a bearer secret is stored and looked up; the
/// secret itself is never stored.
pub fn token_digest(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Compare digests so the length of the expected secret does not leak.
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    da.ct_eq(&db).into()
}

/// The operator's API key (a template parameter): lists and suspends
/// tenants. Compared in constant time.
#[derive(Clone)]
pub struct OperatorKey(String);

impl OperatorKey {
    pub const MIN_CHARS: usize = 32;

    pub fn new(key: String) -> Result<Self, DomainError> {
        if key.len() < Self::MIN_CHARS {
            return Err(DomainError::Internal(format!(
                "the operator key must be at least {} characters",
                Self::MIN_CHARS
            )));
        }
        Ok(Self(key))
    }

    pub fn matches(&self, presented: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), presented.as_bytes())
    }
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperatorKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_keys_differ_by_purpose_and_are_stable() {
        let s = SigningSecret::new(vec![7u8; 32]).unwrap();
        assert_eq!(s.derive("jwt"), s.derive("jwt"));
        assert_ne!(s.derive("jwt"), s.derive("cursor"));
        assert!(SigningSecret::new(vec![1u8; 31]).is_err());
    }

    #[test]
    fn tokens_are_random_prefixed_and_stored_by_digest() {
        let (a, b) = (random_token("rt"), random_token("rt"));
        assert!(a.starts_with("rt_") && a.len() == 3 + 43);
        assert_ne!(a, b);
        let d = token_digest(&a);
        assert_eq!(d.len(), 64);
        assert_eq!(d, token_digest(&a));
        assert_ne!(d, token_digest(&b));
    }

    #[test]
    fn operator_keys_are_long_and_match_exactly() {
        assert!(OperatorKey::new("short".into()).is_err());
        let k = OperatorKey::new("o".repeat(32)).unwrap();
        assert!(k.matches(&"o".repeat(32)));
        assert!(!k.matches(&"o".repeat(31)));
    }

    #[test]
    fn constant_time_comparison_is_still_a_comparison() {
        assert!(constant_time_eq(b"op_key", b"op_key"));
        assert!(!constant_time_eq(b"op_key", b"op_kez"));
        assert!(!constant_time_eq(b"op_key", b"op_key_longer"));
    }
}
