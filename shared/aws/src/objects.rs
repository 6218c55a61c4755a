//! [`ObjectStore`] on the attachments bucket (S3): presigned uploads bound
//! to a key, an exact size and type, and an expiry; verification, moving
//! under the ticket, presigned downloads.

use std::time::Duration;
use switchboard_domain::kernel::error::StoreResult;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::TaggingDirective;
use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::attachments::attachment::{
    Attachment, DOWNLOAD_TTL, PresignedRequest, UPLOAD_TTL, Upload,
};
use switchboard_domain::attachments::ports::{ObjectStore, StoredObject};
use switchboard_domain::kb::file::ArticleFile;
use switchboard_domain::kb::ports::ArticleObjects;
use switchboard_domain::kernel::ids::{JobId, TenantId, UserId};
use switchboard_domain::privacy::ports::{ExportFiles, MailArchive};

use crate::keys::objects;
use crate::store::sdk_error;

/// Uploads carry this tag until attached; the bucket's lifecycle rule
/// expires tagged objects after a day (prefix rules cannot match
/// `tenants/*/uploads/`).
pub const UPLOAD_TAG: &str = "state=upload";

#[derive(Clone)]
pub struct S3Objects {
    client: Client,
    bucket: String,
}

impl S3Objects {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }
}

fn presigning(ttl: jiff::SignedDuration) -> StoreResult<PresigningConfig> {
    let secs = u64::try_from(ttl.as_secs()).unwrap_or(300);
    PresigningConfig::expires_in(Duration::from_secs(secs))
        .map_err(|e| StoreError::Internal(format!("presigning: {e}")))
}

fn presigned(
    method: &str,
    request: aws_sdk_s3::presigning::PresignedRequest,
    ttl: jiff::SignedDuration,
) -> PresignedRequest {
    // Only the signed headers are the client's to send (the SDK may add
    // others, such as a trace id, that mean nothing to a browser).
    let signed: Vec<String> = request
        .uri()
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("X-Amz-SignedHeaders="))
        .map(|v| v.split("%3B").map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    PresignedRequest {
        method: method.to_owned(),
        url: request.uri().to_owned(),
        headers: request
            .headers()
            .filter(|(k, _)| signed.iter().any(|s| s.eq_ignore_ascii_case(k)))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        expires_at: Timestamp::now() + ttl,
    }
}

impl ObjectStore for S3Objects {
    async fn presign_upload(&self, upload: &Upload) -> StoreResult<PresignedRequest> {
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(objects::upload(upload.tenant_id, upload.id))
            .content_type(&upload.content_type)
            .content_length(i64::try_from(upload.size).unwrap_or(i64::MAX))
            .tagging(UPLOAD_TAG)
            .presigned(presigning(UPLOAD_TTL)?)
            .await
            .map_err(sdk_error)?;
        Ok(presigned("PUT", request, UPLOAD_TTL))
    }

    async fn uploaded(&self, upload: &Upload) -> StoreResult<Option<StoredObject>> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(objects::upload(upload.tenant_id, upload.id))
            .send()
            .await;
        match head {
            Ok(h) => Ok(Some(StoredObject {
                size: h
                    .content_length
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                content_type: h.content_type.unwrap_or_default(),
            })),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), HeadObjectError::NotFound(_)) => {
                Ok(None)
            }
            Err(e) => Err(sdk_error(e)),
        }
    }

    async fn discard_upload(&self, upload: &Upload) -> StoreResult<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(objects::upload(upload.tenant_id, upload.id))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn read(&self, attachment: &Attachment) -> StoreResult<Vec<u8>> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(objects::attachment(
                attachment.tenant_id,
                attachment.ticket_id,
                attachment.id,
            ))
            .send()
            .await
            .map_err(sdk_error)?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Unavailable(format!("reading a file: {e}")))?;
        Ok(bytes.to_vec())
    }

    async fn put(&self, attachment: &Attachment, bytes: &[u8]) -> StoreResult<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(objects::attachment(
                attachment.tenant_id,
                attachment.ticket_id,
                attachment.id,
            ))
            .content_type(&attachment.content_type)
            .body(bytes.to_vec().into())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn keep(&self, upload: &Upload, attachment: &Attachment) -> StoreResult<()> {
        let from = objects::upload(upload.tenant_id, upload.id);
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .key(objects::attachment(
                attachment.tenant_id,
                attachment.ticket_id,
                attachment.id,
            ))
            .copy_source(format!("{}/{from}", self.bucket))
            // Without the upload tag: attached files do not expire.
            .tagging_directive(TaggingDirective::Replace)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    async fn presign_download(
        &self,
        attachment: &Attachment,
        disposition: &str,
    ) -> StoreResult<PresignedRequest> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(objects::attachment(
                attachment.tenant_id,
                attachment.ticket_id,
                attachment.id,
            ))
            .response_content_disposition(disposition)
            .response_content_type(&attachment.content_type)
            .presigned(presigning(DOWNLOAD_TTL)?)
            .await
            .map_err(sdk_error)?;
        Ok(presigned("GET", request, DOWNLOAD_TTL))
    }

    async fn delete(&self, attachment: &Attachment) -> StoreResult<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(objects::attachment(
                attachment.tenant_id,
                attachment.ticket_id,
                attachment.id,
            ))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

