//! The knowledge base on the single table. An article's change is one
//! transaction: its item at its version, a translation, a revision, slug
//! markers taken and given up, and the outbox events. Counts are `ADD`
//! updates: per article (totals) and per day (insights).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use switchboard_domain::StoreError;
use switchboard_domain::kb::article::{Article, Revision, Slug, Translation};
use switchboard_domain::kb::file::ArticleFile;
use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kb::ports::{
    ArticleFileStore, ArticleStats, ArticleStore, ArticleWrite, KbSettingsStore, StructureStore,
};
use switchboard_domain::kb::settings::KbSettings;
use switchboard_domain::kb::structure::{Category, Section};
use switchboard_domain::kernel::error::{Conflict, StoreResult};
use switchboard_domain::kernel::events::DomainEvent;
use switchboard_domain::kernel::ids::{
    ArticleFileId, ArticleId, CategoryId, RevisionId, SectionId, TenantId,
};
use switchboard_domain::kernel::pagination::{Page, PageRequest};

use super::{DynamoStore, Item, build_error, from_item, sdk_error, to_item};
use crate::items::{
    ArticleFileItem, ArticleItem, CategoryItem, KeyAttrs, RevisionItem, SectionItem, SlugClaimItem,
    TranslationItem,
};
use crate::keys::{self, Key, attr, index};

#[derive(Debug, Serialize, Deserialize)]
struct SettingsItem {
    #[serde(flatten)]
    key: KeyAttrs,
    entity: String,
    #[serde(flatten)]
    settings: KbSettings,
}

/// A count read back (absent attributes are zero).
pub(super) fn count(item: &Item, name: &str) -> u64 {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok())
        .map_or(0, |n| u64::try_from(n).unwrap_or(0))
}

/// How long a day's insights are kept (the longest range read, and some).
const INSIGHT_DAYS: i64 = 400;

pub(super) fn insight_expiry(day: Date) -> i64 {
    day.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
        + INSIGHT_DAYS * 86_400
}

pub(super) fn stats_of(item: &Item) -> ArticleStats {
    ArticleStats {
        views: count(item, "views"),
        helpful: count(item, "helpful"),
        unhelpful: count(item, "unhelpful"),
    }
}

impl DynamoStore {
    /// An `ADD` of each `(attribute, amount)` to the item at `key`, which
    /// the table deletes at `expires` (epoch seconds) when given.
    pub(super) fn add(
        &self,
        key: &Key,
        amounts: &[(&str, i64)],
        expires: Option<i64>,
    ) -> StoreResult<Update> {
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(Self::key_attrs(key)));
        let mut parts = Vec::new();
        for (i, (name, amount)) in amounts.iter().enumerate() {
            parts.push(format!("#a{i} :a{i}"));
            update = update
                .expression_attribute_names(format!("#a{i}"), *name)
                .expression_attribute_values(
                    format!(":a{i}"),
                    AttributeValue::N(amount.to_string()),
                );
        }
        let mut expression = format!("ADD {}", parts.join(", "));
        if let Some(at) = expires {
            expression.push_str(" SET #ttl = :ttl");
            update = update
                .expression_attribute_names("#ttl", attr::TTL)
                .expression_attribute_values(":ttl", AttributeValue::N(at.to_string()));
        }
        update
            .update_expression(expression)
            .build()
            .map_err(build_error)
    }

    /// Gives up a slug this article holds (never another article's).
    fn release_slug(&self, key: &Key, article: ArticleId) -> StoreResult<TransactWriteItem> {
        let mut delete = self.delete(key, Some("attribute_not_exists(PK) OR articleId = :self"))?;
        if let Some(d) = delete.delete.as_mut() {
            d.expression_attribute_values = Some(HashMap::from([(
                ":self".to_owned(),
                AttributeValue::S(article.to_string()),
            )]));
        }
        Ok(delete)
    }

    pub(super) async fn add_now(
        &self,
        key: &Key,
        amounts: &[(&str, i64)],
        expires: Option<i64>,
    ) -> StoreResult<()> {
        let u = self.add(key, amounts, expires)?;
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(u.key))
            .update_expression(u.update_expression)
            .set_expression_attribute_names(u.expression_attribute_names)
            .set_expression_attribute_values(u.expression_attribute_values)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    fn articles_of(items: Vec<Item>) -> StoreResult<Vec<Article>> {
        items
            .into_iter()
            .filter(|i| {
                i.get("entity")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some(crate::items::KB_ARTICLE_ENTITY)
            })
            .map(|i| from_item::<ArticleItem>(i).map(Article::from))
            .collect()
    }
}

impl KbSettingsStore for DynamoStore {
    async fn kb_settings(&self, tenant: TenantId) -> StoreResult<Option<KbSettings>> {
        Ok(self
            .get::<SettingsItem>(&keys::kb_settings(tenant))
            .await?
            .map(|i| i.settings))
    }

