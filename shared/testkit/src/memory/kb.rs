//! The knowledge base in memory: settings, categories, sections, articles
//! with their translations, revisions and slug claims; votes, views,
//! searches and ticket links.

use std::collections::BTreeMap;

use jiff::civil::Date;
use switchboard_domain::StoreError;
use switchboard_domain::kb::article::{Article, Revision, Slug, Translation};
use switchboard_domain::kb::file::ArticleFile;
use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kb::ports::{
    ArticleStats, ArticleStore, ArticleWrite, FeedbackStore, InsightRow, KbSettingsStore,
    StructureStore, VoteOutcome,
};
use switchboard_domain::kb::settings::KbSettings;
use switchboard_domain::kb::structure::{Category, Section};
use switchboard_domain::kernel::error::{Conflict, StoreResult};
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{
    ArticleFileId, ArticleId, CategoryId, EventId, RevisionId, SectionId, TenantId, TicketId,
};
use switchboard_domain::kernel::pagination::{Page, PageRequest};

use super::MemoryStore;

#[derive(Debug, Clone, Copy, Default)]
pub struct DayCounts {
    pub searches: u64,
    pub unanswered: u64,
    pub solved_with_article: u64,
}

#[derive(Debug, Default)]
pub struct KbState {
    pub settings: BTreeMap<TenantId, KbSettings>,
    pub categories: BTreeMap<(TenantId, CategoryId), Category>,
    pub sections: BTreeMap<(TenantId, SectionId), Section>,
    pub articles: BTreeMap<(TenantId, ArticleId), Article>,
    pub translations: BTreeMap<(TenantId, ArticleId, Locale), Translation>,
    pub revisions: BTreeMap<(TenantId, ArticleId, Locale, RevisionId), Revision>,
    pub slugs: BTreeMap<(TenantId, Locale, Slug), ArticleId>,
    /// Each voter's vote, and the day it counts on.
    pub votes: BTreeMap<(TenantId, ArticleId, String), (bool, Date)>,
    pub stats: BTreeMap<(TenantId, ArticleId), ArticleStats>,
    pub days: BTreeMap<(TenantId, Date), DayCounts>,
    pub day_articles: BTreeMap<(TenantId, Date, ArticleId), ArticleStats>,
    pub unanswered: BTreeMap<(TenantId, Date, String), u64>,
    pub links: BTreeMap<(TenantId, TicketId), Vec<ArticleId>>,
    pub files: BTreeMap<(TenantId, ArticleId, ArticleFileId), ArticleFile>,
    /// The solving events counted.
    pub solved: std::collections::BTreeSet<(TenantId, TicketId, EventId)>,
}

fn at_version(stored: Option<u64>, expected: Option<u64>) -> StoreResult<()> {
    if stored == expected {
        Ok(())
    } else {
        Err(StoreError::VersionMismatch)
    }
}

impl KbSettingsStore for MemoryStore {
    async fn kb_settings(&self, tenant: TenantId) -> StoreResult<Option<KbSettings>> {
        self.enter("kb_settings")?;
        Ok(self.read(|s| s.kb.settings.get(&tenant).cloned()))
    }

    async fn put_kb_settings(
        &self,
        settings: &KbSettings,
        events: &[switchboard_domain::kernel::events::DomainEvent],
    ) -> StoreResult<()> {
        self.enter("put_kb_settings")?;
        self.write(|s| {
            let stored = s.kb.settings.get(&settings.tenant_id).map(|x| x.version);
            at_version(stored.or(Some(0)), settings.version.checked_sub(1))?;
            s.kb.settings.insert(settings.tenant_id, settings.clone());
            s.add_events(events);
            Ok(())
        })
    }
}

