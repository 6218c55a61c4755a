//! Writing a locale's text: save a translation (as what readers see, or
//! as a draft of a published article), publish a draft, restore a
//! revision, remove a translation. Each is one write at the article's
//! version, keeping a revision.

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::permissions::Principal;
use crate::kb::article::{Article, ArticleStatus, Revision, RevisionKind, Slug, Translation};
use crate::kb::events::ArticleChanged;
use crate::kb::locale::Locale;
use crate::kb::ports::{ArticleStore, ArticleWrite, KbSettingsStore, StructureStore};
use crate::kb::service::KnowledgeBase;
use crate::kb::settings::MAX_LOCALES;
use crate::kb::writing::{
    check_version, event, locale_field, revision_of, slug_for, slug_taken, summary_of,
    translation_of,
};
use crate::kernel::events::{DomainEvent, EventType};
use crate::kernel::ids::{ArticleId, RevisionId};

/// A translation's new text.
#[derive(Debug, Clone, PartialEq)]
pub struct TranslationInput {
    pub title: String,
    /// Kept (or made from the title, for a new translation) when absent.
    pub slug: Option<Slug>,
    pub body: String,
    /// On a published article, keep this as a draft: readers go on seeing
    /// the current text until the draft is published.
    pub draft: bool,
}

impl<S, I> KnowledgeBase<S, I>
where
    S: KbSettingsStore + StructureStore + ArticleStore,
{
    /// Saves a locale's text (a new translation, or a new revision of
    /// one). On a published article `draft` keeps it as a draft revision;
    /// otherwise readers see it at once.
    pub async fn save_translation(
        &self,
        principal: &Principal,
        id: ArticleId,
        locale: Locale,
        input: TranslationInput,
        if_match: u64,
        now: Timestamp,
    ) -> Result<(Article, Translation), DomainError> {
        let (article, settings) = self.for_writing(principal, id).await?;
        check_version(&article, if_match)?;
        let locale = locale_field(&settings, locale)?;
        let current = self
            .store()
            .translation(article.tenant_id, id, &locale)
            .await?;
        if current.is_none() && article.translations.len() >= MAX_LOCALES {
            return Err(DomainError::field(
                "locale",
                "too_many",
                format!("an article has at most {MAX_LOCALES} translations"),
            ));
        }
        let slug = input
            .slug
            .or_else(|| current.as_ref().map(|t| t.slug.clone()))
            .unwrap_or_else(|| slug_for(&input.title, id));
        // A draft waits only where readers see a text now; a new
        // translation saved as a draft is kept from readers instead.
        let (kind, live) = match (&current, input.draft) {
            (Some(t), true) if t.live && article.status == ArticleStatus::Published => {
                (RevisionKind::Draft, true)
            }
            // Nothing readers see waits on it: saved as it is, a text
            // readers were to be served stays so.
            (Some(t), true) => (RevisionKind::Saved, t.live),
            (None, true) => (RevisionKind::Saved, false),
            (_, false) => (RevisionKind::Saved, true),
        };
        let revision = Revision {
            id: next_revision(current.as_ref()),
            tenant_id: article.tenant_id,
            article_id: id,
            locale: locale.clone(),
            title: input.title,
            slug,
            body: input.body,
            kind,
            author_id: principal.user_id(),
            created_at: now,
        };
        self.apply_revision(principal, article, current, revision, live, now)
            .await
    }

    /// Makes a revision the translation's text, or (a draft) the
    /// translation's pending draft, in one write.
    async fn apply_revision(
        &self,
        principal: &Principal,
        before: Article,
        current: Option<Translation>,
        revision: Revision,
        live: bool,
        now: Timestamp,
    ) -> Result<(Article, Translation), DomainError> {
        let locale = revision.locale.clone();
        let translation = match (&current, revision.kind) {
            (Some(t), RevisionKind::Draft) => Translation {
                draft: Some(revision.id),
                updated_at: now,
                updated_by: revision.author_id,
                ..t.clone()
            },
            _ => translation_of(&revision, live, None),
        };
        let mut changed = Vec::new();
        if revision.kind == RevisionKind::Draft {
            changed.push("draft");
        } else {
            match &current {
                None => changed.push("translation"),
                Some(t) => {
                    if t.title != translation.title {
                        changed.push("title");
                    }
                    if t.body != translation.body {
                        changed.push("body");
                    }
                    if t.slug != translation.slug {
                        changed.push("slug");
                    }
                    if t.live != translation.live {
                        changed.push("translation");
                    }
                }
            }
        }
        let mut article = before.clone();
        article
            .translations
            .insert(locale.clone(), summary_of(&translation));
        article.version += 1;
        article.updated_at = now;
        // Readers see a change of the text of a live translation of a
        // published article; drafts and hidden translations announce
        // nothing.
        let seen = article.status == ArticleStatus::Published
            && revision.kind != RevisionKind::Draft
            && (translation.live || current.as_ref().is_some_and(|t| t.live))
            && !changed.is_empty();
        let events: Vec<DomainEvent> = seen
            .then(|| {
                event(
                    EventType::ArticleUpdated,
                    &article,
                    principal,
                    now,
                    &ArticleChanged::of(&article, Some(&locale), &changed),
                )
            })
            .into_iter()
            .collect();
        let old_slug = current.as_ref().map(|t| &t.slug);
        let moved = old_slug != Some(&translation.slug);
        self.store()
            .write_article(ArticleWrite {
                article: &article,
                expected: Some(before.version),
                translation: Some(&translation),
                removed: None,
                revision: Some(&revision),
                claim: moved.then_some((&locale, &translation.slug)),
                release: old_slug.filter(|_| moved).map(|s| (&locale, s)),
                events: &events,
            })
            .await
            .map_err(slug_taken)?;
        Ok((article, translation))
    }

    /// Publishes a locale's pending draft (or a translation kept from
    /// readers): readers see it from this write on.
    pub async fn publish_draft(
        &self,
        principal: &Principal,
        id: ArticleId,
        locale: Locale,
        if_match: u64,
        now: Timestamp,
    ) -> Result<(Article, Translation), DomainError> {
        let (article, _) = self.for_writing(principal, id).await?;
        check_version(&article, if_match)?;
        let tenant = article.tenant_id;
        let current = self
            .store()
            .translation(tenant, id, &locale)
            .await?
            .ok_or(DomainError::NotFound)?;
        let draft = match current.draft {
            Some(rev) => self
                .store()
                .revision(tenant, id, &locale, rev)
                .await?
                .ok_or_else(|| DomainError::Internal(format!("draft revision {rev} is missing")))?,
            None if !current.live => revision_of(&current),
            None => {
                return Err(DomainError::field(
                    "locale",
                    "no_draft",
                    format!("the `{locale}` translation has no draft to publish"),
                ));
            }
        };
        let translation = translation_of(&draft, true, None);
        let mut changed = vec!["draft"];
        if translation.slug != current.slug {
            changed.push("slug");
        }
        let mut next = article.clone();
        next.translations
            .insert(locale.clone(), summary_of(&translation));
        next.version += 1;
        next.updated_at = now;
        let events: Vec<DomainEvent> = (next.status == ArticleStatus::Published)
            .then(|| {
                event(
                    EventType::ArticlePublished,
                    &next,
                    principal,
                    now,
                    &ArticleChanged::of(&next, Some(&locale), &changed),
                )
            })
            .into_iter()
            .collect();
        let moved = translation.slug != current.slug;
        self.store()
            .write_article(ArticleWrite {
                article: &next,
                expected: Some(article.version),
                translation: Some(&translation),
                removed: None,
                revision: None,
                claim: moved.then_some((&locale, &translation.slug)),
                release: moved.then_some((&locale, &current.slug)),
                events: &events,
            })
            .await
            .map_err(slug_taken)?;
        Ok((next, translation))
    }

    /// Brings a former revision back as the translation's text (a new
    /// revision, so the history keeps what it replaced).
    pub async fn restore_revision(
        &self,
        principal: &Principal,
        id: ArticleId,
        locale: Locale,
        revision: RevisionId,
        if_match: u64,
        now: Timestamp,
    ) -> Result<(Article, Translation), DomainError> {
        let (article, _) = self.for_writing(principal, id).await?;
        check_version(&article, if_match)?;
        let tenant = article.tenant_id;
        let old = self
            .store()
            .revision(tenant, id, &locale, revision)
            .await?
            .ok_or(DomainError::NotFound)?;
        let current = self.store().translation(tenant, id, &locale).await?;
        let restored = Revision {
            id: next_revision(current.as_ref()),
            kind: RevisionKind::Restored,
            author_id: principal.user_id(),
            created_at: now,
            ..old
        };
        self.apply_revision(principal, article, current, restored, true, now)
            .await
    }

    /// Removes a locale's translation (never the default locale's).
    pub async fn delete_translation(
        &self,
        principal: &Principal,
        id: ArticleId,
        locale: Locale,
        if_match: u64,
        now: Timestamp,
    ) -> Result<Article, DomainError> {
        let (article, settings) = self.for_writing(principal, id).await?;
        check_version(&article, if_match)?;
        if locale == settings.default_locale {
            return Err(DomainError::field(
                "locale",
                "default_locale",
                "the default locale's translation cannot be removed",
            ));
        }
        let current = self
            .store()
            .translation(article.tenant_id, id, &locale)
            .await?
            .ok_or(DomainError::NotFound)?;
        let mut next = article.clone();
        next.translations.remove(&locale);
        next.version += 1;
        next.updated_at = now;
        let events: Vec<DomainEvent> = (next.status == ArticleStatus::Published && current.live)
            .then(|| {
                event(
                    EventType::ArticleUpdated,
                    &next,
                    principal,
                    now,
                    &ArticleChanged::of(&next, Some(&locale), &["translation"]),
                )
            })
            .into_iter()
            .collect();
        self.store()
            .write_article(ArticleWrite {
                article: &next,
                expected: Some(article.version),
                translation: None,
                removed: Some(&locale),
                revision: None,
                claim: None,
                release: Some((&locale, &current.slug)),
                events: &events,
            })
            .await?;
        Ok(next)
    }
}

/// A new revision's id, after every revision the translation has (ids
/// made within one millisecond would otherwise sort at random, and the
/// history reads newest first by id).
fn next_revision(current: Option<&Translation>) -> RevisionId {
    let id = RevisionId::new().ulid();
    let latest = current
        .into_iter()
        .flat_map(|t| std::iter::once(t.revision_id).chain(t.draft))
        .map(|r| r.ulid())
        .max();
    match latest {
        Some(l) if id <= l => RevisionId::from_ulid(l.increment().unwrap_or(id)),
        _ => RevisionId::from_ulid(id),
    }
}
