//! Authentication extractors. The tenant of a request comes from its
//! verified credential and nothing else.

use axum::extract::FromRequestParts;
use http::header::AUTHORIZATION;
use http::request::Parts;
use jiff::Timestamp;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kernel::error::AuthFailure;
use switchboard_domain::kernel::secrets::OperatorKey;

use crate::problem::ApiError;

/// State that can tell who a bearer credential (access token or API key)
/// stands for, now.
pub trait Authenticate: Send + Sync {
    fn authenticate(
        &self,
        token: &str,
        now: Timestamp,
    ) -> impl std::future::Future<Output = Result<Principal, DomainError>> + Send;
}

/// State of a function that serves operator routes.
pub trait HasOperatorKey: Send + Sync {
    fn operator_key(&self) -> Option<&OperatorKey>;
}

/// A request made with a valid access token.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Principal);

impl<S: Authenticate> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthenticated)?;
        match state.authenticate(token, Timestamp::now()).await {
            Ok(principal) => {
                let span = tracing::Span::current();
                span.record("tenant_id", tracing::field::display(principal.tenant_id()));
                span.record("caller_id", principal.caller_id());
                switchboard_domain::kernel::audit::Origin::set_retention(
                    principal.tenant.settings.audit_retention_days,
                );
                Ok(Authenticated(principal))
            }
            Err(e) => {
                if let DomainError::Unauthenticated(why) = &e {
                    tracing::info!(reason = ?why, "access token refused");
                }
                Err(e.into())
            }
        }
    }
}

/// A request that may carry an access token (public pages that show a
/// signed-in reader more): none is `None`; a token that is not valid is
/// refused as on any route.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Principal>);

impl<S: Authenticate> FromRequestParts<S> for MaybeAuthenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.headers.get(AUTHORIZATION).is_none() {
            return Ok(MaybeAuthenticated(None));
        }
        let Authenticated(principal) = Authenticated::from_request_parts(parts, state).await?;
        Ok(MaybeAuthenticated(Some(principal)))
    }
}

/// A request made with the operator key.
#[derive(Debug, Clone, Copy)]
pub struct OperatorAuth;

impl<S: HasOperatorKey> FromRequestParts<S> for OperatorAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let presented = bearer(parts).ok_or_else(ApiError::unauthenticated)?;
        match state.operator_key() {
            Some(key) if key.matches(presented) => Ok(OperatorAuth),
            _ => {
                tracing::warn!("operator key refused");
                Err(DomainError::Unauthenticated(AuthFailure::InvalidToken).into())
            }
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl<T: Authenticate> Authenticate for std::sync::Arc<T> {
    async fn authenticate(&self, token: &str, now: Timestamp) -> Result<Principal, DomainError> {
        (**self).authenticate(token, now).await
    }
}

impl<T: HasOperatorKey> HasOperatorKey for std::sync::Arc<T> {
    fn operator_key(&self) -> Option<&OperatorKey> {
        (**self).operator_key()
    }
}
