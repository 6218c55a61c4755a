//! The knowledge base's rules through its use cases (in-memory store and
//! tantivy index): what readers see of drafts, publishing, visibilities,
//! translations and their fallback, other tenants; search, suggestions,
//! votes, views and the insights they make.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kb_support;

use kb_support::{Desk, desk, locale, new_article, setup};
use switchboard_domain::DomainError;
use switchboard_domain::kb::article::{ArticleStatus, Reader, Visibility};
use switchboard_domain::kb::finding::ArticleSearch;
use switchboard_domain::kb::ports::VoteOutcome;
use switchboard_domain::kb::translating::TranslationInput;
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::ArticleId;
use switchboard_testkit::TestTenant;

fn search(q: &str) -> ArticleSearch {
    ArticleSearch {
        q: q.into(),
        limit: 10,
        ..ArticleSearch::default()
    }
}

impl Desk {
    /// The ids a reader's search finds.
    async fn finds(
        &self,
        who: Option<&switchboard_domain::accounts::permissions::Principal>,
        q: &str,
    ) -> Vec<ArticleId> {
        let ctx = self.help(who, &[]).await;
        self.kb
            .help_search(&ctx, &search(q), self.clock.now())
            .await
            .unwrap()
            .items
            .iter()
            .map(|f| f.article.id)
            .collect()
    }

    /// Whether a reader can open the article by its slug.
    async fn opens(
        &self,
        who: Option<&switchboard_domain::accounts::permissions::Principal>,
        slug: &str,
    ) -> bool {
        let ctx = self.help(who, &[]).await;
        match self.kb.help_article(&ctx, slug, self.clock.now()).await {
            Ok(_) => true,
            Err(DomainError::NotFound) => false,
            Err(e) => panic!("{e}"),
        }
    }

    async fn suggested(
        &self,
        who: Option<&switchboard_domain::accounts::permissions::Principal>,
        text: &str,
    ) -> Vec<ArticleId> {
        let ctx = self.help(who, &[]).await;
        self.kb
            .help_suggest(&ctx, text, "")
            .await
            .unwrap()
            .iter()
            .map(|f| f.article.id)
            .collect()
    }
}

#[tokio::test]
async fn a_draft_is_nowhere_in_the_help_center_until_it_is_published() {
    let d = desk().await;
    let id = d
        .article(
            "Reset your password",
            "Open **Settings**, then *Password*.",
            Visibility::Public,
            ArticleStatus::Draft,
        )
        .await;
    let customer = Some(&d.acme.customer.principal);
    for who in [None, customer] {
        assert!(!d.opens(who, "reset-your-password").await);
        assert!(!d.opens(who, &id.to_string()).await);
        assert!(d.finds(who, "password").await.is_empty());
        assert!(d.suggested(who, "I forgot my password").await.is_empty());
    }
    assert!(
        d.store
            .take_events()
            .iter()
            .all(|e| !e.kind.as_str().starts_with("article."))
    );

    d.publish(id).await;
    let events = d.store.take_events();
    assert_eq!(
        events.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![EventType::ArticlePublished]
    );
    assert_eq!(events[0].subject.article_id, Some(id));
    assert!(d.opens(None, "reset-your-password").await);
    assert_eq!(d.finds(None, "password").await, vec![id]);
    assert_eq!(
        d.finds(None, "passw").await,
        vec![id],
        "the last word as typed"
    );
    assert_eq!(
        d.suggested(None, "I forgot my password, help").await,
        vec![id]
    );

    let ctx = d.help(None, &[]).await;
    let read =
        d.kb.help_article(&ctx, "reset-your-password", d.clock.now())
            .await
            .unwrap();
    assert!(!read.fallback);
    assert_eq!(read.translation.title, "Reset your password");

    // Archived, it is gone again (and the index forgets it).
    d.set_status(id, ArticleStatus::Archived).await;
    assert_eq!(d.store.take_events()[0].kind, EventType::ArticleArchived);
    assert!(!d.opens(None, "reset-your-password").await);
    assert!(d.finds(None, "password").await.is_empty());
}

