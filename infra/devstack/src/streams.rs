//! DynamoDB stream event-source mappings, run as Lambda runs them: poll
//! the shards, filter, invoke in batches, honour `ReportBatchItemFailures`
//! (retry from the first failed record), bisect a failing batch, give up
//! after `MaximumRetryAttempts` and send the batch's description to the
//! on-failure queue.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::cloud::Cloud;
use crate::lambda::{Outcome, Pool};
use crate::template::StreamSource;
use crate::template::filter;

/// How often an idle shard is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// One stream record in the shape Lambda hands to functions.
#[derive(Debug, Clone)]
pub struct StreamRecord {
    pub sequence: String,
    pub json: Value,
}

/// What one invocation made of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchResult {
    Done,
    /// The function reported failures; the earliest is at this index.
    FailedFrom(usize),
    /// The invocation failed as a whole (error, crash, timeout).
    FunctionError,
}

/// Delivers `records`, retrying and bisecting as the mapping says. Returns
/// the batches given up on.
pub async fn deliver<F, Fut>(
    source: &StreamSource,
    records: Vec<StreamRecord>,
    retry_pause: Duration,
    mut invoke: F,
) -> Vec<Vec<StreamRecord>>
where
    F: FnMut(Vec<StreamRecord>) -> Fut,
    Fut: Future<Output = BatchResult>,
{
    let mut work: VecDeque<(Vec<StreamRecord>, u32)> = VecDeque::from([(records, 0)]);
    let mut abandoned = Vec::new();
    while let Some((batch, retries)) = work.pop_front() {
        if batch.is_empty() {
            continue;
        }
        let retry = match invoke(batch.clone()).await {
            BatchResult::Done => None,
            BatchResult::FailedFrom(i) => Some(batch[i.min(batch.len() - 1)..].to_vec()),
            BatchResult::FunctionError if source.bisect_on_error && batch.len() > 1 => {
                // Halves are retried separately; splitting uses no retry.
                let (a, b) = batch.split_at(batch.len() / 2);
                work.push_front((b.to_vec(), retries));
                work.push_front((a.to_vec(), retries));
                continue;
            }
            BatchResult::FunctionError => Some(batch),
        };
        if let Some(rest) = retry {
            if source.max_retries.is_some_and(|max| retries >= max) {
                abandoned.push(rest);
            } else {
                tokio::time::sleep(retry_pause).await;
                work.push_front((rest, retries + 1));
            }
        }
    }
    abandoned
}

/// The outcome of one invocation, read as Lambda reads it.
pub fn read_outcome(outcome: &Outcome, batch: &[StreamRecord], reports: bool) -> BatchResult {
    match outcome {
        Outcome::Response(body) if reports => {
            let failures: Vec<String> = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| v.get("batchItemFailures").cloned())
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|f| {
                    f.get("itemIdentifier")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect();
            if failures.is_empty() {
                return BatchResult::Done;
            }
            // An identifier that is not in the batch fails it all, as in Lambda.
            match batch.iter().position(|r| failures.contains(&r.sequence)) {
                Some(i) => BatchResult::FailedFrom(i),
                None => BatchResult::FailedFrom(0),
            }
        }
        Outcome::Response(_) => BatchResult::Done,
        _ => BatchResult::FunctionError,
    }
}

/// The record as a Lambda DynamoDB event record.
fn lambda_record(r: &Record, stream_arn: &str, region: &str) -> Option<StreamRecord> {
    let d = r.dynamodb.as_ref()?;
    let sequence = d.sequence_number.clone()?;
    let image = |i: &Option<
        std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >| {
        i.clone()
            .map(|m| serde_json::to_value(serde_dynamo::Item::from(m)).unwrap_or(Value::Null))
    };
    let mut change = json!({
        "ApproximateCreationDateTime": d.approximate_creation_date_time.map(|t| t.secs()).unwrap_or_default(),
        "Keys": image(&d.keys).unwrap_or(json!({})),
        "SequenceNumber": sequence,
        "SizeBytes": d.size_bytes.unwrap_or_default(),
        "StreamViewType": d.stream_view_type.as_ref().map(|v| v.as_str().to_owned()),
    });
    if let Some(new) = image(&d.new_image) {
        change["NewImage"] = new;
    }
    if let Some(old) = image(&d.old_image) {
        change["OldImage"] = old;
    }
    Some(StreamRecord {
        sequence,
        json: json!({
            "eventID": r.event_id,
            "eventName": r.event_name.as_ref().map(|n| n.as_str().to_owned()),
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": region,
            "dynamodb": change,
            "eventSourceARN": stream_arn,
        }),
    })
}

