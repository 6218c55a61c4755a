//! Finding articles: the help center's search box (every word must
//! match), suggestions from what a customer is about to write or a
//! ticket's text (the best matches of any word), staff search; and
//! keeping the index up to date. The index holds the live translations of
//! published articles only; what it returns is checked against the table,
//! which has the last word (an article unpublished a second ago is not
//! shown).

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::permissions::Principal;
use crate::kb::article::{Article, ArticleStatus, Reader};
use crate::kb::help_center::{HelpContext, day_of};
use crate::kb::markdown;
use crate::kb::ports::{
    ArticleDocument, ArticleHit, ArticleIndex, ArticleQuery, ArticleStore, FeedbackStore,
    KbSettingsStore,
};
use crate::kb::service::{KnowledgeBase, require_staff};
use crate::kernel::ids::{ArticleId, CategoryId, SectionId, TenantId};

/// The longest search read, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// The most text suggestions read (a subject and a description).
pub const MAX_SUGGEST_CHARS: usize = 5_000;
/// How many suggestions are made.
pub const SUGGESTIONS: usize = 5;
/// The most results a search pages through.
pub const MAX_RESULTS: usize = 500;

/// A search as asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArticleSearch {
    pub q: String,
    pub category_id: Option<CategoryId>,
    pub section_id: Option<SectionId>,
    pub tags: Vec<String>,
    pub offset: usize,
    pub limit: usize,
}

/// An article found, with where it matched.
#[derive(Debug, Clone)]
pub struct FoundArticle {
    pub article: Article,
    pub hit: ArticleHit,
}

#[derive(Debug, Clone)]
pub struct FoundArticles {
    pub items: Vec<FoundArticle>,
    pub total: usize,
    pub next_offset: Option<usize>,
}

/// A search's `limit` (1 to `max`, 10 by default) and offset cursor
/// (`o20`), as (offset, limit); a bad one is noted in `v`.
pub fn parse_page(
    limit: Option<i64>,
    cursor: Option<&str>,
    max: usize,
    v: &mut crate::kernel::validation::Validator,
) -> (usize, usize) {
    use crate::kernel::error::FieldError;
    let limit = match limit.map(usize::try_from) {
        None => 10,
        Some(Ok(n)) if (1..=max).contains(&n) => n,
        Some(_) => {
            v.push(FieldError::new(
                "limit",
                "invalid_value",
                format!("1 to {max}"),
            ));
            10
        }
    };
    let offset = match cursor.map(|c| c.strip_prefix('o').and_then(|n| n.parse().ok())) {
        None => 0,
        Some(Some(n)) => n,
        Some(None) => {
            v.push(FieldError::new(
                "cursor",
                "invalid_cursor",
                "not a cursor of this search",
            ));
            0
        }
    };
    (offset, limit)
}

