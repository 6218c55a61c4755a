//! The `event-router` function: consumes the table's stream (outbox items
//! only, by the mapping's filter) and routes each event through the
//! domain's [`EventRouter`]. A record that fails is reported as a batch
//! item failure; the mapping retries from it, and the steps are idempotent.

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use futures::StreamExt;
use jiff::Timestamp;
use switchboard_aws::DynamoStore;
use switchboard_aws::items::EventItem;
use switchboard_domain::email::ports::MailQueue;
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::realtime::ports::Pusher;
use switchboard_domain::routing::router::EventRouter;
use switchboard_domain::sla::ports::SlaQueue;
use switchboard_domain::webhooks::ports::DeliveryQueue;
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

/// A record of a batch: its position, the record, and its event.
type Member<'a> = (usize, &'a EventRecord, Result<DomainEvent, RecordError>);

/// How many tickets' events are routed at the same time.
const CONCURRENT_SUBJECTS: usize = 8;

/// Routes every record of a batch and reports the ones that failed (by
/// sequence number, in batch order). Events about the same ticket (or,
/// without one, the same tenant) are routed one after another, in stream
/// order; different tickets at once, so that a burst on one ticket (or a
/// large fan-out) does not hold up the others.
pub async fn handle<P: Pusher, Q: DeliveryQueue, M: MailQueue, C: SlaQueue>(
    router: &EventRouter<DynamoStore, P, Q, M, C>,
    batch: Event,
) -> DynamoDbEventResponse {
    // The records grouped by subject, in batch order within each group.
    let mut groups: Vec<(String, Vec<Member<'_>>)> = Vec::new();
    for (i, record) in batch.records.iter().enumerate() {
        let event = event_of(record);
        let subject = match &event {
            Ok(e) => match e.subject.ticket_id {
                Some(t) => t.to_string(),
                None => e.tenant_id.to_string(),
            },
            Err(_) => format!("unreadable-{i}"),
        };
        match groups.iter_mut().find(|(s, _)| *s == subject) {
            Some((_, members)) => members.push((i, record, event)),
            None => groups.push((subject, vec![(i, record, event)])),
        }
    }
    let routed: Vec<Vec<(usize, bool)>> =
        futures::stream::iter(groups.into_iter().map(|(_, members)| async move {
            let mut outcomes = Vec::with_capacity(members.len());
            for (i, record, event) in members {
                outcomes.push((i, route_one(router, record, event).await.is_ok()));
            }
            outcomes
        }))
        .buffer_unordered(CONCURRENT_SUBJECTS)
        .collect()
        .await;
    let mut failed: Vec<usize> = routed
        .into_iter()
        .flatten()
        .filter(|(_, ok)| !ok)
        .map(|(i, _)| i)
        .collect();
    failed.sort_unstable();
    let mut response = DynamoDbEventResponse::default();
    for i in failed {
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = batch.records[i].change.sequence_number.clone();
        response.batch_item_failures.push(failure);
    }
    response
}

async fn route_one<P: Pusher, Q: DeliveryQueue, M: MailQueue, C: SlaQueue>(
    router: &EventRouter<DynamoStore, P, Q, M, C>,
    record: &EventRecord,
    event: Result<DomainEvent, RecordError>,
) -> Result<(), RecordError> {
    let sequence = record.change.sequence_number.clone();
    match event {
        Ok(event) => match router.route(&event, Timestamp::now()).await {
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
        },
        Err(e) => {
            error!(sequence = sequence.as_deref().unwrap_or("-"), error = %e, "unreadable record");
            Err(e)
        }
    }
}
