//! The knowledge base.

use jiff::civil::Date;
use switchboard_domain::StoreError;
use switchboard_domain::accounts::ports::TenantStore;
use switchboard_domain::kb::article::{
    Article, ArticleStatus, Revision, RevisionKind, Slug, Translation, TranslationSummary,
    Visibility,
};
use switchboard_domain::kb::file::ArticleFile;
use switchboard_domain::kb::locale::Locale;
use switchboard_domain::kb::ports::{
    ArticleFileStore, ArticleStore, ArticleWrite, FeedbackStore, InsightRow, KbSettingsStore,
    StructureStore, VoteOutcome,
};
use switchboard_domain::kb::settings::KbSettings;
use switchboard_domain::kb::structure::{Category, Label, Labels, Section};
use switchboard_domain::kernel::error::Conflict;
use switchboard_domain::kernel::events::{Actor, DomainEvent, EventType, Subject};
use switchboard_domain::kernel::ids::{
    ArticleFileId, ArticleId, CategoryId, RevisionId, SectionId, TenantId, TicketId,
};
use switchboard_domain::kernel::pagination::PageRequest;

use super::support::*;

fn locale(raw: &str) -> Locale {
    Locale::parse(raw).unwrap()
}

fn labels(name: &str) -> Labels {
    Labels {
        default: Label {
            name: name.into(),
            description: "about it".into(),
        },
        translations: [(
            locale("fr"),
            Label {
                name: format!("{name} (fr)"),
                description: String::new(),
            },
        )]
        .into(),
    }
}

fn category(tenant: TenantId) -> Category {
    Category {
        id: CategoryId::new(),
        tenant_id: tenant,
        labels: labels("Account"),
        position: 0,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

fn section(tenant: TenantId, category: CategoryId, position: u32) -> Section {
    Section {
        id: SectionId::new(),
        tenant_id: tenant,
        category_id: category,
        labels: labels("Access"),
        position,
        created_at: now(),
        updated_at: now(),
        version: 1,
    }
}

/// An article with one translation in `en`, and the revision it is.
fn article(
    tenant: TenantId,
    section: &Section,
    slug: &str,
    position: u32,
) -> (Article, Translation, Revision) {
    let id = ArticleId::new();
    let revision = Revision {
        id: RevisionId::new(),
        tenant_id: tenant,
        article_id: id,
        locale: locale("en"),
        title: format!("Title {slug}"),
        slug: Slug::parse(slug).unwrap(),
        body: "# Body\n\nSome *text*.".into(),
        kind: RevisionKind::Saved,
        author_id: None,
        created_at: now(),
    };
    let translation = Translation {
        tenant_id: tenant,
        article_id: id,
        locale: locale("en"),
        title: revision.title.clone(),
        slug: revision.slug.clone(),
        body: revision.body.clone(),
        revision_id: revision.id,
        updated_by: None,
        updated_at: now(),
        live: true,
        draft: None,
    };
    let article = Article {
        id,
        tenant_id: tenant,
        category_id: section.category_id,
        section_id: section.id,
        position,
        status: ArticleStatus::Published,
        visibility: Visibility::Public,
        tags: vec!["billing".into()],
        author_id: None,
        translations: [(
            locale("en"),
            TranslationSummary {
                title: translation.title.clone(),
                slug: slug.into(),
                updated_at: now(),
                live: true,
                draft: false,
            },
        )]
        .into(),
        created_at: now(),
        updated_at: now(),
        published_at: Some(now()),
        version: 1,
    };
    (article, translation, revision)
}

fn published(a: &Article) -> DomainEvent {
    DomainEvent::new(
        EventType::ArticlePublished,
        a.tenant_id,
        now(),
        Actor::system(),
        Subject {
            article_id: Some(a.id),
            ..Subject::default()
        },
        &switchboard_domain::kb::events::ArticleChanged::of(a, None, &[]),
    )
}

fn create<'a>(
    a: &'a Article,
    t: &'a Translation,
    r: &'a Revision,
    events: &'a [DomainEvent],
) -> ArticleWrite<'a> {
    ArticleWrite {
        article: a,
        expected: None,
        translation: Some(t),
        removed: None,
        revision: Some(r),
        claim: Some((&t.locale, &t.slug)),
        release: None,
        events,
    }
}

