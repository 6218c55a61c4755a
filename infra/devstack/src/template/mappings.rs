//! Event-source mappings: `Type: SQS` and `Type: DynamoDB` events, with
//! their batching, retry and failure settings and `FilterCriteria`.

use std::time::Duration;

use anyhow::{Context as _, anyhow};
use serde_json::Value;

use super::document::scalar_string;
use super::filter;

/// An SQS event-source mapping.
#[derive(Debug, Clone)]
pub struct QueueSource {
    pub event: String,
    pub queue_arn: String,
    /// 1 to 10 000 (Lambda's limit); receives are of 10 at most.
    pub batch_size: usize,
    pub batching_window: Duration,
    pub report_item_failures: bool,
    /// Batches in flight at once (`ScalingConfig.MaximumConcurrency`).
    pub max_concurrency: usize,
    pub filters: Vec<Value>,
}

/// A DynamoDB stream event-source mapping, as Lambda runs it.
#[derive(Debug, Clone)]
pub struct StreamSource {
    pub event: String,
    pub stream_arn: String,
    /// `LATEST` or `TRIM_HORIZON`.
    pub starting_position: String,
    pub batch_size: usize,
    pub batching_window: Duration,
    pub bisect_on_error: bool,
    /// `None`: retry until the record expires.
    pub max_retries: Option<u32>,
    pub max_record_age: Option<Duration>,
    pub report_item_failures: bool,
    /// Event filter patterns; a record passes if any matches.
    pub filters: Vec<Value>,
    /// The on-failure destination (an SQS queue ARN).
    pub on_failure: Option<String>,
}

/// A mapping's `FilterCriteria` patterns, checked to be ones devstack can apply.
fn filters_of(event: &str, p: &Value) -> anyhow::Result<Vec<Value>> {
    let filters = p
        .pointer("/FilterCriteria/Filters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|f| {
            let pattern = f.get("Pattern").map(scalar_string).unwrap_or_default();
            serde_json::from_str::<Value>(&pattern)
                .with_context(|| format!("{event}: filter pattern is not JSON"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for f in &filters {
        filter::check(f).with_context(|| format!("{event}: filter pattern"))?;
    }
    Ok(filters)
}

pub(super) fn queue_source(event: &str, p: &Value) -> anyhow::Result<QueueSource> {
    let number = |k: &str| {
        p.pointer(k)
            .map(scalar_string)
            .and_then(|s| s.parse::<u64>().ok())
    };
    Ok(QueueSource {
        event: event.to_owned(),
        queue_arn: p
            .get("Queue")
            .map(scalar_string)
            .ok_or_else(|| anyhow!("{event}: Queue is required"))?,
        batch_size: number("/BatchSize")
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(10),
        batching_window: Duration::from_secs(
            number("/MaximumBatchingWindowInSeconds").unwrap_or(0),
        ),
        report_item_failures: p
            .get("FunctionResponseTypes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|t| t == "ReportBatchItemFailures")),
        max_concurrency: number("/ScalingConfig/MaximumConcurrency")
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(2),
        filters: filters_of(event, p)?,
    })
}

pub(super) fn stream_source(event: &str, p: &Value) -> anyhow::Result<StreamSource> {
    let text = |k: &str| p.get(k).map(scalar_string);
    let number = |k: &str| text(k).and_then(|s| s.parse::<i64>().ok());
    let filters = filters_of(event, p)?;
    Ok(StreamSource {
        event: event.to_owned(),
        stream_arn: text("Stream").ok_or_else(|| anyhow!("{event}: Stream is required"))?,
        starting_position: text("StartingPosition").unwrap_or_else(|| "LATEST".into()),
        batch_size: number("BatchSize")
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(100),
        batching_window: Duration::from_secs(
            number("MaximumBatchingWindowInSeconds")
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or(0),
        ),
        bisect_on_error: text("BisectBatchOnFunctionError").as_deref() == Some("true"),
        max_retries: number("MaximumRetryAttempts")
            .filter(|n| *n >= 0)
            .and_then(|n| u32::try_from(n).ok()),
        max_record_age: number("MaximumRecordAgeInSeconds")
            .filter(|n| *n > 0)
            .and_then(|n| u64::try_from(n).ok())
            .map(Duration::from_secs),
        report_item_failures: p
            .get("FunctionResponseTypes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|t| t == "ReportBatchItemFailures")),
        filters,
        on_failure: p
            .pointer("/DestinationConfig/OnFailure/Destination")
            .map(scalar_string),
    })
}