impl StructureStore for MemoryStore {
    async fn categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>> {
        self.enter("categories")?;
        Ok(self.read(|s| {
            s.kb.categories
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, c)| c.clone())
                .collect()
        }))
    }

    async fn category(&self, tenant: TenantId, id: CategoryId) -> StoreResult<Option<Category>> {
        self.enter("category")?;
        Ok(self.read(|s| s.kb.categories.get(&(tenant, id)).cloned()))
    }

    async fn put_category(&self, category: &Category, before: Option<u64>) -> StoreResult<()> {
        self.enter("put_category")?;
        self.write(|s| {
            let key = (category.tenant_id, category.id);
            at_version(s.kb.categories.get(&key).map(|c| c.version), before)?;
            s.kb.categories.insert(key, category.clone());
            Ok(())
        })
    }

    async fn delete_category(&self, category: &Category) -> StoreResult<()> {
        self.enter("delete_category")?;
        self.write(|s| {
            let key = (category.tenant_id, category.id);
            at_version(
                s.kb.categories.get(&key).map(|c| c.version),
                Some(category.version),
            )?;
            s.kb.categories.remove(&key);
            Ok(())
        })
    }

    async fn sections(&self, tenant: TenantId) -> StoreResult<Vec<Section>> {
        self.enter("sections")?;
        Ok(self.read(|s| {
            s.kb.sections
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, x)| x.clone())
                .collect()
        }))
    }

    async fn section(&self, tenant: TenantId, id: SectionId) -> StoreResult<Option<Section>> {
        self.enter("section")?;
        Ok(self.read(|s| s.kb.sections.get(&(tenant, id)).cloned()))
    }

    async fn put_section(&self, section: &Section, before: Option<u64>) -> StoreResult<()> {
        self.enter("put_section")?;
        self.write(|s| {
            let key = (section.tenant_id, section.id);
            at_version(s.kb.sections.get(&key).map(|x| x.version), before)?;
            s.kb.sections.insert(key, section.clone());
            Ok(())
        })
    }

    async fn delete_section(&self, section: &Section) -> StoreResult<()> {
        self.enter("delete_section")?;
        self.write(|s| {
            let key = (section.tenant_id, section.id);
            at_version(
                s.kb.sections.get(&key).map(|x| x.version),
                Some(section.version),
            )?;
            s.kb.sections.remove(&key);
            Ok(())
        })
    }
}

impl ArticleStore for MemoryStore {
    async fn article(&self, tenant: TenantId, id: ArticleId) -> StoreResult<Option<Article>> {
        self.enter("article")?;
        Ok(self.read(|s| s.kb.articles.get(&(tenant, id)).cloned()))
    }

    async fn articles_by_id(
        &self,
        tenant: TenantId,
        ids: &[ArticleId],
    ) -> StoreResult<Vec<Article>> {
        self.enter("articles_by_id")?;
        super::distinct(ids.iter())?;
        Ok(self.read(|s| {
            ids.iter()
                .filter_map(|id| s.kb.articles.get(&(tenant, *id)).cloned())
                .collect()
        }))
    }

    async fn section_articles(
        &self,
        tenant: TenantId,
        section: SectionId,
    ) -> StoreResult<Vec<Article>> {
        self.enter("section_articles")?;
        let mut found: Vec<Article> = self.read(|s| {
            s.kb.articles
                .iter()
                .filter(|((t, _), a)| *t == tenant && a.section_id == section)
                .map(|(_, a)| a.clone())
                .collect()
        });
        // As the section's index orders them: position, then id.
        found.sort_by_key(|a| (a.position, a.id));
        Ok(found)
    }

    async fn articles(&self, tenant: TenantId, page: &PageRequest) -> StoreResult<Page<Article>> {
        self.enter("articles")?;
        let rows: Vec<(String, Article)> = self.read(|s| {
            s.kb.articles
                .iter()
                .filter(|((t, _), _)| *t == tenant)
                .map(|(_, a)| {
                    (
                        format!("{}#{}", a.updated_at.as_microsecond(), a.id.ulid()),
                        a.clone(),
                    )
                })
                .collect()
        });
        let mut rows = rows;
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        self.cursors()
            .page(&format!("kb-articles|{tenant}"), rows, true, page)
    }

    async fn article_by_slug(
        &self,
        tenant: TenantId,
        locale: &Locale,
        slug: &Slug,
    ) -> StoreResult<Option<ArticleId>> {
        self.enter("article_by_slug")?;
        Ok(self.read(|s| {
            s.kb.slugs
                .get(&(tenant, locale.clone(), slug.clone()))
                .copied()
        }))
    }

