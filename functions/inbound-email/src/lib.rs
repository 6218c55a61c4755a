//! The `inbound-email` function: SES stores each received message in the
//! inbound bucket, then invokes this with the receipt (recipients and
//! verdicts). The message is read from S3, parsed, and handed to the
//! domain's [`Intake`], which decides and records what it becomes.

use aws_lambda_events::ses::{SimpleEmailEvent, SimpleEmailRecord};
use jiff::Timestamp;
use serde_json::{Value, json};
use switchboard_aws::DynamoStore;
use switchboard_aws::objects::S3Objects;
use switchboard_domain::email::classify::{Verdict, Verdicts};
use switchboard_domain::email::intake::{Decision, Intake, Received};
use switchboard_domain::email::message::{MAX_RAW_BYTES, parse};
use switchboard_domain::tickets::service::Ticketing;
use tracing::info;

#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    #[error("reading the message from S3: {0}")]
    Storage(String),
    #[error(transparent)]
    Domain(#[from] switchboard_domain::DomainError),
}

pub struct Inbound {
    pub intake: Intake<DynamoStore, S3Objects>,
    pub ticketing: Ticketing<DynamoStore>,
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    /// The receipt rule's object key prefix (`inbound/`).
    pub prefix: String,
}

fn verdict(v: &aws_lambda_events::ses::SimpleEmailVerdict) -> Verdict {
    Verdict::parse(v.status.as_deref().unwrap_or("PASS"))
}

impl Inbound {
    async fn raw(&self, key: &str) -> Result<Option<Vec<u8>>, InboundError> {
        let object = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                InboundError::Storage(aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
            })?;
        if object
            .content_length
            .is_some_and(|n| usize::try_from(n).unwrap_or(usize::MAX) > MAX_RAW_BYTES)
        {
            return Ok(None);
        }
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| InboundError::Storage(e.to_string()))?;
        Ok(Some(bytes.to_vec()))
    }

    async fn one(&self, record: &SimpleEmailRecord) -> Result<Decision, InboundError> {
        let ses = &record.ses;
        let id = ses.mail.message_id.clone().unwrap_or_default();
        let key = format!("{}{id}", self.prefix);
        let dropped = |reason: &str| Decision {
            decision: "dropped".into(),
            reason: reason.into(),
            tenant_id: None,
            ticket_id: None,
            comment_id: None,
        };
        let Some(raw) = self.raw(&key).await? else {
            return Ok(dropped("larger than 40 MB"));
        };
        let Some(mail) = parse(&raw) else {
            return Ok(dropped("not a readable message"));
        };
        let received = Received {
            recipients: &ses.receipt.recipients,
            verdicts: Verdicts {
                spam: verdict(&ses.receipt.spam_verdict),
                virus: verdict(&ses.receipt.virus_verdict),
                spf: verdict(&ses.receipt.spf_verdict),
                dkim: verdict(&ses.receipt.dkim_verdict),
                dmarc: verdict(&ses.receipt.dmarc_verdict),
            },
            raw: &key,
            fallback_id: &id,
        };
        Ok(self
            .intake
            .receive(&self.ticketing, &received, &mail, Timestamp::now())
            .await?)
    }

    /// Every record of the event; the decisions are logged and returned.
    pub async fn handle(&self, event: SimpleEmailEvent) -> Result<Value, InboundError> {
        let mut decisions = Vec::new();
        for record in &event.records {
            let decision = self.one(record).await?;
            info!(
                ses_message_id = record.ses.mail.message_id.as_deref().unwrap_or("-"),
                decision = %decision.decision, reason = %decision.reason,
                tenant_id = decision.tenant_id.map(|t| t.to_string()),
                ticket_id = decision.ticket_id.map(|t| t.to_string()),
                "mail received"
            );
            decisions.push(decision);
        }
        Ok(json!({ "disposition": "CONTINUE", "decisions": decisions }))
    }
}