/// Settings, categories and sections are written at their version and
/// listed per tenant.
pub async fn kb_structure_is_versioned<S, O>(store: &S, _outbox: &O)
where
    S: TenantStore + KbSettingsStore + StructureStore,
    O: Outbox,
{
    let (tenant, _) = signed_up(store).await;
    let (other, _) = signed_up(store).await;
    let t = tenant.id;
    assert_eq!(store.kb_settings(t).await.unwrap(), None);
    let mut settings = KbSettings::initial(t);
    settings.version = 1;
    settings.locales.push(locale("fr"));
    store
        .put_kb_settings(&settings, &[])
        .await
        .expect("first settings");
    assert_error(
        store.put_kb_settings(&settings, &[]).await,
        &StoreError::VersionMismatch,
    );
    settings.version = 2;
    store
        .put_kb_settings(&settings, &[])
        .await
        .expect("second settings");
    assert_eq!(store.kb_settings(t).await.unwrap(), Some(settings));

    let c = category(t);
    store.put_category(&c, None).await.expect("a category");
    assert_error(
        store.put_category(&c, None).await,
        &StoreError::VersionMismatch,
    );
    let mut renamed = c.clone();
    renamed.labels.default.name = "Accounts".into();
    renamed.version = 2;
    store
        .put_category(&renamed, Some(1))
        .await
        .expect("renamed");
    assert_error(
        store.put_category(&renamed, Some(1)).await,
        &StoreError::VersionMismatch,
    );
    assert_eq!(
        store.category(t, c.id).await.unwrap(),
        Some(renamed.clone())
    );
    assert_eq!(store.category(other.id, c.id).await.unwrap(), None);
    let s = section(t, c.id, 0);
    store.put_section(&s, None).await.expect("a section");
    store.put_category(&category(other.id), None).await.unwrap();
    assert_eq!(store.categories(t).await.unwrap(), vec![renamed.clone()]);
    assert_eq!(store.sections(t).await.unwrap(), vec![s.clone()]);
    assert_eq!(store.section(t, s.id).await.unwrap(), Some(s.clone()));
    assert_error(
        store.delete_category(&c).await,
        &StoreError::VersionMismatch,
    );
    store.delete_section(&s).await.expect("deleted");
    store.delete_category(&renamed).await.expect("deleted");
    assert!(store.categories(t).await.unwrap().is_empty());
    assert!(store.sections(t).await.unwrap().is_empty());
}

