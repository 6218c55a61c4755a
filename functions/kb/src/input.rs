//! Request bodies, parsed into the domain's inputs with every field's
//! error at once.

use std::collections::BTreeMap;

use serde::Deserialize;
use switchboard_domain::DomainError;
use switchboard_domain::kb::article::{
    ArticleStatus, Slug, Visibility, parse_body, parse_tags, parse_title,
};
use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kb::settings::SettingsInput;
use switchboard_domain::kb::structure::{GroupPatch, Label, Labels, NewGroup};
use switchboard_domain::kb::translating::TranslationInput;
use switchboard_domain::kb::writing::{ArticlePatch, NewArticle};
use switchboard_domain::kernel::error::FieldError;
use switchboard_domain::kernel::ids::{ArticleId, CategoryId, SectionId, UserId};
use switchboard_domain::kernel::validation::{Validator, parse_id};

/// A name and description in one locale.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LabelRequest {
    name: String,
    description: Option<String>,
}

/// `POST /v1/kb/categories` and `/v1/kb/sections`, and (every field
/// optional) their `PATCH`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct GroupRequest {
    name: Option<String>,
    description: Option<String>,
    /// By locale; `null` removes a locale's translation.
    #[schema(value_type = Option<Object>)]
    translations: Option<BTreeMap<String, Option<LabelRequest>>>,
    position: Option<u32>,
    /// Sections: the category it belongs to (or moves to).
    category_id: Option<String>,
}

impl TryFrom<GroupRequest> for GroupPatch {
    type Error = DomainError;

    fn try_from(r: GroupRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let name = v.optional("name", r.name, |n| {
            Label::parse(&n, None).map(|l| l.name).map_err(|(_, e)| e)
        });
        let description = v.optional("description", r.description, |d| {
            Label::parse("x", Some(&d))
                .map(|l| l.description)
                .map_err(|(_, e)| e)
        });
        let category_id = v.optional("categoryId", r.category_id, |c| parse_id::<CategoryId>(&c));
        let mut translations = BTreeMap::new();
        for (raw, label) in r.translations.unwrap_or_default() {
            let field = format!("translations.{raw}");
            let Some(locale) = v.field(&field, Locale::parse(&raw)) else {
                continue;
            };
            let label = match label {
                None => None,
                Some(l) => match Label::parse(&l.name, l.description.as_deref()) {
                    Ok(label) => Some(label),
                    Err((part, e)) => {
                        v.push(FieldError::new(
                            format!("{field}.{part}"),
                            e.code,
                            e.message,
                        ));
                        continue;
                    }
                },
            };
            translations.insert(locale, label);
        }
        v.finish()?;
        Ok(GroupPatch {
            name: name.flatten(),
            description: description.flatten(),
            translations,
            position: r.position,
            category_id: category_id.flatten(),
        })
    }
}

impl TryFrom<GroupRequest> for NewGroup {
    type Error = DomainError;

    fn try_from(r: GroupRequest) -> Result<Self, DomainError> {
        let missing = r.name.is_none();
        let patch = match GroupPatch::try_from(r) {
            Err(DomainError::Invalid(mut errors)) if missing => {
                errors.insert(0, FieldError::new("name", "required", "is required"));
                return Err(DomainError::Invalid(errors));
            }
            other => other?,
        };
        let Some(name) = patch.name else {
            return Err(DomainError::field("name", "required", "is required"));
        };
        Ok(NewGroup {
            labels: Labels {
                default: Label {
                    name,
                    description: patch.description.unwrap_or_default(),
                },
                translations: patch
                    .translations
                    .into_iter()
                    .filter_map(|(l, label)| Some((l, label?)))
                    .collect(),
            },
            position: patch.position,
            category_id: patch.category_id,
        })
    }
}

/// `POST /v1/kb/articles`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct NewArticleRequest {
    section_id: String,
    /// The locale of this first text (the default locale when absent).
    locale: Option<String>,
    title: String,
    /// Made from the title when absent.
    slug: Option<String>,
    /// Markdown, at most 256 KiB.
    body: String,
    /// `public` (the default), `customers` or `internal`.
    visibility: Option<String>,
    tags: Option<Vec<String>>,
    /// `draft` (the default) or `published`.
    status: Option<String>,
    position: Option<u32>,
}

impl TryFrom<NewArticleRequest> for NewArticle {
    type Error = DomainError;

