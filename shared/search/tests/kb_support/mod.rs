//! A help desk with a knowledge base, in memory: the use cases on the
//! in-memory store and an in-memory tantivy index, a test clock, a tenant.

#![allow(dead_code, clippy::unwrap_used)]

use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::kb::article::{ArticleStatus, Slug, Visibility};
use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kb::service::KnowledgeBase;
use switchboard_domain::kb::settings::SettingsInput;
use switchboard_domain::kb::structure::{Label, Labels, NewGroup};
use switchboard_domain::kb::writing::{ArticlePatch, NewArticle};
use switchboard_domain::kernel::ids::{ArticleId, SectionId};
use switchboard_search::TantivyIndexes;
use switchboard_testkit::{MemoryStore, TestClock, TestTenant};

pub type Kb = KnowledgeBase<MemoryStore, TantivyIndexes>;

pub struct Desk {
    pub clock: TestClock,
    pub store: MemoryStore,
    pub acme: TestTenant,
    pub kb: Kb,
    pub section: SectionId,
}

pub fn locale(raw: &str) -> Locale {
    Locale::parse(raw).unwrap()
}

pub fn labels(name: &str) -> Labels {
    Labels {
        default: Label {
            name: name.into(),
            description: String::new(),
        },
        translations: Default::default(),
    }
}

/// A tenant with a knowledge base in English and French, one category and
/// one section.
pub async fn desk() -> Desk {
    let clock = TestClock::new();
    let store = MemoryStore::with_clock(clock.clone());
    let acme = TestTenant::new(&store, clock.now()).await.unwrap();
    let kb = KnowledgeBase::new(store.clone(), TantivyIndexes::in_memory());
    let section = setup(&kb, &acme, &clock).await;
    Desk {
        clock,
        store,
        acme,
        kb,
        section,
    }
}

/// Locales `en` and `fr`, a category "Account" and its section "Access".
pub async fn setup(kb: &Kb, tenant: &TestTenant, clock: &TestClock) -> SectionId {
    let owner = &tenant.owner.principal;
    kb.set_settings(
        owner,
        SettingsInput {
            default_locale: locale("en"),
            locales: vec![locale("en"), locale("fr")],
            editors: Vec::new(),
        },
        None,
        clock.now(),
    )
    .await
    .unwrap();
    let category = kb
        .create_category(
            owner,
            NewGroup {
                labels: labels("Account"),
                position: None,
                category_id: None,
            },
            clock.now(),
        )
        .await
        .unwrap();
    kb.create_section(
        owner,
        NewGroup {
            labels: labels("Access"),
            position: None,
            category_id: Some(category.id),
        },
        clock.now(),
    )
    .await
    .unwrap()
    .id
}

pub fn new_article(section: SectionId, title: &str, body: &str) -> NewArticle {
    NewArticle {
        section_id: section,
        locale: None,
        title: title.into(),
        slug: None,
        body: body.into(),
        visibility: Visibility::Public,
        tags: vec!["account".into()],
        status: None,
        position: None,
    }
}

impl Desk {
    pub fn owner(&self) -> &Principal {
        &self.acme.owner.principal
    }

    /// Writes an article as the owner, with `visibility` and `status`, and
    /// indexes it as the indexer would after its event.
    pub async fn article(
        &self,
        title: &str,
        body: &str,
        visibility: Visibility,
        status: ArticleStatus,
    ) -> ArticleId {
        let mut input = new_article(self.section, title, body);
        input.visibility = visibility;
        input.status = Some(status);
        let (article, _) = self
            .kb
            .create_article(self.owner(), input, self.clock.now())
            .await
            .unwrap();
        self.index(article.id).await;
        article.id
    }

    pub async fn index(&self, id: ArticleId) {
        self.kb
            .index_articles(self.acme.tenant.id, &[id])
            .await
            .unwrap();
    }

    pub async fn version(&self, id: ArticleId) -> u64 {
        self.kb.article(self.owner(), id).await.unwrap().version
    }

    pub async fn publish(&self, id: ArticleId) {
        self.set_status(id, ArticleStatus::Published).await;
    }

    pub async fn set_status(&self, id: ArticleId, status: ArticleStatus) {
        let version = self.version(id).await;
        self.kb
            .update_article(
                self.owner(),
                id,
                ArticlePatch {
                    status: Some(status),
                    ..ArticlePatch::default()
                },
                version,
                self.clock.now(),
            )
            .await
            .unwrap();
        self.index(id).await;
    }

    pub fn slug(raw: &str) -> Slug {
        Slug::parse(raw).unwrap()
    }

    /// The help center as `who` (nobody when `None`) reads it in `asked`.
    pub async fn help(
        &self,
        who: Option<&Principal>,
        asked: &[&str],
    ) -> switchboard_domain::kb::help_center::HelpContext {
        self.kb
            .help_center(self.acme.tenant.slug.as_str(), who, asked, self.clock.now())
            .await
            .unwrap()
    }
}
