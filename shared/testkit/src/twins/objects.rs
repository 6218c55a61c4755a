//! The attachments bucket in memory: files under the keys S3 would hold
//! them at, presigned requests as fake URLs.

use std::collections::BTreeMap;
use switchboard_domain::kb::file::ArticleFile;
use switchboard_domain::kernel::error::StoreResult;

use jiff::Timestamp;
use switchboard_domain::StoreError;
use switchboard_domain::attachments::attachment::{
    Attachment, DOWNLOAD_TTL, PresignedRequest, UPLOAD_TTL, Upload,
};
use switchboard_domain::attachments::ports::{ObjectStore, StoredObject};
use switchboard_domain::kernel::ids::{JobId, TenantId, UserId};
use switchboard_domain::privacy::ports::{ExportFiles, MailArchive};

use super::Shared;
use crate::clock::TestClock;

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

#[derive(Clone, Default)]
pub struct MemoryObjects {
    files: Shared<BTreeMap<String, Object>>,
    clock: Option<TestClock>,
}

/// Object keys as the bucket has them: every one starts with the tenant.
pub fn upload_key(u: &Upload) -> String {
    format!("tenants/{}/uploads/{}", u.tenant_id.ulid(), u.id.ulid())
}

pub fn attachment_key(a: &Attachment) -> String {
    format!(
        "tenants/{}/tickets/{}/{}",
        a.tenant_id.ulid(),
        a.ticket_id.ulid(),
        a.id.ulid()
    )
}

impl MemoryObjects {
    pub fn new() -> Self {
        Self::default()
    }

    /// Presigned requests expire relative to `clock` instead of the wall clock.
    pub fn with_clock(clock: TestClock) -> Self {
        Self {
            clock: Some(clock),
            ..Self::default()
        }
    }

    /// What a client's PUT to the presigned URL leaves in the bucket.
    pub fn upload(&self, upload: &Upload, bytes: &[u8], content_type: &str) {
        let object = Object {
            bytes: bytes.to_vec(),
            content_type: content_type.to_owned(),
        };
        self.files.with(|f| f.insert(upload_key(upload), object));
    }

    /// The file of an attachment, if the bucket has it.
    pub fn file(&self, attachment: &Attachment) -> Option<Object> {
        self.files
            .with(|f| f.get(&attachment_key(attachment)).cloned())
    }

    /// What a client's PUT to a presigned URL for `key` leaves in the
    /// bucket.
    pub fn put_at(&self, key: &str, bytes: &[u8], content_type: &str) {
        let object = Object {
            bytes: bytes.to_vec(),
            content_type: content_type.to_owned(),
        };
        self.files.with(|f| f.insert(key.to_owned(), object));
    }

    /// Every key in the bucket, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.files.with(|f| f.keys().cloned().collect())
    }

    /// The next call fails with `error`.
    pub fn fail_next(&self, error: StoreError) {
        self.files.fail_next(error);
    }

    fn now(&self) -> Timestamp {
        self.clock
            .as_ref()
            .map_or_else(Timestamp::now, TestClock::now)
    }
}

pub fn article_file_key(f: &ArticleFile) -> String {
    format!(
        "tenants/{}/kb/{}/{}",
        f.tenant_id.ulid(),
        f.article_id.ulid(),
        f.id.ulid()
    )
}

impl switchboard_domain::kb::ports::ArticleObjects for MemoryObjects {
    async fn presign_article_upload(
        &self,
        file: &ArticleFile,
        ttl: jiff::SignedDuration,
    ) -> StoreResult<PresignedRequest> {
        let expires_at = self.now() + ttl;
        self.files.call(|_| PresignedRequest {
            method: "PUT".into(),
            url: format!(
                "memory://attachments/{}?expires={expires_at}",
                article_file_key(file)
            ),
            headers: vec![
                ("content-length".into(), file.size.to_string()),
                ("content-type".into(), file.content_type.clone()),
            ],
            expires_at,
        })
    }

    async fn presign_article_download(
        &self,
        file: &ArticleFile,
        disposition: &str,
        ttl: jiff::SignedDuration,
    ) -> StoreResult<PresignedRequest> {
        let expires_at = self.now() + ttl;
        self.files.call(|_| PresignedRequest {
            method: "GET".into(),
            url: format!(
                "memory://attachments/{}?disposition={disposition}&expires={expires_at}",
                article_file_key(file)
            ),
            headers: Vec::new(),
            expires_at,
        })
    }

    async fn delete_article_file(&self, file: &ArticleFile) -> StoreResult<()> {
        self.files
            .call(|f| f.remove(&article_file_key(file)))
            .map(|_| ())
    }
}