    fn try_from(r: NewArticleRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let section = v.field("sectionId", parse_id::<SectionId>(&r.section_id));
        let locale = v.optional("locale", r.locale, |l| Locale::parse(&l));
        let title = v.field("title", parse_title(&r.title));
        let slug = v.optional("slug", r.slug, |s| Slug::parse(&s));
        let body = v.field("body", parse_body(r.body));
        let visibility = v.optional("visibility", r.visibility, |x| Visibility::parse(&x));
        let tags = v.optional("tags", r.tags, |t| parse_tags(&t));
        let status = v.optional("status", r.status, |s| ArticleStatus::parse(&s));
        v.finish()?;
        match (section, locale, title, slug, body, visibility, tags, status) {
            (
                Some(section_id),
                Some(locale),
                Some(title),
                Some(slug),
                Some(body),
                Some(visibility),
                Some(tags),
                Some(status),
            ) => Ok(NewArticle {
                section_id,
                locale,
                title,
                slug,
                body,
                visibility: visibility.unwrap_or(Visibility::Public),
                tags: tags.unwrap_or_default(),
                status,
                position: r.position,
            }),
            _ => Err(DomainError::Internal("a parsed field went missing".into())),
        }
    }
}

/// `PATCH /v1/kb/articles/{id}`: every field optional.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ArticlePatchRequest {
    /// Moves it to another section (of any category).
    section_id: Option<String>,
    position: Option<u32>,
    /// `draft`, `published` or `archived`.
    status: Option<String>,
    /// `public`, `customers` or `internal`.
    visibility: Option<String>,
    tags: Option<Vec<String>>,
}

impl TryFrom<ArticlePatchRequest> for ArticlePatch {
    type Error = DomainError;

    fn try_from(r: ArticlePatchRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let section = v.optional("sectionId", r.section_id, |s| parse_id::<SectionId>(&s));
        let status = v.optional("status", r.status, |s| ArticleStatus::parse(&s));
        let visibility = v.optional("visibility", r.visibility, |x| Visibility::parse(&x));
        let tags = v.optional("tags", r.tags, |t| parse_tags(&t));
        v.finish()?;
        Ok(ArticlePatch {
            section_id: section.flatten(),
            position: r.position,
            status: status.flatten(),
            visibility: visibility.flatten(),
            tags: tags.flatten(),
        })
    }
}

/// `PUT /v1/kb/articles/{id}/translations/{locale}`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TranslationRequest {
    title: String,
    /// Kept (or, for a new translation, made from the title) when absent.
    slug: Option<String>,
    /// Markdown, at most 256 KiB.
    body: String,
    /// On a published article: keep this as a draft, readers go on seeing
    /// the current text until `…/publish`.
    #[serde(default)]
    draft: bool,
}

impl TryFrom<TranslationRequest> for TranslationInput {
    type Error = DomainError;

    fn try_from(r: TranslationRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let title = v.field("title", parse_title(&r.title));
        let slug = v.optional("slug", r.slug, |s| Slug::parse(&s));
        let body = v.field("body", parse_body(r.body));
        v.finish()?;
        match (title, slug, body) {
            (Some(title), Some(slug), Some(body)) => Ok(TranslationInput {
                title,
                slug,
                body,
                draft: r.draft,
            }),
            _ => Err(DomainError::Internal("a parsed field went missing".into())),
        }
    }
}

/// `PUT /v1/kb/settings`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SettingsRequest {
    /// What readers get when their locale has no translation.
    default_locale: String,
    /// The locales articles may be written in (the default is added).
    locales: Vec<String>,
    /// Agents who may write articles.
    #[serde(default)]
    editors: Vec<String>,
}

impl TryFrom<SettingsRequest> for SettingsInput {
    type Error = DomainError;

    fn try_from(r: SettingsRequest) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let default_locale = v.field("defaultLocale", Locale::parse(&r.default_locale));
        let locales: Vec<Locale> = r
            .locales
            .iter()
            .enumerate()
            .filter_map(|(i, l)| v.field(&format!("locales.{i}"), Locale::parse(l)))
            .collect();
        let editors: Vec<UserId> = r
            .editors
            .iter()
            .enumerate()
            .filter_map(|(i, e)| v.field(&format!("editors.{i}"), parse_id::<UserId>(e)))
            .collect();
        v.finish()?;
        let Some(default_locale) = default_locale else {
            return Err(DomainError::Internal("a parsed field went missing".into()));
        };
        Ok(SettingsInput {
            default_locale,
            locales,
            editors,
        })
    }
}

/// `articleIds` as ids, every bad one named by its index.
pub(crate) fn parse_article_ids(raw: &[String]) -> Result<Vec<ArticleId>, DomainError> {
    let mut v = Validator::new();
    let ids = raw
        .iter()
        .enumerate()
        .filter_map(|(i, a)| v.field(&format!("articleIds.{i}"), parse_id::<ArticleId>(a)))
        .collect();
    v.finish()?;
    Ok(ids)
}
