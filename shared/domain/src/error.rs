//! The domain's one error type. `switchboard-http` maps it to problem+json in
//! one place; nothing else decides a status code.

use crate::validation::FieldError;

/// Why a credential was not accepted. Kept apart so logs can say why while
/// the response stays the same `401` for all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No credential, or one that is not of a form we issue.
    Missing,
    /// Wrong tenant, email or password: deliberately indistinguishable.
    InvalidCredentials,
    /// Signature, algorithm, issuer, audience or time claims did not check.
    InvalidToken,
    /// The token was valid once: its session, user or tenant no longer is.
    Revoked,
    /// A refresh token was presented a second time; its family is revoked.
    RefreshReused,
}

impl AuthFailure {
    pub fn code(self) -> &'static str {
        match self {
            AuthFailure::Missing => "unauthenticated",
            AuthFailure::InvalidCredentials => "invalid_credentials",
            AuthFailure::InvalidToken | AuthFailure::Revoked | AuthFailure::RefreshReused => {
                "invalid_token"
            }
        }
    }
}

/// A uniqueness rule that a write would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    SlugTaken,
    EmailTaken,
    /// An inbound address another mailbox (of any tenant) has.
    AddressTaken,
    /// Someone else changed the object first (optimistic locking).
    Concurrent,
}

/// Failures of the storage port. Adapters translate their SDK's errors into
/// these; the domain never sees an SDK type.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("item not found")]
    NotFound,
    #[error("a condition on the write failed")]
    ConditionFailed,
    #[error("write conflicts with a uniqueness rule: {0:?}")]
    Conflict(Conflict),
    #[error("the version did not match")]
    VersionMismatch,
    #[error("the idempotency key is already recorded")]
    IdempotencyKeyTaken,
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    #[error("the pagination cursor is invalid")]
    InvalidCursor,
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("storage failed: {0}")]
    Internal(String),
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("the input is invalid")]
    Invalid(Vec<FieldError>),
    #[error("authentication failed: {0:?}")]
    Unauthenticated(AuthFailure),
    #[error("the principal may not do this")]
    Forbidden,
    /// Refused by a tenant's own configuration (e.g. closed registration).
    #[error("not allowed by the tenant: {0}")]
    NotAllowed(&'static str),
    #[error("the account is suspended")]
    Suspended,
    #[error("not found")]
    NotFound,
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    #[error("precondition failed: the object has changed")]
    PreconditionFailed,
    #[error("the idempotency key was used for a different request")]
    IdempotencyKeyReused,
    #[error("too many attempts; retry in {retry_after_secs}s")]
    Throttled { retry_after_secs: u64 },
    #[error("the pagination cursor is invalid")]
    InvalidCursor,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code, message)])
    }
}
