//! Categories and sections: writers create, rename, translate, move and
//! delete them (only when empty); staff list them as they are arranged.

use jiff::Timestamp;

use crate::DomainError;
use crate::accounts::permissions::Principal;
use crate::kb::article::ArticleStatus;
use crate::kb::events::ArticleChanged;
use crate::kb::ports::{ArticleStore, KbSettingsStore, StructureStore};
use crate::kb::service::{KnowledgeBase, require_staff, require_writer};
use crate::kb::settings::KbSettings;
use crate::kb::structure::{
    Category, GroupPatch, MAX_CATEGORIES, MAX_SECTIONS, NewGroup, Section, arrange,
};
use crate::kb::writing::concurrent;
use crate::kernel::error::Conflict;
use crate::kernel::events::{DomainEvent, EventType, Subject};
use crate::kernel::ids::{CategoryId, SectionId};

/// The translations name enabled locales only.
fn check_locales<'a>(
    settings: &KbSettings,
    locales: impl Iterator<Item = &'a crate::kb::locale::Locale>,
) -> Result<(), DomainError> {
    for locale in locales {
        if let Err(e) = settings.enabled(locale.clone()) {
            return Err(DomainError::field(
                &format!("translations.{locale}"),
                e.code,
                e.message,
            ));
        }
    }
    Ok(())
}

/// Articles moved with their section in one write (each with its event).
const MOVED_AT_ONCE: usize = 40;

fn not_empty() -> DomainError {
    DomainError::Conflict(Conflict::NotEmpty)
}

