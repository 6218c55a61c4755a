//! The public help center: a tenant's published articles by its slug,
//! for anyone (public articles), signed-in customers (and those for
//! customers) or staff. Nothing here shows a draft, an archived article,
//! a translation kept from readers, or (except to staff) an internal one.

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::permissions::Principal;
use crate::accounts::ports::TenantStore;
use crate::accounts::tenant::{Slug as TenantSlug, Tenant};
use crate::kb::article::{Article, Reader, Slug, Translation};
use crate::kb::locale::{Locale, negotiate};
use crate::kb::ports::{ArticleStore, FeedbackStore, KbSettingsStore, StructureStore};
use crate::kb::service::KnowledgeBase;
use crate::kb::settings::KbSettings;
use crate::kb::structure::{Category, Section, arrange};
use crate::kernel::ids::{ArticleId, SectionId};

/// Whose help center, read by whom, in which locale.
#[derive(Debug, Clone)]
pub struct HelpContext {
    pub tenant: Tenant,
    pub settings: KbSettings,
    pub reader: Reader,
    /// The locale served: the best enabled one for what was asked, else
    /// the default.
    pub locale: Locale,
    /// The first locale asked for (the one served when nothing was).
    pub requested: Locale,
}

/// A category with the sections readers see.
#[derive(Debug, Clone)]
pub struct HelpCategory {
    pub category: Category,
    pub sections: Vec<Section>,
}

/// A published article as a reader gets it.
#[derive(Debug, Clone)]
pub struct HelpArticle {
    pub article: Article,
    pub translation: Translation,
    /// The locale served has no translation: this is the default's.
    pub fallback: bool,
}

impl HelpContext {
    /// The locale of `article` served to this reader, and whether it is
    /// a fallback: not in the language asked for (the help center is not
    /// written in it, or the article is not translated to it).
    pub fn locale_of<'a>(&'a self, article: &Article) -> Option<(&'a Locale, bool)> {
        let live = |l: &Locale| article.translations.get(l).is_some_and(|t| t.live);
        let served = if live(&self.locale) {
            &self.locale
        } else if live(&self.settings.default_locale) {
            &self.settings.default_locale
        } else {
            return None;
        };
        Some((served, served.language() != self.requested.language()))
    }
}

