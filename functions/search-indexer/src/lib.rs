//! The `search-indexer` function: each message names a ticket whose
//! document is brought up to date from the table (so redelivery, or an
//! old message, does no harm). The queue is FIFO with the tenant as the
//! message group: one batch of a tenant's changes at a time, in order. A
//! failed message is reported, and the ones after it in the batch too (a
//! FIFO group must not run ahead of a failure).

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use switchboard_domain::search::ports::IndexTask;
use switchboard_wiring::services::SearchService;
use tracing::{error, info, warn};

pub async fn handle(search: &SearchService, batch: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for (i, record) in batch.records.iter().enumerate() {
        let task: Option<IndexTask> = record
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok());
        let outcome = match task {
            Some(
                task @ IndexTask::Ticket {
                    tenant_id,
                    ticket_id,
                },
            ) => search
                .index_ticket(tenant_id, ticket_id)
                .await
                .map(|()| task),
            Some(task @ IndexTask::Rebuild { tenant_id, job_id }) => search
                .rebuild(tenant_id, job_id, jiff::Timestamp::now)
                .await
                .map(|()| task),
            None => {
                // Kept for a look: the queue moves it to its dead letters.
                error!(
                    message_id = record.message_id.as_deref().unwrap_or("-"),
                    "unreadable index task"
                );
                Err(switchboard_domain::DomainError::Internal(
                    "unreadable index task".into(),
                ))
            }
        };
        match outcome {
            Ok(task) => info!(tenant_id = %task.tenant_id(), task = ?task, "indexed"),
            Err(e) => {
                warn!(error = %e, "indexing failed; will retry");
                for later in &batch.records[i..] {
                    let mut failure = BatchItemFailure::default();
                    failure.item_identifier = later.message_id.clone().unwrap_or_default();
                    response.batch_item_failures.push(failure);
                }
                break;
            }
        }
    }
    response
}
