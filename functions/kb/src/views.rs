//! What the staff API answers: articles (with their text in a locale and
//! their pending draft), categories, sections, revisions, settings.

use jiff::Timestamp;
use serde::Serialize;
use switchboard_domain::kb::article::{Article, Revision, Translation};
use switchboard_domain::kb::markdown;
use switchboard_domain::kb::ports::ArticleStats;
use switchboard_domain::kb::reading::ArticleView as Viewed;
use switchboard_domain::kb::settings::KbSettings;
use switchboard_domain::kb::structure::{Category, Labels, Section};
use switchboard_domain::kernel::ids::{ArticleId, CategoryId, RevisionId, SectionId, UserId};

/// A name and description, and their translations by locale.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LabelsView {
    name: String,
    description: String,
    /// By locale: `{name, description}`.
    #[schema(value_type = Object)]
    translations: serde_json::Value,
}

impl From<&Labels> for LabelsView {
    fn from(l: &Labels) -> Self {
        Self {
            name: l.default.name.clone(),
            description: l.default.description.clone(),
            translations: serde_json::to_value(&l.translations).unwrap_or_default(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CategoryView {
    #[schema(value_type = String, example = "kbc_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    id: CategoryId,
    #[serde(flatten)]
    labels: LabelsView,
    position: u32,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: u64,
}

impl From<&Category> for CategoryView {
    fn from(c: &Category) -> Self {
        Self {
            id: c.id,
            labels: (&c.labels).into(),
            position: c.position,
            created_at: c.created_at,
            updated_at: c.updated_at,
            version: c.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SectionView {
    #[schema(value_type = String, example = "kbs_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    id: SectionId,
    #[schema(value_type = String)]
    category_id: CategoryId,
    #[serde(flatten)]
    labels: LabelsView,
    position: u32,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: u64,
}

impl From<&Section> for SectionView {
    fn from(s: &Section) -> Self {
        Self {
            id: s.id,
            category_id: s.category_id,
            labels: (&s.labels).into(),
            position: s.position,
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ItemsView<T> {
    pub(crate) items: Vec<T>,
}

/// A locale an article is written in.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TranslationSummaryView {
    locale: String,
    title: String,
    slug: String,
    /// Readers are served it (a translation saved as a draft before it was
    /// ever published is not).
    live: bool,
    /// An edit waits as a draft.
    draft: bool,
    updated_at: Timestamp,
}

/// An article without its text (lists).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleSummaryView {
    #[schema(value_type = String, example = "art_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    id: ArticleId,
    /// `draft`, `published` or `archived`.
    status: &'static str,
    /// `public`, `customers` or `internal`.
    visibility: &'static str,
    #[schema(value_type = String)]
    category_id: CategoryId,
    #[schema(value_type = String)]
    section_id: SectionId,
    position: u32,
    tags: Vec<String>,
    #[schema(value_type = Option<String>)]
    author_id: Option<UserId>,
    translations: Vec<TranslationSummaryView>,
    created_at: Timestamp,
    updated_at: Timestamp,
    published_at: Option<Timestamp>,
    version: u64,
}

impl From<&Article> for ArticleSummaryView {
    fn from(a: &Article) -> Self {
        Self {
            id: a.id,
            status: a.status.as_str(),
            visibility: a.visibility.as_str(),
            category_id: a.category_id,
            section_id: a.section_id,
            position: a.position,
            tags: a.tags.clone(),
            author_id: a.author_id,
            translations: a
                .translations
                .iter()
                .map(|(l, t)| TranslationSummaryView {
                    locale: l.to_string(),
                    title: t.title.clone(),
                    slug: t.slug.clone(),
                    live: t.live,
                    draft: t.draft,
                    updated_at: t.updated_at,
                })
                .collect(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            published_at: a.published_at,
            version: a.version,
        }
    }
}

/// A locale's text: Markdown, and the sanitised HTML readers get.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TextView {
    locale: String,
    title: String,
    slug: String,
    body: String,
    html: String,
    #[schema(value_type = String)]
    revision_id: RevisionId,
    live: bool,
    #[schema(value_type = Option<String>)]
    updated_by: Option<UserId>,
    updated_at: Timestamp,
}

impl From<&Translation> for TextView {
    fn from(t: &Translation) -> Self {
        Self {
            locale: t.locale.to_string(),
            title: t.title.clone(),
            slug: t.slug.to_string(),
            body: t.body.clone(),
            html: markdown::to_html(&t.body),
            revision_id: t.revision_id,
            live: t.live,
            updated_by: t.updated_by,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RevisionView {
    #[schema(value_type = String, example = "rev_01JD3Z4X8Q5N2M7K9V6B1C0A2F")]
    id: RevisionId,
    locale: String,
    title: String,
    slug: String,
    body: String,
    /// `saved`, `draft` or `restored`.
    #[schema(value_type = String)]
    kind: switchboard_domain::kb::article::RevisionKind,
    #[schema(value_type = Option<String>)]
    author_id: Option<UserId>,
    created_at: Timestamp,
}

impl From<&Revision> for RevisionView {
    fn from(r: &Revision) -> Self {
        Self {
            id: r.id,
            locale: r.locale.to_string(),
            title: r.title.clone(),
            slug: r.slug.to_string(),
            body: r.body.clone(),
            kind: r.kind,
            author_id: r.author_id,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatsView {
    views: u64,
    helpful: u64,
    unhelpful: u64,
}

impl From<ArticleStats> for StatsView {
    fn from(s: ArticleStats) -> Self {
        Self {
            views: s.views,
            helpful: s.helpful,
            unhelpful: s.unhelpful,
        }
    }
}

/// An article with its text in one locale.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleView {
    #[serde(flatten)]
    summary: ArticleSummaryView,
    /// The text in the locale asked for (`?locale=`), or the default's.
    text: Option<TextView>,
    /// The locale asked for has no translation: `text` is the default's.
    fallback: bool,
    /// That locale's pending draft.
    draft: Option<RevisionView>,
    stats: StatsView,
}

impl From<&Viewed> for ArticleView {
    fn from(v: &Viewed) -> Self {
        Self {
            summary: (&v.article).into(),
            text: v.translation.as_ref().map(TextView::from),
            fallback: v.fallback,
            draft: v.draft.as_ref().map(RevisionView::from),
            stats: v.stats.into(),
        }
    }
}

/// An article just written, with the text written.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WrittenView {
    #[serde(flatten)]
    summary: ArticleSummaryView,
    text: TextView,
}

impl WrittenView {
    pub(crate) fn new(a: &Article, t: &Translation) -> Self {
        Self {
            summary: a.into(),
            text: t.into(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SettingsView {
    default_locale: String,
    locales: Vec<String>,
    #[schema(value_type = Vec<String>)]
    editors: Vec<UserId>,
    version: u64,
}

impl From<&KbSettings> for SettingsView {
    fn from(s: &KbSettings) -> Self {
        Self {
            default_locale: s.default_locale.to_string(),
            locales: s.locales.iter().map(ToString::to_string).collect(),
            editors: s.editors.clone(),
            version: s.version,
        }
    }
}