impl<S, I> KnowledgeBase<S, I>
where
    S: TenantStore + KbSettingsStore + StructureStore + ArticleStore + FeedbackStore,
{
    /// The help center of the tenant with `slug`, for `principal` (a
    /// credential of another tenant reads as nobody), in the best of the
    /// `asked` locales. An unknown or suspended tenant is `NotFound`.
    pub async fn help_center(
        &self,
        slug: &str,
        principal: Option<&Principal>,
        asked: &[&str],
        now: Timestamp,
    ) -> Result<HelpContext, DomainError> {
        let (tenant, settings) = match self.remembered(slug, now) {
            Some(known) => known,
            None => {
                let parsed = TenantSlug::parse(slug).map_err(|_| DomainError::NotFound)?;
                let tenant = self
                    .store()
                    .tenant_by_slug(&parsed)
                    .await?
                    .ok_or(DomainError::NotFound)?;
                let settings = self.settings_of(tenant.id).await?;
                self.remember(slug, &tenant, &settings, now);
                (tenant, settings)
            }
        };
        if !tenant.is_active() {
            return Err(DomainError::NotFound);
        }
        // The help center shows what customers may read, whoever asks:
        // staff read internal articles through the staff API only, and an
        // integration's key is nobody here.
        let reader = match principal.filter(|p| p.tenant_id() == tenant.id) {
            Some(p) if p.user().is_some() => Reader::Customer,
            _ => Reader::Anonymous,
        };
        let locale = negotiate(asked, &settings.locales)
            .cloned()
            .unwrap_or_else(|| settings.default_locale.clone());
        let requested = asked
            .iter()
            .find_map(|a| Locale::parse(a).ok())
            .unwrap_or_else(|| locale.clone());
        Ok(HelpContext {
            tenant,
            settings,
            reader,
            locale,
            requested,
        })
    }

    /// Categories and their sections, in order. Every section is listed
    /// (an empty one too): the reader's articles are in the section list.
    pub async fn help_categories(
        &self,
        ctx: &HelpContext,
    ) -> Result<Vec<HelpCategory>, DomainError> {
        let tenant = ctx.tenant.id;
        let (mut categories, mut sections) = futures::try_join!(
            self.store().categories(tenant),
            self.store().sections(tenant)
        )?;
        arrange(&mut categories, |c| {
            (c.position, c.labels.default.name.as_str())
        });
        arrange(&mut sections, |s| {
            (s.position, s.labels.default.name.as_str())
        });
        Ok(categories
            .into_iter()
            .map(|category| HelpCategory {
                sections: sections
                    .iter()
                    .filter(|s| s.category_id == category.id)
                    .cloned()
                    .collect(),
                category,
            })
            .collect())
    }

    /// A section and the articles the reader may read in it, in order.
    pub async fn help_section(
        &self,
        ctx: &HelpContext,
        id: SectionId,
    ) -> Result<(Section, Vec<Article>), DomainError> {
        let tenant = ctx.tenant.id;
        let section = self
            .store()
            .section(tenant, id)
            .await?
            .ok_or(DomainError::NotFound)?;
        let mut articles = self.store().section_articles(tenant, id).await?;
        articles.retain(|a| ctx.reader.may_read_published(a) && ctx.locale_of(a).is_some());
        Ok((section, articles))
    }

    /// An article by its slug in the reader's or the default locale (or
    /// its id), counting the view. Whatever the reader may not read is
    /// `NotFound`, as an absent article is.
    pub async fn help_article(
        &self,
        ctx: &HelpContext,
        slug_or_id: &str,
        now: Timestamp,
    ) -> Result<HelpArticle, DomainError> {
        let tenant = ctx.tenant.id;
        let id = match slug_or_id.parse::<ArticleId>() {
            Ok(id) => Some(id),
            Err(_) => {
                let slug = Slug::parse(slug_or_id).map_err(|_| DomainError::NotFound)?;
                let mut found = self
                    .store()
                    .article_by_slug(tenant, &ctx.locale, &slug)
                    .await?;
                if found.is_none() && ctx.locale != ctx.settings.default_locale {
                    found = self
                        .store()
                        .article_by_slug(tenant, &ctx.settings.default_locale, &slug)
                        .await?;
                }
                found
            }
        };
        let id = id.ok_or(DomainError::NotFound)?;
        // The article with the two texts it may be served in, in one read.
        let locales = [ctx.locale.clone(), ctx.settings.default_locale.clone()];
        let (article, texts) = self
            .store()
            .article_with_translations(tenant, id, &locales)
            .await?
            .filter(|(a, _)| ctx.reader.may_read_published(a))
            .ok_or(DomainError::NotFound)?;
        let (locale, fallback) = ctx.locale_of(&article).ok_or(DomainError::NotFound)?;
        let translation = texts
            .into_iter()
            .find(|t| &t.locale == locale && t.live)
            .ok_or(DomainError::NotFound)?;
        // A count that fails costs a view in the insights, never the read.
        if let Err(e) = self
            .store()
            .count_view(tenant, id, day_of(&ctx.tenant, now))
            .await
        {
            tracing::warn!(error = %e, "a view was not counted");
        }
        Ok(HelpArticle {
            article,
            translation,
            fallback,
        })
    }

    /// Records a reader's vote on an article they may read. `voter` names
    /// the reader (their user id, or their client's address); only a
    /// digest of it is kept.
    pub async fn help_vote(
        &self,
        ctx: &HelpContext,
        id: ArticleId,
        voter: &str,
        helpful: bool,
        now: Timestamp,
    ) -> Result<crate::kb::ports::VoteOutcome, DomainError> {
        let tenant = ctx.tenant.id;
        self.store()
            .article(tenant, id)
            .await?
            .filter(|a| ctx.reader.may_read_published(a))
            .ok_or(DomainError::NotFound)?;
        Ok(self
            .store()
            .vote(
                tenant,
                id,
                &self.voter_digest(tenant, voter),
                helpful,
                day_of(&ctx.tenant, now),
            )
            .await?)
    }
}

/// The day counts go to (UTC: a tenant's insights read days as UTC days).
pub fn day_of(_tenant: &Tenant, now: Timestamp) -> jiff::civil::Date {
    now.to_zoned(jiff::tz::TimeZone::UTC).date()
}