    async fn translation(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
    ) -> StoreResult<Option<Translation>> {
        self.enter("translation")?;
        Ok(self.read(|s| {
            s.kb.translations
                .get(&(tenant, id, locale.clone()))
                .cloned()
        }))
    }

    async fn article_with_translations(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locales: &[Locale],
    ) -> StoreResult<Option<(Article, Vec<Translation>)>> {
        self.enter("article_with_translations")?;
        let mut wanted: Vec<&Locale> = locales.iter().collect();
        wanted.sort();
        wanted.dedup();
        Ok(self.read(|s| {
            let article = s.kb.articles.get(&(tenant, id))?.clone();
            let texts = wanted
                .into_iter()
                .filter_map(|l| s.kb.translations.get(&(tenant, id, l.clone())).cloned())
                .collect();
            Some((article, texts))
        }))
    }

    async fn translations(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locales: &[Locale],
    ) -> StoreResult<Vec<Translation>> {
        self.enter("translations")?;
        let mut wanted: Vec<&Locale> = locales.iter().collect();
        wanted.sort();
        wanted.dedup();
        Ok(self.read(|s| {
            wanted
                .into_iter()
                .filter_map(|l| s.kb.translations.get(&(tenant, id, l.clone())).cloned())
                .collect()
        }))
    }

    async fn revision(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
        revision: RevisionId,
    ) -> StoreResult<Option<Revision>> {
        self.enter("revision")?;
        Ok(self.read(|s| {
            s.kb.revisions
                .get(&(tenant, id, locale.clone(), revision))
                .cloned()
        }))
    }

    async fn revisions(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
        page: &PageRequest,
    ) -> StoreResult<Page<Revision>> {
        self.enter("revisions")?;
        let rows: Vec<(String, Revision)> = self.read(|s| {
            s.kb.revisions
                .iter()
                .filter(|((t, a, l, _), _)| *t == tenant && *a == id && l == locale)
                .map(|((_, _, _, r), rev)| (r.ulid().to_string(), rev.clone()))
                .collect()
        });
        self.cursors().page(
            &format!("kb-revisions|{tenant}|{id}|{locale}"),
            rows,
            true,
            page,
        )
    }

    async fn write_article(&self, w: ArticleWrite<'_>) -> StoreResult<()> {
        self.enter("write_article")?;
        let a = w.article;
        let tenant = a.tenant_id;
        self.write(|s| {
            at_version(
                s.kb.articles.get(&(tenant, a.id)).map(|x| x.version),
                w.expected,
            )?;
            if let Some((locale, slug)) = w.claim
                && s.kb
                    .slugs
                    .get(&(tenant, locale.clone(), slug.clone()))
                    .is_some_and(|holder| *holder != a.id)
            {
                return Err(StoreError::Conflict(Conflict::SlugTaken));
            }
            if !s.events_fit(w.events)? {
                return Err(StoreError::ConditionFailed);
            }
            if let Some((locale, slug)) = w.release {
                let key = (tenant, locale.clone(), slug.clone());
                if s.kb.slugs.get(&key).is_some_and(|holder| *holder == a.id) {
                    s.kb.slugs.remove(&key);
                }
            }
            if let Some((locale, slug)) = w.claim {
                s.kb.slugs
                    .insert((tenant, locale.clone(), slug.clone()), a.id);
            }
            if let Some(t) = w.translation {
                s.kb.translations
                    .insert((tenant, a.id, t.locale.clone()), t.clone());
            }
            if let Some(locale) = w.removed {
                s.kb.translations.remove(&(tenant, a.id, locale.clone()));
            }
            if let Some(r) = w.revision {
                s.kb.revisions
                    .insert((tenant, a.id, r.locale.clone(), r.id), r.clone());
            }
            s.kb.articles.insert((tenant, a.id), a.clone());
            s.add_events(w.events);
            Ok(())
        })
    }

