//! The per-minute scan of the timer index: every deadline in the minute
//! buckets since the last scan, up to two minutes ahead, is handed to the
//! worker delayed to its second. Buckets missed while the scheduler was
//! down are scanned on the next run (at most two hours' worth per run).

use crate::kernel::error::StoreResult;
use crate::sla::ports::SlaTimers;
use jiff::{SignedDuration, Timestamp};

use crate::sla::engine::delay_until;
use crate::sla::ports::SlaQueue;

pub const LOOKAHEAD: SignedDuration = SignedDuration::from_mins(2);
pub const MAX_BUCKETS_PER_RUN: usize = 120;

/// What one run scanned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scanned {
    pub buckets: usize,
    pub checks: usize,
}

/// The start of `t`'s minute.
pub fn minute_of(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second().div_euclid(60) * 60).unwrap_or(t)
}

pub async fn scan<S: SlaTimers, C: SlaQueue>(
    store: &S,
    queue: &C,
    now: Timestamp,
) -> StoreResult<Scanned> {
    let minute = SignedDuration::from_mins(1);
    let this = minute_of(now);
    let until = this + LOOKAHEAD;
    let mut bucket = match store.scheduler_cursor().await? {
        Some(last) => last + minute,
        None => this - minute,
    };
    let mut scanned = Scanned::default();
    while bucket <= until && scanned.buckets < MAX_BUCKETS_PER_RUN {
        for (check, deadline) in store.due_in(bucket).await? {
            queue
                .enqueue_check(&check, delay_until(deadline, now))
                .await?;
            scanned.checks += 1;
        }
        scanned.buckets += 1;
        bucket += minute;
    }
    store.set_scheduler_cursor(bucket - minute).await?;
    Ok(scanned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_start_on_the_minute() {
        let t: Timestamp = "2026-11-22T10:05:42.5Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        assert_eq!(minute_of(t).to_string(), "2026-11-22T10:05:00Z");
        let d = delay_until(t + SignedDuration::from_millis(1_200), t);
        assert_eq!(d, 2, "rounded up: a check never comes early");
        assert_eq!(delay_until(t - SignedDuration::from_secs(5), t), 0);
        assert_eq!(delay_until(t + SignedDuration::from_hours(2), t), 900);
    }
}
