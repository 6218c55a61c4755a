//! Writing the knowledge base: revisions on every save, drafts of a
//! published article replacing it in one write, restores, `If-Match`,
//! who may write, and the events each change announces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kb_support;

use kb_support::{Desk, desk, labels, locale, new_article};
use switchboard_domain::DomainError;
use switchboard_domain::kb::article::{ArticleStatus, RevisionKind, Visibility};
use switchboard_domain::kb::settings::SettingsInput;
use switchboard_domain::kb::structure::NewGroup;
use switchboard_domain::kb::translating::TranslationInput;
use switchboard_domain::kb::writing::ArticlePatch;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::ArticleId;
use switchboard_domain::kernel::pagination::PageRequest;

fn text(title: &str, body: &str, draft: bool) -> TranslationInput {
    TranslationInput {
        title: title.into(),
        slug: None,
        body: body.into(),
        draft,
    }
}

impl Desk {
    async fn save(&self, id: ArticleId, title: &str, body: &str, draft: bool) {
        let version = self.version(id).await;
        self.kb
            .save_translation(
                self.owner(),
                id,
                locale("en"),
                text(title, body, draft),
                version,
                self.clock.now(),
            )
            .await
            .unwrap();
        self.index(id).await;
    }

    async fn public_body(&self, slug: &str) -> Option<String> {
        let ctx = self.help(None, &[]).await;
        self.kb
            .help_article(&ctx, slug, self.clock.now())
            .await
            .ok()
            .map(|a| a.translation.body)
    }

    async fn kinds(&self) -> Vec<EventType> {
        self.store.take_events().iter().map(|e| e.kind).collect()
    }
}