    async fn delete_article(&self, article: &Article, events: &[DomainEvent]) -> StoreResult<()> {
        self.enter("delete_article")?;
        let (tenant, id) = (article.tenant_id, article.id);
        self.write(|s| {
            at_version(
                s.kb.articles.get(&(tenant, id)).map(|x| x.version),
                Some(article.version),
            )?;
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            s.kb.articles.remove(&(tenant, id));
            s.kb.translations
                .retain(|(t, a, _), _| !(*t == tenant && *a == id));
            s.kb.revisions
                .retain(|(t, a, _, _), _| !(*t == tenant && *a == id));
            s.kb.slugs
                .retain(|(t, _, _), a| !(*t == tenant && *a == id));
            // Votes, totals and files live in the article's partition too.
            s.kb.votes
                .retain(|(t, a, _), _| !(*t == tenant && *a == id));
            s.kb.stats.remove(&(tenant, id));
            s.kb.files
                .retain(|(t, a, _), _| !(*t == tenant && *a == id));
            s.add_events(events);
            Ok(())
        })
    }

    async fn put_articles(&self, articles: &[Article], events: &[DomainEvent]) -> StoreResult<()> {
        self.enter("put_articles")?;
        super::distinct(articles.iter().map(|a| (a.tenant_id, a.id)))?;
        self.write(|s| {
            for a in articles {
                at_version(
                    s.kb.articles.get(&(a.tenant_id, a.id)).map(|x| x.version),
                    Some(a.version - 1),
                )?;
            }
            if !s.events_fit(events)? {
                return Err(StoreError::ConditionFailed);
            }
            for a in articles {
                s.kb.articles.insert((a.tenant_id, a.id), a.clone());
            }
            s.add_events(events);
            Ok(())
        })
    }
}

impl FeedbackStore for MemoryStore {
    async fn vote(
        &self,
        tenant: TenantId,
        article: ArticleId,
        voter: &str,
        helpful: bool,
        day: Date,
    ) -> StoreResult<VoteOutcome> {
        self.enter("vote")?;
        Ok(self.write(|s| {
            let key = (tenant, article, voter.to_owned());
            let before = s.kb.votes.get(&key).copied();
            let outcome = match before {
                None => VoteOutcome::Counted,
                Some((b, _)) if b == helpful => return VoteOutcome::Unchanged,
                Some(_) => VoteOutcome::Changed,
            };
            s.kb.votes.insert(key, (helpful, day));
            apply_vote(
                s.kb.stats.entry((tenant, article)).or_default(),
                helpful,
                outcome,
            );
            match before {
                // A changed mind takes the count back from the day it was
                // made on.
                Some((_, then)) if then != day => {
                    let today = s.kb.day_articles.entry((tenant, day, article)).or_default();
                    apply_vote(today, helpful, VoteOutcome::Counted);
                    let earlier =
                        s.kb.day_articles
                            .entry((tenant, then, article))
                            .or_default();
                    let (_, lose) = vote_counts(earlier, helpful);
                    *lose = lose.saturating_sub(1);
                }
                _ => apply_vote(
                    s.kb.day_articles.entry((tenant, day, article)).or_default(),
                    helpful,
                    outcome,
                ),
            }
            outcome
        }))
    }

    async fn count_view(&self, tenant: TenantId, article: ArticleId, day: Date) -> StoreResult<()> {
        self.enter("count_view")?;
        self.write(|s| {
            s.kb.stats.entry((tenant, article)).or_default().views += 1;
            s.kb.day_articles
                .entry((tenant, day, article))
                .or_default()
                .views += 1;
        });
        Ok(())
    }

    async fn count_search(
        &self,
        tenant: TenantId,
        query: &str,
        found: bool,
        day: Date,
    ) -> StoreResult<()> {
        self.enter("count_search")?;
        self.write(|s| {
            let d = s.kb.days.entry((tenant, day)).or_default();
            d.searches += 1;
            if !found {
                d.unanswered += 1;
                *s.kb
                    .unanswered
                    .entry((tenant, day, query.to_owned()))
                    .or_default() += 1;
            }
        });
        Ok(())
    }

    async fn count_solved_with_article(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        event: EventId,
        day: Date,
    ) -> StoreResult<bool> {
        self.enter("count_solved_with_article")?;
        Ok(self.write(|s| {
            if !s.kb.solved.insert((tenant, ticket, event)) {
                return false;
            }
            s.kb.days
                .entry((tenant, day))
                .or_default()
                .solved_with_article += 1;
            true
        }))
    }

    async fn article_stats(&self, tenant: TenantId, id: ArticleId) -> StoreResult<ArticleStats> {
        self.enter("article_stats")?;
        Ok(self.read(|s| s.kb.stats.get(&(tenant, id)).copied().unwrap_or_default()))
    }