/// An article is written whole with its translation, revision, slug and
/// events, or not at all; a slug is one article's per locale; lists follow
/// position and last change; deletion takes the slugs along.
pub async fn kb_articles_are_written_whole<S, O>(store: &S, outbox: &O)
where
    S: TenantStore + StructureStore + ArticleStore + ArticleFileStore + FeedbackStore,
    O: Outbox,
{
    let (tenant, _) = signed_up(store).await;
    let t = tenant.id;
    let sec = section(t, CategoryId::new(), 0);
    let (a, at, ar) = article(t, &sec, "reset-password", 2);
    let events = [published(&a)];
    store
        .write_article(create(&a, &at, &ar, &events))
        .await
        .expect("an article");
    assert!(outbox.holds(t, events[0].id).await);
    assert_eq!(store.article(t, a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(
        store.translation(t, a.id, &locale("en")).await.unwrap(),
        Some(at.clone())
    );
    assert_eq!(
        store.revision(t, a.id, &locale("en"), ar.id).await.unwrap(),
        Some(ar.clone())
    );
    let (read, texts) = store
        .article_with_translations(t, a.id, &[locale("fr"), locale("en")])
        .await
        .unwrap()
        .expect("the article");
    assert_eq!((read, texts), (a.clone(), vec![at.clone()]));
    assert!(
        store
            .article_with_translations(t, ArticleId::new(), &[locale("en")])
            .await
            .unwrap()
            .is_none()
    );
    let slug = Slug::parse("reset-password").unwrap();
    assert_eq!(
        store
            .article_by_slug(t, &locale("en"), &slug)
            .await
            .unwrap(),
        Some(a.id)
    );
    assert_eq!(
        store
            .article_by_slug(t, &locale("fr"), &slug)
            .await
            .unwrap(),
        None
    );

    // Another article cannot take the slug, and nothing of it is written.
    let (b, bt, br) = article(t, &sec, "reset-password", 1);
    let b_events = [published(&b)];
    assert_error(
        store.write_article(create(&b, &bt, &br, &b_events)).await,
        &StoreError::Conflict(Conflict::SlugTaken),
    );
    assert_eq!(store.article(t, b.id).await.unwrap(), None);
    assert!(!outbox.holds(t, b_events[0].id).await);
    let (b, bt, br) = article(t, &sec, "close-account", 1);
    store
        .write_article(create(&b, &bt, &br, &[]))
        .await
        .expect("another");

    // A stale version changes nothing.
    let mut moved = a.clone();
    moved.position = 0;
    moved.version = 2;
    moved.updated_at = now() + secs(5);
    assert_error(
        store
            .write_article(ArticleWrite::article(&moved, 7, &[]))
            .await,
        &StoreError::VersionMismatch,
    );
    store
        .write_article(ArticleWrite::article(&moved, 1, &[]))
        .await
        .expect("moved");

    let ids = |v: Vec<Article>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.section_articles(t, sec.id).await.unwrap()),
        vec![a.id, b.id]
    );
    let page = PageRequest {
        limit: 1,
        cursor: None,
    };
    let first = store.articles(t, &page).await.unwrap();
    assert_eq!(ids(first.items), vec![a.id], "the last changed first");
    let second = store
        .articles(
            t,
            &PageRequest {
                limit: 1,
                cursor: first.next_cursor,
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(second.items), vec![b.id]);
    let mut both = ids(store.articles_by_id(t, &[b.id, a.id]).await.unwrap());
    both.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(both, expected);

    // A new revision as a draft, then revisions newest first.
    let mut draft = ar.clone();
    // Later than the first (ids made in one millisecond sort at random).
    draft.id = RevisionId::from_ulid(ar.id.ulid().increment().unwrap());
    draft.kind = RevisionKind::Draft;
    draft.body = "newer".into();
    let mut pending = at.clone();
    pending.draft = Some(draft.id);
    let mut next = moved.clone();
    next.version = 3;
    store
        .write_article(ArticleWrite {
            translation: Some(&pending),
            revision: Some(&draft),
            ..ArticleWrite::article(&next, 2, &[])
        })
        .await
        .expect("a draft");
    let revisions = store
        .revisions(
            t,
            a.id,
            &locale("en"),
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        revisions.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![draft.id, ar.id]
    );
    let found = store
        .translations(t, a.id, &[locale("fr"), locale("en"), locale("en")])
        .await
        .unwrap();
    assert_eq!(found, vec![pending]);

    // Its files, in its partition.
    let file = ArticleFile {
        id: ArticleFileId::new(),
        tenant_id: t,
        article_id: a.id,
        filename: "diagram.png".into(),
        content_type: "image/png".into(),
        size: 2048,
        uploaded_by: None,
        created_at: now(),
    };
    store.put_article_file(&file).await.expect("a file");
    assert_error(
        store.put_article_file(&file).await,
        &StoreError::ConditionFailed,
    );
    assert_eq!(
        store.article_file(t, a.id, file.id).await.unwrap(),
        Some(file.clone())
    );
    assert_eq!(store.article_file(t, b.id, file.id).await.unwrap(), None);
    assert_eq!(
        store.article_files(t, a.id).await.unwrap(),
        vec![file.clone()]
    );

    // Several articles in one write, with their events.
    let mut moved = next.clone();
    moved.category_id = CategoryId::new();
    moved.version = 4;
    let announced = [published(&moved)];
    store
        .put_articles(&[moved.clone()], &announced)
        .await
        .expect("moved");
    assert!(outbox.holds(t, announced[0].id).await);
    assert_error(
        store.put_articles(&[moved.clone()], &[]).await,
        &StoreError::VersionMismatch,
    );
    store
        .count_view(t, a.id, Date::new(2026, 3, 1).unwrap())
        .await
        .unwrap();
    let extra = ArticleFile {
        id: ArticleFileId::new(),
        ..file.clone()
    };
    store.put_article_file(&extra).await.unwrap();
    store
        .delete_article_file(&extra)
        .await
        .expect("a file removed");
    assert_error(
        store.delete_article_file(&extra).await,
        &StoreError::NotFound,
    );

    // Deleted, its slug is free again, and its files and counts are gone.
    store.delete_article(&moved, &[]).await.expect("deleted");
    assert!(store.article_files(t, a.id).await.unwrap().is_empty());
    assert_eq!(
        store.article_stats(t, a.id).await.unwrap(),
        Default::default()
    );
    assert_eq!(store.article(t, a.id).await.unwrap(), None);
    assert_eq!(
        store
            .article_by_slug(t, &locale("en"), &slug)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.translation(t, a.id, &locale("en")).await.unwrap(),
        None
    );
    assert_eq!(
        ids(store.section_articles(t, sec.id).await.unwrap()),
        vec![b.id]
    );
}

/// One vote per voter and article (a changed mind moves the count),
/// views and searches counted by day, insights read by a range of days,
/// links replaced whole.
pub async fn kb_feedback_is_counted_by_day<S, O>(store: &S, _outbox: &O)
where
    S: TenantStore + FeedbackStore,
    O: Outbox,
{
    let (tenant, _) = signed_up(store).await;
    let t = tenant.id;
    let a = ArticleId::new();
    let day = |d: i8| Date::new(2026, 3, d).unwrap();
    assert_eq!(
        store.vote(t, a, "v1", true, day(1)).await.unwrap(),
        VoteOutcome::Counted
    );
    assert_eq!(
        store.vote(t, a, "v1", true, day(1)).await.unwrap(),
        VoteOutcome::Unchanged
    );
    assert_eq!(
        store.vote(t, a, "v2", true, day(2)).await.unwrap(),
        VoteOutcome::Counted
    );
    assert_eq!(
        store.vote(t, a, "v2", false, day(2)).await.unwrap(),
        VoteOutcome::Changed
    );
    // Changed a day later: the count leaves the first day's row.
    let v3 = |helpful, d| store.vote(t, a, "v3", helpful, day(d));
    assert_eq!(v3(true, 4).await.unwrap(), VoteOutcome::Counted);
    assert_eq!(v3(false, 5).await.unwrap(), VoteOutcome::Changed);
    store.count_view(t, a, day(1)).await.unwrap();
    store.count_view(t, a, day(3)).await.unwrap();
    store
        .count_search(t, "refund policy", false, day(2))
        .await
        .unwrap();
    store
        .count_search(t, "invoices", true, day(2))
        .await
        .unwrap();
    let (solved, event) = (
        TicketId::new(),
        switchboard_domain::kernel::ids::EventId::new(),
    );
    assert!(
        store
            .count_solved_with_article(t, solved, event, day(2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .count_solved_with_article(t, solved, event, day(2))
            .await
            .unwrap(),
        "once per event"
    );
    let stats = store.article_stats(t, a).await.unwrap();
    assert_eq!((stats.views, stats.helpful, stats.unhelpful), (2, 1, 2));
    let later = store.insights(t, day(4), day(5)).await.unwrap();
    let on = |d| {
        later.iter().find_map(|r| match r {
            InsightRow::Article { day: x, stats, .. } if *x == day(d) => {
                Some((stats.helpful, stats.unhelpful))
            }
            _ => None,
        })
    };
    assert_eq!((on(4), on(5)), (Some((0, 0)), Some((0, 1))), "{later:?}");
    assert_eq!(
        store.article_stats(t, ArticleId::new()).await.unwrap(),
        Default::default()
    );

    let mut rows = store.insights(t, day(2), day(2)).await.unwrap();
    rows.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.contains(&InsightRow::Day {
        day: day(2),
        searches: 2,
        unanswered: 1,
        solved_with_article: 1
    }));
    assert!(rows.contains(&InsightRow::Unanswered {
        day: day(2),
        query: "refund policy".into(),
        count: 1
    }));
    assert!(rows.iter().any(|r| matches!(r,
        InsightRow::Article { article_id, stats, .. }
            if *article_id == a && (stats.helpful, stats.unhelpful, stats.views) == (0, 1, 0))));
    let all = store.insights(t, day(1), day(3)).await.unwrap();
    assert_eq!(all.len(), 5, "{all:?}");
    let (other, _) = signed_up(store).await;
    assert!(
        store
            .insights(other.id, day(1), day(3))
            .await
            .unwrap()
            .is_empty()
    );

    let ticket = TicketId::new();
    assert!(store.linked_articles(t, ticket).await.unwrap().is_empty());
    store.set_linked_articles(t, ticket, &[a]).await.unwrap();
    assert_eq!(store.linked_articles(t, ticket).await.unwrap(), vec![a]);
    assert!(
        store
            .linked_articles(other.id, ticket)
            .await
            .unwrap()
            .is_empty()
    );
    store.set_linked_articles(t, ticket, &[]).await.unwrap();
    assert!(store.linked_articles(t, ticket).await.unwrap().is_empty());
}