impl<S, I> KnowledgeBase<S, I>
where
    S: KbSettingsStore + StructureStore + ArticleStore,
{
    async fn writer(&self, principal: &Principal) -> Result<KbSettings, DomainError> {
        let settings = self.settings_of(principal.tenant_id()).await?;
        require_writer(principal, &settings)?;
        Ok(settings)
    }

    pub async fn categories(&self, principal: &Principal) -> Result<Vec<Category>, DomainError> {
        require_staff(principal)?;
        let mut all = self.store().categories(principal.tenant_id()).await?;
        arrange(&mut all, |c| (c.position, c.labels.default.name.as_str()));
        Ok(all)
    }

    pub async fn category(
        &self,
        principal: &Principal,
        id: CategoryId,
    ) -> Result<Category, DomainError> {
        require_staff(principal).map_err(|_| DomainError::NotFound)?;
        self.store()
            .category(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    pub async fn create_category(
        &self,
        principal: &Principal,
        input: NewGroup,
        now: Timestamp,
    ) -> Result<Category, DomainError> {
        let settings = self.writer(principal).await?;
        check_locales(&settings, input.labels.translations.keys())?;
        let tenant = principal.tenant_id();
        let existing = self.store().categories(tenant).await?;
        if existing.len() >= MAX_CATEGORIES {
            return Err(DomainError::field(
                "name",
                "limit_reached",
                format!("a knowledge base has at most {MAX_CATEGORIES} categories"),
            ));
        }
        let next = existing
            .iter()
            .map(|c| c.position.saturating_add(1))
            .max()
            .unwrap_or(0);
        let category = Category {
            id: CategoryId::new(),
            tenant_id: tenant,
            labels: input.labels,
            position: input.position.unwrap_or(next),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.store().put_category(&category, None).await?;
        Ok(category)
    }

    pub async fn update_category(
        &self,
        principal: &Principal,
        id: CategoryId,
        patch: GroupPatch,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<Category, DomainError> {
        let before = self.category(principal, id).await?;
        let settings = self.writer(principal).await?;
        if if_match.is_some_and(|v| v != before.version) {
            return Err(DomainError::PreconditionFailed);
        }
        check_locales(&settings, patch.translations.keys())?;
        let mut category = before.clone();
        if patch
            .apply(&mut category.labels, &mut category.position)
            .is_empty()
        {
            return Ok(category);
        }
        category.version += 1;
        category.updated_at = now;
        self.store()
            .put_category(&category, Some(before.version))
            .await?;
        Ok(category)
    }

    /// Deletes an empty category (`409 not_empty` while it has sections).
    pub async fn delete_category(
        &self,
        principal: &Principal,
        id: CategoryId,
    ) -> Result<(), DomainError> {
        let category = self.category(principal, id).await?;
        self.writer(principal).await?;
        let sections = self.store().sections(principal.tenant_id()).await?;
        if sections.iter().any(|s| s.category_id == id) {
            return Err(not_empty());
        }
        Ok(self.store().delete_category(&category).await?)
    }

    /// Sections, by category and position; of one category if asked.
    pub async fn sections(
        &self,
        principal: &Principal,
        category: Option<CategoryId>,
    ) -> Result<Vec<Section>, DomainError> {
        require_staff(principal)?;
        let mut all = self.store().sections(principal.tenant_id()).await?;
        all.retain(|s| category.is_none_or(|c| s.category_id == c));
        arrange(&mut all, |s| (s.position, s.labels.default.name.as_str()));
        Ok(all)
    }

    pub async fn section(
        &self,
        principal: &Principal,
        id: SectionId,
    ) -> Result<Section, DomainError> {
        require_staff(principal).map_err(|_| DomainError::NotFound)?;
        self.store()
            .section(principal.tenant_id(), id)
            .await?
            .ok_or(DomainError::NotFound)
    }

    /// A category named by a section's input: `422` when it is not one of
    /// the tenant's.
    async fn parent(&self, principal: &Principal, id: CategoryId) -> Result<Category, DomainError> {
        self.store()
            .category(principal.tenant_id(), id)
            .await?
            .ok_or_else(|| {
                DomainError::field("categoryId", "not_found", format!("no category {id}"))
            })
    }

    pub async fn create_section(
        &self,
        principal: &Principal,
        input: NewGroup,
        now: Timestamp,
    ) -> Result<Section, DomainError> {
        let settings = self.writer(principal).await?;
        check_locales(&settings, input.labels.translations.keys())?;
        let Some(category_id) = input.category_id else {
            return Err(DomainError::field(
                "categoryId",
                "required",
                "a section belongs to a category",
            ));
        };
        let category = self.parent(principal, category_id).await?;
        let tenant = principal.tenant_id();
        let existing = self.store().sections(tenant).await?;
        if existing.len() >= MAX_SECTIONS {
            return Err(DomainError::field(
                "name",
                "limit_reached",
                format!("a knowledge base has at most {MAX_SECTIONS} sections"),
            ));
        }
        let next = existing
            .iter()
            .filter(|s| s.category_id == category.id)
            .map(|s| s.position.saturating_add(1))
            .max()
            .unwrap_or(0);
        let section = Section {
            id: SectionId::new(),
            tenant_id: tenant,
            category_id: category.id,
            labels: input.labels,
            position: input.position.unwrap_or(next),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        self.store().put_section(&section, None).await?;
        Ok(section)
    }

    /// Renames, translates, reorders or moves a section to another
    /// category (its articles go with it).
    pub async fn update_section(
        &self,
        principal: &Principal,
        id: SectionId,
        patch: GroupPatch,
        if_match: Option<u64>,
        now: Timestamp,
    ) -> Result<Section, DomainError> {
        let before = self.section(principal, id).await?;
        let settings = self.writer(principal).await?;
        if if_match.is_some_and(|v| v != before.version) {
            return Err(DomainError::PreconditionFailed);
        }
        check_locales(&settings, patch.translations.keys())?;
        let mut section = before.clone();
        let mut changed = patch.apply(&mut section.labels, &mut section.position);
        if let Some(category) = patch.category_id
            && category != section.category_id
        {
            section.category_id = self.parent(principal, category).await?.id;
            changed.push("category");
        }
        if !changed.is_empty() {
            section.version += 1;
            section.updated_at = now;
            self.store()
                .put_section(&section, Some(before.version))
                .await?;
        }
        // A move that failed part of the way is finished by asking for it
        // again: the articles still in another category follow.
        if patch.category_id.is_some() {
            self.bring_articles_along(principal, &section, now).await?;
        }
        Ok(section)
    }

    /// Gives a section's articles its category (searches filter by it);
    /// each published one announces the move, which reindexes it. Each
    /// chunk is re-read consistently before it is written.
    async fn bring_articles_along(
        &self,
        principal: &Principal,
        section: &Section,
        now: Timestamp,
    ) -> Result<(), DomainError> {
        let tenant = principal.tenant_id();
        let listed: Vec<_> = self
            .store()
            .section_articles(tenant, section.id)
            .await?
            .into_iter()
            .filter(|a| a.category_id != section.category_id)
            .map(|a| a.id)
            .collect();
        for ids in listed.chunks(MOVED_AT_ONCE) {
            let mut moved: Vec<_> = self
                .store()
                .articles_by_id(tenant, ids)
                .await?
                .into_iter()
                .filter(|a| a.section_id == section.id && a.category_id != section.category_id)
                .collect();
            for article in &mut moved {
                article.category_id = section.category_id;
                article.version += 1;
            }
            let events: Vec<DomainEvent> = moved
                .iter()
                .filter(|a| a.status == ArticleStatus::Published)
                .map(|a| {
                    DomainEvent::new(
                        EventType::ArticleUpdated,
                        tenant,
                        now,
                        principal.actor(),
                        Subject {
                            article_id: Some(a.id),
                            ..Subject::default()
                        },
                        &ArticleChanged::of(a, None, &["category"]),
                    )
                })
                .collect();
            self.store()
                .put_articles(&moved, &events)
                .await
                .map_err(concurrent)?;
        }
        Ok(())
    }

    /// Deletes an empty section (`409 not_empty` while it has articles).
    pub async fn delete_section(
        &self,
        principal: &Principal,
        id: SectionId,
    ) -> Result<(), DomainError> {
        let section = self.section(principal, id).await?;
        self.writer(principal).await?;
        if !self
            .store()
            .section_articles(principal.tenant_id(), id)
            .await?
            .is_empty()
        {
            return Err(not_empty());
        }
        Ok(self.store().delete_section(&section).await?)
    }
}