    async fn insights(
        &self,
        tenant: TenantId,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<InsightRow>> {
        self.enter("insights")?;
        let within = |t: &TenantId, d: &Date| *t == tenant && *d >= from && *d <= to;
        Ok(self.read(|s| {
            let mut rows = Vec::new();
            for ((t, day), c) in &s.kb.days {
                if within(t, day) {
                    rows.push(InsightRow::Day {
                        day: *day,
                        searches: c.searches,
                        unanswered: c.unanswered,
                        solved_with_article: c.solved_with_article,
                    });
                }
            }
            for ((t, day, article_id), stats) in &s.kb.day_articles {
                if within(t, day) {
                    rows.push(InsightRow::Article {
                        day: *day,
                        article_id: *article_id,
                        stats: *stats,
                    });
                }
            }
            for ((t, day, query), count) in &s.kb.unanswered {
                if within(t, day) {
                    rows.push(InsightRow::Unanswered {
                        day: *day,
                        query: query.clone(),
                        count: *count,
                    });
                }
            }
            rows
        }))
    }

    async fn linked_articles(
        &self,
        tenant: TenantId,
        ticket: TicketId,
    ) -> StoreResult<Vec<ArticleId>> {
        self.enter("linked_articles")?;
        Ok(self.read(|s| {
            s.kb.links
                .get(&(tenant, ticket))
                .cloned()
                .unwrap_or_default()
        }))
    }

    async fn set_linked_articles(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        articles: &[ArticleId],
    ) -> StoreResult<()> {
        self.enter("set_linked_articles")?;
        self.write(|s| {
            if articles.is_empty() {
                s.kb.links.remove(&(tenant, ticket));
            } else {
                s.kb.links.insert((tenant, ticket), articles.to_vec());
            }
        });
        Ok(())
    }
}

/// The count a vote adds to, and the one a changed mind takes from.
fn vote_counts(stats: &mut ArticleStats, helpful: bool) -> (&mut u64, &mut u64) {
    let (up, down) = (&mut stats.helpful, &mut stats.unhelpful);
    if helpful { (up, down) } else { (down, up) }
}

/// A vote's effect on a count.
pub fn apply_vote(stats: &mut ArticleStats, helpful: bool, outcome: VoteOutcome) {
    let (gain, lose) = vote_counts(stats, helpful);
    match outcome {
        VoteOutcome::Counted => *gain += 1,
        VoteOutcome::Changed => {
            *gain += 1;
            *lose = lose.saturating_sub(1);
        }
        VoteOutcome::Unchanged => {}
    }
}

impl switchboard_domain::kb::ports::ArticleFileStore for MemoryStore {
    async fn put_article_file(&self, file: &ArticleFile) -> StoreResult<()> {
        self.enter("put_article_file")?;
        self.write(|s| {
            let key = (file.tenant_id, file.article_id, file.id);
            if s.kb.files.contains_key(&key) {
                return Err(StoreError::ConditionFailed);
            }
            s.kb.files.insert(key, file.clone());
            Ok(())
        })
    }

    async fn article_file(
        &self,
        tenant: TenantId,
        article: ArticleId,
        id: ArticleFileId,
    ) -> StoreResult<Option<ArticleFile>> {
        self.enter("article_file")?;
        Ok(self.read(|s| s.kb.files.get(&(tenant, article, id)).cloned()))
    }

    async fn delete_article_file(&self, file: &ArticleFile) -> StoreResult<()> {
        self.enter("delete_article_file")?;
        self.write(|s| {
            s.kb.files
                .remove(&(file.tenant_id, file.article_id, file.id))
                .map(|_| ())
                .ok_or(StoreError::NotFound)
        })
    }

    async fn article_files(
        &self,
        tenant: TenantId,
        article: ArticleId,
    ) -> StoreResult<Vec<ArticleFile>> {
        self.enter("article_files")?;
        Ok(self.read(|s| {
            s.kb.files
                .iter()
                .filter(|((t, a, _), _)| *t == tenant && *a == article)
                .map(|(_, f)| f.clone())
                .collect()
        }))
    }
}
