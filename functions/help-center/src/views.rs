//! What readers get: names and texts in the locale served, the HTML of an
//! article (sanitised), never a draft or anything internal.

use jiff::Timestamp;
use serde::Serialize;
use switchboard_domain::kb::article::Article;
use switchboard_domain::kb::finding::FoundArticle;
use switchboard_domain::kb::help_center::{HelpArticle, HelpCategory, HelpContext};
use switchboard_domain::kb::structure::{Labels, Section};
use switchboard_domain::kernel::ids::{ArticleId, CategoryId, SectionId};

/// The locale served and what the help center offers.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LocaleView {
    /// The locale of this answer.
    locale: String,
    default_locale: String,
    locales: Vec<String>,
}

impl From<&HelpContext> for LocaleView {
    fn from(c: &HelpContext) -> Self {
        Self {
            locale: c.locale.to_string(),
            default_locale: c.settings.default_locale.to_string(),
            locales: c.settings.locales.iter().map(ToString::to_string).collect(),
        }
    }
}

/// A name in the locale served; `fallback` when it is the default's.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NameView {
    name: String,
    description: String,
    fallback: bool,
}

fn name(labels: &Labels, ctx: &HelpContext) -> NameView {
    let (label, fallback) = labels.in_locale(&ctx.locale);
    NameView {
        name: label.name.clone(),
        description: label.description.clone(),
        fallback: (fallback && ctx.locale != ctx.settings.default_locale)
            || ctx.locale.language() != ctx.requested.language(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SectionView {
    #[schema(value_type = String)]
    id: SectionId,
    #[serde(flatten)]
    name: NameView,
}

pub(crate) fn section(s: &Section, ctx: &HelpContext) -> SectionView {
    SectionView {
        id: s.id,
        name: name(&s.labels, ctx),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CategoryView {
    #[schema(value_type = String)]
    id: CategoryId,
    #[serde(flatten)]
    name: NameView,
    sections: Vec<SectionView>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CategoriesView {
    #[serde(flatten)]
    locale: LocaleView,
    items: Vec<CategoryView>,
}

impl CategoriesView {
    pub(crate) fn new(ctx: &HelpContext, all: &[HelpCategory]) -> Self {
        Self {
            locale: ctx.into(),
            items: all
                .iter()
                .map(|c| CategoryView {
                    id: c.category.id,
                    name: name(&c.category.labels, ctx),
                    sections: c.sections.iter().map(|s| section(s, ctx)).collect(),
                })
                .collect(),
        }
    }
}

/// An article in a list: its title and address in the locale served.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArticleLinkView {
    #[schema(value_type = String)]
    id: ArticleId,
    title: String,
    slug: String,
    locale: String,
    fallback: bool,
    #[schema(value_type = String)]
    section_id: SectionId,
    updated_at: Timestamp,
}

pub(crate) fn link(a: &Article, ctx: &HelpContext) -> Option<ArticleLinkView> {
    let (locale, fallback) = ctx.locale_of(a)?;
    let t = a.translations.get(locale)?;
    Some(ArticleLinkView {
        id: a.id,
        title: t.title.clone(),
        slug: t.slug.clone(),
        locale: locale.to_string(),
        fallback,
        section_id: a.section_id,
        updated_at: t.updated_at,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SectionArticlesView {
    #[serde(flatten)]
    locale: LocaleView,
    section: SectionView,
    items: Vec<ArticleLinkView>,
}

impl SectionArticlesView {
    pub(crate) fn new(ctx: &HelpContext, s: &Section, articles: &[Article]) -> Self {
        Self {
            locale: ctx.into(),
            section: section(s, ctx),
            items: articles.iter().filter_map(|a| link(a, ctx)).collect(),
        }
    }
}

/// Another locale the article can be read in.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AlternateView {
    locale: String,
    slug: String,
    title: String,
}

/// An article as readers get it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HelpArticleView {
    #[schema(value_type = String)]
    id: ArticleId,
    /// The locale of this text.
    locale: String,
    /// The locale asked for.
    requested_locale: String,
    /// The locale asked for has no translation: this is the default's.
    fallback: bool,
    title: String,
    slug: String,
    /// Sanitised HTML, safe to embed.
    html: String,
    tags: Vec<String>,
    #[schema(value_type = String)]
    category_id: CategoryId,
    #[schema(value_type = String)]
    section_id: SectionId,
    updated_at: Timestamp,
    published_at: Option<Timestamp>,
    /// Every locale readers are served it in.
    translations: Vec<AlternateView>,
}

impl HelpArticleView {
    /// `html`: the article's text as readers get it (its files' addresses
    /// signed where they need to be).
    pub(crate) fn new(ctx: &HelpContext, read: &HelpArticle, html: String) -> Self {
        let (a, t) = (&read.article, &read.translation);
        Self {
            id: a.id,
            locale: t.locale.to_string(),
            requested_locale: ctx.requested.to_string(),
            fallback: read.fallback,
            title: t.title.clone(),
            slug: t.slug.to_string(),
            html,
            tags: a.tags.clone(),
            category_id: a.category_id,
            section_id: a.section_id,
            updated_at: t.updated_at,
            published_at: a.published_at,
            translations: a
                .translations
                .iter()
                .filter(|(l, s)| s.live && ctx.settings.is_enabled(l))
                .map(|(l, s)| AlternateView {
                    locale: l.to_string(),
                    slug: s.slug.clone(),
                    title: s.title.clone(),
                })
                .collect(),
        }
    }
}

/// An article found, with the matched words in `<em>` (HTML-escaped).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FoundView {
    #[schema(value_type = String)]
    id: ArticleId,
    slug: String,
    locale: String,
    title: String,
    snippet: String,
    #[schema(value_type = String)]
    section_id: SectionId,
    #[schema(value_type = String)]
    category_id: CategoryId,
}

pub(crate) fn found(f: &FoundArticle) -> FoundView {
    FoundView {
        id: f.article.id,
        slug: f
            .article
            .translations
            .get(&f.hit.locale)
            .map(|t| t.slug.clone())
            .unwrap_or_default(),
        locale: f.hit.locale.to_string(),
        title: f.hit.title.clone(),
        snippet: f.hit.snippet.clone(),
        section_id: f.article.section_id,
        category_id: f.article.category_id,
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SearchView {
    #[serde(flatten)]
    pub(crate) locale: LocaleView,
    pub(crate) items: Vec<FoundView>,
    pub(crate) total: usize,
    pub(crate) next_cursor: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SuggestionsView {
    pub(crate) items: Vec<FoundView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct VoteView {
    /// `counted`, `changed` (the reader changed their mind) or
    /// `unchanged` (the same vote again).
    pub(crate) vote: &'static str,
}
