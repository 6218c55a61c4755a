//! Files going up: presigned uploads bound to what the client declared,
//! checked before they are attached to a ticket or a comment, and what a
//! bad file or a failed write leaves behind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use jiff::{SignedDuration, Timestamp};
use support::*;
use switchboard_domain::accounts::api_key::Scope;
use switchboard_domain::accounts::permissions::Principal;
use switchboard_domain::accounts::user::Role;
use switchboard_domain::attachments::attachment::{MAX_FILE_BYTES, Upload};
use switchboard_domain::attachments::service::{Attachments, CommentWithFiles, UploadInput};
use switchboard_domain::kernel::events::EventType;
use switchboard_domain::kernel::ids::{TicketId, UploadId};
use switchboard_domain::tickets::events::CommentCreated;
use switchboard_domain::tickets::input::NewComment;
use switchboard_domain::tickets::service::Ticketing;
use switchboard_domain::{DomainError, StoreError};
use switchboard_testkit::{MemoryObjects, MemoryStore};

type Files = Attachments<MemoryStore, MemoryObjects>;

fn declared(name: &str, content_type: &str, size: usize) -> UploadInput {
    UploadInput {
        filename: Some(name.into()),
        content_type: Some(content_type.into()),
        size: Some(i64::try_from(size).unwrap()),
    }
}

/// Presigns an upload and puts `bytes` where the client's PUT would.
async fn uploaded(
    files: &Files,
    objects: &MemoryObjects,
    who: &Principal,
    ticket: TicketId,
    name: &str,
    bytes: &[u8],
    now: Timestamp,
) -> Upload {
    let (upload, _) = files
        .start_upload(who, ticket, declared(name, "text/plain", bytes.len()), now)
        .await
        .unwrap();
    objects.upload(&upload, bytes, "text/plain");
    upload
}

fn with_files(comment: NewComment, uploads: &[&Upload]) -> CommentWithFiles {
    CommentWithFiles {
        comment,
        uploads: uploads.iter().map(|u| u.id.to_string()).collect(),
    }
}

