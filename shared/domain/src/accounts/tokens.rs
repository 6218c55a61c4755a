//! Short-lived JWT access tokens. HS256 only: the algorithm is pinned, so a
//! token that names another (`none`, RS256 with our secret as a public key)
//! is refused before its signature is looked at.

use jiff::{SignedDuration, Timestamp};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::accounts::user::Role;
use crate::kernel::error::AuthFailure;
use crate::kernel::ids::{SessionId, TenantId, UserId};
use crate::kernel::secrets::SigningSecret;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user.
    pub sub: UserId,
    /// The tenant: the only source of tenancy for a request.
    pub tid: TenantId,
    pub role: Role,
    /// The login session; revoking it (logout, refresh-token reuse) ends
    /// this token before it expires.
    pub sid: SessionId,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub expires_in: u64,
}

#[derive(Clone)]
pub struct TokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: SignedDuration,
}

impl TokenIssuer {
    /// Access tokens live between 15 and 60 minutes.
    pub const MIN_TTL: SignedDuration = SignedDuration::from_mins(15);
    pub const MAX_TTL: SignedDuration = SignedDuration::from_mins(60);

    pub fn new(
        secret: &SigningSecret,
        issuer: &str,
        audience: &str,
        ttl: SignedDuration,
    ) -> Result<Self, DomainError> {
        if ttl < Self::MIN_TTL || ttl > Self::MAX_TTL {
            return Err(DomainError::Internal(
                "the access token lifetime must be 15 to 60 minutes".into(),
            ));
        }
        let key = secret.derive("access-token");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 30;
        Ok(Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        })
    }

    pub fn issue(
        &self,
        tenant: TenantId,
        user: UserId,
        role: Role,
        session: SessionId,
        now: Timestamp,
    ) -> Result<IssuedToken, DomainError> {
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user,
            tid: tenant,
            role,
            sid: session,
            iat: now.as_second(),
            nbf: now.as_second(),
            exp: now.as_second() + self.ttl.as_secs(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| DomainError::Internal(format!("signing a token: {e}")))?;
        Ok(IssuedToken {
            token,
            expires_in: u64::try_from(self.ttl.as_secs()).unwrap_or(0),
        })
    }

    /// Checks signature, algorithm, issuer, audience and time claims. Whether
    /// the session, user and tenant are still live is the caller's next step.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, DomainError> {
        decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| DomainError::Unauthenticated(AuthFailure::InvalidToken))
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn issuer(secret: u8) -> TokenIssuer {
        let s = SigningSecret::new(vec![secret; 32]).unwrap();
        TokenIssuer::new(
            &s,
            "switchboard",
            "switchboard-api",
            SignedDuration::from_mins(15),
        )
        .unwrap()
    }

    fn issue(i: &TokenIssuer, now: Timestamp) -> (String, TenantId, UserId) {
        let (t, u) = (TenantId::new(), UserId::new());
        let tok = i.issue(t, u, Role::Agent, SessionId::new(), now).unwrap();
        assert_eq!(tok.expires_in, 900);
        (tok.token, t, u)
    }

    fn refused(i: &TokenIssuer, token: &str) -> bool {
        matches!(
            i.verify(token),
            Err(DomainError::Unauthenticated(AuthFailure::InvalidToken))
        )
    }

    #[test]
    fn a_fresh_token_verifies_with_its_claims() {
        let i = issuer(1);
        let (token, t, u) = issue(&i, Timestamp::now());
        let claims = i.verify(&token).unwrap();
        assert_eq!((claims.tid, claims.sub, claims.role), (t, u, Role::Agent));
    }

    #[test]
    fn expired_future_and_foreign_tokens_are_refused() {
        let i = issuer(1);
        let long_ago = Timestamp::now() - SignedDuration::from_hours(2);
        assert!(refused(&i, &issue(&i, long_ago).0));
        let later = Timestamp::now() + SignedDuration::from_hours(2);
        assert!(refused(&i, &issue(&i, later).0), "nbf in the future");
        let other = issuer(2);
        assert!(refused(&i, &issue(&other, Timestamp::now()).0));
        assert!(refused(&i, "not.a.token"));
    }

    #[test]
    fn tampered_claims_and_alg_none_are_refused() {
        let i = issuer(1);
        let (token, _, _) = issue(&i, Timestamp::now());
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["tid"] = serde_json::json!(TenantId::new().to_string());
        let forged = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        assert!(refused(
            &i,
            &format!("{}.{}.{}", parts[0], forged, parts[2])
        ));

        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(refused(&i, &format!("{none}.{}.", parts[1])));
        let hs512 = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
        assert!(refused(&i, &format!("{hs512}.{}.{}", parts[1], parts[2])));
    }

    #[test]
    fn lifetimes_outside_15_to_60_minutes_are_a_configuration_error() {
        let s = SigningSecret::new(vec![1; 32]).unwrap();
        for mins in [5, 61] {
            assert!(TokenIssuer::new(&s, "i", "a", SignedDuration::from_mins(mins)).is_err());
        }
    }
}
