//! Poison messages, for every SQS-driven function of template.yaml: the
//! function's real binary runs under devstack's queue mapping against the
//! template's own queues (provisioned under a stack of this test's own).
//! A message no worker can read fails every receive and ends in the
//! queue's dead-letter queue after the template's `maxReceiveCount`; a good
//! message sent with it flows on and is not held back.
//!
//! The one change to the template: each queue's visibility timeout is one
//! second instead of minutes, so that the receives come quickly.
//!
//! Needs the emulator (`SWITCHBOARD_TEST_ENDPOINT`) and the function
//! binaries beside this test's own (`cargo build --workspace`, as
//! `infra/test` does first).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use devstack::cloud::Cloud;
use devstack::lambda::{Pool, RuntimeEnv};
use devstack::provision;
use devstack::template::{self, QueueSource, Template};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::kernel::events::{Actor, EventType, Subject};
use switchboard_domain::kernel::ids::{DeliveryId, TenantId, TicketId, WebhookId};
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::webhooks::webhook::DeliveryRef;

fn endpoint() -> String {
    std::env::var("SWITCHBOARD_TEST_ENDPOINT").unwrap_or_else(|_| "http://127.0.0.1:4566".into())
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the function binaries are: beside this test's `deps/` folder.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// A message each worker takes and finishes: it names nothing that exists,
/// which every worker treats as settled (a duplicate, or work gone).
fn good_message(binary: &str) -> String {
    let tenant = TenantId::new();
    match binary {
        "webhook-worker" => serde_json::to_string(&DeliveryRef {
            tenant_id: tenant,
            endpoint_id: WebhookId::new(),
            delivery_id: DeliveryId::new(),
        }),
        "email-worker" => serde_json::to_string(&MailJob {
            event: switchboard_domain::kernel::events::DomainEvent {
                id: switchboard_domain::kernel::ids::EventId::new(),
                kind: EventType::TicketPriorityChanged,
                tenant_id: tenant,
                occurred_at: Timestamp::now(),
                actor: Actor::system(),
                subject: Subject {
                    ticket_id: Some(TicketId::new()),
                    ..Subject::default()
                },
                data: serde_json::json!({"from": "normal", "to": "high"}),
            },
            notify: Vec::new(),
        }),
        "sla-worker" => serde_json::to_string(&SlaCheck {
            tenant_id: tenant,
            ticket_id: TicketId::new(),
        }),
        "search-indexer" => {
            serde_json::to_string(&switchboard_domain::search::ports::IndexTask::Ticket {
                tenant_id: tenant,
                ticket_id: TicketId::new(),
            })
        }
        other => panic!("no good message known for {other}: add one"),
    }
    .unwrap()
}

async fn attribute(cloud: &Cloud, url: &str, name: QueueAttributeName) -> Option<String> {
    cloud
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(name.clone())
        .send()
        .await
        .unwrap()
        .attributes
        .and_then(|a| a.get(&name).cloned())
}

async fn url_of(cloud: &Cloud, arn: &str) -> String {
    let name = arn.rsplit(':').next().unwrap();
    cloud
        .sqs
        .get_queue_url()
        .queue_name(name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap()
}

struct Case {
    function: String,
    binary: String,
    source: QueueSource,
    pool: std::sync::Arc<Pool>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_poison_message_ends_in_each_dead_letter_queue_and_the_rest_flow_on() {
    let template = Template::load(&repo().join("template.yaml")).unwrap();
    let file: HashMap<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(repo().join("infra/devstack/parameters.json")).unwrap(),
    )
    .unwrap();
    let overrides = file
        .iter()
        .map(|(k, v)| (k.clone(), devstack::template::scalar_string(v)))
        .collect();
    let parameters = template.parameters(&overrides).unwrap();
    let cloud = Cloud::connect(&endpoint(), "us-east-1").await;
    let stack = format!(
        "poison{}",
        &ulid::Ulid::new().to_string().to_lowercase()[16..]
    );
    let ctx = provision::provision(&cloud, &template, parameters, &stack)
        .await
        .unwrap();
    let runtime_env = RuntimeEnv {
        region: cloud.region.clone(),
        endpoint: endpoint(),
        account: ctx.account.clone(),
    };

    let mut cases = Vec::new();
    for f in template::functions(&template, &ctx).unwrap() {
        for source in f.queue_sources.clone() {
            let binary = bin_dir().join(&f.binary);
            assert!(
                binary.is_file(),
                "{} is not built (run `cargo build --workspace` first)",
                binary.display()
            );
            let pool = Pool::new(f.clone(), binary, runtime_env.clone(), 2);
            cases.push(Case {
                function: f.logical_id.clone(),
                binary: f.binary.clone(),
                source,
                pool,
            });
        }
    }
    let mut names: Vec<_> = cases.iter().map(|c| c.binary.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "email-worker",
            "search-indexer",
            "sla-worker",
            "webhook-worker"
        ],
        "every queue-driven function is covered"
    );

    let mut checks = Vec::new();
    for case in cases {
        let cloud = cloud.clone();
        checks.push(tokio::spawn(async move {
            let url = url_of(&cloud, &case.source.queue_arn).await;
            let redrive: Value = serde_json::from_str(
                &attribute(&cloud, &url, QueueAttributeName::RedrivePolicy)
                    .await
                    .expect("every worker queue has a redrive policy"),
            )
            .unwrap();
            let max_receives = redrive["maxReceiveCount"].as_u64().unwrap();
            let dlq = url_of(&cloud, redrive["deadLetterTargetArn"].as_str().unwrap()).await;
            cloud
                .sqs
                .set_queue_attributes()
                .queue_url(&url)
                .attributes(QueueAttributeName::VisibilityTimeout, "1")
                .send()
                .await
                .unwrap();
            for (i, body) in ["{not a message", &good_message(&case.binary)]
                .into_iter()
                .enumerate()
            {
                let send = cloud.sqs.send_message().queue_url(&url).message_body(body);
                // A FIFO queue's messages carry a group (each its own here:
                // a poison message holds up its group until it is moved).
                let send = if url.ends_with(".fifo") {
                    send.message_group_id(format!("group-{i}"))
                        .message_deduplication_id(format!("message-{i}"))
                } else {
                    send
                };
                send.send().await.unwrap();
            }
            case.pool.warm().await.unwrap();
            let mapping = tokio::spawn(devstack::queues::run(
                case.pool.clone(),
                case.source.clone(),
                cloud.clone(),
            ));

            // Wait for the poison message in the dead-letter queue.
            let deadline = Instant::now() + Duration::from_secs(max_receives * 4 + 30);
            let dead = loop {
                let got = cloud
                    .sqs
                    .receive_message()
                    .queue_url(&dlq)
                    .message_system_attribute_names(MessageSystemAttributeName::All)
                    .wait_time_seconds(1)
                    .send()
                    .await
                    .unwrap()
                    .messages
                    .unwrap_or_default();
                if let Some(m) = got.into_iter().next() {
                    break m;
                }
                assert!(
                    Instant::now() < deadline,
                    "{}: the poison message never reached the dead-letter queue",
                    case.function
                );
            };
            mapping.abort();
            let status = case.pool.status().await;
            case.pool.stop_all().await;

            assert_eq!(dead.body.as_deref(), Some("{not a message"));
            let receives: u64 = dead
                .attributes
                .as_ref()
                .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                .and_then(|v| v.parse().ok())
                .unwrap();
            // Moved on the receive after the last allowed one (that receive
            // is counted too).
            assert!(
                receives >= max_receives,
                "{}: moved after {receives} receives, the template allows {max_receives}",
                case.function
            );
            // The good message was taken once and finished: nothing is left
            // on the queue, visible or in flight.
            for name in [
                QueueAttributeName::ApproximateNumberOfMessages,
                QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            ] {
                assert_eq!(
                    attribute(&cloud, &url, name.clone()).await.as_deref(),
                    Some("0"),
                    "{}: {name:?}",
                    case.function
                );
            }
            assert_eq!(
                status.stats.crashes + status.stats.timeouts,
                0,
                "{}: a poison message must fail cleanly, not kill the worker",
                case.function
            );
            (case.function, receives, status.stats.invocations)
        }));
    }
    for check in checks {
        let (function, receives, invocations) = check.await.unwrap();
        println!("{function}: poison moved after {receives} receives, {invocations} invocations");
    }
}
