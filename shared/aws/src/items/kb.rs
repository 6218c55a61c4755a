//! Stored shapes of the knowledge base.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use switchboard_domain::kb::article::{
    Article, ArticleStatus, Revision, RevisionKind, Slug, Translation, TranslationSummary,
    Visibility,
};
use switchboard_domain::kb::file::ArticleFile;
use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kb::structure::{Category, Labels, Section};
use switchboard_domain::kernel::ids::{
    ArticleFileId, ArticleId, CategoryId, RevisionId, SectionId, TenantId, UserId,
};

use super::KeyAttrs;
use crate::keys;

pub const KB_CATEGORY_ENTITY: &str = "kb_category";
pub const KB_SECTION_ENTITY: &str = "kb_section";
pub const KB_ARTICLE_ENTITY: &str = "kb_article";
pub const KB_TRANSLATION_ENTITY: &str = "kb_translation";
pub const KB_REVISION_ENTITY: &str = "kb_revision";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: CategoryId,
    pub tenant_id: TenantId,
    pub labels: Labels,
    pub position: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&Category> for CategoryItem {
    fn from(c: &Category) -> Self {
        Self {
            key: keys::kb_category(c.tenant_id, c.id).into(),
            entity: KB_CATEGORY_ENTITY.into(),
            id: c.id,
            tenant_id: c.tenant_id,
            labels: c.labels.clone(),
            position: c.position,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

impl From<CategoryItem> for Category {
    fn from(i: CategoryItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            labels: i.labels,
            position: i.position,
            created_at: i.created_at,
            updated_at: i.updated_at,
            version: i.version,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: SectionId,
    pub tenant_id: TenantId,
    pub category_id: CategoryId,
    pub labels: Labels,
    pub position: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: u64,
}

impl From<&Section> for SectionItem {
    fn from(s: &Section) -> Self {
        Self {
            key: keys::kb_section(s.tenant_id, s.id).into(),
            entity: KB_SECTION_ENTITY.into(),
            id: s.id,
            tenant_id: s.tenant_id,
            category_id: s.category_id,
            labels: s.labels.clone(),
            position: s.position,
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version,
        }
    }
}

impl From<SectionItem> for Section {
    fn from(i: SectionItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            category_id: i.category_id,
            labels: i.labels,
            position: i.position,
            created_at: i.created_at,
            updated_at: i.updated_at,
            version: i.version,
        }
    }
}

/// An article: in its section's GSI1 partition by position, and in the
/// tenant's GSI2 partition by last change.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    #[serde(rename = "GSI2PK")]
    pub gsi2pk: String,
    #[serde(rename = "GSI2SK")]
    pub gsi2sk: String,
    pub entity: String,
    pub id: ArticleId,
    pub tenant_id: TenantId,
    pub category_id: CategoryId,
    pub section_id: SectionId,
    pub position: u32,
    pub status: ArticleStatus,
    pub visibility: Visibility,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<UserId>,
    pub translations: BTreeMap<Locale, TranslationSummary>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Timestamp>,
    pub version: u64,
}

impl From<&Article> for ArticleItem {
    fn from(a: &Article) -> Self {
        Self {
            key: keys::kb_article(a.tenant_id, a.id).into(),
            gsi1pk: keys::kb_section_articles_pk(a.tenant_id, a.section_id),
            gsi1sk: keys::kb_section_articles_sk(a.position, a.id),
            gsi2pk: keys::kb_articles_pk(a.tenant_id),
            gsi2sk: keys::kb_articles_sk(a.updated_at, a.id),
            entity: KB_ARTICLE_ENTITY.into(),
            id: a.id,
            tenant_id: a.tenant_id,
            category_id: a.category_id,
            section_id: a.section_id,
            position: a.position,
            status: a.status,
            visibility: a.visibility,
            tags: a.tags.clone(),
            author_id: a.author_id,
            translations: a.translations.clone(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            published_at: a.published_at,
            version: a.version,
        }
    }
}

impl From<ArticleItem> for Article {
    fn from(i: ArticleItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            category_id: i.category_id,
            section_id: i.section_id,
            position: i.position,
            status: i.status,
            visibility: i.visibility,
            tags: i.tags,
            author_id: i.author_id,
            translations: i.translations,
            created_at: i.created_at,
            updated_at: i.updated_at,
            published_at: i.published_at,
            version: i.version,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranslationItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub tenant_id: TenantId,
    pub article_id: ArticleId,
    pub locale: Locale,
    pub title: String,
    pub slug: Slug,
    pub body: String,
    pub revision_id: RevisionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<UserId>,
    pub updated_at: Timestamp,
    pub live: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<RevisionId>,
}

impl From<&Translation> for TranslationItem {
    fn from(t: &Translation) -> Self {
        Self {
            key: keys::kb_translation(t.tenant_id, t.article_id, &t.locale).into(),
            entity: KB_TRANSLATION_ENTITY.into(),
            tenant_id: t.tenant_id,
            article_id: t.article_id,
            locale: t.locale.clone(),
            title: t.title.clone(),
            slug: t.slug.clone(),
            body: t.body.clone(),
            revision_id: t.revision_id,
            updated_by: t.updated_by,
            updated_at: t.updated_at,
            live: t.live,
            draft: t.draft,
        }
    }
}

impl From<TranslationItem> for Translation {
    fn from(i: TranslationItem) -> Self {
        Self {
            tenant_id: i.tenant_id,
            article_id: i.article_id,
            locale: i.locale,
            title: i.title,
            slug: i.slug,
            body: i.body,
            revision_id: i.revision_id,
            updated_by: i.updated_by,
            updated_at: i.updated_at,
            live: i.live,
            draft: i.draft,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevisionItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: RevisionId,
    pub tenant_id: TenantId,
    pub article_id: ArticleId,
    pub locale: Locale,
    pub title: String,
    pub slug: Slug,
    pub body: String,
    pub kind: RevisionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<UserId>,
    pub created_at: Timestamp,
}

impl From<&Revision> for RevisionItem {
    fn from(r: &Revision) -> Self {
        Self {
            key: keys::kb_revision(r.tenant_id, r.article_id, &r.locale, r.id).into(),
            entity: KB_REVISION_ENTITY.into(),
            id: r.id,
            tenant_id: r.tenant_id,
            article_id: r.article_id,
            locale: r.locale.clone(),
            title: r.title.clone(),
            slug: r.slug.clone(),
            body: r.body.clone(),
            kind: r.kind,
            author_id: r.author_id,
            created_at: r.created_at,
        }
    }
}

impl From<RevisionItem> for Revision {
    fn from(i: RevisionItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            article_id: i.article_id,
            locale: i.locale,
            title: i.title,
            slug: i.slug,
            body: i.body,
            kind: i.kind,
            author_id: i.author_id,
            created_at: i.created_at,
        }
    }
}

/// A slug taken in a locale, and by which article.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlugClaimItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub article_id: ArticleId,
}

/// The articles linked to a ticket.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinksItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub articles: Vec<ArticleId>,
}

/// An article's image or file, in the article's partition.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArticleFileItem {
    #[serde(flatten)]
    pub key: KeyAttrs,
    pub entity: String,
    pub id: ArticleFileId,
    pub tenant_id: TenantId,
    pub article_id: ArticleId,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_by: Option<UserId>,
    pub created_at: Timestamp,
}

impl From<&ArticleFile> for ArticleFileItem {
    fn from(f: &ArticleFile) -> Self {
        Self {
            key: keys::kb_file(f.tenant_id, f.article_id, f.id).into(),
            entity: "kb_file".into(),
            id: f.id,
            tenant_id: f.tenant_id,
            article_id: f.article_id,
            filename: f.filename.clone(),
            content_type: f.content_type.clone(),
            size: f.size,
            uploaded_by: f.uploaded_by,
            created_at: f.created_at,
        }
    }
}

impl From<ArticleFileItem> for ArticleFile {
    fn from(i: ArticleFileItem) -> Self {
        Self {
            id: i.id,
            tenant_id: i.tenant_id,
            article_id: i.article_id,
            filename: i.filename,
            content_type: i.content_type,
            size: i.size,
            uploaded_by: i.uploaded_by,
            created_at: i.created_at,
        }
    }
}
