//! SES email identities in memory: a domain is verified as soon as it is
//! asked for (as devstack does), unless a test holds it pending.

use std::collections::BTreeSet;

use switchboard_domain::email::ports::DomainIdentities;
use switchboard_domain::kernel::error::StoreResult;

use super::Shared;

#[derive(Default)]
struct Identities {
    asked: BTreeSet<String>,
    pending: BTreeSet<String>,
}

#[derive(Clone, Default)]
pub struct MemoryIdentities {
    state: Shared<Identities>,
}

impl MemoryIdentities {
    pub fn new() -> Self {
        Self::default()
    }

    /// `domain` stays unverified until [`Self::verify`].
    pub fn hold(&self, domain: &str) {
        self.state.with(|s| s.pending.insert(domain.to_owned()));
    }

    pub fn verify(&self, domain: &str) {
        self.state.with(|s| s.pending.remove(domain));
    }

    /// The domains whose verification was asked for.
    pub fn asked(&self) -> Vec<String> {
        self.state.with(|s| s.asked.iter().cloned().collect())
    }
}

impl DomainIdentities for MemoryIdentities {
    async fn verify_domain(&self, domain: &str) -> StoreResult<bool> {
        self.state.call(|s| {
            s.asked.insert(domain.to_owned());
            !s.pending.contains(domain)
        })
    }
}
