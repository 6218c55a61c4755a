//! An image or file of an article.

use jiff::Timestamp;

use crate::attachments::attachment::{content_disposition, parse_filename};
use crate::kernel::ids::{ArticleFileId, ArticleId, TenantId, UserId};

/// Types a browser shows inline without running anything (SVG can carry
/// script, so it downloads).
const INLINE: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "application/pdf",
    "video/mp4",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleFile {
    pub id: ArticleFileId,
    pub tenant_id: TenantId,
    pub article_id: ArticleId,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub uploaded_by: Option<UserId>,
    pub created_at: Timestamp,
}

impl ArticleFile {
    /// How a reader's browser gets it: inline for the types it shows
    /// safely, as a download otherwise.
    pub fn disposition(&self) -> String {
        let name = parse_filename(&self.filename).map(|n| content_disposition(&n));
        let download = name.unwrap_or_else(|_| "attachment".to_owned());
        if INLINE.contains(&self.content_type.as_str()) {
            download.replacen("attachment", "inline", 1)
        } else {
            download
        }
    }

    /// Where Markdown embeds it: its help center address.
    pub fn path(&self, tenant_slug: &str) -> String {
        format!(
            "/v1/help/{tenant_slug}/articles/{}/files/{}",
            self.article_id, self.id
        )
    }
}
