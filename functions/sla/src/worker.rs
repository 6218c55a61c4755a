//! `sla-worker`: each message names a ticket whose deadline came; the
//! engine re-reads it and announces what is due (once). A failed check is
//! reported and comes back after the visibility timeout.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use jiff::Timestamp;
use switchboard_domain::accounts::ports::TenantStore;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::accounts::ports::{OrganizationStore, TeamStore};
use switchboard_domain::kernel::ports::IdempotencyStore;
use switchboard_domain::sla::engine::SlaEngine;
use switchboard_domain::sla::ports::SlaConfigStore;
use switchboard_domain::sla::ports::SlaQueue;
use switchboard_domain::sla::ports::TicketSlaStore;
use switchboard_domain::sla::stored::SlaCheck;
use switchboard_domain::tickets::ports::FieldSchemaStore;
use switchboard_domain::tickets::ports::TicketStore;
use switchboard_domain::tickets::service::Ticketing;
use tracing::{info, warn};

pub async fn handle<S, C>(
    engine: &SlaEngine<S, C>,
    ticketing: &Ticketing<S>,
    event: SqsEvent,
) -> SqsBatchResponse
where
    S: TicketStore
        + FieldSchemaStore
        + IdempotencyStore
        + UserStore
        + TeamStore
        + OrganizationStore,
    S: TenantStore + SlaConfigStore + TicketSlaStore + Clone,
    C: SlaQueue,
{
    // Checks of one batch are independent tickets: all at once, so the
    // last of a batch is not late by the others' reads.
    let results = futures::future::join_all(event.records.iter().map(|message| async move {
        let body = message.body.as_deref().unwrap_or_default();
        let outcome = match serde_json::from_str::<SlaCheck>(body) {
            Ok(check) => engine
                .check(
                    ticketing,
                    check.tenant_id,
                    check.ticket_id,
                    Timestamp::now(),
                )
                .await
                .map(|announced| {
                    for a in &announced {
                        info!(
                            tenant_id = %check.tenant_id, ticket_id = %check.ticket_id,
                            target = a.target, threshold = ?a.threshold, event_id = %a.event.id,
                            "SLA threshold announced"
                        );
                    }
                })
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("not an SLA check: {e}")),
        };
        (message.message_id.clone(), outcome)
    }))
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, outcome) in results {
        if let Err(why) = outcome {
            warn!(message_id = id.as_deref().unwrap_or("-"), error = %why, "SLA check failed; will retry");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id.unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    response
}
