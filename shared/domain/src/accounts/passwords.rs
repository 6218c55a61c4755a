//! Argon2id password hashing with OWASP's recommended parameters
//! (m = 19 MiB, t = 2, p = 1).

use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::DomainError;
use crate::accounts::user::Password;

#[derive(Clone)]
pub struct Passwords {
    argon: Arc<Argon2<'static>>,
    /// A hash of nothing anyone knows, verified when the account does not
    /// exist so that a miss costs as long as a hit.
    decoy: Arc<OnceLock<String>>,
}

impl Passwords {
    pub fn owasp() -> Result<Self, DomainError> {
        let params = Params::new(19 * 1024, 2, 1, None)
            .map_err(|e| DomainError::Internal(format!("argon2 parameters: {e}")))?;
        Ok(Self {
            argon: Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
            decoy: Arc::new(OnceLock::new()),
        })
    }

    /// Hashes on the blocking pool: Argon2id takes tens of milliseconds of
    /// CPU and must not stall the async runtime.
    pub async fn hash(&self, password: &Password) -> Result<String, DomainError> {
        let argon = self.argon.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || hash_with(&argon, password.expose()))
            .await
            .map_err(|e| DomainError::Internal(format!("hashing task: {e}")))?
    }

    /// Checks a password against a stored hash; `None` (no such account, or
    /// no password set) still spends the time of a real check.
    pub async fn verify(&self, password: &Password, stored: Option<&str>) -> bool {
        let argon = self.argon.clone();
        let decoy = self.decoy.clone();
        let password = password.clone();
        let stored = stored.map(str::to_owned);
        tokio::task::spawn_blocking(move || match stored {
            Some(phc) => verify_with(&argon, password.expose(), &phc),
            None => {
                let decoy = decoy.get_or_init(|| {
                    hash_with(&argon, &crate::kernel::secrets::random_token("decoy"))
                        .unwrap_or_default()
                });
                let _ = verify_with(&argon, password.expose(), decoy);
                false
            }
        })
        .await
        .unwrap_or(false)
    }
}

fn hash_with(argon: &Argon2<'_>, password: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("hashing: {e}")))
}

fn verify_with(argon: &Argon2<'_>, password: &str, phc: &str) -> bool {
    // The stored hash carries its own parameters, so older hashes still verify
    // after the parameters are raised.
    PasswordHash::new(phc)
        .map(|parsed| argon.verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let passwords = Passwords::owasp().unwrap();
        let pw = Password::parse("correct horse battery".into()).unwrap();
        let hash = passwords.hash(&pw).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(passwords.verify(&pw, Some(&hash)).await);
        let wrong = Password::for_login("correct horse battery!".into());
        assert!(!passwords.verify(&wrong, Some(&hash)).await);
        assert!(!passwords.verify(&pw, None).await);
        assert!(!passwords.verify(&pw, Some("not a phc string")).await);
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let passwords = Passwords::owasp().unwrap();
        let pw = Password::parse("correct horse battery".into()).unwrap();
        let (a, b) = (
            passwords.hash(&pw).await.unwrap(),
            passwords.hash(&pw).await.unwrap(),
        );
        assert_ne!(a, b);
    }
}