#[tokio::test]
async fn each_visibility_reaches_only_its_readers() {
    let d = desk().await;
    let public = d
        .article(
            "Billing public",
            "invoices",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    let customers = d
        .article(
            "Billing customers",
            "invoices",
            Visibility::Customers,
            ArticleStatus::Published,
        )
        .await;
    let internal = d
        .article(
            "Billing internal",
            "invoices",
            Visibility::Internal,
            ArticleStatus::Published,
        )
        .await;
    let seen = |mut v: Vec<ArticleId>| {
        v.sort();
        v
    };
    // Nobody: public only, by every route.
    assert_eq!(seen(d.finds(None, "invoices").await), vec![public]);
    assert_eq!(seen(d.suggested(None, "invoices").await), vec![public]);
    assert!(!d.opens(None, &customers.to_string()).await);
    assert!(!d.opens(None, &internal.to_string()).await);
    // A signed-in customer: public and customers'.
    let customer = Some(&d.acme.customer.principal);
    assert_eq!(
        seen(d.finds(customer, "invoices").await),
        seen(vec![public, customers])
    );
    assert_eq!(
        seen(d.suggested(customer, "invoices").await),
        seen(vec![public, customers])
    );
    assert!(d.opens(customer, &customers.to_string()).await);
    assert!(!d.opens(customer, &internal.to_string()).await);
    // The section list shows the same.
    let ctx = d.help(customer, &[]).await;
    let (_, listed) = d.kb.help_section(&ctx, d.section).await.unwrap();
    assert_eq!(
        seen(listed.iter().map(|a| a.id).collect()),
        seen(vec![public, customers])
    );
    // Staff find all three through the staff search.
    let found =
        d.kb.search_articles(d.owner(), &search("invoices"))
            .await
            .unwrap();
    assert_eq!(found.total, 3);
    // A customer's token of another tenant reads as nobody.
    let other = TestTenant::new(&d.store, d.clock.now()).await.unwrap();
    assert_eq!(
        seen(d.finds(Some(&other.customer.principal), "invoices").await),
        vec![public]
    );
    let ctx = d.help(Some(&other.owner.principal), &[]).await;
    assert_eq!(ctx.reader, Reader::Anonymous);
    // Staff of this tenant read the help center as customers do: internal
    // articles are for the staff API only.
    let owner = Some(d.owner());
    assert_eq!(
        seen(d.finds(owner, "invoices").await),
        seen(vec![public, customers])
    );
    assert!(!d.opens(owner, &internal.to_string()).await);
    assert_eq!(d.help(owner, &[]).await.reader, Reader::Customer);
}

#[tokio::test]
async fn another_tenants_articles_never_appear() {
    let d = desk().await;
    let ours = d
        .article(
            "Shipping times",
            "parcels",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    // A second tenant, sharing the store and the index.
    let other = TestTenant::new(&d.store, d.clock.now()).await.unwrap();
    let section = setup(&d.kb, &other, &d.clock).await;
    let mut input = new_article(section, "Shipping times", "parcels");
    input.status = Some(ArticleStatus::Published);
    let (theirs, _) =
        d.kb.create_article(&other.owner.principal, input, d.clock.now())
            .await
            .unwrap();
    d.kb.index_articles(other.tenant.id, &[theirs.id])
        .await
        .unwrap();

    assert_eq!(d.finds(None, "parcels").await, vec![ours]);
    assert!(!d.opens(None, &theirs.id.to_string()).await);
    assert!(matches!(
        d.kb.article(d.owner(), theirs.id).await,
        Err(DomainError::NotFound)
    ));
    // Their section is not ours to write in.
    let err =
        d.kb.create_article(d.owner(), new_article(section, "x", "y"), d.clock.now())
            .await
            .unwrap_err();
    assert_invalid(err, "sectionId", "not_found");
}

fn assert_invalid(err: DomainError, field: &str, code: &str) {
    match err {
        DomainError::Invalid(errors) => assert!(
            errors.iter().any(|e| e.field == field && e.code == code),
            "{errors:?}"
        ),
        other => panic!("expected {field}: {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_translation_is_served_for_its_locale_and_the_default_otherwise() {
    let d = desk().await;
    let id = d
        .article(
            "Reset your password",
            "Open Settings.",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    let version = d.version(id).await;
    d.kb.save_translation(
        d.owner(),
        id,
        locale("fr"),
        TranslationInput {
            title: "Réinitialiser le mot de passe".into(),
            slug: None,
            body: "Ouvrez les Réglages.".into(),
            draft: false,
        },
        version,
        d.clock.now(),
    )
    .await
    .unwrap();
    d.index(id).await;

    let fr = d.help(None, &["fr-CA"]).await;
    let read =
        d.kb.help_article(&fr, "réinitialiser-le-mot-de-passe", d.clock.now())
            .await
            .unwrap();
    assert_eq!(
        (read.translation.locale.as_str(), read.fallback),
        ("fr", false)
    );
    // The English slug reaches the French text for a French reader.
    let read =
        d.kb.help_article(&fr, "reset-your-password", d.clock.now())
            .await
            .unwrap();
    assert_eq!(read.translation.locale.as_str(), "fr");
    let found =
        d.kb.help_search(&fr, &search("réglages"), d.clock.now())
            .await
            .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].hit.locale.as_str(), "fr");

    // German is not enabled: the default, and the response says so.
    let de = d.help(None, &["de"]).await;
    assert_eq!(de.locale.as_str(), "en");
    // A locale enabled without this article's translation falls back.
    let other = d
        .article(
            "Close your account",
            "Write to us.",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    let read =
        d.kb.help_article(&fr, &other.to_string(), d.clock.now())
            .await
            .unwrap();
    assert_eq!(
        (read.translation.locale.as_str(), read.fallback),
        ("en", true)
    );

    // An unknown locale is the locale field's error.
    let err =
        d.kb.save_translation(
            d.owner(),
            id,
            locale("de"),
            TranslationInput {
                title: "Passwort".into(),
                slug: None,
                body: "x".into(),
                draft: false,
            },
            d.version(id).await,
            d.clock.now(),
        )
        .await
        .unwrap_err();
    assert_invalid(err, "locale", "unknown_locale");
}

#[tokio::test]
async fn a_slug_is_unique_in_its_locale() {
    let d = desk().await;
    d.article(
        "Reset your password",
        "a",
        Visibility::Public,
        ArticleStatus::Draft,
    )
    .await;
    let err =
        d.kb.create_article(
            d.owner(),
            new_article(d.section, "Reset your password", "b"),
            d.clock.now(),
        )
        .await
        .unwrap_err();
    assert_invalid(err, "slug", "taken");
    // In another locale the same slug is free.
    let mut fr = new_article(d.section, "Reset your password", "b");
    fr.locale = Some(locale("fr"));
    assert!(
        d.kb.create_article(d.owner(), fr, d.clock.now())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn votes_count_once_per_reader_and_views_and_empty_searches_reach_the_insights() {
    let d = desk().await;
    let id = d
        .article(
            "Invoices",
            "Download them.",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    let ctx = d.help(None, &[]).await;
    let vote = |voter: &'static str, helpful| {
        let (kb, ctx, now) = (&d.kb, &ctx, d.clock.now());
        async move { kb.help_vote(ctx, id, voter, helpful, now).await.unwrap() }
    };
    assert_eq!(vote("203.0.113.7", true).await, VoteOutcome::Counted);
    assert_eq!(vote("203.0.113.7", true).await, VoteOutcome::Unchanged);
    assert_eq!(vote("203.0.113.8", true).await, VoteOutcome::Counted);
    assert_eq!(vote("203.0.113.8", false).await, VoteOutcome::Changed);
    for _ in 0..3 {
        d.kb.help_article(&ctx, "invoices", d.clock.now())
            .await
            .unwrap();
    }
    d.kb.help_search(&ctx, &search("refund policy"), d.clock.now())
        .await
        .unwrap();
    d.kb.help_search(&ctx, &search("Refund   POLICY"), d.clock.now())
        .await
        .unwrap();
    d.kb.help_search(&ctx, &search("invoices"), d.clock.now())
        .await
        .unwrap();

    let today = d.clock.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let insights = d.kb.insights(d.owner(), today, today).await.unwrap();
    assert_eq!(insights.totals.views, 3);
    assert_eq!((insights.totals.helpful, insights.totals.unhelpful), (1, 1));
    assert_eq!(
        (insights.totals.searches, insights.totals.unanswered),
        (3, 2)
    );
    assert_eq!(insights.unanswered, vec![("refund policy".to_owned(), 2)]);
    assert_eq!(insights.articles[0].article_id, id);
    assert_eq!(insights.articles[0].title.as_deref(), Some("Invoices"));
    // Customers do not read insights.
    assert!(matches!(
        d.kb.insights(&d.acme.customer.principal, today, today)
            .await,
        Err(DomainError::Forbidden)
    ));
    // A reader cannot vote on what they may not read.
    let hidden = d
        .article(
            "Internal",
            "x",
            Visibility::Internal,
            ArticleStatus::Published,
        )
        .await;
    assert!(matches!(
        d.kb.help_vote(&ctx, hidden, "203.0.113.7", true, d.clock.now())
            .await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn an_unknown_help_center_is_not_found() {
    let d = desk().await;
    assert!(matches!(
        d.kb.help_center("no-such-tenant", None, &[], d.clock.now())
            .await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        d.kb.help_center("Not A Slug!", None, &[], d.clock.now())
            .await,
        Err(DomainError::NotFound)
    ));
}

#[tokio::test]
async fn a_ticket_solved_with_a_linked_article_is_counted_once() {
    use switchboard_domain::kb::insights::count_if_solved_with_article;
    use switchboard_domain::kb::ports::FeedbackStore;
    use switchboard_domain::kernel::events::{Actor, DomainEvent, Subject};
    use switchboard_domain::tickets::events::StatusChanged;
    use switchboard_domain::tickets::ticket::Status;
    let d = desk().await;
    let id = d
        .article(
            "Invoices",
            "x",
            Visibility::Public,
            ArticleStatus::Published,
        )
        .await;
    let tenant = d.acme.tenant.id;
    let solved = |ticket, to| {
        DomainEvent::new(
            EventType::TicketStatusChanged,
            tenant,
            d.clock.now(),
            Actor::system(),
            Subject {
                ticket_id: Some(ticket),
                ..Subject::default()
            },
            &StatusChanged {
                from: Status::Open,
                to,
            },
        )
    };
    let (linked, plain) = (
        switchboard_domain::kernel::ids::TicketId::new(),
        switchboard_domain::kernel::ids::TicketId::new(),
    );
    d.store
        .set_linked_articles(tenant, linked, &[id])
        .await
        .unwrap();
    let event = solved(linked, Status::Solved);
    assert!(
        count_if_solved_with_article(&d.store, &event)
            .await
            .unwrap()
    );
    assert!(
        !count_if_solved_with_article(&d.store, &event)
            .await
            .unwrap(),
        "a redelivery"
    );
    assert!(
        !count_if_solved_with_article(&d.store, &solved(plain, Status::Solved))
            .await
            .unwrap()
    );
    assert!(
        !count_if_solved_with_article(&d.store, &solved(linked, Status::Pending))
            .await
            .unwrap()
    );
    let today = d.clock.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let insights = d.kb.insights(d.owner(), today, today).await.unwrap();
    assert_eq!(insights.totals.solved_with_article, 1);
}

#[tokio::test]
async fn a_help_centers_settings_reach_readers_within_the_reuse_window() {
    use switchboard_domain::kb::service::HELP_CENTER_TTL;
    use switchboard_domain::kb::settings::SettingsInput;
    let d = desk().await;
    assert_eq!(d.help(None, &["de"]).await.locale.as_str(), "en");
    d.kb.set_settings(
        d.owner(),
        SettingsInput {
            default_locale: locale("en"),
            locales: vec![locale("fr"), locale("de")],
            editors: Vec::new(),
        },
        None,
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    // Reused within the window, read again after it.
    assert_eq!(d.help(None, &["de"]).await.locale.as_str(), "en");
    d.clock.advance(HELP_CENTER_TTL);
    assert_eq!(d.help(None, &["de"]).await.locale.as_str(), "de");
}
