//! SQS event-source mappings, run as Lambda runs them: receive up to
//! `BatchSize` messages (waiting up to `MaximumBatchingWindowInSeconds` to
//! fill a batch), invoke, delete what succeeded. With
//! `ReportBatchItemFailures` only the reported messages stay; a failed
//! invocation leaves the whole batch. What stays reappears after the queue's
//! visibility timeout, and the queue's redrive policy moves a message that
//! keeps failing to its dead-letter queue (moto applies `maxReceiveCount`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::cloud::Cloud;
use crate::lambda::{Outcome, Pool};
use crate::template::QueueSource;
use crate::template::filter;

/// The message as a Lambda SQS event record.
fn lambda_record(m: &Message, arn: &str, region: &str) -> Value {
    let attributes: serde_json::Map<String, Value> = m
        .attributes
        .iter()
        .flatten()
        .map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone())))
        .collect();
    let message_attributes: serde_json::Map<String, Value> = m
        .message_attributes
        .iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                json!({"stringValue": v.string_value, "dataType": v.data_type, "stringListValues": [], "binaryListValues": []}),
            )
        })
        .collect();
    json!({
        "messageId": m.message_id,
        "receiptHandle": m.receipt_handle,
        "body": m.body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": m.md5_of_body,
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    })
}

/// Whether a record passes the mapping's filters (a JSON body is matched
/// as JSON, as Lambda does).
fn passes(source: &QueueSource, record: &Value) -> bool {
    if source.filters.is_empty() {
        return true;
    }
    let mut view = record.clone();
    if let Some(body) = record.get("body").and_then(Value::as_str)
        && let Ok(parsed) = serde_json::from_str::<Value>(body)
    {
        view["body"] = parsed;
    }
    source.filters.iter().any(|f| filter::matches(f, &view))
}

/// The message ids an invocation's outcome leaves on the queue.
pub fn failed_ids(outcome: &Outcome, batch: &[String], reports: bool) -> Vec<String> {
    match outcome {
        Outcome::Response(body) if reports => {
            let reported: Vec<String> = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|v| {
                    v.get("batchItemFailures")
                        .and_then(Value::as_array)
                        .cloned()
                })
                .unwrap_or_default()
                .iter()
                .filter_map(|f| {
                    f.get("itemIdentifier")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect();
            // An identifier that is not in the batch fails it all, as in Lambda.
            if reported.iter().any(|id| !batch.contains(id)) {
                batch.to_vec()
            } else {
                reported
            }
        }
        Outcome::Response(_) => Vec::new(),
        _ => batch.to_vec(),
    }
}

/// Receives one batch and hands it to `invoke`; returns how many messages
/// were received.
pub async fn poll_once<F, Fut>(
    cloud: &Cloud,
    queue_url: &str,
    source: &QueueSource,
    invoke: F,
) -> anyhow::Result<usize>
where
    F: FnOnce(Bytes) -> Fut,
    Fut: Future<Output = Outcome>,
{
    let mut messages: Vec<Message> = Vec::new();
    let started = Instant::now();
    while messages.len() < source.batch_size {
        let want = (source.batch_size - messages.len()).min(10);
        let out = cloud
            .sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(i32::try_from(want).unwrap_or(10))
            .wait_time_seconds(if messages.is_empty() { 1 } else { 0 })
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .context("receiving messages")?;
        let got = out.messages.unwrap_or_default();
        let empty = got.is_empty();
        messages.extend(got);
        if messages.is_empty() || started.elapsed() >= source.batching_window {
            break;
        }
        if empty {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    if messages.is_empty() {
        return Ok(0);
    }
    let received = messages.len();
    let records: Vec<(Value, String)> = messages
        .iter()
        .map(|m| {
            (
                lambda_record(m, &source.queue_arn, &cloud.region),
                m.receipt_handle.clone().unwrap_or_default(),
            )
        })
        .collect();
    let (kept, dropped): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|(r, _)| passes(source, r));
    // Lambda deletes what the filters drop.
    let mut delete: Vec<String> = dropped.into_iter().map(|(_, h)| h).collect();
    if !kept.is_empty() {
        let ids: Vec<String> = kept
            .iter()
            .map(|(r, _)| r["messageId"].as_str().unwrap_or_default().to_owned())
            .collect();
        let payload = json!({"Records": kept.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>()});
        let outcome = invoke(Bytes::from(payload.to_string())).await;
        let failed = failed_ids(&outcome, &ids, source.report_item_failures);
        delete.extend(
            kept.iter()
                .filter(|(r, _)| !failed.iter().any(|f| r["messageId"] == f.as_str()))
                .map(|(_, h)| h.clone()),
        );
    }
    for (i, chunk) in delete.chunks(10).enumerate() {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(j, h)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(format!("m{i}-{j}"))
                    .receipt_handle(h)
                    .build()
            })
            .collect::<Result<Vec<_>, _>>()?;
        cloud
            .sqs
            .delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .context("deleting processed messages")?;
    }
    Ok(received)
}

/// Polls the queue and feeds the function until the process ends, with up
/// to `MaximumConcurrency` batches in flight.
pub async fn run(pool: Arc<Pool>, source: QueueSource, cloud: Cloud) -> anyhow::Result<()> {
    let name = source
        .queue_arn
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let url = cloud
        .sqs
        .get_queue_url()
        .queue_name(&name)
        .send()
        .await
        .with_context(|| format!("finding queue {name}"))?
        .queue_url
        .with_context(|| format!("queue {name} has no URL"))?;
    // A FIFO queue's messages of one group go to one batch at a time, in
    // order: devstack simply polls such a queue one batch at a time.
    let concurrency = if name.ends_with(".fifo") {
        1
    } else {
        source.max_concurrency.max(1)
    };
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return Ok(());
        };
        let (cloud, source, url, pool, name) = (
            cloud.clone(),
            source.clone(),
            url.clone(),
            pool.clone(),
            name.clone(),
        );
        tokio::spawn(async move {
            let invoke = |payload| async move { pool.invoke(payload).await };
            match poll_once(&cloud, &url, &source, invoke).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(50)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(queue = %name, error = %format!("{e:#}"), "polling failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            drop(permit);
        });
    }
}
