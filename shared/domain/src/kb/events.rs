//! The `data` of the knowledge base's events.

use serde::{Deserialize, Serialize};

use crate::kb::article::{Article, ArticleStatus, Visibility};
use crate::kb::locale::Locale;
use crate::kernel::events::{EventType, Payload};

/// `article.published`, `article.updated` and `article.archived`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleChanged {
    pub status: ArticleStatus,
    pub visibility: Visibility,
    /// The locales it is written in.
    pub locales: Vec<Locale>,
    /// The locale whose text changed, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
    /// What changed (`title`, `body`, `slug`, `status`, `visibility`,
    /// `tags`, `section`, `position`, `translation`, `draft`).
    #[serde(default)]
    pub changed: Vec<String>,
    /// Archived by deletion: the article is gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl ArticleChanged {
    pub fn of(article: &Article, locale: Option<&Locale>, changed: &[&str]) -> Self {
        Self {
            status: article.status,
            visibility: article.visibility,
            locales: article.translations.keys().cloned().collect(),
            locale: locale.cloned(),
            changed: changed.iter().map(|c| (*c).to_owned()).collect(),
            deleted: false,
        }
    }
}

impl Payload for ArticleChanged {
    const TYPES: &'static [EventType] = &[
        EventType::ArticlePublished,
        EventType::ArticleUpdated,
        EventType::ArticleArchived,
    ];
}
