//! Reading the environment the template declares.

use jiff::SignedDuration;
use switchboard_domain::kernel::secrets::{OperatorKey, SigningSecret};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, String),
}

pub fn required(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing(name))
}

/// A `true`/`false` setting; absent is `false`.
pub fn flag(name: &'static str) -> Result<bool, ConfigError> {
    match std::env::var(name).ok().as_deref() {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ConfigError::Invalid(
            name,
            format!("{other:?} is not true or false"),
        )),
    }
}

/// The deployment's signing secret (`SIGNING_SECRET`).
pub fn signing_secret() -> Result<SigningSecret, ConfigError> {
    SigningSecret::new(required("SIGNING_SECRET")?.into_bytes())
        .map_err(|e| ConfigError::Invalid("SIGNING_SECRET", e.to_string()))
}

/// What every API function reads from its environment.
pub struct Settings {
    pub table: String,
    pub signing_secret: SigningSecret,
    pub token_issuer: String,
    pub token_audience: String,
    pub access_token_ttl: SignedDuration,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        let ttl_secs: i64 = required("ACCESS_TOKEN_TTL_SECONDS")?
            .parse()
            .map_err(|e| ConfigError::Invalid("ACCESS_TOKEN_TTL_SECONDS", format!("{e}")))?;
        Ok(Self {
            table: required("TABLE_NAME")?,
            signing_secret: signing_secret()?,
            token_issuer: required("TOKEN_ISSUER")?,
            token_audience: required("TOKEN_AUDIENCE")?,
            access_token_ttl: SignedDuration::from_secs(ttl_secs),
        })
    }

    /// The operator key, for the functions that serve operator routes.
    pub fn operator_key() -> Result<OperatorKey, ConfigError> {
        OperatorKey::new(required("OPERATOR_API_KEY")?)
            .map_err(|e| ConfigError::Invalid("OPERATOR_API_KEY", e.to_string()))
    }
}