/// Polls the stream and feeds the function until the process ends.
pub async fn run(pool: Arc<Pool>, source: StreamSource, cloud: Cloud) -> anyhow::Result<()> {
    let described = cloud
        .streams
        .describe_stream()
        .stream_arn(&source.stream_arn)
        .send()
        .await
        .with_context(|| format!("describing {}", source.stream_arn))?;
    let position = ShardIteratorType::from(source.starting_position.as_str());
    let mut iterators = Vec::new();
    for shard in described
        .stream_description
        .and_then(|d| d.shards)
        .unwrap_or_default()
    {
        let Some(shard_id) = shard.shard_id else {
            continue;
        };
        let it = cloud
            .streams
            .get_shard_iterator()
            .stream_arn(&source.stream_arn)
            .shard_id(&shard_id)
            .shard_iterator_type(position.clone())
            .send()
            .await?
            .shard_iterator;
        iterators.push(it);
    }
    loop {
        let mut records = Vec::new();
        for it in iterators.iter_mut() {
            let Some(current) = it.take() else { continue };
            match cloud
                .streams
                .get_records()
                .shard_iterator(&current)
                .limit(1000)
                .send()
                .await
            {
                Ok(out) => {
                    *it = out.next_shard_iterator;
                    records.extend(
                        out.records
                            .unwrap_or_default()
                            .iter()
                            .filter_map(|r| lambda_record(r, &source.stream_arn, &cloud.region)),
                    );
                }
                Err(e) => {
                    tracing::warn!(function = %pool.function.name, error = %aws_sdk_dynamodbstreams::error::DisplayErrorContext(&e), "reading the stream failed");
                    *it = Some(current);
                }
            }
        }
        let passed: Vec<StreamRecord> = records
            .into_iter()
            .filter(|r| {
                source.filters.is_empty()
                    || source.filters.iter().any(|f| filter::matches(f, &r.json))
            })
            .collect();
        if passed.is_empty() {
            tokio::time::sleep(POLL_INTERVAL.max(source.batching_window)).await;
            continue;
        }
        for chunk in passed.chunks(source.batch_size.max(1)) {
            let abandoned = deliver(&source, chunk.to_vec(), Duration::from_millis(200), |batch| {
                let pool = pool.clone();
                let reports = source.report_item_failures;
                async move {
                    let payload = json!({"Records": batch.iter().map(|r| r.json.clone()).collect::<Vec<_>>()});
                    let outcome = pool.invoke(Bytes::from(payload.to_string())).await;
                    read_outcome(&outcome, &batch, reports)
                }
            })
            .await;
            for batch in abandoned {
                give_up(&cloud, &pool, &source, &batch).await;
            }
        }
    }
}

