//! Writing articles: create one in a locale, save a translation (as the
//! text readers see, or as a draft of a published article), publish a
//! draft, restore a revision, change status, place, visibility or tags,
//! reorder a section and delete. Every save keeps a revision; every change
//! is written in one transaction with its event, at the version the
//! writer read (`If-Match`).
//!
//! Events concern what readers see: `article.published` when an article
//! becomes public (or a draft replaces a public text), `article.updated`
//! when a published article changes, `article.archived` when it stops
//! being public (deletion too). A draft's changes announce nothing.

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::permissions::Principal;
use crate::kb::article::{
    Article, ArticleStatus, Revision, RevisionKind, Slug, Translation, TranslationSummary,
    Visibility,
};
use crate::kb::events::ArticleChanged;
use crate::kb::locale::Locale;
use crate::kb::ports::{ArticleStore, ArticleWrite, KbSettingsStore, StructureStore};
use crate::kb::service::{KnowledgeBase, require_writer};
use crate::kb::settings::KbSettings;
use crate::kernel::error::{Conflict, StoreError};
use crate::kernel::events::{DomainEvent, EventType, Subject};
use crate::kernel::ids::{ArticleId, RevisionId, SectionId};

/// The most articles one reorder moves (one transaction).
pub const MAX_REORDER: usize = 100;

/// A new article, in one locale.
#[derive(Debug, Clone, PartialEq)]
pub struct NewArticle {
    pub section_id: SectionId,
    /// The default locale when absent.
    pub locale: Option<Locale>,
    pub title: String,
    /// Made from the title when absent.
    pub slug: Option<Slug>,
    pub body: String,
    pub visibility: Visibility,
    pub tags: Vec<String>,
    /// `draft` when absent.
    pub status: Option<ArticleStatus>,
    pub position: Option<u32>,
}

/// A change to an article itself; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticlePatch {
    pub section_id: Option<SectionId>,
    pub position: Option<u32>,
    pub status: Option<ArticleStatus>,
    pub visibility: Option<Visibility>,
    pub tags: Option<Vec<String>>,
}

pub(crate) fn event(
    kind: EventType,
    article: &Article,
    principal: &Principal,
    now: Timestamp,
    payload: &ArticleChanged,
) -> DomainEvent {
    DomainEvent::new(
        kind,
        article.tenant_id,
        now,
        principal.actor(),
        Subject {
            article_id: Some(article.id),
            ..Subject::default()
        },
        payload,
    )
}

/// A write the caller named no version for that found one changed: a
/// conflict, not a failed precondition.
pub(crate) fn concurrent(e: StoreError) -> DomainError {
    match e {
        StoreError::VersionMismatch => DomainError::Conflict(Conflict::Concurrent),
        other => other.into(),
    }
}

/// A slug another article of the locale has is the slug field's error.
pub(crate) fn slug_taken(e: StoreError) -> DomainError {
    match e {
        StoreError::Conflict(Conflict::SlugTaken) => DomainError::field(
            "slug",
            "taken",
            "another article has this slug in this locale",
        ),
        other => other.into(),
    }
}

pub(crate) fn check_version(article: &Article, if_match: u64) -> Result<(), DomainError> {
    if article.version == if_match {
        Ok(())
    } else {
        Err(DomainError::PreconditionFailed)
    }
}

pub(crate) fn locale_field(settings: &KbSettings, locale: Locale) -> Result<Locale, DomainError> {
    settings
        .enabled(locale)
        .map_err(|e| DomainError::field("locale", e.code, e.message))
}

/// The article's slug for a text without one: from its title, or its id.
pub(crate) fn slug_for(title: &str, id: ArticleId) -> Slug {
    Slug::from_title(title).unwrap_or_else(|| Slug::of_id(id))
}

