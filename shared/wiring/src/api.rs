//! The state every API function's router holds: the account service that
//! authenticates its requests, and the function's own services.

use std::ops::Deref;

use jiff::Timestamp;
use switchboard_domain::DomainError;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kernel::secrets::OperatorKey;
use switchboard_http::auth::{Authenticate, HasOperatorKey};

use crate::services::AccountService;

pub struct Api<T> {
    pub accounts: AccountService,
    /// Set in the functions that serve operator routes.
    pub operator_key: Option<OperatorKey>,
    services: T,
}

impl<T> Api<T> {
    pub fn new(accounts: AccountService, services: T) -> Self {
        Self {
            accounts,
            operator_key: None,
            services,
        }
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
        self.accounts.authenticate(token, now).await
    }
}

impl<T: Send + Sync> HasOperatorKey for Api<T> {
    fn operator_key(&self) -> Option<&OperatorKey> {
        self.operator_key.as_ref()
    }
}