impl ArticleObjects for S3Objects {
    async fn presign_article_upload(
        &self,
        file: &ArticleFile,
        ttl: jiff::SignedDuration,
    ) -> StoreResult<PresignedRequest> {
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(objects::article_file(
                file.tenant_id,
                file.article_id,
                file.id,
            ))
            .content_type(&file.content_type)
            .content_length(i64::try_from(file.size).unwrap_or(i64::MAX))
            .presigned(presigning(ttl)?)
            .await
            .map_err(sdk_error)?;
        Ok(presigned("PUT", request, ttl))
    }

    async fn presign_article_download(
        &self,
        file: &ArticleFile,
        disposition: &str,
        ttl: jiff::SignedDuration,
    ) -> StoreResult<PresignedRequest> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(objects::article_file(
                file.tenant_id,
                file.article_id,
                file.id,
            ))
            .response_content_disposition(disposition)
            .response_content_type(&file.content_type)
            .presigned(presigning(ttl)?)
            .await
            .map_err(sdk_error)?;
        Ok(presigned("GET", request, ttl))
    }

    async fn delete_article_file(&self, file: &ArticleFile) -> StoreResult<()> {
        self.delete_key(&objects::article_file(
            file.tenant_id,
            file.article_id,
            file.id,
        ))
        .await
    }
}

impl ExportFiles for S3Objects {
    async fn put_export(
        &self,
        tenant: TenantId,
        person: UserId,
        job: JobId,
        body: Vec<u8>,
    ) -> StoreResult<String> {
        let key = objects::export(tenant, person, job);
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/json")
            .body(body.into())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(key)
    }

    async fn presign_export(&self, key: &str, filename: &str) -> StoreResult<PresignedRequest> {
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(format!("attachment; filename=\"{filename}\""))
            .response_content_type("application/json")
            .presigned(presigning(DOWNLOAD_TTL)?)
            .await
            .map_err(sdk_error)?;
        Ok(presigned("GET", request, DOWNLOAD_TTL))
    }

    async fn delete_exports(&self, tenant: TenantId, person: UserId) -> StoreResult<()> {
        let prefix = objects::exports_of(tenant, person);
        let mut token = None;
        loop {
            let listed = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(sdk_error)?;
            for object in listed.contents() {
                if let Some(key) = object.key() {
                    self.delete_key(key).await?;
                }
            }
            match listed.next_continuation_token() {
                Some(next) => token = Some(next.to_owned()),
                None => return Ok(()),
            }
        }
    }
}

/// The inbound bucket, where received mail is kept as it came.
impl MailArchive for S3Objects {
    async fn delete_raw(&self, key: &str) -> StoreResult<()> {
        self.delete_key(key).await
    }
}

impl S3Objects {
    /// Deletes the object at `key` (nothing if it is gone already).
    async fn delete_key(&self, key: &str) -> StoreResult<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;
    use switchboard_domain::kernel::events::Actor;
    use switchboard_domain::kernel::ids::{TenantId, TicketId, UploadId};

    fn offline_client() -> Client {
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "AKIDEXAMPLE",
                "secret",
                None,
                None,
                "test",
            ))
            .force_path_style(true)
            .build();
        Client::from_conf(conf)
    }

    #[tokio::test]
    async fn a_presigned_upload_binds_key_size_type_tag_and_expiry() {
        let objects = S3Objects::new(offline_client(), "files");
        let upload = Upload {
            id: UploadId::new(),
            tenant_id: TenantId::new(),
            ticket_id: TicketId::new(),
            uploaded_by: Actor::operator(),
            filename: "a.png".into(),
            content_type: "image/png".into(),
            size: 1234,
            expires_at: Timestamp::now(),
        };
        let p = objects.presign_upload(&upload).await.unwrap();
        assert_eq!(p.method, "PUT");
        let key = objects::upload(upload.tenant_id, upload.id);
        assert!(p.url.contains(&format!("/files/{key}?")), "{}", p.url);
        assert!(p.url.contains("X-Amz-Expires=900"), "{}", p.url);
        let signed = p
            .url
            .split('&')
            .find_map(|kv| kv.strip_prefix("X-Amz-SignedHeaders="))
            .unwrap();
        for header in ["content-length", "content-type", "host", "x-amz-tagging"] {
            assert!(
                signed.split("%3B").any(|h| h == header),
                "{header} not signed: {signed}"
            );
        }
        let headers: std::collections::BTreeMap<_, _> = p.headers.iter().cloned().collect();
        assert_eq!(
            headers.get("content-length").map(String::as_str),
            Some("1234")
        );
        assert_eq!(
            headers.get("content-type").map(String::as_str),
            Some("image/png")
        );
        assert_eq!(
            headers.get("x-amz-tagging").map(String::as_str),
            Some(UPLOAD_TAG)
        );
    }
}