    async fn put_kb_settings(
        &self,
        settings: &KbSettings,
        events: &[switchboard_domain::kernel::events::DomainEvent],
    ) -> StoreResult<()> {
        let item = to_item(&SettingsItem {
            key: keys::kb_settings(settings.tenant_id).into(),
            entity: "kb_settings".into(),
            settings: settings.clone(),
        })?;
        let put = match settings.version.checked_sub(1) {
            Some(0) | None => self.put(item, Some("attribute_not_exists(PK)"))?,
            Some(before) => self.put_if_version(item, before)?,
        };
        let mut writes = vec![put];
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| match i {
            0 => StoreError::VersionMismatch,
            _ => StoreError::ConditionFailed,
        })
        .await
    }
}

impl StructureStore for DynamoStore {
    async fn categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>> {
        let pk = keys::kb_settings(tenant).pk;
        self.query_partition(&pk, keys::KB_CATEGORY_PREFIX)
            .await?
            .into_iter()
            .map(|i| from_item::<CategoryItem>(i).map(Category::from))
            .collect()
    }

    async fn category(&self, tenant: TenantId, id: CategoryId) -> StoreResult<Option<Category>> {
        Ok(self
            .get::<CategoryItem>(&keys::kb_category(tenant, id))
            .await?
            .map(Category::from))
    }

    async fn put_category(&self, category: &Category, before: Option<u64>) -> StoreResult<()> {
        let item = to_item(&CategoryItem::from(category))?;
        let put = match before {
            Some(v) => self.put_if_version(item, v)?,
            None => self.put(item, Some("attribute_not_exists(PK)"))?,
        };
        self.transact(vec![put], |_| StoreError::VersionMismatch)
            .await
    }

    async fn delete_category(&self, category: &Category) -> StoreResult<()> {
        let delete = self.delete_at_version(
            &keys::kb_category(category.tenant_id, category.id),
            category.version,
        )?;
        self.transact(vec![delete], |_| StoreError::VersionMismatch)
            .await
    }

    async fn sections(&self, tenant: TenantId) -> StoreResult<Vec<Section>> {
        let pk = keys::kb_settings(tenant).pk;
        self.query_partition(&pk, keys::KB_SECTION_PREFIX)
            .await?
            .into_iter()
            .map(|i| from_item::<SectionItem>(i).map(Section::from))
            .collect()
    }

    async fn section(&self, tenant: TenantId, id: SectionId) -> StoreResult<Option<Section>> {
        Ok(self
            .get::<SectionItem>(&keys::kb_section(tenant, id))
            .await?
            .map(Section::from))
    }

    async fn put_section(&self, section: &Section, before: Option<u64>) -> StoreResult<()> {
        let item = to_item(&SectionItem::from(section))?;
        let put = match before {
            Some(v) => self.put_if_version(item, v)?,
            None => self.put(item, Some("attribute_not_exists(PK)"))?,
        };
        self.transact(vec![put], |_| StoreError::VersionMismatch)
            .await
    }

    async fn delete_section(&self, section: &Section) -> StoreResult<()> {
        let delete = self.delete_at_version(
            &keys::kb_section(section.tenant_id, section.id),
            section.version,
        )?;
        self.transact(vec![delete], |_| StoreError::VersionMismatch)
            .await
    }
}

impl ArticleStore for DynamoStore {
    async fn article(&self, tenant: TenantId, id: ArticleId) -> StoreResult<Option<Article>> {
        Ok(self
            .get::<ArticleItem>(&keys::kb_article(tenant, id))
            .await?
            .map(Article::from))
    }

