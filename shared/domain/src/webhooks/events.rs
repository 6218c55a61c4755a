//! The `data` of the one event the webhooks context emits itself.

use serde::{Deserialize, Serialize};

use crate::kernel::events::{EventType, Payload};
use crate::kernel::ids::WebhookId;

/// `webhook.test`, sent to one endpoint on request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookTest {
    pub webhook_id: WebhookId,
    pub message: String,
}

impl Payload for WebhookTest {
    const TYPES: &'static [EventType] = &[EventType::WebhookTest];
}