/// Comma-separated tags (`billing,vip`) as a filter.
pub fn parse_tag_filter(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default()
        .split(',')
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

fn query_text(q: &str, max: usize, field: &str) -> Result<String, DomainError> {
    let text = q.trim();
    if text.is_empty() {
        return Err(DomainError::field(
            field,
            "required",
            "type what you are looking for",
        ));
    }
    if text.chars().count() > max {
        return Err(DomainError::field(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// How a search is kept among a day's unanswered ones: lowercase, single
/// spaces.
fn normalized(q: &str) -> String {
    q.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl<S, I> KnowledgeBase<S, I>
where
    S: KbSettingsStore + ArticleStore + FeedbackStore,
    I: ArticleIndex,
{
    async fn find(
        &self,
        tenant: TenantId,
        reader: Reader,
        query: ArticleQuery,
    ) -> Result<FoundArticles, DomainError> {
        let (offset, limit) = (query.offset, query.limit);
        let hits = self.index().search_articles(tenant, &query).await?;
        let ids: Vec<ArticleId> = hits.hits.iter().map(|h| h.article_id).collect();
        let mut found: HashMap<ArticleId, Article> = self
            .store()
            .articles_by_id(tenant, &ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let items = hits
            .hits
            .into_iter()
            .filter_map(|hit| {
                let article = found.remove(&hit.article_id)?;
                let served = article
                    .translations
                    .get(&hit.locale)
                    .is_some_and(|t| t.live);
                (reader.may_read_published(&article) && served)
                    .then_some(FoundArticle { article, hit })
            })
            .collect();
        let total = hits.total.min(MAX_RESULTS);
        let next = offset + limit;
        Ok(FoundArticles {
            items,
            total,
            next_offset: (next < total).then_some(next),
        })
    }

    fn help_query(
        ctx: &HelpContext,
        search: &ArticleSearch,
        text: String,
        all_words: bool,
    ) -> ArticleQuery {
        let mut locales = vec![ctx.locale.clone()];
        if ctx.settings.default_locale != ctx.locale {
            locales.push(ctx.settings.default_locale.clone());
        }
        ArticleQuery {
            text,
            all_words,
            locales,
            visibilities: ctx.reader.visibilities().to_vec(),
            category_id: search.category_id,
            section_id: search.section_id,
            tags: search.tags.clone(),
            offset: search.offset.min(MAX_RESULTS),
            limit: search.limit.clamp(1, 100),
        }
    }

    /// The help center's search: published articles the reader may read,
    /// in their locale or the default. A search that finds nothing is
    /// counted by its words for the knowledge manager.
    pub async fn help_search(
        &self,
        ctx: &HelpContext,
        search: &ArticleSearch,
        now: Timestamp,
    ) -> Result<FoundArticles, DomainError> {
        let text = query_text(&search.q, MAX_QUERY_CHARS, "q")?;
        let query = Self::help_query(ctx, search, text.clone(), true);
        let found = self.find(ctx.tenant.id, ctx.reader, query).await?;
        if search.offset == 0
            && let Err(e) = self
                .store()
                .count_search(
                    ctx.tenant.id,
                    &normalized(&text),
                    !found.items.is_empty(),
                    day_of(&ctx.tenant, now),
                )
                .await
        {
            // A count that fails costs the insights a search, never the
            // reader their results.
            tracing::warn!(error = %e, "a search was not counted");
        }
        Ok(found)
    }

    /// The articles that may answer what a customer is about to ask.
    pub async fn help_suggest(
        &self,
        ctx: &HelpContext,
        subject: &str,
        description: &str,
    ) -> Result<Vec<FoundArticle>, DomainError> {
        let text: String = format!("{subject}\n{description}")
            .chars()
            .take(MAX_SUGGEST_CHARS)
            .collect();
        let text = query_text(&text, MAX_SUGGEST_CHARS, "subject")?;
        let search = ArticleSearch {
            limit: SUGGESTIONS,
            ..ArticleSearch::default()
        };
        let query = Self::help_query(ctx, &search, text, false);
        Ok(self.find(ctx.tenant.id, ctx.reader, query).await?.items)
    }

    /// Staff search: published articles of every visibility, in every
    /// locale (drafts are in the lists by section).
    pub async fn search_articles(
        &self,
        principal: &Principal,
        search: &ArticleSearch,
    ) -> Result<FoundArticles, DomainError> {
        require_staff(principal)?;
        let text = query_text(&search.q, MAX_QUERY_CHARS, "q")?;
        let tenant = principal.tenant_id();
        let settings = self.settings_of(tenant).await?;
        let query = ArticleQuery {
            text,
            all_words: true,
            locales: settings.locales.clone(),
            visibilities: Reader::Staff.visibilities().to_vec(),
            category_id: search.category_id,
            section_id: search.section_id,
            tags: search.tags.clone(),
            offset: search.offset.min(MAX_RESULTS),
            limit: search.limit.clamp(1, 100),
        };
        self.find(tenant, Reader::Staff, query).await
    }

    /// Suggestions from a text for staff (a ticket's subject and first
    /// message): every visibility, the default locale first.
    pub async fn suggest_for_staff(
        &self,
        tenant: TenantId,
        text: &str,
    ) -> Result<Vec<FoundArticle>, DomainError> {
        let text: String = text.chars().take(MAX_SUGGEST_CHARS).collect();
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let settings = self.settings_of(tenant).await?;
        let query = ArticleQuery {
            text,
            all_words: false,
            locales: settings.locales.clone(),
            visibilities: Reader::Staff.visibilities().to_vec(),
            category_id: None,
            section_id: None,
            tags: Vec::new(),
            offset: 0,
            limit: SUGGESTIONS,
        };
        Ok(self.find(tenant, Reader::Staff, query).await?.items)
    }

    /// Brings the documents of `articles` up to date from the table: the
    /// live translations of those published, nothing of the others. Safe
    /// to repeat and to run for an old change.
    pub async fn index_articles(
        &self,
        tenant: TenantId,
        articles: &[ArticleId],
    ) -> Result<(), DomainError> {
        let ids: Vec<ArticleId> = articles
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let found = self.store().articles_by_id(tenant, &ids).await?;
        let mut documents = Vec::new();
        for article in found
            .iter()
            .filter(|a| a.status == ArticleStatus::Published)
        {
            let live: Vec<_> = article
                .translations
                .iter()
                .filter(|(_, t)| t.live)
                .map(|(l, _)| l.clone())
                .collect();
            for t in self.store().translations(tenant, article.id, &live).await? {
                if !t.live {
                    continue;
                }
                documents.push(ArticleDocument {
                    article_id: article.id,
                    locale: t.locale,
                    title: t.title,
                    text: markdown::to_text(&t.body),
                    tags: article.tags.clone(),
                    category_id: article.category_id,
                    section_id: article.section_id,
                    visibility: article.visibility,
                    updated_at: t.updated_at,
                });
            }
        }
        Ok(self
            .index()
            .replace_articles(tenant, &ids, &documents)
            .await?)
    }

    /// Rebuilds the tenant's article index from the table.
    pub async fn reindex_articles(&self, tenant: TenantId) -> Result<usize, DomainError> {
        self.index().clear_articles(tenant).await?;
        let mut page = crate::kernel::pagination::PageRequest {
            limit: 100,
            cursor: None,
        };
        let mut done = 0;
        loop {
            let read = self.store().articles(tenant, &page).await?;
            let ids: Vec<ArticleId> = read.items.iter().map(|a| a.id).collect();
            self.index_articles(tenant, &ids).await?;
            done += ids.len();
            match read.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => return Ok(done),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::validation::Validator;

    #[test]
    fn pages_and_tags_are_read_from_the_query() {
        let mut v = Validator::new();
        assert_eq!(parse_page(None, None, 50, &mut v), (0, 10));
        assert_eq!(parse_page(Some(50), Some("o20"), 50, &mut v), (20, 50));
        assert!(v.finish().is_ok());
        let mut v = Validator::new();
        parse_page(Some(51), Some("20"), 50, &mut v);
        match v.finish() {
            Err(DomainError::Invalid(e)) => assert_eq!(
                e.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
                vec!["limit", "cursor"]
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_tag_filter(Some(" Billing, ,vip")),
            vec!["billing", "vip"]
        );
        assert!(parse_tag_filter(None).is_empty());
    }
}
