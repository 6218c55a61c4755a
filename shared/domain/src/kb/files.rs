//! Images and files of articles, through the presigned flow tickets use:
//! a writer declares a file (name, type, exact size) and gets a PUT bound
//! to its key, size and type; readers get a short-lived GET after the
//! same check as the article's (a public article's files to anyone, the
//! others to those who may read the article). Markdown embeds a file by
//! its help center address, `/v1/help/{tenant}/articles/{id}/files/{file}`.

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::permissions::Principal;
use crate::attachments::attachment::{
    DOWNLOAD_TTL, PresignedRequest, UPLOAD_TTL, check_allowed, check_size, parse_content_type,
    parse_filename,
};
use crate::attachments::service::UploadInput;
use crate::kb::article::{Article, Reader, Visibility};
use crate::kb::file::ArticleFile;
use crate::kb::help_center::HelpContext;
use crate::kb::ports::{
    ArticleFileStore, ArticleObjects, ArticleStore, KbSettingsStore, StructureStore,
};
use crate::kb::service::{KnowledgeBase, require_staff};
use crate::kernel::ids::{ArticleFileId, ArticleId, TenantId};
use crate::kernel::validation::Validator;

/// The largest file an article takes (images, PDFs, short videos).
pub const MAX_ARTICLE_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// How many files an article holds.
pub const MAX_ARTICLE_FILES: usize = 50;

/// A declared file and the PUT that uploads it.
#[derive(Debug, Clone)]
pub struct FileUpload {
    pub file: ArticleFile,
    pub upload: PresignedRequest,
}

