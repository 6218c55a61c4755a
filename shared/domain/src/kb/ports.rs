//! What the knowledge base needs from storage and from its search index.
//! Each trait is narrow: a use case asks only for what it touches.

use jiff::Timestamp;
use jiff::civil::Date;

use crate::attachments::attachment::PresignedRequest;
use crate::kb::article::{Article, Revision, Slug, Translation, Visibility};
use crate::kb::file::ArticleFile;
use crate::kb::locale::Locale;
use crate::kb::settings::KbSettings;
use crate::kb::structure::{Category, Section};
use crate::kernel::error::StoreResult;
use crate::kernel::events::DomainEvent;
use crate::kernel::ids::{
    ArticleFileId, ArticleId, CategoryId, EventId, SectionId, TenantId, TicketId,
};
use crate::kernel::pagination::{Page, PageRequest};

#[trait_variant::make(Send)]
pub trait KbSettingsStore: Send + Sync {
    /// `None` until an admin first saves them.
    async fn kb_settings(&self, tenant: TenantId) -> StoreResult<Option<KbSettings>>;

    /// Writes `settings` over version `settings.version - 1` (`0`: none
    /// yet); `VersionMismatch` otherwise.
    async fn put_kb_settings(
        &self,
        settings: &KbSettings,
        events: &[crate::kernel::events::DomainEvent],
    ) -> StoreResult<()>;
}

/// Categories and sections.
#[trait_variant::make(Send)]
pub trait StructureStore: Send + Sync {
    async fn categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>>;

    async fn category(&self, tenant: TenantId, id: CategoryId) -> StoreResult<Option<Category>>;

    /// Creates (`before: None`) or replaces the category at version
    /// `before` (`VersionMismatch` otherwise).
    async fn put_category(&self, category: &Category, before: Option<u64>) -> StoreResult<()>;

    async fn delete_category(&self, category: &Category) -> StoreResult<()>;

    async fn sections(&self, tenant: TenantId) -> StoreResult<Vec<Section>>;

    async fn section(&self, tenant: TenantId, id: SectionId) -> StoreResult<Option<Section>>;

    async fn put_section(&self, section: &Section, before: Option<u64>) -> StoreResult<()>;

    async fn delete_section(&self, section: &Section) -> StoreResult<()>;
}

/// One change to an article, written at once: the article (at version
/// `expected`, or new), a translation's new text or its removal, the
/// revision saved, the slugs it takes and gives up (`Conflict(SlugTaken)`
/// when another article of the locale has one), and its events.
#[derive(Debug, Clone, Copy)]
pub struct ArticleWrite<'a> {
    pub article: &'a Article,
    pub expected: Option<u64>,
    pub translation: Option<&'a Translation>,
    pub removed: Option<&'a Locale>,
    pub revision: Option<&'a Revision>,
    pub claim: Option<(&'a Locale, &'a Slug)>,
    pub release: Option<(&'a Locale, &'a Slug)>,
    pub events: &'a [DomainEvent],
}

impl<'a> ArticleWrite<'a> {
    /// A change of the article alone.
    pub fn article(article: &'a Article, expected: u64, events: &'a [DomainEvent]) -> Self {
        Self {
            article,
            expected: Some(expected),
            translation: None,
            removed: None,
            revision: None,
            claim: None,
            release: None,
            events,
        }
    }
}

#[trait_variant::make(Send)]
pub trait ArticleStore: Send + Sync {
    async fn article(&self, tenant: TenantId, id: ArticleId) -> StoreResult<Option<Article>>;

    /// The articles of `ids` that exist, in no particular order.
    async fn articles_by_id(
        &self,
        tenant: TenantId,
        ids: &[ArticleId],
    ) -> StoreResult<Vec<Article>>;

    /// A section's articles, by position.
    async fn section_articles(
        &self,
        tenant: TenantId,
        section: SectionId,
    ) -> StoreResult<Vec<Article>>;

    /// Every article, most recently changed first.
    async fn articles(&self, tenant: TenantId, page: &PageRequest) -> StoreResult<Page<Article>>;

    /// The article whose translation in `locale` has `slug`.
    async fn article_by_slug(
        &self,
        tenant: TenantId,
        locale: &Locale,
        slug: &Slug,
    ) -> StoreResult<Option<ArticleId>>;

    async fn translation(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
    ) -> StoreResult<Option<Translation>>;

    /// The article and its translations of `locales` that exist, in one
    /// read (`None`: no such article).
    async fn article_with_translations(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locales: &[Locale],
    ) -> StoreResult<Option<(Article, Vec<Translation>)>>;

    /// The translations of `locales` that exist (one read).
    async fn translations(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locales: &[Locale],
    ) -> StoreResult<Vec<Translation>>;

    async fn revision(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
        revision: crate::kernel::ids::RevisionId,
    ) -> StoreResult<Option<Revision>>;

    /// A translation's revisions, newest first.
    async fn revisions(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
        page: &PageRequest,
    ) -> StoreResult<Page<Revision>>;

    async fn write_article(&self, write: ArticleWrite<'_>) -> StoreResult<()>;

    /// Deletes the article at its version, its translations, slugs and
    /// revisions, and records `events`.
    async fn delete_article(&self, article: &Article, events: &[DomainEvent]) -> StoreResult<()>;

    /// Writes several articles, each over the version before its own (all
    /// or none), with `events`: a section's new order, or the category of
    /// a moved section's articles.
    async fn put_articles(&self, articles: &[Article], events: &[DomainEvent]) -> StoreResult<()>;
}

/// A vote's effect on the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOutcome {
    /// The voter's first vote on the article.
    Counted,
    /// The voter changed their mind: one count moved to the other.
    Changed,
    /// The same vote again: nothing changed.
    Unchanged,
}

