//! [`DeliveryQueue`] on SQS: the webhook worker's queue.

use aws_sdk_sqs::Client;
use switchboard_domain::StoreError;
use switchboard_domain::ports::DeliveryQueue;
use switchboard_domain::webhook::DeliveryRef;

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

impl DeliveryQueue for SqsDeliveryQueue {
    async fn enqueue(&self, delivery: &DeliveryRef) -> Result<(), StoreError> {
        let body = serde_json::to_string(delivery)
            .map_err(|e| StoreError::Internal(format!("encoding a delivery: {e}")))?;
        self.client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}
