//! The `search-indexer` function: each message names a ticket, a person
//! or a knowledge base article whose documents are brought up to date
//! from the table (so
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
use switchboard_wiring::services::{KbService, SearchService};
use tracing::{error, info, warn};

/// How long a rebuild runs in one invocation before it hands itself on
/// (the function's timeout is 5 minutes).
pub const REBUILD_BUDGET: SignedDuration = SignedDuration::from_mins(4);

/// What the indexer writes: the ticket and people indexes, and the
/// knowledge base's article index.
pub struct Indexers {
    pub search: SearchService,
    pub kb: KbService,
}

pub async fn handle(
    indexers: &Indexers,
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
                    rebuild(indexers, queue, task, left).await
                };
                (ran, i + 1)
            }
            Some(first) => {
                let tenant = first.tenant_id();
                let (mut tickets, mut people, mut articles) = (Vec::new(), Vec::new(), Vec::new());
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
                        IndexTask::Article {
                            tenant_id,
                            article_id,
                        } if tenant_id == tenant => articles.push(article_id),
                        _ => break,
                    }
                    end += 1;
                }
                let mut ran = indexers
                    .search
                    .index_changes(tenant, &tickets, &people)
                    .await;
                if ran.is_ok() && !articles.is_empty() {
                    ran = indexers.kb.index_articles(tenant, &articles).await;
                }
                if ran.is_ok() {
                    info!(
                        tenant_id = %tenant,
                        tickets = tickets.len(),
                        people = people.len(),
                        articles = articles.len(),
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
    indexers: &Indexers,
    queue: &dyn IndexQueue,
    task: IndexTask,
    left: SignedDuration,
) -> Result<(), DomainError> {
    let IndexTask::Rebuild { tenant_id, job_id } = task else {
        return Ok(());
    };
    match indexers
        .search
        .rebuild(tenant_id, job_id, jiff::Timestamp::now, left)
        .await?
    {
        Rebuilt::Over => {
            // The articles are few beside the tickets: rebuilt at the end,
            // in one go.
            let articles = indexers.kb.reindex_articles(tenant_id).await?;
            info!(tenant_id = %tenant_id, articles, "article index rebuilt");
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
