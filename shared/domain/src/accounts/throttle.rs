//! Login throttling: after `max_failures` wrong passwords for one account
//! within `window`, further attempts are refused until the window ends.
//!
//! Keyed by (tenant, email) whether or not the account exists, so the
//! throttle does not reveal which addresses have accounts.

use jiff::{SignedDuration, Timestamp};

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRecord {
    pub failures: u32,
    pub window_ends: Timestamp,
}

#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    pub max_failures: u32,
    pub window: SignedDuration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: SignedDuration::from_mins(15),
        }
    }
}

impl LoginThrottle {
    /// Refuses the attempt while the account is locked.
    pub fn check(&self, record: Option<&FailureRecord>, now: Timestamp) -> Result<(), DomainError> {
        match record {
            Some(r) if r.failures >= self.max_failures && now < r.window_ends => {
                let secs = now.duration_until(r.window_ends).as_secs().max(1);
                Err(DomainError::Throttled {
                    retry_after_secs: u64::try_from(secs).unwrap_or(1),
                })
            }
            _ => Ok(()),
        }
    }

    /// The end of a window that starts now.
    pub fn window_from(&self, now: Timestamp) -> Timestamp {
        now.saturating_add(self.window).unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(secs).unwrap()
    }

    #[test]
    fn an_account_locks_at_the_limit_and_unlocks_when_the_window_ends() {
        let t = LoginThrottle::default();
        let ends = t.window_from(at(1_000));
        assert_eq!(ends, at(1_000 + 900));
        let four = FailureRecord {
            failures: 4,
            window_ends: ends,
        };
        assert!(t.check(Some(&four), at(1_100)).is_ok());
        let five = FailureRecord {
            failures: 5,
            window_ends: ends,
        };
        match t.check(Some(&five), at(1_100)) {
            Err(DomainError::Throttled { retry_after_secs }) => assert_eq!(retry_after_secs, 800),
            other => panic!("expected a lock, got {other:?}"),
        }
        assert!(t.check(Some(&five), ends).is_ok());
        assert!(t.check(None, at(1_100)).is_ok());
    }
}
