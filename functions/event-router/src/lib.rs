//! The `event-router` function: consumes the table's stream (outbox items
//! only, by the mapping's filter) and routes each event through the
//! domain's [`EventRouter`]. A record that fails is reported as a batch
//! item failure; the mapping retries from it, and the steps are idempotent.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use jiff::Timestamp;
use switchboard_aws::DynamoStore;
use switchboard_aws::items::EventItem;
use switchboard_domain::events::DomainEvent;
use switchboard_domain::ports::{DeliveryQueue, MailQueue, Pusher, SlaQueue};
use switchboard_domain::routing::EventRouter;
use tracing::{error, info, warn};

/// Why a record could not be routed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("not an outbox event: {0}")]
    NotAnEvent(String),
    #[error(transparent)]
    Store(#[from] switchboard_domain::StoreError),
}

/// The domain event a stream record carries.
pub fn event_of(record: &EventRecord) -> Result<DomainEvent, RecordError> {
    let item: EventItem = serde_dynamo::from_item(record.change.new_image.clone())
        .map_err(|e| RecordError::NotAnEvent(e.to_string()))?;
    serde_json::from_str(&item.payload).map_err(|e| RecordError::NotAnEvent(e.to_string()))
}

/// Routes every record of a batch, in order, and reports the ones that
/// failed (by sequence number).
pub async fn handle<P: Pusher, Q: DeliveryQueue, M: MailQueue, C: SlaQueue>(
    router: &EventRouter<DynamoStore, P, Q, M, C>,
    batch: Event,
) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in &batch.records {
        let sequence = record.change.sequence_number.clone();
        let outcome = match event_of(record) {
            Ok(event) => {
                let routed = router.route(&event, Timestamp::now()).await;
                match routed {
                    Ok(r) => {
                        info!(
                            event_id = %event.id, event_type = event.kind.as_str(),
                            tenant_id = %event.tenant_id, notifications = r.notifications,
                            new_notifications = r.new_notifications,
                            pushed = r.pushed.map(|p| p.delivered), gone = r.pushed.map(|p| p.gone),
                            webhooks = r.webhooks, mailed = r.mailed,
                            sla_deadline = r.sla_deadline.map(|d| d.to_string()),
                            "event routed"
                        );
                        Ok(())
                    }
                    Err(e) => {
                        warn!(event_id = %event.id, tenant_id = %event.tenant_id, error = %e, "routing failed; will retry");
                        Err(RecordError::from(e))
                    }
                }
            }
            Err(e) => {
                error!(sequence = sequence.as_deref().unwrap_or("-"), error = %e, "unreadable record");
                Err(e)
            }
        };
        if outcome.is_err() {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = sequence;
            response.batch_item_failures.push(failure);
        }
    }
    response
}
