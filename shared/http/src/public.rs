//! The routes that need no credential (login, registration, password
//! links) are limited per client address: API Gateway's view of the
//! caller (`requestContext.http.sourceIp`), never a header the client
//! could write.

use std::net::IpAddr;

use axum::extract::FromRequestParts;
use http::request::Parts;
use jiff::Timestamp;
use lambda_http::request::RequestContext;
use switchboard_domain::DomainError;

use crate::problem::ApiError;

/// State that can admit (or refuse) one more public request from an
/// address.
pub trait LimitAddresses: Send + Sync {
    fn admit_address(
        &self,
        address: IpAddr,
        now: Timestamp,
    ) -> impl std::future::Future<Output = Result<(), DomainError>> + Send;

    /// Likewise for a help center reader (a bucket of its own, larger).
    fn admit_reader(
        &self,
        address: IpAddr,
        now: Timestamp,
    ) -> impl std::future::Future<Output = Result<(), DomainError>> + Send;
}

/// A public request, admitted by its address's bucket. Without a gateway
/// context (in-process tests) or from loopback (devstack) there is nothing
/// to count.
#[derive(Debug, Clone, Copy)]
pub struct PublicRoute;

fn source_address_of(parts: &Parts) -> Option<IpAddr> {
    source_address(&parts.extensions)
}

/// The caller's address as API Gateway saw it.
pub(crate) fn source_address(extensions: &http::Extensions) -> Option<IpAddr> {
    match extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.as_deref()?.parse().ok(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

impl<S: LimitAddresses> FromRequestParts<S> for PublicRoute {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // A loopback caller is this machine (devstack), never a client
        // through API Gateway.
        if let Some(address) = source_address_of(parts).filter(|a| !a.is_loopback()) {
            state.admit_address(address, Timestamp::now()).await?;
        }
        Ok(PublicRoute)
    }
}

impl<T: LimitAddresses> LimitAddresses for std::sync::Arc<T> {
    async fn admit_address(&self, address: IpAddr, now: Timestamp) -> Result<(), DomainError> {
        (**self).admit_address(address, now).await
    }

    async fn admit_reader(&self, address: IpAddr, now: Timestamp) -> Result<(), DomainError> {
        (**self).admit_reader(address, now).await
    }
}

/// A help center request, admitted by its address's reader bucket
/// (loopback and in-process callers are not counted, as for
/// [`PublicRoute`]).
#[derive(Debug, Clone, Copy)]
pub struct ReaderRoute;

impl<S: LimitAddresses> FromRequestParts<S> for ReaderRoute {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(address) = source_address_of(parts).filter(|a| !a.is_loopback()) {
            state
                .admit_reader(network_of(address), Timestamp::now())
                .await?;
        }
        Ok(ReaderRoute)
    }
}

/// The caller's address as API Gateway saw it (`None` without a gateway
/// context: in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(source_address_of(parts)))
    }
}

/// An IPv6 client by its /64, the block one host or household is given
/// (it may use any address in it); an IPv4 client by its address.
pub fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
    }
}