/// How long a signed file address lasts, at least (at most twice that).
pub const SIGNED_FILE_TTL: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// Who asks for a file: a help center reader, a browser holding a signed
/// address (an image of an article for customers: `<img>` sends no
/// token), or staff.
pub enum FileReader<'a> {
    Help(&'a HelpContext),
    Signed {
        ctx: &'a HelpContext,
        /// Epoch seconds.
        expires: i64,
        signature: &'a str,
        now: Timestamp,
    },
    Staff(&'a Principal),
}

impl<S, I> KnowledgeBase<S, I> {
    fn file_signature(
        &self,
        tenant: TenantId,
        article: ArticleId,
        file: ArticleFileId,
        expires: i64,
    ) -> String {
        self.mac("file", &format!("{tenant}|{article}|{file}|{expires}"))
    }

    /// The article's Markdown as HTML for a reader: the addresses of its
    /// own files, when the article is for customers, signed for an hour or
    /// two (a browser fetching an image sends no token).
    pub fn article_html(
        &self,
        article: &Article,
        markdown: &str,
        tenant_slug: &str,
        now: Timestamp,
    ) -> String {
        if article.visibility != Visibility::Customers {
            return crate::kb::markdown::to_html(markdown);
        }
        let prefix = format!("/v1/help/{tenant_slug}/articles/{}/files/", article.id);
        // On the hour, so the answer (and its `ETag`) stays the same for
        // an hour and revalidates to `304`: valid one to two hours.
        let hour = SIGNED_FILE_TTL.as_secs();
        let expires = (now.as_second() / hour + 2) * hour;
        let mut signatures = std::collections::HashMap::new();
        for (id, _) in file_ids(markdown, &prefix) {
            signatures.insert(
                id,
                self.file_signature(article.tenant_id, article.id, id, expires),
            );
        }
        crate::kb::markdown::to_html_rewriting(markdown, move |url| {
            let id = url
                .strip_prefix(prefix.as_str())?
                .parse::<ArticleFileId>()
                .ok()?;
            let signature = signatures.get(&id)?;
            Some(format!("{url}?expires={expires}&signature={signature}"))
        })
    }
}

/// The files of this article that `markdown` names by address.
fn file_ids(markdown: &str, prefix: &str) -> Vec<(ArticleFileId, usize)> {
    markdown
        .match_indices(prefix)
        .filter_map(|(at, _)| {
            let rest = &markdown[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            rest[..end].parse().ok().map(|id| (id, at))
        })
        .collect()
}

impl<S, I> KnowledgeBase<S, I>
where
    S: KbSettingsStore + StructureStore + ArticleStore + ArticleFileStore,
{
    /// Declares a file of an article (writers) and presigns its upload.
    pub async fn upload_file<O: ArticleObjects>(
        &self,
        objects: &O,
        principal: &Principal,
        article: ArticleId,
        input: UploadInput,
        now: Timestamp,
    ) -> Result<FileUpload, DomainError> {
        let (article, _) = self.for_writing(principal, article).await?;
        let mut v = Validator::new();
        let name = v.field(
            "filename",
            parse_filename(input.filename.as_deref().unwrap_or_default()),
        );
        let content_type = v.field(
            "contentType",
            parse_content_type(input.content_type.as_deref().unwrap_or_default()),
        );
        let size = v.field(
            "size",
            check_size(
                u64::try_from(input.size.unwrap_or(0)).unwrap_or(0),
                MAX_ARTICLE_FILE_BYTES,
            ),
        );
        if let (Some(n), Some(t)) = (&name, &content_type) {
            v.field("filename", check_allowed(n, t));
        }
        v.finish()?;
        let (Some(name), Some(content_type), Some(size)) = (name, content_type, size) else {
            return Err(DomainError::Internal("a parsed field went missing".into()));
        };
        let tenant = article.tenant_id;
        if self.store().article_files(tenant, article.id).await?.len() >= MAX_ARTICLE_FILES {
            return Err(DomainError::field(
                "size",
                "limit_reached",
                format!("an article holds at most {MAX_ARTICLE_FILES} files"),
            ));
        }
        let file = ArticleFile {
            id: ArticleFileId::new(),
            tenant_id: tenant,
            article_id: article.id,
            filename: name.display,
            content_type,
            size,
            uploaded_by: principal.user_id(),
            created_at: now,
        };
        self.store().put_article_file(&file).await?;
        let upload = objects.presign_article_upload(&file, UPLOAD_TTL).await?;
        Ok(FileUpload { file, upload })
    }

    /// Removes a file of an article (writers): its link in the article
    /// stops working.
    pub async fn delete_file<O: ArticleObjects>(
        &self,
        objects: &O,
        principal: &Principal,
        article: ArticleId,
        file: ArticleFileId,
    ) -> Result<(), DomainError> {
        let (article, _) = self.for_writing(principal, article).await?;
        let file = self
            .store()
            .article_file(article.tenant_id, article.id, file)
            .await?
            .ok_or(DomainError::NotFound)?;
        self.store().delete_article_file(&file).await?;
        Ok(objects.delete_article_file(&file).await?)
    }

    /// Deletes an article (as [`KnowledgeBase::delete_article`]) and then
    /// its files from the bucket.
    pub async fn delete_article_and_files<O: ArticleObjects>(
        &self,
        objects: &O,
        principal: &Principal,
        id: ArticleId,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let files = self
            .store()
            .article_files(principal.tenant_id(), id)
            .await?;
        self.delete_article(principal, id, if_match, now).await?;
        for file in &files {
            // The article is gone: a file left behind is unreachable, and
            // costs only its storage.
            if let Err(e) = objects.delete_article_file(file).await {
                tracing::warn!(error = %e, file = %file.id, "an article's file was left in the bucket");
            }
        }
        Ok(())
    }

    /// An article's files, for staff.
    pub async fn files(
        &self,
        principal: &Principal,
        article: ArticleId,
    ) -> Result<Vec<ArticleFile>, DomainError> {
        let article = self.article_for_staff(principal, article).await?;
        Ok(self
            .store()
            .article_files(article.tenant_id, article.id)
            .await?)
    }

    async fn article_for_staff(
        &self,
        principal: &Principal,
        id: ArticleId,
    ) -> Result<crate::kb::article::Article, DomainError> {
        require_staff(principal).map_err(|_| DomainError::NotFound)?;
        self.store()
            .article(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// A short-lived GET of an article's file, for a reader who may read
    /// the article (`NotFound` otherwise, as for an absent file).
    pub async fn download_file<O: ArticleObjects>(
        &self,
        objects: &O,
        reader: FileReader<'_>,
        article: ArticleId,
        file: ArticleFileId,
    ) -> Result<PresignedRequest, DomainError> {
        let tenant = match reader {
            // As the article itself: published, of a visibility the reader
            // may read, and served in some locale.
            FileReader::Help(ctx) => {
                self.store()
                    .article(ctx.tenant.id, article)
                    .await?
                    .filter(|a| ctx.reader.may_read_published(a) && ctx.locale_of(a).is_some())
                    .ok_or(DomainError::NotFound)?
                    .tenant_id
            }
            // The signature says the article's answer gave it to someone
            // who could read it; the article must still be readable by some
            // customer.
            FileReader::Signed {
                ctx,
                expires,
                signature,
                now,
            } => {
                let fresh = now.as_second() < expires;
                let expected = self.file_signature(ctx.tenant.id, article, file, expires);
                let genuine = crate::kernel::secrets::constant_time_eq(
                    expected.as_bytes(),
                    signature.as_bytes(),
                );
                self.store()
                    .article(ctx.tenant.id, article)
                    .await?
                    .filter(|_| fresh && genuine)
                    .filter(|a| {
                        Reader::Customer.may_read_published(a) && ctx.locale_of(a).is_some()
                    })
                    .ok_or(DomainError::NotFound)?
                    .tenant_id
            }
            FileReader::Staff(principal) => {
                self.article_for_staff(principal, article).await?.tenant_id
            }
        };
        let file = self
            .store()
            .article_file(tenant, article, file)
            .await?
            .ok_or(DomainError::NotFound)?;
        Ok(objects
            .presign_article_download(&file, &file.disposition(), DOWNLOAD_TTL)
            .await?)
    }
}
