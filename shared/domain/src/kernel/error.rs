//! The domain's one error type. `switchboard-http` maps it to problem+json in
//! one place; nothing else decides a status code.

use serde::Serialize;

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
    /// An email domain another organisation of the tenant has.
    DomainTaken,
    /// Someone else changed the object first (optimistic locking).
    Concurrent,
    /// A container (a knowledge base category or section) still holds
    /// something.
    NotEmpty,
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
    /// An assignment would take the agent over the team's cap.
    #[error("the agent has no room for another ticket")]
    CapacityReached,
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    #[error("the pagination cursor is invalid")]
    InvalidCursor,
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("storage failed: {0}")]
    Internal(String),
}

/// What a port call returns.
pub type StoreResult<T> = Result<T, StoreError>;

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
    /// The tenant's or the API key's rate limit is spent for now.
    #[error("rate limited; retry in {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the pagination cursor is invalid")]
    InvalidCursor,
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The one translation of store failures into the domain's terms: a write
/// that found the object at another version (someone changed it first) is a
/// failed precondition, a broken uniqueness rule a conflict; the rest keep
/// their meaning. Every `?` on a store call goes through here.
impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::VersionMismatch => DomainError::PreconditionFailed,
            StoreError::Conflict(c) => DomainError::Conflict(c),
            StoreError::NotFound => DomainError::NotFound,
            StoreError::InvalidCursor => DomainError::InvalidCursor,
            other => DomainError::Store(other),
        }
    }
}

impl DomainError {
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// `Ok` without field errors; otherwise all of them, as one `422`.
    pub fn unless_any(errors: Vec<FieldError>) -> Result<(), Self> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(errors))
        }
    }
}

/// One problem with one input field. `field` is a JSON pointer-like dotted
/// path (`owner.email`); `code` is stable and meant for programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
    /// Where in the field's text the problem is (a query's token).
    pub at: Option<TextPosition>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
            at: None,
        }
    }

    pub fn at(mut self, position: usize, token: impl Into<String>) -> Self {
        self.at = Some(TextPosition {
            position,
            token: token.into(),
        });
        self
    }
}

/// A place in a text value: a character offset and the token found there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextPosition {
    pub position: usize,
    pub token: String,
}

/// A value type's parse failure, before it knows which field it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
