//! The state every API function's router holds: the account service that
//! authenticates its requests, and the function's own services.

use std::ops::Deref;

use jiff::Timestamp;
use std::net::IpAddr;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kernel::secrets::OperatorKey;
use switchboard_http::auth::{Authenticate, HasOperatorKey};
use switchboard_http::public::LimitAddresses;

use crate::services::AccountService;
use switchboard_aws::DynamoStore;
use switchboard_domain::limits::bucket::Scope;
use switchboard_domain::limits::limiter::Limiter;

pub struct Api<T> {
    pub accounts: AccountService,
    /// Set in the functions that serve operator routes.
    pub operator_key: Option<OperatorKey>,
    /// Rate limits per tenant and API key (off when absent, as in tests
    /// that are not about them).
    pub limiter: Option<Limiter<DynamoStore>>,
    services: T,
}

impl<T> Api<T> {
    pub fn new(accounts: AccountService, services: T) -> Self {
        Self {
            accounts,
            operator_key: None,
            limiter: None,
            services,
        }
    }

    pub fn with_limiter(mut self, limiter: Limiter<DynamoStore>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    pub fn with_operator_key(mut self, key: OperatorKey) -> Self {
        self.operator_key = Some(key);
        self
    }
}

impl<T> Deref for Api<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.services
    }
}

impl<T: Send + Sync> Authenticate for Api<T> {
    async fn authenticate(&self, token: &str, now: Timestamp) -> Result<Principal, DomainError> {
        if let Some(limiter) = &self.limiter
            && let Some(tenant) = self.accounts.claimed_tenant(token)
            && let Some(wait) = limiter.known_empty(Scope::Tenant(tenant), now)
        {
            return Err(DomainError::RateLimited {
                retry_after_secs: wait,
            });
        }
        let principal = self.accounts.authenticate(token, now).await?;
        let Some(limiter) = &self.limiter else {
            return Ok(principal);
        };
        match limiter.admit(&principal, now).await {
            Ok(admissions) => {
                switchboard_http::rate_limit::record(&admissions);
                if let Some(refused) = admissions.iter().find(|a| !a.allowed) {
                    tracing::info!(bucket = refused.scope.name(), "rate limited");
                    return Err(DomainError::RateLimited {
                        retry_after_secs: refused.retry_after_secs,
                    });
                }
            }
            // The limits protect the service; an outage of their store
            // must not take the API down with it.
            Err(e) => tracing::warn!(error = %e, "rate limits unavailable; admitting"),
        }
        Ok(principal)
    }
}

impl<T> Api<T> {
    /// The answer of an address bucket, recorded for the response's
    /// headers; a store that fails admits (and is logged).
    fn admitted(
        admission: Result<
            switchboard_domain::limits::limiter::Admission,
            switchboard_domain::StoreError,
        >,
        bucket: &'static str,
    ) -> Result<(), DomainError> {
        match admission {
            Ok(admission) => {
                switchboard_http::rate_limit::record(&[admission]);
                if !admission.allowed {
                    tracing::info!(bucket, "rate limited");
                    return Err(DomainError::RateLimited {
                        retry_after_secs: admission.retry_after_secs,
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "rate limits unavailable; admitting"),
        }
        Ok(())
    }
}

impl<T: Send + Sync> LimitAddresses for Api<T> {
    async fn admit_address(&self, address: IpAddr, now: Timestamp) -> Result<(), DomainError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        Self::admitted(limiter.admit_address(address, now).await, "address")
    }

    async fn admit_reader(&self, address: IpAddr, now: Timestamp) -> Result<(), DomainError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        Self::admitted(limiter.admit_reader(address, now).await, "reader")
    }
}

impl<T: Send + Sync> HasOperatorKey for Api<T> {
    fn operator_key(&self) -> Option<&OperatorKey> {
        self.operator_key.as_ref()
    }
}
