//! [`MailSender`] on SESv2: raw MIME, so our headers (Reply-To, References,
//! Auto-Submitted) go out as written.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use switchboard_domain::StoreError;
use switchboard_domain::email::ports::MailSender;
use switchboard_domain::kernel::error::StoreResult;

use crate::store::sdk_error;

#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    /// SES configuration set (bounce and complaint events, reputation).
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: Option<String>) -> Self {
        Self {
            client,
            configuration_set,
        }
    }
}

impl MailSender for SesMailer {
    async fn send_raw(&self, from: &str, recipients: &[String], raw: &[u8]) -> StoreResult<String> {
        let message = RawMessage::builder()
            .data(Blob::new(raw.to_vec()))
            .build()
            .map_err(|e| StoreError::Internal(format!("building a raw message: {e}")))?;
        let out = self
            .client
            .send_email()
            .from_email_address(from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(recipients.to_vec()))
                    .build(),
            )
            .content(EmailContent::builder().raw(message).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(sdk_error)?;
        out.message_id
            .ok_or_else(|| StoreError::Internal("SES returned no message id".into()))
    }
}