impl ObjectStore for MemoryObjects {
    async fn presign_upload(&self, upload: &Upload) -> StoreResult<PresignedRequest> {
        let expires_at = self.now() + UPLOAD_TTL;
        self.files.call(|_| PresignedRequest {
            method: "PUT".into(),
            url: format!(
                "memory://attachments/{}?expires={expires_at}",
                upload_key(upload)
            ),
            headers: vec![
                ("content-length".into(), upload.size.to_string()),
                ("content-type".into(), upload.content_type.clone()),
                ("x-amz-tagging".into(), "state=upload".into()),
            ],
            expires_at,
        })
    }

    async fn uploaded(&self, upload: &Upload) -> StoreResult<Option<StoredObject>> {
        self.files.call(|f| {
            f.get(&upload_key(upload)).map(|o| StoredObject {
                size: u64::try_from(o.bytes.len()).unwrap_or(u64::MAX),
                content_type: o.content_type.clone(),
            })
        })
    }

    async fn discard_upload(&self, upload: &Upload) -> StoreResult<()> {
        self.files
            .call(|f| f.remove(&upload_key(upload)))
            .map(|_| ())
    }

    async fn read(&self, attachment: &Attachment) -> StoreResult<Vec<u8>> {
        self.files
            .call(|f| f.get(&attachment_key(attachment)).map(|o| o.bytes.clone()))?
            .ok_or(StoreError::NotFound)
    }

    async fn put(&self, attachment: &Attachment, bytes: &[u8]) -> StoreResult<()> {
        let object = Object {
            bytes: bytes.to_vec(),
            content_type: attachment.content_type.clone(),
        };
        self.files
            .call(|f| f.insert(attachment_key(attachment), object))
            .map(|_| ())
    }

    async fn keep(&self, upload: &Upload, attachment: &Attachment) -> StoreResult<()> {
        self.files
            .call(|f| {
                let object = f.get(&upload_key(upload))?.clone();
                f.insert(attachment_key(attachment), object);
                Some(())
            })?
            // S3's copy of a missing source fails (NoSuchKey).
            .ok_or(StoreError::NotFound)
    }

    async fn presign_download(
        &self,
        attachment: &Attachment,
        disposition: &str,
    ) -> StoreResult<PresignedRequest> {
        let expires_at = self.now() + DOWNLOAD_TTL;
        self.files.call(|_| PresignedRequest {
            method: "GET".into(),
            url: format!(
                "memory://attachments/{}?expires={expires_at}&disposition={disposition}",
                attachment_key(attachment)
            ),
            headers: Vec::new(),
            expires_at,
        })
    }

    async fn delete(&self, attachment: &Attachment) -> StoreResult<()> {
        self.files
            .call(|f| f.remove(&attachment_key(attachment)))
            .map(|_| ())
    }
}

/// Exports live in the same bucket, under `exports/`, by person.
pub fn export_key(tenant: TenantId, person: UserId, job: JobId) -> String {
    format!("{}{}.json", exports_of(tenant, person), job.ulid())
}

fn exports_of(tenant: TenantId, person: UserId) -> String {
    format!("exports/{}/{}/", tenant.ulid(), person.ulid())
}

impl MemoryObjects {
    /// The bytes at `key`, if the bucket has them.
    pub fn bytes(&self, key: &str) -> Option<Vec<u8>> {
        self.files.with(|f| f.get(key).map(|o| o.bytes.clone()))
    }

    /// Stores `bytes` at `key` (raw mail as the inbound bucket has it).
    pub fn put_bytes(&self, key: &str, bytes: &[u8]) {
        let object = Object {
            bytes: bytes.to_vec(),
            content_type: "application/octet-stream".into(),
        };
        self.files.with(|f| f.insert(key.to_owned(), object));
    }
}

impl ExportFiles for MemoryObjects {
    async fn put_export(
        &self,
        tenant: TenantId,
        person: UserId,
        job: JobId,
        body: Vec<u8>,
    ) -> StoreResult<String> {
        let key = export_key(tenant, person, job);
        let object = Object {
            bytes: body,
            content_type: "application/json".into(),
        };
        self.files.call(|f| f.insert(key.clone(), object))?;
        Ok(key)
    }

    async fn presign_export(&self, key: &str, filename: &str) -> StoreResult<PresignedRequest> {
        let expires_at = self.now() + DOWNLOAD_TTL;
        self.files.call(|_| PresignedRequest {
            method: "GET".into(),
            url: format!("memory://attachments/{key}?expires={expires_at}&filename={filename}"),
            headers: Vec::new(),
            expires_at,
        })
    }

    async fn delete_exports(&self, tenant: TenantId, person: UserId) -> StoreResult<()> {
        let prefix = exports_of(tenant, person);
        self.files
            .call(|f| f.retain(|k, _| !k.starts_with(&prefix)))
            .map(|_| ())
    }
}

impl MailArchive for MemoryObjects {
    async fn delete_raw(&self, key: &str) -> StoreResult<()> {
        self.files.call(|f| f.remove(key)).map(|_| ())
    }
}
