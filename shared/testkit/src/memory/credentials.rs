//! Login failures, API keys and password links in memory.

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::api_key::ApiKey;
use switchboard_domain::accounts::password_link::PasswordLink;
use switchboard_domain::accounts::ports::{ApiKeyStore, LoginFailures, PasswordLinks};
use switchboard_domain::accounts::throttle::FailureRecord;
use switchboard_domain::accounts::user::Email;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{ApiKeyId, TenantId, UserId};

use super::state::Failures;
use super::{MemoryStore, keys};

/// The record as read back: its window end is kept to the second.
fn record(f: Failures) -> Option<FailureRecord> {
    Some(FailureRecord {
        failures: f.failures,
        window_ends: Timestamp::from_second(f.window_ends).ok()?,
    })
}

impl LoginFailures for MemoryStore {
    async fn failed_logins(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
    ) -> StoreResult<Option<FailureRecord>> {
        self.enter("failed_logins")?;
        let stored = self.read(|s| {
            s.login_failures
                .get(&(tenant, email.as_str().to_owned()))
                .copied()
        });
        // An ended window is no record, whether or not TTL removed it yet.
        Ok(stored.and_then(record).filter(|r| r.window_ends > now))
    }

    async fn record_failed_login(
        &self,
        tenant: TenantId,
        email: &Email,
        now: Timestamp,
        window_ends: Timestamp,
    ) -> StoreResult<FailureRecord> {
        self.enter("record_failed_login")?;
        self.write(|s| {
            let key = (tenant, email.as_str().to_owned());
            let fresh = Failures {
                failures: 1,
                window_ends: window_ends.as_second(),
            };
            match s.login_failures.get_mut(&key) {
                Some(f) if f.window_ends > now.as_second() => {
                    f.failures += 1;
                    record(*f).ok_or_else(|| StoreError::Corrupt("window end".into()))
                }
                Some(f) => {
                    // The stored window has ended: a new one, reported as
                    // given (DynamoStore's put returns nothing to read back).
                    *f = fresh;
                    Ok(FailureRecord {
                        failures: 1,
                        window_ends,
                    })
                }
                None => {
                    s.login_failures.insert(key, fresh);
                    record(fresh).ok_or_else(|| StoreError::Corrupt("window end".into()))
                }
            }
        })
    }

    async fn clear_failed_logins(&self, tenant: TenantId, email: &Email) -> StoreResult<()> {
        self.enter("clear_failed_logins")?;
        self.write(|s| {
            s.login_failures
                .remove(&(tenant, email.as_str().to_owned()))
        });
        Ok(())
    }
}

impl ApiKeyStore for MemoryStore {
    async fn api_key_by_digest(&self, digest: &str) -> StoreResult<Option<ApiKey>> {
        self.enter("api_key_by_digest")?;
        Ok(self.read(|s| s.api_keys.get(digest).cloned()))
    }

    async fn record_api_key_use(&self, key: &ApiKey, now: Timestamp) -> StoreResult<()> {
        self.enter("record_api_key_use")?;
        // A key revoked meanwhile stays revoked.
        self.write(|s| {
            if let Some(k) = s.api_keys.get_mut(&key.digest) {
                k.last_used_at = Some(now);
            }
        });
        Ok(())
    }

    async fn create_api_key(&self, key: &ApiKey, events: &[DomainEvent]) -> StoreResult<()> {
        self.enter("create_api_key")?;
        self.write(|s| {
            if s.api_keys.contains_key(&key.digest) || !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.api_keys.insert(key.digest.clone(), key.clone());
            s.add_events(events);
            Ok(())
        })
    }

    async fn list_api_keys(&self, tenant: TenantId) -> StoreResult<Vec<ApiKey>> {
        self.enter("list_api_keys")?;
        Ok(self.read(|s| {
            let mut found: Vec<(String, ApiKey)> = s
                .api_keys
                .values()
                .filter(|k| k.tenant_id == tenant)
                .map(|k| (keys::api_keys_index(k.created_at, k.id), k.clone()))
                .collect();
            found.sort_by(|a, b| a.0.cmp(&b.0));
            found.into_iter().map(|(_, k)| k).collect()
        }))
    }

    async fn revoke_api_key(
        &self,
        tenant: TenantId,
        id: ApiKeyId,
        events: &[DomainEvent],
    ) -> StoreResult<()> {
        self.enter("revoke_api_key")?;
        self.write(|s| {
            let digest = s
                .api_keys
                .values()
                .find(|k| k.tenant_id == tenant && k.id == id)
                .map(|k| k.digest.clone())
                .ok_or(StoreError::NotFound)?;
            // Every failed condition of this transaction reads as NotFound.
            if !s.events_fit(events)? {
                return Err(StoreError::NotFound);
            }
            s.api_keys.remove(&digest);
            s.add_events(events);
            Ok(())
        })
    }
}

impl PasswordLinks for MemoryStore {
    async fn put_password_link(&self, link: &PasswordLink) -> StoreResult<()> {
        self.enter("put_password_link")?;
        self.write(|s| {
            if s.password_links.contains_key(&link.digest) {
                return Err(StoreError::ConditionFailed);
            }
            s.password_links.insert(link.digest.clone(), link.clone());
            Ok(())
        })
    }

    async fn note_reset_request(
        &self,
        tenant: TenantId,
        user: UserId,
        now: Timestamp,
        until: Timestamp,
        events: &[DomainEvent],
    ) -> StoreResult<bool> {
        self.enter("note_reset_request")?;
        self.write(|s| {
            // Epoch seconds on both sides, as the TTL attribute holds them.
            let noted = s.reset_requests.get(&(tenant, user)).copied();
            if noted.is_some_and(|n| n > now.as_second()) {
                return Ok(false);
            }
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.reset_requests.insert((tenant, user), until.as_second());
            s.add_events(events);
            Ok(true)
        })
    }

    async fn take_password_link(&self, digest: &str) -> StoreResult<Option<PasswordLink>> {
        self.enter("take_password_link")?;
        Ok(self.write(|s| s.password_links.remove(digest)))
    }
}