    async fn articles_by_id(
        &self,
        tenant: TenantId,
        ids: &[ArticleId],
    ) -> StoreResult<Vec<Article>> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(100) {
            let keys: Vec<Key> = chunk
                .iter()
                .map(|id| keys::kb_article(tenant, *id))
                .collect();
            let items = self.batch_get(&keys).await?;
            found.extend(Self::articles_of(items.into_values().collect())?);
        }
        Ok(found)
    }

    async fn section_articles(
        &self,
        tenant: TenantId,
        section: SectionId,
    ) -> StoreResult<Vec<Article>> {
        let items = self
            .query_index_partition(
                index::GSI1,
                (attr::GSI1PK, &keys::kb_section_articles_pk(tenant, section)),
            )
            .await?;
        Self::articles_of(items)
    }

    async fn articles(&self, tenant: TenantId, page: &PageRequest) -> StoreResult<Page<Article>> {
        let (items, next_cursor) = self
            .query_index_page(
                index::GSI2,
                (attr::GSI2PK, &keys::kb_articles_pk(tenant)),
                None,
                false,
                page,
                &format!("kb-articles|{tenant}"),
            )
            .await?;
        // The index holds keys only: the articles in one batch read.
        let ids: Vec<(String, String)> = items
            .iter()
            .filter_map(|i| {
                Some((
                    i.get(attr::PK)?.as_s().ok()?.clone(),
                    i.get(attr::SK)?.as_s().ok()?.clone(),
                ))
            })
            .collect();
        let keys: Vec<Key> = ids
            .iter()
            .map(|(pk, sk)| Key::from_parts(pk.clone(), sk.clone()))
            .collect();
        let mut found = if keys.is_empty() {
            HashMap::new()
        } else {
            self.batch_get(&keys).await?
        };
        let ordered: Vec<Item> = ids.into_iter().filter_map(|k| found.remove(&k)).collect();
        Ok(Page {
            items: Self::articles_of(ordered)?,
            next_cursor,
        })
    }

    async fn article_by_slug(
        &self,
        tenant: TenantId,
        locale: &Locale,
        slug: &Slug,
    ) -> StoreResult<Option<ArticleId>> {
        Ok(self
            .get::<SlugClaimItem>(&keys::kb_slug(tenant, locale, slug))
            .await?
            .map(|i| i.article_id))
    }

    async fn translation(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
    ) -> StoreResult<Option<Translation>> {
        Ok(self
            .get::<TranslationItem>(&keys::kb_translation(tenant, id, locale))
            .await?
            .map(Translation::from))
    }

    async fn article_with_translations(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locales: &[Locale],
    ) -> StoreResult<Option<(Article, Vec<Translation>)>> {
        let mut wanted: Vec<&Locale> = locales.iter().collect();
        wanted.sort();
        wanted.dedup();
        let article = keys::kb_article(tenant, id);
        let mut keys: Vec<Key> = vec![article.clone()];
        keys.extend(wanted.iter().map(|l| keys::kb_translation(tenant, id, l)));
        let mut found = self.batch_get(&keys).await?;
        let Some(item) = found.remove(&(article.pk, article.sk)) else {
            return Ok(None);
        };
        let texts = keys[1..]
            .iter()
            .filter_map(|k| found.remove(&(k.pk.clone(), k.sk.clone())))
            .map(|i| from_item::<TranslationItem>(i).map(Translation::from))
            .collect::<StoreResult<_>>()?;
        Ok(Some((from_item::<ArticleItem>(item)?.into(), texts)))
    }

    async fn translations(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locales: &[Locale],
    ) -> StoreResult<Vec<Translation>> {
        let mut wanted: Vec<&Locale> = locales.iter().collect();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<Key> = wanted
            .iter()
            .map(|l| keys::kb_translation(tenant, id, l))
            .collect();
        let mut found = self.batch_get(&keys).await?;
        keys.iter()
            .filter_map(|k| found.remove(&(k.pk.clone(), k.sk.clone())))
            .map(|i| from_item::<TranslationItem>(i).map(Translation::from))
            .collect()
    }

    async fn revision(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
        revision: RevisionId,
    ) -> StoreResult<Option<Revision>> {
        Ok(self
            .get::<RevisionItem>(&keys::kb_revision(tenant, id, locale, revision))
            .await?
            .map(Revision::from))
    }

    async fn revisions(
        &self,
        tenant: TenantId,
        id: ArticleId,
        locale: &Locale,
        page: &PageRequest,
    ) -> StoreResult<Page<Revision>> {
        let pk = keys::kb_article_partition(tenant, id);
        let prefix = keys::kb_revisions_prefix(locale);
        let (items, next_cursor) = self
            .query_page(
                None,
                (attr::PK, &pk),
                Some((attr::SK, &prefix)),
                false,
                page,
                &format!("kb-revisions|{tenant}|{id}|{locale}"),
            )
            .await?;
        Ok(Page {
            items: items
                .into_iter()
                .map(|i| from_item::<RevisionItem>(i).map(Revision::from))
                .collect::<StoreResult<_>>()?,
            next_cursor,
        })
    }

    async fn write_article(&self, w: ArticleWrite<'_>) -> StoreResult<()> {
        let a = w.article;
        let tenant = a.tenant_id;
        let item = to_item(&ArticleItem::from(a))?;
        let mut writes: Vec<TransactWriteItem> = vec![match w.expected {
            Some(v) => self.put_if_version(item, v)?,
            None => self.put(item, Some("attribute_not_exists(PK)"))?,
        }];
        let claim_at = writes.len();
        if let Some((locale, slug)) = w.claim {
            let claim = to_item(&SlugClaimItem {
                key: keys::kb_slug(tenant, locale, slug).into(),
                entity: "kb_slug".into(),
                article_id: a.id,
            })?;
            // Taken by this article already is no conflict.
            writes.push(self.put(claim, Some("attribute_not_exists(PK) OR articleId = :self"))?);
            if let Some(TransactWriteItem { put: Some(put), .. }) = writes.last_mut() {
                let mut values = put.expression_attribute_values.take().unwrap_or_default();
                values.insert(":self".into(), AttributeValue::S(a.id.to_string()));
                put.expression_attribute_values = Some(values);
            }
        }
        if let Some((locale, slug)) = w.release {
            writes.push(self.release_slug(&keys::kb_slug(tenant, locale, slug), a.id)?);
        }
        if let Some(t) = w.translation {
            writes.push(self.put(to_item(&TranslationItem::from(t))?, None)?);
        }
        if let Some(locale) = w.removed {
            writes.push(self.delete(&keys::kb_translation(tenant, a.id, locale), None)?);
        }
        if let Some(r) = w.revision {
            writes.push(self.put_new(&RevisionItem::from(r))?);
        }
        let claimed = w.claim.is_some();
        writes.extend(self.put_events(w.events)?);
        self.transact(writes, |i| {
            if claimed && i == claim_at {
                StoreError::Conflict(Conflict::SlugTaken)
            } else if i == 0 {
                StoreError::VersionMismatch
            } else {
                StoreError::ConditionFailed
            }
        })
        .await
    }

    async fn delete_article(&self, article: &Article, events: &[DomainEvent]) -> StoreResult<()> {
        let (tenant, id) = (article.tenant_id, article.id);
        let pk = keys::kb_article_partition(tenant, id);
        let held = Self::query_all(
            self.client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone())),
        )
        .await?;
        let mut writes =
            vec![self.delete_at_version(&keys::kb_article(tenant, id), article.version)?];
        let mut rest = Vec::new();
        for item in &held {
            // Counts made by `ADD` alone (`STATS`) carry no entity.
            let Some(sk) = item.get(attr::SK).and_then(|v| v.as_s().ok()) else {
                continue;
            };
            let entity = item
                .get("entity")
                .and_then(|v| v.as_s().ok())
                .map_or("", String::as_str);
            let key = Key::from_parts(pk.clone(), sk.clone());
            if entity == crate::items::KB_TRANSLATION_ENTITY {
                let t = Translation::from(from_item::<TranslationItem>(item.clone())?);
                writes.push(self.delete(&key, None)?);
                writes.push(self.release_slug(&keys::kb_slug(tenant, &t.locale, &t.slug), id)?);
            } else if sk != "ARTICLE" {
                rest.push(key);
            }
        }
        writes.extend(self.put_events(events)?);
        self.transact(writes, |i| {
            if i == 0 {
                StoreError::VersionMismatch
            } else {
                StoreError::ConditionFailed
            }
        })
        .await?;
        // Revisions, votes and counts: unreachable once the article is
        // gone, removed after it.
        for key in rest {
            self.delete_if_present(&key).await?;
        }
        Ok(())
    }

    async fn put_articles(&self, articles: &[Article], events: &[DomainEvent]) -> StoreResult<()> {
        let mut writes = Vec::with_capacity(articles.len() + events.len());
        for a in articles {
            writes.push(
                self.put_if_version(to_item(&ArticleItem::from(a))?, a.version.saturating_sub(1))?,
            );
        }
        writes.extend(self.put_events(events)?);
        let count = articles.len();
        self.transact(writes, |i| {
            if i < count {
                StoreError::VersionMismatch
            } else {
                StoreError::ConditionFailed
            }
        })
        .await
    }
}

impl ArticleFileStore for DynamoStore {
    async fn put_article_file(&self, file: &ArticleFile) -> StoreResult<()> {
        let put = self.put_new(&ArticleFileItem::from(file))?;
        self.transact(vec![put], |_| StoreError::ConditionFailed)
            .await
    }

    async fn article_file(
        &self,
        tenant: TenantId,
        article: ArticleId,
        id: ArticleFileId,
    ) -> StoreResult<Option<ArticleFile>> {
        Ok(self
            .get::<ArticleFileItem>(&keys::kb_file(tenant, article, id))
            .await?
            .map(ArticleFile::from))
    }

    async fn delete_article_file(&self, file: &ArticleFile) -> StoreResult<()> {
        self.delete_one(&keys::kb_file(file.tenant_id, file.article_id, file.id))
            .await
    }

    async fn article_files(
        &self,
        tenant: TenantId,
        article: ArticleId,
    ) -> StoreResult<Vec<ArticleFile>> {
        self.query_partition(
            &keys::kb_article_partition(tenant, article),
            keys::KB_FILE_PREFIX,
        )
        .await?
        .into_iter()
        .map(|i| from_item::<ArticleFileItem>(i).map(ArticleFile::from))
        .collect()
    }
}
