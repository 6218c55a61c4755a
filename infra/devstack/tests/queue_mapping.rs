//! The SQS mapping against the emulator: partial batch failures keep only
//! the failed messages, which return after the visibility timeout and end
//! in the dead-letter queue after `maxReceiveCount` receives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use bytes::Bytes;
use devstack::cloud::Cloud;
use devstack::lambda::Outcome;
use devstack::queues::poll_once;
use devstack::template::QueueSource;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn endpoint() -> String {
    std::env::var("SWITCHBOARD_TEST_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:4566".into())
}

async fn queue(cloud: &Cloud, name: &str, attributes: &[(&str, String)]) -> (String, String) {
    let mut req = cloud.sqs.create_queue().queue_name(name);
    for (k, v) in attributes {
        req = req.attributes(aws_sdk_sqs::types::QueueAttributeName::from(*k), v);
    }
    let url = req.send().await.unwrap().queue_url.unwrap();
    let arn = cloud
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    (url, arn)
}

#[tokio::test]
async fn reported_failures_stay_return_and_end_in_the_dead_letter_queue() {
    let cloud = Cloud::connect(&endpoint(), "us-east-1").await;
    let run = ulid::Ulid::new().to_string().to_lowercase();
    let (dlq_url, dlq_arn) = queue(&cloud, &format!("dlq-{run}"), &[]).await;
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}).to_string();
    let (url, arn) = queue(
        &cloud,
        &format!("work-{run}"),
        &[
            ("VisibilityTimeout", "1".into()),
            ("RedrivePolicy", redrive),
        ],
    )
    .await;
    for body in ["a", "b", "c"] {
        cloud
            .sqs
            .send_message()
            .queue_url(&url)
            .message_body(json!({"job": body}).to_string())
            .send()
            .await
            .unwrap();
    }
    let source = QueueSource {
        event: "Jobs".into(),
        queue_arn: arn,
        batch_size: 10,
        batching_window: Duration::ZERO,
        report_item_failures: true,
        max_concurrency: 1,
        filters: Vec::new(),
    };
    let seen: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    // The function fails job "b" every time, reporting it alone.
    let invoke = |seen: Arc<Mutex<Vec<Vec<String>>>>| {
        move |payload: Bytes| async move {
            let event: Value = serde_json::from_slice(&payload).unwrap();
            let records = event["Records"].as_array().unwrap().clone();
            let jobs: Vec<String> = records
                .iter()
                .map(|r| {
                    let body: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
                    body["job"].as_str().unwrap().to_owned()
                })
                .collect();
            seen.lock().unwrap().push(jobs.clone());
            let failures: Vec<Value> = records
                .iter()
                .zip(&jobs)
                .filter(|(_, j)| *j == "b")
                .map(|(r, _)| json!({"itemIdentifier": r["messageId"]}))
                .collect();
            assert!(records.iter().all(|r| r["eventSource"] == "aws:sqs"));
            Outcome::Response(Bytes::from(
                json!({"batchItemFailures": failures}).to_string(),
            ))
        }
    };

    let mut received = 0;
    for _ in 0..3 {
        received += poll_once(&cloud, &url, &source, invoke(seen.clone()))
            .await
            .unwrap();
        if received >= 3 {
            break;
        }
    }
    assert_eq!(received, 3);
    // "b" comes back after the visibility timeout, and fails again.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        poll_once(&cloud, &url, &source, invoke(seen.clone()))
            .await
            .unwrap(),
        1
    );
    // Past maxReceiveCount the queue hands it to the dead-letter queue.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let _ = poll_once(&cloud, &url, &source, invoke(seen.clone()))
        .await
        .unwrap();
    let mut all: Vec<String> = seen.lock().unwrap().concat();
    all.sort();
    assert_eq!(all, vec!["a", "b", "b", "c"], "a and c once, b twice");
    let dead = cloud
        .sqs
        .receive_message()
        .queue_url(&dlq_url)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body.as_deref(), Some(r#"{"job":"b"}"#));
}

#[tokio::test]
async fn a_failed_invocation_leaves_the_whole_batch() {
    let cloud = Cloud::connect(&endpoint(), "us-east-1").await;
    let run = ulid::Ulid::new().to_string().to_lowercase();
    let (url, arn) = queue(
        &cloud,
        &format!("crash-{run}"),
        &[("VisibilityTimeout", "1".into())],
    )
    .await;
    for body in ["x", "y"] {
        cloud
            .sqs
            .send_message()
            .queue_url(&url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let source = QueueSource {
        event: "Jobs".into(),
        queue_arn: arn,
        batch_size: 10,
        batching_window: Duration::from_millis(300),
        report_item_failures: true,
        max_concurrency: 1,
        filters: Vec::new(),
    };
    let n = poll_once(&cloud, &url, &source, |_| async {
        Outcome::Crashed("boom".into())
    })
    .await
    .unwrap();
    assert_eq!(n, 2);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let again = poll_once(&cloud, &url, &source, |_| async {
        Outcome::Response(Bytes::from_static(b"{\"batchItemFailures\":[]}"))
    })
    .await
    .unwrap();
    assert_eq!(again, 2, "both messages came back");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let gone = poll_once(&cloud, &url, &source, |_| async {
        Outcome::Crashed("never".into())
    })
    .await
    .unwrap();
    assert_eq!(gone, 0, "deleted after success");
}
