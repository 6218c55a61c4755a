//! [`DeliveryQueue`] and [`MailQueue`] on SQS: the webhook and email
//! workers' queues.

use aws_sdk_sqs::Client;
use switchboard_domain::StoreError;
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::ports::MailQueue;
use switchboard_domain::kernel::error::StoreResult;
use switchboard_domain::search::ports::{IndexQueue, IndexTask};
use switchboard_domain::sla::ports::SlaQueue;
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::webhooks::ports::DeliveryQueue;
use switchboard_domain::webhooks::webhook::DeliveryRef;

use crate::store::sdk_error;

#[derive(Clone)]
pub struct SqsDeliveryQueue {
    client: Client,
    url: String,
}

impl SqsDeliveryQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

impl SqsDeliveryQueue {
    /// Sends `message` as JSON, hidden for `delay_seconds` (SQS: 900 at most).
    async fn send<T: serde::Serialize>(&self, message: &T, delay_seconds: u32) -> StoreResult<()> {
        let body = serde_json::to_string(message)
            .map_err(|e| StoreError::Internal(format!("encoding a message: {e}")))?;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .delay_seconds(i32::try_from(delay_seconds.min(900)).unwrap_or(900))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

impl DeliveryQueue for SqsDeliveryQueue {
    async fn enqueue(&self, delivery: &DeliveryRef) -> StoreResult<()> {
        self.send(delivery, 0).await
    }
}

/// The email worker's queue (the same client, its own URL).
#[derive(Clone)]
pub struct SqsMailQueue(pub SqsDeliveryQueue);

impl MailQueue for SqsMailQueue {
    async fn enqueue_mail(&self, job: &MailJob) -> StoreResult<()> {
        self.0.send(job, 0).await
    }
}

/// The SLA worker's queue: checks delayed to the second their deadline comes.
#[derive(Clone)]
pub struct SqsSlaQueue(pub SqsDeliveryQueue);

impl SlaQueue for SqsSlaQueue {
    async fn enqueue_check(&self, check: &SlaCheck, delay_seconds: u32) -> StoreResult<()> {
        self.0.send(check, delay_seconds).await
    }
}

/// The search indexer's FIFO queue: a tenant's changes are one message
/// group (one writer of its index at a time, in order), and the event id
/// deduplicates a second hand-over of one change.
#[derive(Clone)]
pub struct SqsIndexQueue(pub SqsDeliveryQueue);

impl IndexQueue for SqsIndexQueue {
    fn send<'a>(
        &'a self,
        task: IndexTask,
        dedup: String,
    ) -> std::pin::Pin<Box<dyn Future<Output = StoreResult<()>> + Send + 'a>> {
        Box::pin(async move {
            let body = serde_json::to_string(&task)
                .map_err(|e| StoreError::Internal(format!("encoding a message: {e}")))?;
            self.0
                .client
                .send_message()
                .queue_url(&self.0.url)
                .message_body(body)
                .message_group_id(task.tenant_id().to_string())
                .message_deduplication_id(dedup)
                .send()
                .await
                .map_err(sdk_error)?;
            Ok(())
        })
    }
}
