//! [`DomainIdentities`] on SESv2 email identities: a tenant's own mailbox
//! domain is created as an identity (SES then publishes the DKIM records
//! to add to DNS) and is verified once SES can send for it.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::get_email_identity::GetEmailIdentityError;
use aws_sdk_sesv2::types::VerificationStatus;
use switchboard_domain::email::ports::DomainIdentities;
use switchboard_domain::kernel::error::StoreResult;

use crate::store::sdk_error;

#[derive(Clone)]
pub struct SesIdentities {
    client: Client,
}

impl SesIdentities {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

impl DomainIdentities for SesIdentities {
    async fn verify_domain(&self, domain: &str) -> StoreResult<bool> {
        let found = self
            .client
            .get_email_identity()
            .email_identity(domain)
            .send()
            .await;
        let identity = match found {
            Ok(identity) => identity,
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), GetEmailIdentityError::NotFoundException(_)) =>
            {
                self.client
                    .create_email_identity()
                    .email_identity(domain)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                self.client
                    .get_email_identity()
                    .email_identity(domain)
                    .send()
                    .await
                    .map_err(sdk_error)?
            }
            Err(e) => return Err(sdk_error(e)),
        };
        Ok(identity.verified_for_sending_status
            || identity.verification_status == Some(VerificationStatus::Success))
    }
}