#[tokio::test]
async fn an_upload_is_presigned_for_exactly_the_declared_size_and_type() {
    let (clock, store, acme) = world().await;
    let objects = MemoryObjects::with_clock(clock.clone());
    let files = Attachments::new(store.clone(), objects.clone());
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    store.take_events();
    let (upload, presigned) = files
        .start_upload(
            &acme.customer.principal,
            t.id,
            declared("C:\\Users\\ana\\Résumé.pdf", "Application/PDF; x=y", 2048),
            clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(upload.filename, "Résumé.pdf");
    assert_eq!(upload.content_type, "application/pdf");
    assert_eq!(upload.size, 2048);
    assert_eq!(upload.ticket_id, t.id);
    assert_eq!(upload.uploaded_by, acme.customer.principal.actor());
    assert_eq!(
        upload.expires_at,
        clock.now() + SignedDuration::from_mins(15)
    );
    assert_eq!(presigned.method, "PUT");
    assert!(
        presigned
            .headers
            .contains(&("content-length".into(), "2048".into()))
    );
    assert!(
        presigned
            .headers
            .contains(&("content-type".into(), "application/pdf".into()))
    );
    assert!(presigned.url.contains(&upload.id.ulid().to_string()));
    assert!(
        store.take_events().is_empty(),
        "nothing happened to the ticket yet"
    );
}

#[tokio::test]
async fn a_declared_file_is_checked_field_by_field() {
    let (clock, store, acme) = world().await;
    let files = Attachments::new(store.clone(), MemoryObjects::with_clock(clock.clone()));
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let me = &acme.customer.principal;
    let check = |input: UploadInput| {
        let files = &files;
        let now = clock.now();
        async move { invalid(files.start_upload(me, t.id, input, now).await) }
    };
    assert_eq!(
        check(UploadInput::default()).await,
        vec![
            ("filename".into(), "required"),
            ("contentType".into(), "required"),
            ("size".into(), "required"),
        ]
    );
    assert_eq!(
        check(UploadInput {
            filename: Some("..".into()),
            content_type: Some("png".into()),
            size: Some(-1),
        })
        .await,
        vec![
            ("filename".into(), "invalid_filename"),
            ("contentType".into(), "invalid_content_type"),
            ("size".into(), "invalid"),
        ]
    );
    assert_eq!(
        check(declared("empty.txt", "text/plain", 0)).await,
        vec![("size".into(), "empty_file")]
    );
    let too_big = usize::try_from(MAX_FILE_BYTES).unwrap() + 1;
    assert_eq!(
        check(declared("huge.iso", "application/octet-stream", too_big)).await,
        vec![("size".into(), "file_too_large")]
    );
    assert_eq!(
        check(declared("setup.EXE", "application/octet-stream", 10)).await,
        vec![("filename".into(), "file_type_not_allowed")]
    );
    assert_eq!(
        check(declared("notes.txt", "application/x-msdownload", 10)).await,
        vec![("filename".into(), "file_type_not_allowed")]
    );
    assert!(!store.calls().iter().any(|c| c == "put_upload"));
}

#[tokio::test]
async fn an_upload_needs_a_ticket_the_caller_may_reply_on() {
    let (clock, store, acme) = world().await;
    let globex = other_tenant(&store, &clock).await;
    let (_, other) = invite(&store, &acme, Role::Customer, "Other Customer", clock.now()).await;
    let files = Attachments::new(store.clone(), MemoryObjects::with_clock(clock.clone()));
    let tickets = Ticketing::new(store.clone());
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let input = || declared("a.txt", "text/plain", 3);
    for who in [&other, &globex.owner.principal] {
        let refused = files.start_upload(who, t.id, input(), clock.now()).await;
        assert!(matches!(refused, Err(DomainError::NotFound)), "{refused:?}");
    }
    let reader = api_key(&acme, Role::Agent, &[Scope::TicketsRead]);
    let refused = files
        .start_upload(&reader, t.id, input(), clock.now())
        .await;
    assert!(
        matches!(refused, Err(DomainError::Forbidden)),
        "{refused:?}"
    );
    let absent = files
        .start_upload(&acme.agent.principal, TicketId::new(), input(), clock.now())
        .await;
    assert!(matches!(absent, Err(DomainError::NotFound)), "{absent:?}");
    assert!(!store.calls().iter().any(|c| c == "put_upload"));
}

#[tokio::test]
async fn an_uploaded_file_is_attached_to_the_ticket_once() {
    let (clock, store, acme) = world().await;
    let objects = MemoryObjects::with_clock(clock.clone());
    let files = Attachments::new(store.clone(), objects.clone());
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let t = open(&tickets, me, "S", clock.now()).await;
    let upload = uploaded(&files, &objects, me, t.id, "log.txt", b"boom", clock.now()).await;
    clock.advance(SignedDuration::from_mins(1));
    let attachment = files
        .attach(me, t.id, &upload.id.to_string(), clock.now())
        .await
        .unwrap();
    assert_eq!(attachment.ticket_id, t.id);
    assert_eq!(attachment.comment_id, None);
    assert!(attachment.public);
    assert_eq!(
        (attachment.filename.as_str(), attachment.size),
        ("log.txt", 4)
    );
    assert_eq!(attachment.created_at, clock.now());
    assert_eq!(objects.file(&attachment).unwrap().bytes, b"boom".to_vec());
    assert_eq!(objects.keys().len(), 1, "the upload moved under the ticket");
    let again = files
        .attach(me, t.id, &upload.id.to_string(), clock.now())
        .await;
    assert_eq!(invalid(again), vec![("uploadId".into(), "unknown_upload")]);
}

#[tokio::test]
async fn a_file_not_uploaded_or_not_as_declared_is_refused_and_a_wrong_one_deleted() {
    let (clock, store, acme) = world().await;
    let objects = MemoryObjects::with_clock(clock.clone());
    let files = Attachments::new(store.clone(), objects.clone());
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let t = open(&tickets, me, "S", clock.now()).await;
    let (pending, _) = files
        .start_upload(me, t.id, declared("a.txt", "text/plain", 3), clock.now())
        .await
        .unwrap();
    let not_yet = files
        .attach(me, t.id, &pending.id.to_string(), clock.now())
        .await;
    assert_eq!(invalid(not_yet), vec![("uploadId".into(), "not_uploaded")]);

    objects.upload(&pending, b"a much longer file than declared", "text/plain");
    let mismatch = files
        .attach(me, t.id, &pending.id.to_string(), clock.now())
        .await;
    assert_eq!(
        invalid(mismatch),
        vec![("uploadId".into(), "upload_mismatch")]
    );
    assert!(objects.keys().is_empty(), "the wrong file was deleted");

    let (typed, _) = files
        .start_upload(me, t.id, declared("b.txt", "text/plain", 3), clock.now())
        .await
        .unwrap();
    objects.upload(&typed, b"abc", "text/html");
    let wrong_type = files
        .attach(me, t.id, &typed.id.to_string(), clock.now())
        .await;
    assert_eq!(
        invalid(wrong_type),
        vec![("uploadId".into(), "upload_mismatch")]
    );

    let junk = files.attach(me, t.id, "upl_nonsense", clock.now()).await;
    assert_eq!(invalid(junk), vec![("uploadId".into(), "invalid_id")]);
    assert!(files.list(me, t.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn only_the_uploader_attaches_an_upload_and_only_to_its_ticket() {
    let (clock, store, acme) = world().await;
    let objects = MemoryObjects::with_clock(clock.clone());
    let files = Attachments::new(store.clone(), objects.clone());
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let first = open(&tickets, me, "First", clock.now()).await;
    let second = open(&tickets, me, "Second", clock.now()).await;
    let upload = uploaded(&files, &objects, me, first.id, "a.txt", b"abc", clock.now()).await;
    let by_agent = files
        .attach(
            &acme.agent.principal,
            first.id,
            &upload.id.to_string(),
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(by_agent),
        vec![("uploadId".into(), "unknown_upload")]
    );
    let elsewhere = files
        .attach(me, second.id, &upload.id.to_string(), clock.now())
        .await;
    assert_eq!(
        invalid(elsewhere),
        vec![("uploadId".into(), "unknown_upload")]
    );
    let unknown = files
        .attach(me, first.id, &UploadId::new().to_string(), clock.now())
        .await;
    assert_eq!(
        invalid(unknown),
        vec![("uploadId".into(), "unknown_upload")]
    );
    assert!(
        files
            .attach(me, first.id, &upload.id.to_string(), clock.now())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_attach_that_failed_to_record_can_be_retried() {
    let (clock, store, acme) = world().await;
    let objects = MemoryObjects::with_clock(clock.clone());
    let files = Attachments::new(store.clone(), objects.clone());
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let t = open(&tickets, me, "S", clock.now()).await;
    let upload = uploaded(&files, &objects, me, t.id, "a.txt", b"abc", clock.now()).await;
    store.fail_next_call_to("attach", StoreError::Unavailable("down".into()));
    let failed = files
        .attach(me, t.id, &upload.id.to_string(), clock.now())
        .await;
    assert!(
        matches!(failed, Err(DomainError::Store(StoreError::Unavailable(_)))),
        "{failed:?}"
    );
    let retried = files
        .attach(me, t.id, &upload.id.to_string(), clock.now())
        .await;
    assert!(retried.is_ok(), "{retried:?}");
}

#[tokio::test]
async fn a_comment_with_files_carries_them_and_its_event_says_how_many() {
    let (clock, store, acme) = world().await;
    let objects = MemoryObjects::with_clock(clock.clone());
    let files = Attachments::new(store.clone(), objects.clone());
    let tickets = Ticketing::new(store.clone());
    let agent = &acme.agent.principal;
    let t = open(&tickets, &acme.customer.principal, "S", clock.now()).await;
    let a = uploaded(&files, &objects, agent, t.id, "a.txt", b"aaa", clock.now()).await;
    let b = uploaded(&files, &objects, agent, t.id, "b.txt", b"bb", clock.now()).await;
    store.take_events();
    let ((comment, attached), replayed) = files
        .comment(
            &tickets,
            agent,
            t.id,
            with_files(reply("Logs attached"), &[&a, &b]),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(!replayed);
    assert_eq!(attached.len(), 2);
    assert!(
        attached
            .iter()
            .all(|x| x.comment_id == Some(comment.id) && x.public)
    );
    let created = only(&store.take_events(), EventType::CommentCreated)
        .payload::<CommentCreated>()
        .unwrap();
    assert_eq!(created.files, 2);

    let c = uploaded(&files, &objects, agent, t.id, "c.txt", b"c", clock.now()).await;
    let ((_, on_note), _) = files
        .comment(
            &tickets,
            agent,
            t.id,
            with_files(note("internal"), &[&c]),
            None,
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    assert!(
        !on_note[0].public,
        "a note's file is as private as the note"
    );
}

#[tokio::test]
async fn one_bad_file_refuses_the_whole_comment() {
    let (clock, store, acme) = world().await;
    let objects = MemoryObjects::with_clock(clock.clone());
    let files = Attachments::new(store.clone(), objects.clone());
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let t = open(&tickets, me, "S", clock.now()).await;
    let good = uploaded(&files, &objects, me, t.id, "a.txt", b"abc", clock.now()).await;
    let (missing, _) = files
        .start_upload(me, t.id, declared("b.txt", "text/plain", 3), clock.now())
        .await
        .unwrap();
    store.take_events();
    let refused = files
        .comment(
            &tickets,
            me,
            t.id,
            with_files(reply("two files"), &[&good, &missing, &good]),
            None,
            clock.now(),
        )
        .await;
    assert_eq!(
        invalid(refused),
        vec![
            ("attachments.1".into(), "not_uploaded"),
            ("attachments.2".into(), "duplicate"),
        ]
    );
    assert!(store.take_events().is_empty());
    assert_eq!(
        tickets
            .list_comments(me, t.id, &page(10))
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(
        files
            .attach(me, t.id, &good.id.to_string(), clock.now())
            .await
            .is_ok(),
        "the good upload still waits"
    );
    let many: Vec<String> = (0..21).map(|_| UploadId::new().to_string()).collect();
    let too_many = files
        .comment(
            &tickets,
            me,
            t.id,
            CommentWithFiles {
                comment: reply("lots"),
                uploads: many,
            },
            None,
            clock.now(),
        )
        .await;
    assert_eq!(invalid(too_many), vec![("attachments".into(), "too_many")]);
}

#[tokio::test]
async fn a_retried_comment_with_files_replays_the_first_one() {
    let (clock, store, acme) = world().await;
    let objects = MemoryObjects::with_clock(clock.clone());
    let files = Attachments::new(store.clone(), objects.clone());
    let tickets = Ticketing::new(store.clone());
    let me = &acme.customer.principal;
    let t = open(&tickets, me, "S", clock.now()).await;
    let upload = uploaded(&files, &objects, me, t.id, "a.txt", b"abc", clock.now()).await;
    let request = format!(r#"{{"body":"see file","attachments":["{}"]}}"#, upload.id);
    let k = key(me, "POST /v1/tickets/{id}/comments", "retry-1", &request);
    let ((first, first_files), _) = files
        .comment(
            &tickets,
            me,
            t.id,
            with_files(reply("see file"), &[&upload]),
            Some(k.clone()),
            clock.now(),
        )
        .await
        .unwrap()
        .into_inner();
    let retried = files
        .comment(
            &tickets,
            me,
            t.id,
            with_files(reply("see file"), &[&upload]),
            Some(k),
            clock.now(),
        )
        .await;
    let ((again, again_files), replayed) = retried.unwrap().into_inner();
    assert!(replayed);
    assert_eq!(again.id, first.id);
    assert_eq!(again_files, first_files);
}
