//! The schedule runner: each `Schedule` event fires as EventBridge fires
//! it, the function getting a `Scheduled Event` at each due minute.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use crate::lambda::{Outcome, Pool};
use crate::template::Schedule;

/// The EventBridge event a scheduled function receives.
fn scheduled_event(rule: &str, region: &str, account: &str, at: Timestamp) -> serde_json::Value {
    json!({
        "version": "0",
        "id": ulid::Ulid::new().to_string().to_lowercase(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": region,
        "resources": [format!("arn:aws:events:{region}:{account}:rule/{rule}")],
        "detail": {}
    })
}

/// Fires `schedule` for the function until the process ends.
pub async fn run(
    pool: Arc<Pool>,
    rule: String,
    schedule: Schedule,
    region: String,
    account: String,
) {
    let started = Timestamp::now();
    let mut last = started;
    loop {
        let Some(next) = schedule.next(last, started) else {
            tracing::warn!(function = %pool.function.name, rule, "the schedule never fires again");
            return;
        };
        let wait = next.duration_since(Timestamp::now());
        if wait > SignedDuration::ZERO {
            tokio::time::sleep(Duration::try_from(wait).unwrap_or(Duration::from_secs(60))).await;
        }
        let event = scheduled_event(&rule, &region, &account, next);
        let outcome = pool.invoke(Bytes::from(event.to_string())).await;
        if !matches!(outcome, Outcome::Response(_)) {
            tracing::warn!(function = %pool.function.name, rule, "the scheduled invocation failed");
        }
        last = next;
    }
}
