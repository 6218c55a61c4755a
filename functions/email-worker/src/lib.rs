//! The `email-worker` function: takes mail jobs (an event, and the
//! notifications their owners want by mail) from its SQS queue and sends
//! the mails they cause. A job that fails is reported as a batch item
//! failure and comes back after the visibility timeout; the mails it had
//! already sent are claimed, so they are not sent again.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use jiff::Timestamp;
use switchboard_domain::accounts::ports::PasswordLinks;
use switchboard_domain::accounts::ports::TenantStore;
use switchboard_domain::accounts::ports::UserStore;
use switchboard_domain::attachments::ports::{AttachmentStore, ObjectStore};
use switchboard_domain::email::mail_job::MailJob;
use switchboard_domain::email::mailing::{Mailer, Sent};
use switchboard_domain::email::ports::Bounces;
use switchboard_domain::email::ports::MailClaims;
use switchboard_domain::email::ports::MailSender;
use switchboard_domain::email::ports::MailboxStore;
use switchboard_domain::email::ports::MessageLog;
use switchboard_domain::tickets::ports::TicketStore;
use tracing::{info, warn};

async fn process<S, X, O>(mailer: &Mailer<S, X, O>, message: &SqsMessage) -> Result<(), String>
where
    S: TicketStore + UserStore + TenantStore + AttachmentStore + MailboxStore + MessageLog,
    S: Bounces + MailClaims + PasswordLinks,
    X: MailSender,
    O: ObjectStore,
{
    let body = message.body.as_deref().unwrap_or_default();
    let job: MailJob = serde_json::from_str(body).map_err(|e| format!("not a mail job: {e}"))?;
    let event = &job.event;
    let outcomes = mailer
        .send(&job, Timestamp::now())
        .await
        .map_err(|e| e.to_string())?;
    for outcome in &outcomes {
        // Kinds and provider ids only: never addresses or contents.
        match outcome {
            Sent::Sent { kind, provider_id } => {
                info!(event_id = %event.id, tenant_id = %event.tenant_id, kind = ?kind, provider_id, "mail sent");
            }
            Sent::AlreadySent { kind } => {
                info!(event_id = %event.id, tenant_id = %event.tenant_id, kind = ?kind, "mail already sent");
            }
            Sent::Bouncing { kind } => {
                info!(event_id = %event.id, tenant_id = %event.tenant_id, kind = ?kind, "recipient bounces; not sent");
            }
        }
    }
    Ok(())
}

/// Sends a batch's jobs concurrently; the failed ones are reported.
pub async fn handle<S, X, O>(mailer: &Mailer<S, X, O>, event: SqsEvent) -> SqsBatchResponse
where
    S: TicketStore + UserStore + TenantStore + AttachmentStore + MailboxStore + MessageLog,
    S: Bounces + MailClaims + PasswordLinks,
    X: MailSender,
    O: ObjectStore,
{
    let results = futures::future::join_all(
        event
            .records
            .iter()
            .map(|m| async move { (m.message_id.clone(), process(mailer, m).await) }),
    )
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, outcome) in results {
        if let Err(why) = outcome {
            warn!(message_id = id.as_deref().unwrap_or("-"), error = %why, "mail job failed; will retry");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id.unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    response
}
