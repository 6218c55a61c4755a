//! The `webhook-worker` function: takes deliveries from its SQS queue and
//! makes one attempt each. A delivery to retry stays on the queue, hidden
//! for the schedule's delay (`ChangeMessageVisibility`), and is reported
//! as a batch item failure, so nothing waits in memory.

pub mod sender;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::notifications::ports::NotificationStore;
use switchboard_domain::webhooks::ports::{WebhookSender, WebhookStore};
use switchboard_domain::webhooks::webhook::DeliveryRef;
use switchboard_domain::webhooks::worker::{Outcome, WebhookWorker};
use tracing::{info, warn};

/// Where retries are parked.
pub struct Queue {
    pub client: aws_sdk_sqs::Client,
    pub url: String,
}

async fn process<S, H>(
    worker: &WebhookWorker<S, H>,
    queue: &Queue,
    message: &SqsMessage,
) -> Result<(), String>
where
    S: WebhookStore + NotificationStore + UserStore,
    H: WebhookSender,
{
    let body = message.body.as_deref().unwrap_or_default();
    let r: DeliveryRef = serde_json::from_str(body).map_err(|e| format!("not a delivery: {e}"))?;
    let outcome = worker
        .deliver(&r, Timestamp::now(), rand::random::<f64>())
        .await
        .map_err(|e| e.to_string())?;
    match outcome {
        Outcome::Done => {
            info!(delivery_id = %r.delivery_id, tenant_id = %r.tenant_id, "delivery settled");
            Ok(())
        }
        Outcome::RetryIn(delay) => {
            let seconds = i32::try_from(delay.as_secs().clamp(0, 43_200)).unwrap_or(43_200);
            let handle = message.receipt_handle.clone().unwrap_or_default();
            queue
                .client
                .change_message_visibility()
                .queue_url(&queue.url)
                .receipt_handle(handle)
                .visibility_timeout(seconds)
                .send()
                .await
                .map_err(|e| {
                    format!(
                        "parking the retry: {}",
                        aws_sdk_sqs::error::DisplayErrorContext(&e)
                    )
                })?;
            info!(delivery_id = %r.delivery_id, tenant_id = %r.tenant_id, retry_in_s = seconds, "delivery will be retried");
            Err("retry later".into())
        }
    }
}

/// Delivers a batch concurrently; what is to be retried is reported.
pub async fn handle<S, H>(
    worker: &WebhookWorker<S, H>,
    queue: &Queue,
    event: SqsEvent,
) -> SqsBatchResponse
where
    S: WebhookStore + NotificationStore + UserStore,
    H: WebhookSender,
{
    let results = futures::future::join_all(event.records.iter().map(|m| async move {
        let outcome = process(worker, queue, m).await;
        (m.message_id.clone(), outcome)
    }))
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, outcome) in results {
        if let Err(why) = outcome {
            if why != "retry later" {
                warn!(message_id = id.as_deref().unwrap_or("-"), error = %why, "delivery failed to process");
            }
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id.unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    response
}
