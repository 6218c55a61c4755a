//! Articles' images and files: a writer declares one and gets an upload
//! bound to it; readers get a short-lived download only where they may
//! read the article.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod kb_support;

use kb_support::desk;
use switchboard_domain::DomainError;
use switchboard_domain::attachments::service::UploadInput;
use switchboard_domain::kb::article::{ArticleStatus, Visibility};
use switchboard_domain::kb::files::FileReader;
use switchboard_testkit::MemoryObjects;

fn png(size: i64) -> UploadInput {
    UploadInput {
        filename: Some("../diagram.png".into()),
        content_type: Some("image/png".into()),
        size: Some(size),
    }
}

#[tokio::test]
async fn a_file_is_declared_by_a_writer_and_served_where_its_article_is_readable() {
    let d = desk().await;
    let objects = MemoryObjects::with_clock(d.clock.clone());
    let draft = d
        .article("Setup", "x", Visibility::Public, ArticleStatus::Draft)
        .await;
    let made =
        d.kb.upload_file(&objects, d.owner(), draft, png(2_048), d.clock.now())
            .await
            .unwrap();
    assert_eq!(made.file.filename, "diagram.png");
    assert_eq!(made.upload.method, "PUT");
    assert!(
        made.upload
            .headers
            .contains(&("content-length".into(), "2048".into()))
    );
    assert_eq!(
        made.file.path(d.acme.tenant.slug.as_str()),
        format!(
            "/v1/help/{}/articles/{draft}/files/{}",
            d.acme.tenant.slug.as_str(),
            made.file.id
        )
    );
    assert!(made.file.disposition().starts_with("inline"));

    // A draft's file: staff only.
    let help = d.help(None, &[]).await;
    let get = |reader| d.kb.download_file(&objects, reader, draft, made.file.id);
    assert!(matches!(
        get(FileReader::Help(&help)).await,
        Err(DomainError::NotFound)
    ));
    let staff = get(FileReader::Staff(d.owner())).await.unwrap();
    assert!(
        staff.url.contains(&made.file.id.ulid().to_string()),
        "{}",
        staff.url
    );
    assert!(matches!(
        get(FileReader::Staff(&d.acme.customer.principal)).await,
        Err(DomainError::NotFound)
    ));
    // Published, anyone.
    d.publish(draft).await;
    let help = d.help(None, &[]).await;
    let url =
        d.kb.download_file(&objects, FileReader::Help(&help), draft, made.file.id)
            .await
            .unwrap()
            .url;
    assert!(url.contains("disposition=inline"), "{url}");

    // An internal article's file is not the customers'.
    let internal = d
        .article(
            "Runbook",
            "x",
            Visibility::Internal,
            ArticleStatus::Published,
        )
        .await;
    let secret =
        d.kb.upload_file(&objects, d.owner(), internal, png(10), d.clock.now())
            .await
            .unwrap();
    let customer = d.help(Some(&d.acme.customer.principal), &[]).await;
    assert!(matches!(
        d.kb.download_file(
            &objects,
            FileReader::Help(&customer),
            internal,
            secret.file.id
        )
        .await,
        Err(DomainError::NotFound)
    ));
    // A file id of another article is not this one's.
    assert!(matches!(
        d.kb.download_file(&objects, FileReader::Help(&help), draft, secret.file.id)
            .await,
        Err(DomainError::NotFound)
    ));
    assert_eq!(d.kb.files(d.owner(), draft).await.unwrap().len(), 1);
}

