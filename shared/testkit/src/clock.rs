//! A clock tests move by hand. The domain takes `now` as an argument, so a
//! test passes `clock.now()` and advances it between steps.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

/// A shared, settable instant: clones see the same time.
#[derive(Debug, Clone)]
pub struct TestClock {
    now: Arc<Mutex<Timestamp>>,
}

impl Default for TestClock {
    fn default() -> Self {
        Self::new()
    }
}

impl TestClock {
    /// Starts at the wall clock's current second. Not earlier: access tokens
    /// issued at `now` are verified against the wall clock (their expiry).
    /// Whole seconds, so sort keys and TTLs that keep seconds or
    /// milliseconds see exactly the times a test wrote.
    pub fn new() -> Self {
        let second = Timestamp::now().as_second();
        Self::at(Timestamp::from_second(second).unwrap_or_else(|_| Timestamp::now()))
    }

    pub fn at(start: Timestamp) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    pub fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }

    /// Moves the clock by `by` (backwards when negative) and returns the new time.
    pub fn advance(&self, by: SignedDuration) -> Timestamp {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.saturating_add(by).unwrap_or(*now);
        *now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_time() {
        let clock = TestClock::at(Timestamp::UNIX_EPOCH);
        let other = clock.clone();
        clock.advance(SignedDuration::from_secs(90));
        assert_eq!(other.now().as_second(), 90);
        other.set(Timestamp::UNIX_EPOCH);
        assert_eq!(clock.now(), Timestamp::UNIX_EPOCH);
        assert_eq!(TestClock::new().now().subsec_nanosecond(), 0);
    }
}