impl<S, I> KnowledgeBase<S, I>
where
    S: KbSettingsStore + StructureStore + ArticleStore,
{
    /// The article as a writer may change it: `NotFound` for anyone who
    /// may not read it as staff.
    pub(crate) async fn for_writing(
        &self,
        principal: &Principal,
        id: ArticleId,
    ) -> Result<(Article, KbSettings), DomainError> {
        crate::kb::service::require_staff(principal).map_err(|_| DomainError::NotFound)?;
        let tenant = principal.tenant_id();
        let article = self
            .store()
            .article(tenant, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let settings = self.settings_of(tenant).await?;
        require_writer(principal, &settings)?;
        Ok((article, settings))
    }

    pub async fn create_article(
        &self,
        principal: &Principal,
        input: NewArticle,
        now: Timestamp,
    ) -> Result<(Article, Translation), DomainError> {
        let tenant = principal.tenant_id();
        let settings = self.settings_of(tenant).await?;
        require_writer(principal, &settings)?;
        let locale = locale_field(
            &settings,
            input
                .locale
                .unwrap_or_else(|| settings.default_locale.clone()),
        )?;
        let section = self
            .store()
            .section(tenant, input.section_id)
            .await?
            .ok_or_else(|| {
                DomainError::field(
                    "sectionId",
                    "not_found",
                    format!("no section {}", input.section_id),
                )
            })?;
        let id = ArticleId::new();
        let slug = input.slug.unwrap_or_else(|| slug_for(&input.title, id));
        let status = input.status.unwrap_or(ArticleStatus::Draft);
        let position = match input.position {
            Some(p) => p,
            None => self
                .store()
                .section_articles(tenant, section.id)
                .await?
                .iter()
                .map(|a| a.position.saturating_add(1))
                .max()
                .unwrap_or(0),
        };
        let author = principal.user_id();
        let revision = Revision {
            id: RevisionId::new(),
            tenant_id: tenant,
            article_id: id,
            locale: locale.clone(),
            title: input.title,
            slug,
            body: input.body,
            kind: RevisionKind::Saved,
            author_id: author,
            created_at: now,
        };
        let translation = translation_of(&revision, true, None);
        let article = Article {
            id,
            tenant_id: tenant,
            category_id: section.category_id,
            section_id: section.id,
            position,
            status,
            visibility: input.visibility,
            tags: input.tags,
            author_id: author,
            translations: [(locale.clone(), summary_of(&translation))].into(),
            created_at: now,
            updated_at: now,
            published_at: (status == ArticleStatus::Published).then_some(now),
            version: 1,
        };
        let events: Vec<DomainEvent> = (status == ArticleStatus::Published)
            .then(|| {
                event(
                    EventType::ArticlePublished,
                    &article,
                    principal,
                    now,
                    &ArticleChanged::of(&article, Some(&locale), &["status"]),
                )
            })
            .into_iter()
            .collect();
        self.store()
            .write_article(ArticleWrite {
                article: &article,
                expected: None,
                translation: Some(&translation),
                removed: None,
                revision: Some(&revision),
                claim: Some((&locale, &translation.slug)),
                release: None,
                events: &events,
            })
            .await
            .map_err(slug_taken)?;
        Ok((article, translation))
    }

    /// Changes status, place, visibility or tags.
    pub async fn update_article(
        &self,
        principal: &Principal,
        id: ArticleId,
        patch: ArticlePatch,
        if_match: u64,
        now: Timestamp,
    ) -> Result<Article, DomainError> {
        let (before, _) = self.for_writing(principal, id).await?;
        check_version(&before, if_match)?;
        let mut article = before.clone();
        let mut changed = Vec::new();
        if let Some(section) = patch.section_id
            && section != article.section_id
        {
            let section = self
                .store()
                .section(article.tenant_id, section)
                .await?
                .ok_or_else(|| {
                    DomainError::field("sectionId", "not_found", format!("no section {section}"))
                })?;
            article.section_id = section.id;
            article.category_id = section.category_id;
            changed.push("section");
        }
        if let Some(p) = patch.position
            && p != article.position
        {
            article.position = p;
            changed.push("position");
        }
        if let Some(v) = patch.visibility
            && v != article.visibility
        {
            article.visibility = v;
            changed.push("visibility");
        }
        if let Some(tags) = patch.tags
            && tags != article.tags
        {
            article.tags = tags;
            changed.push("tags");
        }
        if let Some(s) = patch.status
            && s != article.status
        {
            article.status = s;
            if s == ArticleStatus::Published {
                article.published_at = Some(now);
            }
            changed.push("status");
        }
        if changed.is_empty() {
            return Ok(article);
        }
        article.version += 1;
        article.updated_at = now;
        let was = before.status == ArticleStatus::Published;
        let is = article.status == ArticleStatus::Published;
        let kind = match (was, is) {
            (false, true) => Some(EventType::ArticlePublished),
            (true, false) => Some(EventType::ArticleArchived),
            (true, true) => Some(EventType::ArticleUpdated),
            (false, false) => None,
        };
        let events: Vec<DomainEvent> = kind
            .map(|kind| {
                event(
                    kind,
                    &article,
                    principal,
                    now,
                    &ArticleChanged::of(&article, None, &changed),
                )
            })
            .into_iter()
            .collect();
        self.store()
            .write_article(ArticleWrite::article(&article, before.version, &events))
            .await?;
        Ok(article)
    }

    /// Deletes the article, its translations and revisions.
    pub async fn delete_article(
        &self,
        principal: &Principal,
        id: ArticleId,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let (article, _) = self.for_writing(principal, id).await?;
        if let Some(v) = if_match {
            check_version(&article, v)?;
        }
        let mut payload = ArticleChanged::of(&article, None, &[]);
        payload.deleted = true;
        let events: Vec<DomainEvent> = (article.status == ArticleStatus::Published)
            .then(|| {
                event(
                    EventType::ArticleArchived,
                    &article,
                    principal,
                    now,
                    &payload,
                )
            })
            .into_iter()
            .collect();
        Ok(self.store().delete_article(&article, &events).await?)
    }

    /// Puts a section's articles in the order given (those left out keep
    /// their place after them).
    pub async fn reorder_section(
        &self,
        principal: &Principal,
        section: SectionId,
        order: &[ArticleId],
    ) -> Result<Vec<Article>, DomainError> {
        let tenant = principal.tenant_id();
        let settings = self.settings_of(tenant).await?;
        crate::kb::service::require_staff(principal).map_err(|_| DomainError::NotFound)?;
        self.store()
            .section(tenant, section)
            .await?
            .ok_or(DomainError::NotFound)?;
        require_writer(principal, &settings)?;
        if order.len() > MAX_REORDER {
            return Err(DomainError::field(
                "articleIds",
                "too_many",
                format!("at most {MAX_REORDER} articles at once"),
            ));
        }
        let mut articles = self.store().section_articles(tenant, section).await?;
        if let Some(stranger) = order
            .iter()
            .find(|id| !articles.iter().any(|a| a.id == **id))
        {
            return Err(DomainError::field(
                "articleIds",
                "not_in_section",
                format!("{stranger} is not an article of this section"),
            ));
        }
        let rank = |a: &Article| {
            order
                .iter()
                .position(|id| *id == a.id)
                .unwrap_or(order.len() + a.position as usize)
        };
        articles.sort_by_key(rank);
        let mut moved = Vec::new();
        // A place is not a change of the text: `updatedAt` stays (it is
        // what readers and lists date an article by).
        for (i, article) in articles.iter_mut().enumerate() {
            let position = u32::try_from(i).unwrap_or(u32::MAX);
            if article.position != position {
                article.position = position;
                article.version += 1;
                moved.push(article.clone());
            }
        }
        for chunk in moved.chunks(MAX_REORDER) {
            self.store()
                .put_articles(chunk, &[])
                .await
                .map_err(concurrent)?;
        }
        Ok(articles)
    }
}

/// The translation a revision makes.
pub(crate) fn translation_of(
    revision: &Revision,
    live: bool,
    draft: Option<RevisionId>,
) -> Translation {
    Translation {
        tenant_id: revision.tenant_id,
        article_id: revision.article_id,
        locale: revision.locale.clone(),
        title: revision.title.clone(),
        slug: revision.slug.clone(),
        body: revision.body.clone(),
        revision_id: revision.id,
        updated_by: revision.author_id,
        updated_at: revision.created_at,
        live,
        draft,
    }
}

/// The revision a translation's text is (publishing a hidden translation
/// publishes its own text).
pub(crate) fn revision_of(t: &Translation) -> Revision {
    Revision {
        id: t.revision_id,
        tenant_id: t.tenant_id,
        article_id: t.article_id,
        locale: t.locale.clone(),
        title: t.title.clone(),
        slug: t.slug.clone(),
        body: t.body.clone(),
        kind: RevisionKind::Saved,
        author_id: t.updated_by,
        created_at: t.updated_at,
    }
}

pub(crate) fn summary_of(t: &Translation) -> TranslationSummary {
    TranslationSummary {
        title: t.title.clone(),
        slug: t.slug.to_string(),
        updated_at: t.updated_at,
        live: t.live,
        draft: t.draft.is_some(),
    }
}
