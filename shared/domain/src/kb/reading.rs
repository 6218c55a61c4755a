//! Reading articles as staff: one with its text in a locale, its pending
//! draft and its counts; lists by section or by last change; revisions.

use crate::DomainError;
use crate::accounts::permissions::Principal;
use crate::kb::article::{Article, ArticleStatus, Revision, Translation};
use crate::kb::locale::Locale;
use crate::kb::ports::{ArticleStats, ArticleStore, FeedbackStore, KbSettingsStore};
use crate::kb::service::{KnowledgeBase, require_staff};
use crate::kernel::ids::{ArticleId, SectionId};
use crate::kernel::pagination::{Page, PageRequest};

/// An article as staff see it.
#[derive(Debug, Clone)]
pub struct ArticleView {
    pub article: Article,
    /// The text in the locale asked for, else in the default locale.
    pub translation: Option<Translation>,
    /// The locale asked for has no translation: this is the default's.
    pub fallback: bool,
    /// The locale's pending draft, if it has one.
    pub draft: Option<Revision>,
    pub stats: ArticleStats,
}

/// Which articles a staff list holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleFilter {
    pub section_id: Option<SectionId>,
    pub status: Option<ArticleStatus>,
}

/// How many pages of the table a filtered list reads to fill one.
const FILL_READS: usize = 5;

impl<S, I> KnowledgeBase<S, I>
where
    S: KbSettingsStore + ArticleStore + FeedbackStore,
{
    /// The article, for staff; `NotFound` for anyone else.
    pub async fn article(
        &self,
        principal: &Principal,
        id: ArticleId,
    ) -> Result<Article, DomainError> {
        require_staff(principal).map_err(|_| DomainError::NotFound)?;
        self.store()
            .article(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn article_view(
        &self,
        principal: &Principal,
        id: ArticleId,
        locale: Option<Locale>,
    ) -> Result<ArticleView, DomainError> {
        let article = self.article(principal, id).await?;
        let tenant = article.tenant_id;
        let settings = self.settings_of(tenant).await?;
        let asked = locale.unwrap_or_else(|| settings.default_locale.clone());
        let found = self
            .store()
            .translations(
                tenant,
                id,
                &[asked.clone(), settings.default_locale.clone()],
            )
            .await?;
        let exact = found.iter().find(|t| t.locale == asked).cloned();
        let fallback = exact.is_none();
        let translation = exact.or_else(|| {
            found
                .into_iter()
                .find(|t| t.locale == settings.default_locale)
        });
        let draft = match translation.as_ref().and_then(|t| t.draft.map(|d| (t, d))) {
            Some((t, rev)) if !fallback => {
                self.store().revision(tenant, id, &t.locale, rev).await?
            }
            _ => None,
        };
        let stats = self.store().article_stats(tenant, id).await?;
        Ok(ArticleView {
            article,
            translation,
            fallback,
            draft,
            stats,
        })
    }

    /// Articles for staff: a section's in order, or all by last change.
    pub async fn articles(
        &self,
        principal: &Principal,
        filter: &ArticleFilter,
        page: &PageRequest,
    ) -> Result<Page<Article>, DomainError> {
        require_staff(principal)?;
        let tenant = principal.tenant_id();
        let keep = |a: &Article| filter.status.is_none_or(|s| a.status == s);
        if let Some(section) = filter.section_id {
            let mut items = self.store().section_articles(tenant, section).await?;
            items.retain(keep);
            return Ok(Page {
                items,
                next_cursor: None,
            });
        }
        let mut page = page.clone();
        let mut items = Vec::new();
        for _ in 0..FILL_READS {
            let read = self.store().articles(tenant, &page).await?;
            items.extend(read.items.into_iter().filter(keep));
            page.cursor = read.next_cursor;
            if items.len() >= page.limit as usize || page.cursor.is_none() {
                break;
            }
        }
        Ok(Page {
            items,
            next_cursor: page.cursor,
        })
    }

    pub async fn revisions(
        &self,
        principal: &Principal,
        id: ArticleId,
        locale: &Locale,
        page: &PageRequest,
    ) -> Result<Page<Revision>, DomainError> {
        let article = self.article(principal, id).await?;
        Ok(self
            .store()
            .revisions(article.tenant_id, id, locale, page)
            .await?)
    }
}