/// An article's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArticleStats {
    pub views: u64,
    pub helpful: u64,
    pub unhelpful: u64,
}

/// One day's counts, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsightRow {
    Article {
        day: Date,
        article_id: ArticleId,
        stats: ArticleStats,
    },
    /// A search that found nothing, and how often it was made.
    Unanswered {
        day: Date,
        query: String,
        count: u64,
    },
    Day {
        day: Date,
        searches: u64,
        unanswered: u64,
        /// Tickets solved while an article was linked to them.
        solved_with_article: u64,
    },
}

/// Votes, views, searches and links: what the knowledge manager's
/// insights are made of. Counts are per tenant and day.
#[trait_variant::make(Send)]
pub trait FeedbackStore: Send + Sync {
    /// Records `voter`'s vote (one per voter and article; a changed mind
    /// moves the count).
    async fn vote(
        &self,
        tenant: TenantId,
        article: ArticleId,
        voter: &str,
        helpful: bool,
        day: Date,
    ) -> StoreResult<VoteOutcome>;

    async fn count_view(&self, tenant: TenantId, article: ArticleId, day: Date) -> StoreResult<()>;

    /// Counts a help center search; one that found nothing is kept by its
    /// query.
    async fn count_search(
        &self,
        tenant: TenantId,
        query: &str,
        found: bool,
        day: Date,
    ) -> StoreResult<()>;

    /// Counts a ticket solved with articles linked to it, once per event
    /// (`false`: this event was counted before).
    async fn count_solved_with_article(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        event: EventId,
        day: Date,
    ) -> StoreResult<bool>;

    async fn article_stats(&self, tenant: TenantId, id: ArticleId) -> StoreResult<ArticleStats>;

    /// Every row of the days from `from` to `to`, both included.
    async fn insights(
        &self,
        tenant: TenantId,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<InsightRow>>;

    /// The articles an agent linked to a ticket.
    async fn linked_articles(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<Vec<ArticleId>>;

    async fn set_linked_articles(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        articles: &[ArticleId],
    ) -> StoreResult<()>;
}

/// One locale of a published article, as the index holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleDocument {
    pub article_id: ArticleId,
    pub locale: Locale,
    pub title: String,
    /// The body's words, without markup.
    pub text: String,
    pub tags: Vec<String>,
    pub category_id: CategoryId,
    pub section_id: SectionId,
    pub visibility: Visibility,
    pub updated_at: Timestamp,
}

/// A search of articles.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleQuery {
    pub text: String,
    /// Every word must match (a search box); otherwise the best matches of
    /// any word (suggestions from a ticket's text).
    pub all_words: bool,
    /// The locales searched, in order of preference: an article found in
    /// several is returned once, in the first.
    pub locales: Vec<Locale>,
    pub visibilities: Vec<Visibility>,
    pub category_id: Option<CategoryId>,
    pub section_id: Option<SectionId>,
    /// Every tag must be on the article.
    pub tags: Vec<String>,
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArticleHit {
    pub article_id: ArticleId,
    pub locale: Locale,
    pub score: f32,
    /// The title with the matched words in `<em>`.
    pub title: String,
    /// A passage of the body, likewise.
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArticleHits {
    pub hits: Vec<ArticleHit>,
    /// Articles matched, not only this page's.
    pub total: usize,
}

/// One article index per tenant, beside its ticket index.
#[trait_variant::make(Send)]
pub trait ArticleIndex: Send + Sync {
    /// Replaces every document of `articles` with `documents` (an article
    /// absent from `documents` leaves the index).
    async fn replace_articles(
        &self,
        tenant: TenantId,
        articles: &[ArticleId],
        documents: &[ArticleDocument],
    ) -> StoreResult<()>;

    async fn clear_articles(&self, tenant: TenantId) -> StoreResult<()>;

    async fn search_articles(
        &self,
        tenant: TenantId,
        query: &ArticleQuery,
    ) -> StoreResult<ArticleHits>;
}

/// Articles' files on the table (in the article's partition).
#[trait_variant::make(Send)]
pub trait ArticleFileStore: Send + Sync {
    async fn put_article_file(&self, file: &ArticleFile) -> StoreResult<()>;

    async fn article_file(
        &self,
        tenant: TenantId,
        article: ArticleId,
        id: ArticleFileId,
    ) -> StoreResult<Option<ArticleFile>>;

    async fn article_files(
        &self,
        tenant: TenantId,
        article: ArticleId,
    ) -> StoreResult<Vec<ArticleFile>>;

    /// Removes a file's record (`NotFound` when it is gone).
    async fn delete_article_file(&self, file: &ArticleFile) -> StoreResult<()>;
}

/// Articles' files in the bucket: requests the client makes itself.
#[trait_variant::make(Send)]
pub trait ArticleObjects: Send + Sync {
    /// A PUT bound to the file's key, exact size and type, and expiry.
    async fn presign_article_upload(
        &self,
        file: &ArticleFile,
        ttl: jiff::SignedDuration,
    ) -> StoreResult<PresignedRequest>;

    /// A short-lived GET that serves the file under `disposition`.
    async fn presign_article_download(
        &self,
        file: &ArticleFile,
        disposition: &str,
        ttl: jiff::SignedDuration,
    ) -> StoreResult<PresignedRequest>;

    async fn delete_article_file(&self, file: &ArticleFile) -> StoreResult<()>;
}
