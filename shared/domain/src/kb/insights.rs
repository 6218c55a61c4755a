//! What the knowledge manager learns: views and votes per article, the
//! searches that found nothing (the articles to write next), and the
//! tickets solved with an article linked to them. Agents link articles to
//! tickets and get suggestions from a ticket's text.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;

use crate::DomainError;
use crate::accounts::permissions::{Action, Principal};
use crate::kb::finding::FoundArticle;
use crate::kb::ports::{
    ArticleIndex, ArticleStats, ArticleStore, FeedbackStore, InsightRow, KbSettingsStore,
};
use crate::kb::service::{KnowledgeBase, require_staff};
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::{ArticleId, TicketId};
use crate::kernel::pagination::PageRequest;
use crate::tickets::events::StatusChanged;
use crate::tickets::ports::TicketStore;
use crate::tickets::ticket::Status;

/// The longest period insights cover, in days.
pub const MAX_DAYS: i64 = 366;
/// How many articles and unanswered searches insights list.
pub const TOP: usize = 50;
/// How many articles a ticket may link.
pub const MAX_LINKED: usize = 20;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub views: u64,
    pub helpful: u64,
    pub unhelpful: u64,
    pub searches: u64,
    pub unanswered: u64,
    pub solved_with_article: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArticleInsight {
    pub article_id: ArticleId,
    /// The default locale's title (or any), if the article still exists.
    pub title: Option<String>,
    pub stats: ArticleStats,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Insights {
    pub from: Date,
    pub to: Date,
    pub totals: Totals,
    /// Most viewed first.
    pub articles: Vec<ArticleInsight>,
    /// Searches that found nothing, most frequent first.
    pub unanswered: Vec<(String, u64)>,
}

impl<S, I> KnowledgeBase<S, I>
where
    S: KbSettingsStore + ArticleStore + FeedbackStore,
{
    pub async fn insights(
        &self,
        principal: &Principal,
        from: Date,
        to: Date,
    ) -> Result<Insights, DomainError> {
        require_staff(principal)?;
        if to < from {
            return Err(DomainError::field(
                "to",
                "before_from",
                "must not be before `from`",
            ));
        }
        if (to - from).get_days() >= MAX_DAYS as i32 {
            return Err(DomainError::field(
                "to",
                "too_long",
                format!("insights cover at most {MAX_DAYS} days"),
            ));
        }
        let tenant = principal.tenant_id();
        let rows = self.store().insights(tenant, from, to).await?;
        let mut totals = Totals::default();
        let mut per_article: HashMap<ArticleId, ArticleStats> = HashMap::new();
        let mut unanswered: BTreeMap<String, u64> = BTreeMap::new();
        for row in rows {
            match row {
                InsightRow::Article {
                    article_id, stats, ..
                } => {
                    totals.views += stats.views;
                    totals.helpful += stats.helpful;
                    totals.unhelpful += stats.unhelpful;
                    let s = per_article.entry(article_id).or_default();
                    s.views += stats.views;
                    s.helpful += stats.helpful;
                    s.unhelpful += stats.unhelpful;
                }
                InsightRow::Unanswered { query, count, .. } => {
                    *unanswered.entry(query).or_default() += count;
                }
                InsightRow::Day {
                    searches,
                    unanswered: none,
                    solved_with_article,
                    ..
                } => {
                    totals.searches += searches;
                    totals.unanswered += none;
                    totals.solved_with_article += solved_with_article;
                }
            }
        }
        let mut articles: Vec<(ArticleId, ArticleStats)> = per_article.into_iter().collect();
        articles.sort_by(|a, b| {
            (b.1.views, b.1.helpful)
                .cmp(&(a.1.views, a.1.helpful))
                .then(a.0.cmp(&b.0))
        });
        articles.truncate(TOP);
        let ids: Vec<ArticleId> = articles.iter().map(|a| a.0).collect();
        let settings = self.settings_of(tenant).await?;
        let titles: HashMap<ArticleId, String> = self
            .store()
            .articles_by_id(tenant, &ids)
            .await?
            .into_iter()
            .filter_map(|a| {
                let t = a
                    .translations
                    .get(&settings.default_locale)
                    .or_else(|| a.translations.values().next())?;
                Some((a.id, t.title.clone()))
            })
            .collect();
        let mut unanswered: Vec<(String, u64)> = unanswered.into_iter().collect();
        unanswered.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        unanswered.truncate(TOP);
        Ok(Insights {
            from,
            to,
            totals,
            articles: articles
                .into_iter()
                .map(|(article_id, stats)| ArticleInsight {
                    title: titles.get(&article_id).cloned(),
                    article_id,
                    stats,
                })
                .collect(),
            unanswered,
        })
    }
}

/// Counts, once, a ticket solved while articles were linked to it (the
/// event router's step for `ticket.status_changed`). `true` when this
/// call counted it.
pub async fn count_if_solved_with_article<S: FeedbackStore>(
    store: &S,
    event: &DomainEvent,
) -> crate::kernel::error::StoreResult<bool> {
    let (Some(ticket), Some(change)) = (event.subject.ticket_id, event.payload::<StatusChanged>())
    else {
        return Ok(false);
    };
    if change.to != Status::Solved
        || store
            .linked_articles(event.tenant_id, ticket)
            .await?
            .is_empty()
    {
        return Ok(false);
    }
    let day = event.occurred_at.to_zoned(jiff::tz::TimeZone::UTC).date();
    store
        .count_solved_with_article(event.tenant_id, ticket, event.id, day)
        .await
}

impl<S, I> KnowledgeBase<S, I>
where
    S: KbSettingsStore + ArticleStore + FeedbackStore + TicketStore,
    I: ArticleIndex,
{
    /// The ticket, for staff who may read tickets and the knowledge base.
    async fn staff_ticket(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<crate::tickets::ticket::Ticket, DomainError> {
        require_staff(principal).map_err(|_| DomainError::NotFound)?;
        principal
            .require(Action::ReadTickets)
            .map_err(|_| DomainError::NotFound)?;
        self.store()
            .ticket(principal.tenant_id(), id)
            .await?
            .filter(|t| !t.is_deleted())
            .ok_or(DomainError::NotFound)
    }

    /// Articles that may answer a ticket: from its subject and its first
    /// public message.
    pub async fn suggest_for_ticket(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<Vec<FoundArticle>, DomainError> {
        let ticket = self.staff_ticket(principal, id).await?;
        let first = self
            .store()
            .comments(
                ticket.tenant_id,
                id,
                true,
                &PageRequest {
                    limit: 1,
                    cursor: None,
                },
            )
            .await?;
        let mut text = ticket.subject.clone();
        if let Some(c) = first.items.first() {
            text.push('\n');
            text.push_str(&c.body);
        }
        self.suggest_for_staff(ticket.tenant_id, &text).await
    }

    pub async fn linked_articles(
        &self,
        principal: &Principal,
        id: TicketId,
    ) -> Result<Vec<crate::kb::article::Article>, DomainError> {
        let ticket = self.staff_ticket(principal, id).await?;
        let ids = self.store().linked_articles(ticket.tenant_id, id).await?;
        let mut found: HashMap<ArticleId, crate::kb::article::Article> = self
            .store()
            .articles_by_id(ticket.tenant_id, &ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// Replaces the articles linked to a ticket (each must exist).
    pub async fn link_articles(
        &self,
        principal: &Principal,
        id: TicketId,
        articles: &[ArticleId],
    ) -> Result<Vec<crate::kb::article::Article>, DomainError> {
        let ticket = self.staff_ticket(principal, id).await?;
        principal.require(Action::UpdateTicket)?;
        let mut ids: Vec<ArticleId> = Vec::with_capacity(articles.len());
        for a in articles {
            if !ids.contains(a) {
                ids.push(*a);
            }
        }
        if ids.len() > MAX_LINKED {
            return Err(DomainError::field(
                "articleIds",
                "too_many",
                format!("at most {MAX_LINKED} articles"),
            ));
        }
        let found = self.store().articles_by_id(ticket.tenant_id, &ids).await?;
        if let Some(missing) = ids.iter().find(|id| !found.iter().any(|a| a.id == **id)) {
            return Err(DomainError::field(
                "articleIds",
                "not_found",
                format!("no article {missing}"),
            ));
        }
        self.store()
            .set_linked_articles(ticket.tenant_id, id, &ids)
            .await?;
        self.linked_articles(principal, id).await
    }
}