#[tokio::test]
async fn a_draft_of_a_published_article_waits_then_replaces_it_at_once() {
    let d = desk().await;
    let id = d
        .article(
            "Refunds",
            "Within 30 days.",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    d.store.take_events();

    d.save(id, "Refunds", "Within 60 days.", true).await;
    assert_eq!(
        d.public_body("refunds").await.as_deref(),
        Some("Within 30 days.")
    );
    assert!(d.kinds().await.is_empty(), "a draft announces nothing");
    let view = d.kb.article_view(d.owner(), id, None).await.unwrap();
    assert_eq!(
        view.draft.map(|r| r.body).as_deref(),
        Some("Within 60 days.")
    );
    assert!(view.article.translations[&locale("en")].draft);

    let version = d.version(id).await;
    d.kb.publish_draft(d.owner(), id, locale("en"), version, d.clock.now())
        .await
        .unwrap();
    d.index(id).await;
    assert_eq!(
        d.public_body("refunds").await.as_deref(),
        Some("Within 60 days.")
    );
    assert_eq!(d.kinds().await, vec![EventType::ArticlePublished]);
    let view = d.kb.article_view(d.owner(), id, None).await.unwrap();
    assert!(view.draft.is_none());
    // Nothing left to publish.
    let version = d.version(id).await;
    let err =
        d.kb.publish_draft(d.owner(), id, locale("en"), version, d.clock.now())
            .await
            .unwrap_err();
    assert!(
        matches!(err, DomainError::Invalid(ref e) if e[0].code == "no_draft"),
        "{err:?}"
    );

    // A save without `draft` is what readers see at once.
    d.save(id, "Refunds", "Within 90 days.", false).await;
    assert_eq!(
        d.public_body("refunds").await.as_deref(),
        Some("Within 90 days.")
    );
    assert_eq!(d.kinds().await, vec![EventType::ArticleUpdated]);
}

#[tokio::test]
async fn every_save_is_a_revision_and_one_can_be_restored() {
    let d = desk().await;
    let id = d
        .article(
            "Refunds",
            "one",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    d.save(id, "Refunds", "two", false).await;
    d.save(id, "Refunds", "three", true).await;
    let page = PageRequest {
        limit: 10,
        cursor: None,
    };
    let revisions =
        d.kb.revisions(d.owner(), id, &locale("en"), &page)
            .await
            .unwrap()
            .items;
    assert_eq!(
        revisions
            .iter()
            .map(|r| (r.body.as_str(), r.kind))
            .collect::<Vec<_>>(),
        vec![
            ("three", RevisionKind::Draft),
            ("two", RevisionKind::Saved),
            ("one", RevisionKind::Saved)
        ]
    );
    assert!(
        revisions
            .iter()
            .all(|r| r.author_id == Some(d.acme.owner.user.id))
    );

    let first = revisions[2].id;
    let version = d.version(id).await;
    d.kb.restore_revision(d.owner(), id, locale("en"), first, version, d.clock.now())
        .await
        .unwrap();
    assert_eq!(d.public_body("refunds").await.as_deref(), Some("one"));
    let revisions =
        d.kb.revisions(d.owner(), id, &locale("en"), &page)
            .await
            .unwrap()
            .items;
    assert_eq!(
        (revisions.len(), revisions[0].kind),
        (4, RevisionKind::Restored)
    );
}

#[tokio::test]
async fn a_stale_version_is_refused_and_changes_nothing() {
    let d = desk().await;
    let id = d
        .article(
            "Refunds",
            "one",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    let stale = d.version(id).await;
    d.save(id, "Refunds", "two", false).await;
    let err =
        d.kb.save_translation(
            d.owner(),
            id,
            locale("en"),
            text("Refunds", "three", false),
            stale,
            d.clock.now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::PreconditionFailed));
    assert_eq!(d.public_body("refunds").await.as_deref(), Some("two"));
    let err =
        d.kb.update_article(
            d.owner(),
            id,
            ArticlePatch {
                status: Some(ArticleStatus::Archived),
                ..Default::default()
            },
            stale,
            d.clock.now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::PreconditionFailed));
}

#[tokio::test]
async fn agents_write_only_when_named_editors_and_customers_never_read_the_staff_side() {
    let d = desk().await;
    let agent = &d.acme.agent.principal;
    let err =
        d.kb.create_article(
            agent,
            new_article(d.section, "By an agent", "x"),
            d.clock.now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Forbidden));
    // Agents read the staff side all the same.
    assert!(d.kb.categories(agent).await.is_ok());

    d.kb.set_settings(
        d.owner(),
        SettingsInput {
            default_locale: locale("en"),
            locales: vec![locale("fr")],
            editors: vec![d.acme.agent.user.id],
        },
        None,
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    assert!(
        d.kb.create_article(
            agent,
            new_article(d.section, "By an agent", "x"),
            d.clock.now()
        )
        .await
        .is_ok()
    );
    // Only admins change the settings.
    let err =
        d.kb.set_settings(
            agent,
            SettingsInput {
                default_locale: locale("en"),
                locales: vec![],
                editors: vec![],
            },
            None,
            jiff::Timestamp::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Forbidden));

    let customer = &d.acme.customer.principal;
    assert!(matches!(
        d.kb.categories(customer).await,
        Err(DomainError::Forbidden)
    ));
    let id = d
        .article("Refunds", "x", Visibility::Public, ArticleStatus::Published)
        .await;
    assert!(matches!(
        d.kb.article(customer, id).await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn a_category_or_section_holding_something_is_not_deleted() {
    let d = desk().await;
    let id = d
        .article("Refunds", "x", Visibility::Public, ArticleStatus::Draft)
        .await;
    let section = d.kb.section(d.owner(), d.section).await.unwrap();
    let not_empty = |r: Result<(), DomainError>| {
        matches!(
            r,
            Err(DomainError::Conflict(
                switchboard_domain::kernel::error::Conflict::NotEmpty
            ))
        )
    };
    assert!(not_empty(d.kb.delete_section(d.owner(), d.section).await));
    assert!(not_empty(
        d.kb.delete_category(d.owner(), section.category_id).await
    ));
    d.kb.delete_article(d.owner(), id, None, d.clock.now())
        .await
        .unwrap();
    d.kb.delete_section(d.owner(), d.section).await.unwrap();
    d.kb.delete_category(d.owner(), section.category_id)
        .await
        .unwrap();
    assert!(d.kb.categories(d.owner()).await.unwrap().is_empty());
}

#[tokio::test]
async fn articles_move_and_reorder_within_their_section() {
    let d = desk().await;
    let a = d
        .article("A", "x", Visibility::Public, ArticleStatus::Published)
        .await;
    let b = d
        .article("B", "x", Visibility::Public, ArticleStatus::Published)
        .await;
    let c = d
        .article("C", "x", Visibility::Public, ArticleStatus::Published)
        .await;
    let order =
        d.kb.reorder_section(d.owner(), d.section, &[c, a])
            .await
            .unwrap();
    assert_eq!(
        order.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![c, a, b]
    );
    let ctx = d.help(None, &[]).await;
    let (_, listed) = d.kb.help_section(&ctx, d.section).await.unwrap();
    assert_eq!(
        listed.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![c, a, b]
    );

    // Moved to a section of another category, it takes the category along.
    let other =
        d.kb.create_category(
            d.owner(),
            NewGroup {
                labels: labels("Billing"),
                position: None,
                category_id: None,
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    let section =
        d.kb.create_section(
            d.owner(),
            NewGroup {
                labels: labels("Invoices"),
                position: None,
                category_id: Some(other.id),
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    let version = d.version(b).await;
    let moved =
        d.kb.update_article(
            d.owner(),
            b,
            ArticlePatch {
                section_id: Some(section.id),
                ..Default::default()
            },
            version,
            d.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(
        (moved.section_id, moved.category_id),
        (section.id, other.id)
    );
    assert_eq!(d.kinds().await.last(), Some(&EventType::ArticleUpdated));
}

#[tokio::test]
async fn a_section_moved_to_another_category_takes_its_articles_even_after_a_failure() {
    use switchboard_domain::kb::structure::GroupPatch;
    use switchboard_domain::kernel::error::{Conflict, StoreError};
    let d = desk().await;
    let a = d
        .article("A", "x", Visibility::Public, ArticleStatus::Published)
        .await;
    let b = d
        .article("B", "x", Visibility::Public, ArticleStatus::Draft)
        .await;
    let other =
        d.kb.create_category(
            d.owner(),
            NewGroup {
                labels: labels("Billing"),
                position: None,
                category_id: None,
            },
            d.clock.now(),
        )
        .await
        .unwrap();
    d.store.take_events();
    let moving = GroupPatch {
        category_id: Some(other.id),
        ..GroupPatch::default()
    };
    d.store
        .fail_next_call_to("put_articles", StoreError::VersionMismatch);
    let failed =
        d.kb.update_section(d.owner(), d.section, moving.clone(), None, d.clock.now())
            .await;
    assert!(
        matches!(failed, Err(DomainError::Conflict(Conflict::Concurrent))),
        "{failed:?}"
    );
    let section = d.kb.section(d.owner(), d.section).await.unwrap();
    assert_eq!(section.category_id, other.id, "the section moved");
    assert_ne!(
        d.kb.article(d.owner(), a).await.unwrap().category_id,
        other.id
    );

    // Asked again, the articles follow; the published one announces it.
    d.kb.update_section(d.owner(), d.section, moving, None, d.clock.now())
        .await
        .unwrap();
    for id in [a, b] {
        assert_eq!(
            d.kb.article(d.owner(), id).await.unwrap().category_id,
            other.id
        );
    }
    let events = d.store.take_events();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.kind, e.subject.article_id))
            .collect::<Vec<_>>(),
        vec![(EventType::ArticleUpdated, Some(a))]
    );
}
