//! The `search-indexer` function: each message names a ticket or a
//! person whose document is brought up to date from the table (so
//! redelivery, or an old message, does no harm), or a rebuild. The queue
//! is FIFO with the tenant as the message group: one batch of a tenant's
//! changes at a time, in order, and a run of one tenant's changes lands in
//! one commit per index. A rebuild that runs out of time puts itself back
//! on the queue and continues in the next invocation. A failed message is reported, and the ones after
//! it in the batch too (a FIFO group must not run ahead of a failure).

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use jiff::SignedDuration;
use switchboard_domain::DomainError;
use switchboard_domain::search::ports::{IndexQueue, IndexTask};
use switchboard_domain::search::rebuild::Rebuilt;
use switchboard_wiring::services::SearchService;
use tracing::{error, info, warn};

/// How long a rebuild runs in one invocation before it hands itself on
/// (the function's timeout is 5 minutes).
pub const REBUILD_BUDGET: SignedDuration = SignedDuration::from_mins(4);

pub async fn handle(
    search: &SearchService,
    queue: &dyn IndexQueue,
    budget: SignedDuration,
    batch: SqsEvent,
) -> SqsBatchResponse {
    let tasks: Vec<Option<IndexTask>> = batch
        .records
        .iter()
        .map(|r| r.body.as_deref().and_then(|b| serde_json::from_str(b).ok()))
        .collect();
    let started = jiff::Timestamp::now();
    let mut response = SqsBatchResponse::default();
    let mut i = 0;
    while i < tasks.len() {
        let (outcome, next) = match tasks[i] {
            None => {
                // Kept for a look: the queue moves it to its dead letters.
                error!(
                    message_id = batch.records[i].message_id.as_deref().unwrap_or("-"),
                    "unreadable index task"
                );
                (
                    Err(DomainError::Internal("unreadable index task".into())),
                    i + 1,
                )
            }
            Some(task @ IndexTask::Rebuild { job_id, .. }) => {
                // The budget is the invocation's: a second rebuild in the
                // batch gets what the first left.
                let left = budget - jiff::Timestamp::now().duration_since(started);
                let ran = if left <= SignedDuration::ZERO {
                    let message = batch.records[i].message_id.as_deref().unwrap_or("-");
                    queue
                        .send(task, format!("{job_id}:again:{message}"))
                        .await
                        .map_err(DomainError::from)
                } else {
                    rebuild(search, queue, task, left).await
                };
                (ran, i + 1)
            }
            Some(first) => {
                let tenant = first.tenant_id();
                let (mut tickets, mut people) = (Vec::new(), Vec::new());
                let mut end = i;
                while let Some(Some(task)) = tasks.get(end) {
                    match *task {
                        IndexTask::Ticket {
                            tenant_id,
                            ticket_id,
                        } if tenant_id == tenant => tickets.push(ticket_id),
                        IndexTask::Person { tenant_id, user_id } if tenant_id == tenant => {
                            people.push(user_id)
                        }
                        _ => break,
                    }
                    end += 1;
                }
                let ran = search.index_changes(tenant, &tickets, &people).await;
                if ran.is_ok() {
                    info!(
                        tenant_id = %tenant,
                        tickets = tickets.len(),
                        people = people.len(),
                        "indexed"
                    );
                }
                (ran, end)
            }
        };
        if let Err(e) = outcome {
            warn!(error = %e, "indexing failed; will retry");
            for later in &batch.records[i..] {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = later.message_id.clone().unwrap_or_default();
                response.batch_item_failures.push(failure);
            }
            break;
        }
        i = next;
    }
    response
}

/// Runs a rebuild for up to `left`; out of time, it goes back to the
/// queue, behind the tenant's changes that came meanwhile.
async fn rebuild(
    search: &SearchService,
    queue: &dyn IndexQueue,
    task: IndexTask,
    left: SignedDuration,
) -> Result<(), DomainError> {
    let IndexTask::Rebuild { tenant_id, job_id } = task else {
        return Ok(());
    };
    match search
        .rebuild(tenant_id, job_id, jiff::Timestamp::now, left)
        .await?
    {
        Rebuilt::Over => {
            info!(tenant_id = %tenant_id, job_id = %job_id, "index rebuilt");
            Ok(())
        }
        Rebuilt::Continue { done } => {
            info!(tenant_id = %tenant_id, job_id = %job_id, done, "rebuild continues");
            queue
                .send(task, format!("{job_id}:{done}"))
                .await
                .map_err(DomainError::from)
        }
    }
}