/// Sends the on-failure record for a batch (as Lambda does: a description
/// of the batch, not its records).
async fn give_up(cloud: &Cloud, pool: &Pool, source: &StreamSource, batch: &[StreamRecord]) {
    tracing::warn!(function = %pool.function.name, records = batch.len(), "retries exhausted; batch sent to the on-failure destination");
    let Some(arn) = &source.on_failure else {
        return;
    };
    let Some(queue) = arn.rsplit(':').next() else {
        return;
    };
    let body = json!({
        "requestContext": {
            "functionArn": pool.invoked_arn(),
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": source.max_retries.map_or(1, |m| m + 1),
        },
        "version": "1.0",
        "timestamp": jiff::Timestamp::now().to_string(),
        "DDBStreamBatchInfo": {
            "shardId": "shard-devstack",
            "startSequenceNumber": batch.first().map(|r| r.sequence.clone()),
            "endSequenceNumber": batch.last().map(|r| r.sequence.clone()),
            "batchSize": batch.len(),
            "streamArn": source.stream_arn,
        },
    });
    let url = cloud.sqs.get_queue_url().queue_name(queue).send().await;
    match url.ok().and_then(|u| u.queue_url) {
        Some(url) => {
            if let Err(e) = cloud
                .sqs
                .send_message()
                .queue_url(url)
                .message_body(body.to_string())
                .send()
                .await
            {
                tracing::error!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "the on-failure destination refused the batch");
            }
        }
        None => tracing::error!(queue, "the on-failure destination does not exist"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;
    use std::sync::Mutex;

    fn source(bisect: bool, retries: Option<u32>) -> StreamSource {
        StreamSource {
            event: "Outbox".into(),
            stream_arn: "arn".into(),
            starting_position: "LATEST".into(),
            batch_size: 100,
            batching_window: Duration::ZERO,
            bisect_on_error: bisect,
            max_retries: retries,
            max_record_age: None,
            report_item_failures: true,
            filters: Vec::new(),
            on_failure: None,
        }
    }

    fn records(n: usize) -> Vec<StreamRecord> {
        (0..n)
            .map(|i| StreamRecord {
                sequence: format!("{i:03}"),
                json: json!({}),
            })
            .collect()
    }

    fn seqs(batch: &[StreamRecord]) -> Vec<String> {
        batch.iter().map(|r| r.sequence.clone()).collect()
    }

    #[tokio::test]
    async fn a_reported_failure_is_retried_from_that_record_on() {
        let calls = Mutex::new(Vec::new());
        let abandoned = deliver(&source(false, Some(3)), records(4), Duration::ZERO, |b| {
            let n = {
                let mut c = calls.lock().unwrap();
                c.push(seqs(&b));
                c.len()
            };
            async move {
                if n == 1 {
                    BatchResult::FailedFrom(2)
                } else {
                    BatchResult::Done
                }
            }
        })
        .await;
        assert!(abandoned.is_empty());
        let calls = calls.into_inner().unwrap();
        assert_eq!(
            calls,
            vec![seqs(&records(4)), vec!["002".to_owned(), "003".to_owned()]]
        );
    }

    #[tokio::test]
    async fn a_failing_batch_is_bisected_down_to_the_poison_record_which_is_given_up() {
        let calls = Mutex::new(0);
        let abandoned = deliver(&source(true, Some(2)), records(4), Duration::ZERO, |b| {
            *calls.lock().unwrap() += 1;
            let poisoned = b.iter().any(|r| r.sequence == "002");
            async move {
                if poisoned {
                    BatchResult::FunctionError
                } else {
                    BatchResult::Done
                }
            }
        })
        .await;
        assert_eq!(
            abandoned.iter().map(|b| seqs(b)).collect::<Vec<_>>(),
            vec![vec!["002".to_owned()]]
        );
        // [0..4] fails, [0,1] ok, [2,3] fails, [2] fails 3 times, [3] ok
        assert_eq!(calls.into_inner().unwrap(), 1 + 1 + 1 + 3 + 1);
    }

    #[test]
    fn responses_are_read_as_lambda_reads_them() {
        let batch = records(3);
        let reply = |v: Value| Outcome::Response(Bytes::from(v.to_string()));
        assert_eq!(
            read_outcome(&reply(json!({"batchItemFailures": []})), &batch, true),
            BatchResult::Done
        );
        assert_eq!(
            read_outcome(
                &reply(
                    json!({"batchItemFailures": [{"itemIdentifier": "002"}, {"itemIdentifier": "001"}]})
                ),
                &batch,
                true
            ),
            BatchResult::FailedFrom(1)
        );
        assert_eq!(
            read_outcome(
                &reply(json!({"batchItemFailures": [{"itemIdentifier": "nope"}]})),
                &batch,
                true
            ),
            BatchResult::FailedFrom(0)
        );
        assert_eq!(
            read_outcome(&Outcome::Crashed("x".into()), &batch, true),
            BatchResult::FunctionError
        );
    }
}