#[tokio::test]
async fn bad_files_are_refused_by_field_and_only_writers_upload() {
    let d = desk().await;
    let objects = MemoryObjects::new();
    let id = d
        .article("Setup", "x", Visibility::Public, ArticleStatus::Published)
        .await;
    let fields = |e: DomainError| match e {
        DomainError::Invalid(errors) => errors
            .iter()
            .map(|e| (e.field.clone(), e.code))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let big =
        d.kb.upload_file(
            &objects,
            d.owner(),
            id,
            png(21 * 1024 * 1024),
            d.clock.now(),
        )
        .await;
    assert_eq!(
        fields(big.unwrap_err()),
        vec![("size".to_owned(), "file_too_large")]
    );
    let exe = UploadInput {
        filename: Some("setup.exe".into()),
        content_type: Some("application/octet-stream".into()),
        size: Some(10),
    };
    let exe =
        d.kb.upload_file(&objects, d.owner(), id, exe, d.clock.now())
            .await;
    assert_eq!(
        fields(exe.unwrap_err()),
        vec![("filename".to_owned(), "file_type_not_allowed")]
    );
    let nothing =
        d.kb.upload_file(
            &objects,
            d.owner(),
            id,
            UploadInput::default(),
            d.clock.now(),
        )
        .await;
    assert_eq!(fields(nothing.unwrap_err()).len(), 3);
    let agent =
        d.kb.upload_file(
            &objects,
            &d.acme.agent.principal,
            id,
            png(10),
            d.clock.now(),
        )
        .await;
    assert!(matches!(agent, Err(DomainError::Forbidden)));
}

#[tokio::test]
async fn files_leave_with_their_article_or_one_by_one() {
    let d = desk().await;
    let objects = MemoryObjects::new();
    let id = d
        .article("Setup", "x", Visibility::Public, ArticleStatus::Published)
        .await;
    let mut made = Vec::new();
    for _ in 0..2 {
        let f =
            d.kb.upload_file(&objects, d.owner(), id, png(4), d.clock.now())
                .await
                .unwrap();
        objects.put_at(
            &switchboard_testkit::twins::article_file_key(&f.file),
            b"abcd",
            "image/png",
        );
        made.push(f.file);
    }
    assert_eq!(objects.keys().len(), 2);
    d.kb.delete_file(&objects, d.owner(), id, made[0].id)
        .await
        .unwrap();
    assert_eq!(objects.keys().len(), 1);
    assert!(matches!(
        d.kb.delete_file(&objects, d.owner(), id, made[0].id).await,
        Err(DomainError::NotFound)
    ));
    d.kb.delete_article_and_files(&objects, d.owner(), id, None, d.clock.now())
        .await
        .unwrap();
    assert!(objects.keys().is_empty());
}

#[tokio::test]
async fn a_published_article_served_in_no_locale_serves_no_file() {
    use switchboard_domain::kb::translating::TranslationInput;
    let d = desk().await;
    let objects = MemoryObjects::new();
    // Written in French only, as a translation kept from readers.
    let mut input = kb_support::new_article(d.section, "Réglages", "x");
    input.locale = Some(kb_support::locale("fr"));
    input.status = Some(ArticleStatus::Published);
    let (article, _) =
        d.kb.create_article(d.owner(), input, d.clock.now())
            .await
            .unwrap();
    let version = d.version(article.id).await;
    d.kb.save_translation(
        d.owner(),
        article.id,
        kb_support::locale("en"),
        TranslationInput {
            title: "Settings".into(),
            slug: None,
            body: "y".into(),
            draft: true,
        },
        version,
        d.clock.now(),
    )
    .await
    .unwrap();
    let f =
        d.kb.upload_file(&objects, d.owner(), article.id, png(4), d.clock.now())
            .await
            .unwrap();
    // An English reader is served the default (English), which is hidden.
    let help = d.help(None, &["de"]).await;
    assert!(matches!(
        d.kb.help_article(&help, &article.id.to_string(), d.clock.now())
            .await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        d.kb.download_file(&objects, FileReader::Help(&help), article.id, f.file.id)
            .await,
        Err(DomainError::NotFound)
    ));
    // A French reader gets both.
    let fr = d.help(None, &["fr"]).await;
    assert!(
        d.kb.download_file(&objects, FileReader::Help(&fr), article.id, f.file.id)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_image_of_a_customers_article_is_reached_by_its_signed_address() {
    use switchboard_domain::kb::files::SIGNED_FILE_TTL;
    let d = desk().await;
    let objects = MemoryObjects::new();
    let id = d
        .article(
            "Pricing",
            "x",
            Visibility::Customers,
            ArticleStatus::Published,
        )
        .await;
    let f =
        d.kb.upload_file(&objects, d.owner(), id, png(4), d.clock.now())
            .await
            .unwrap()
            .file;
    let slug = d.acme.tenant.slug.as_str().to_owned();
    let markdown = format!("![plan]({})", f.path(&slug));
    let article = d.kb.article(d.owner(), id).await.unwrap();
    let html = d.kb.article_html(&article, &markdown, &slug, d.clock.now());
    let start = html.find("?expires=").expect("a signed address");
    let query = &html[start + 1..html[start..].find('"').map_or(html.len(), |e| start + e)];
    let (expires, signature) = query
        .split_once("&amp;signature=")
        .or_else(|| query.split_once("&signature="))
        .unwrap();
    let expires: i64 = expires.trim_start_matches("expires=").parse().unwrap();
    // Nobody with the signed address gets the file; without it, nothing.
    let nobody = d.help(None, &[]).await;
    let get = |signature: String, now| {
        let (kb, objects, nobody) = (&d.kb, &objects, &nobody);
        async move {
            let reader = FileReader::Signed {
                ctx: nobody,
                expires,
                signature: &signature,
                now,
            };
            kb.download_file(objects, reader, id, f.id).await
        }
    };
    assert!(get(signature.to_owned(), d.clock.now()).await.is_ok());
    assert!(matches!(
        d.kb.download_file(&objects, FileReader::Help(&nobody), id, f.id)
            .await,
        Err(DomainError::NotFound)
    ));
    assert!(matches!(
        get("0000".into(), d.clock.now()).await,
        Err(DomainError::NotFound)
    ));
    let later = d.clock.now() + SIGNED_FILE_TTL * 2;
    assert!(matches!(
        get(signature.to_owned(), later).await,
        Err(DomainError::NotFound)
    ));
    // Within one hour, the same answer (it revalidates to 304).
    let on_the_hour = jiff::Timestamp::from_second(1_800_000_000 / 3600 * 3600).unwrap();
    let at = |minutes| on_the_hour + jiff::SignedDuration::from_mins(minutes);
    assert_eq!(
        d.kb.article_html(&article, &markdown, &slug, at(1)),
        d.kb.article_html(&article, &markdown, &slug, at(59))
    );
    assert_ne!(
        d.kb.article_html(&article, &markdown, &slug, at(59)),
        d.kb.article_html(&article, &markdown, &slug, at(61))
    );
    // A public article's addresses need no signature.
    let public = d
        .article("Open", "x", Visibility::Public, ArticleStatus::Published)
        .await;
    let article = d.kb.article(d.owner(), public).await.unwrap();
    assert!(
        !d.kb
            .article_html(&article, &markdown, &slug, d.clock.now())
            .contains("signature")
    );
}
